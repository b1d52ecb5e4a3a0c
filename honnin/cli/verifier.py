"""`honnin verifier`: Run a verifier (OpenID4VP) for a new employer: init, serve, request, result."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Run a verifier (OpenID4VP) for a new employer: init, serve, request, result.",
    no_args_is_help=True,
)

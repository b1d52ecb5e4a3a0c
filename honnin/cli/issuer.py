"""`honnin issuer`: Run a credential issuer (OpenID4VCI): init, serve, offers, bulk import, revocation."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Run a credential issuer (OpenID4VCI): init, serve, offers, bulk import, revocation.",
    no_args_is_help=True,
)

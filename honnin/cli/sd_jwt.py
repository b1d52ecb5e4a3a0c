"""`honnin sd-jwt`: SD-JWT (RFC 9901) and SD-JWT VC developer tools: issue, present, verify, decode."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="SD-JWT (RFC 9901) and SD-JWT VC developer tools: issue, present, verify, decode.",
    no_args_is_help=True,
)

"""`honnin mdoc`: ISO 18013-5 mdoc developer tools: issue, present, verify."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="ISO 18013-5 mdoc developer tools: issue, present, verify.", no_args_is_help=True
)

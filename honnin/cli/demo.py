"""`honnin demo`: Run demos end to end on this machine."""

from __future__ import annotations

import typer

app = typer.Typer(help="Run demos end to end on this machine.", no_args_is_help=True)

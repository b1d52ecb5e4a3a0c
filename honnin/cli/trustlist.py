"""`honnin trustlist`: Build, sign, verify, diff and serve trust lists."""

from __future__ import annotations

import typer

app = typer.Typer(help="Build, sign, verify, diff and serve trust lists.", no_args_is_help=True)

"""`honnin wallet`: The person's wallet: receive, list, present, consent rules, disclosure log."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The person's wallet: receive, list, present, consent rules, disclosure log.",
    no_args_is_help=True,
)

"""`honnin card`: My Number Card tools: test cards on SoftHSM2, certificate checks, key attestation."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="My Number Card tools: test cards on SoftHSM2, certificate checks, key attestation.",
    no_args_is_help=True,
)

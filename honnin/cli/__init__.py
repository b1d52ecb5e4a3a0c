"""The ``honnin`` command: one typer app with a sub-command group per role or format."""

from __future__ import annotations

import typer

from honnin.cli import card, demo, issuer, mdoc, sd_jwt, trustlist, verifier, wallet

app = typer.Typer(
    name="honnin",
    help=(
        "honnin (本人): user-mediated credential sharing on ISO/IEC 23220 principles.\n\n"
        "Issuers give people selective-disclosure credentials, the person's wallet decides "
        "what to show to whom, verifiers check what they receive against a trust list."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(sd_jwt.app, name="sd-jwt")
app.add_typer(mdoc.app, name="mdoc")
app.add_typer(trustlist.app, name="trustlist")
app.add_typer(card.app, name="card")
app.add_typer(issuer.app, name="issuer")
app.add_typer(wallet.app, name="wallet")
app.add_typer(verifier.app, name="verifier")
app.add_typer(demo.app, name="demo")


@app.command()
def version() -> None:
    """Print the honnin version."""
    from honnin import __version__

    typer.echo(__version__)


def main() -> None:
    """Entry point of the ``honnin`` console script."""
    app()

"""`honnin verifier`: Run a verifier (OpenID4VP) for a new employer: init, serve, request, result."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from honnin.cli.output import console, err_console, fail, print_json, reported_errors
from specs.ports import SystemClock, SystemRandom

if TYPE_CHECKING:
    from verifier.service import VerifierService

app = typer.Typer(
    help="Run a verifier (OpenID4VP) for a new employer: init, serve, request, result.",
    no_args_is_help=True,
)

ConfigOpt = Annotated[
    Path,
    typer.Option(
        "--config", help="The deployment's verifier.toml (written by `init`).", exists=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document (for scripts).")]


def _service(config: Path) -> VerifierService:
    from verifier.service import VerifierService
    from verifier.settings import load_settings

    return VerifierService(load_settings(config))


def _claim_path(text: str) -> list[str]:
    """Split ``recipient/address`` into a claim path; refuse empty segments."""
    path = text.strip().strip("/").split("/")
    if not all(path):
        fail(f"--also-request {text!r} is not a claim path", hint="e.g. recipient/address")
    return path


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the deployment in.")],
    name: Annotated[str, typer.Option(help="The employer's name (shown to people and HR).")],
    url: Annotated[
        str,
        typer.Option(help="Base URL wallets reach the service at (https, or http on loopback)."),
    ],
    trust_list: Annotated[
        str, typer.Option(help="The signed trust list: a file path or an http(s) URL.")
    ],
    name_en: Annotated[
        str | None, typer.Option(help="English name, if different from --name.")
    ] = None,
    trust_list_anchor: Annotated[
        Path | None,
        typer.Option(
            help="PEM of the trust-list operator (default: operator.pem next to the list file)."
        ),
    ] = None,
    response_mode: Annotated[
        str, typer.Option(help="direct_post.jwt (encrypted, default) or direct_post.")
    ] = "direct_post.jwt",
    as_json: JsonOpt = False,
) -> None:
    """Create keys, a self-signed access certificate, verifier.toml and a SQLite database.

    Prints the client_id and the access certificate: register both with the trust-list
    operator (`honnin trustlist add-verifier --client-id ... --cert ...`) before requesting.
    The HR desk token is written to DIR/hr-token.txt (mode 0600).
    """
    from verifier.provisioning import init_verifier

    with reported_errors(as_json=as_json, hint="choose an empty folder and an existing trust list"):
        deployment = init_verifier(
            directory,
            name_ja=name,
            name_en=name_en or name,
            url=url,
            trust_list=trust_list,
            clock=SystemClock(),
            random=SystemRandom(),
            trust_list_anchor=trust_list_anchor,
            response_mode=response_mode,
        )
    info = {
        "config": str(deployment.settings_path),
        "client_id": deployment.client_id,
        "access_certificate": str(deployment.access_certificate),
        "hr_token_file": str(deployment.settings_path.parent / "hr-token.txt"),
    }
    if as_json:
        print_json(info)
        return
    console.print(f"verifier created: {info['config']}")
    console.print(f"client_id: {info['client_id']}")
    console.print(
        f"access certificate (register it in the trust list): {info['access_certificate']}"
    )
    console.print(f"HR desk token: {info['hr_token_file']}")


@app.command()
def serve(
    config: ConfigOpt,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8700,
) -> None:
    """Serve the OpenID4VP endpoints and the HR desk page (uvicorn)."""
    import uvicorn

    from verifier.app import create_app
    from verifier.settings import load_settings

    with reported_errors(hint="check verifier.toml"):
        application = create_app(load_settings(config))
    uvicorn.run(application, host=host, port=port, log_level="info")


@app.command()
def request(
    config: ConfigOpt,
    purpose: Annotated[
        str, typer.Option(help="Named purpose, e.g. year-end-adjustment (年末調整).")
    ],
    also_request: Annotated[
        list[str] | None,
        typer.Option(
            "--also-request",
            metavar="CLAIM",
            help=(
                "Also ask for this claim path (e.g. recipient/address, my_number), beyond our "
                "trust-list registration, for testing how wallets refuse. Repeatable. Wallets "
                "that follow the trust list withhold it; never use it with real people."
            ),
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a presentation request; print the openid4vp:// link and the transaction id."""
    extra = [_claim_path(c) for c in also_request or ()]
    if extra:
        err_console.print(
            "[bold yellow]warning[/]: this request asks beyond the trust-list registration "
            f"({', '.join(also_request or ())}); wallets should refuse those items. "
            "For testing only.",
            highlight=False,
        )
    with reported_errors(as_json=as_json, hint="is this verifier registered in the trust list?"):
        service = _service(config)
        try:
            created = service.create_request(purpose, session_hash=None, also_request=extra)
        finally:
            service.close()
    if as_json:
        out: dict[str, Any] = {
            "request_link": created.request_link,
            "transaction_id": created.transaction_id,
        }
        if extra:
            out["beyond_registration"] = ["/".join(c) for c in extra]
        print_json(out)
        return
    import segno

    console.print(f"transaction: {created.transaction_id}")
    console.print(created.request_link, soft_wrap=True)
    segno.make(created.request_link, error="m").terminal(compact=True)


@app.command()
def result(
    config: ConfigOpt,
    transaction_id: Annotated[str, typer.Argument(help="The transaction id `request` printed.")],
    as_json: JsonOpt = False,
) -> None:
    """Print the verified claims and every check's outcome, or the exact error.

    Exits 1 when the transaction failed, was declined by the wallet, or expired.
    """
    with reported_errors(as_json=as_json):
        service = _service(config)
        try:
            outcome = service.result(transaction_id, None)
        finally:
            service.close()
    if as_json:
        print_json(outcome)
    else:
        console.print(f"outcome: [bold]{outcome['outcome']}[/]")
        for check in outcome.get("checks", []):
            detail = f" {check.get('code', '')} {check.get('detail', '')}".rstrip()
            console.print(f"  {check['name']}: {check['outcome']}{detail}")
        for path, value in outcome.get("claims", {}).items():
            console.print(f"  {path} = {value}")
        if outcome.get("reason"):
            console.print(f"reason: {outcome['reason']}")
    if outcome["outcome"] in {"failed", "wallet_error", "expired"}:
        raise typer.Exit(1)


@app.command()
def purge(config: ConfigOpt, as_json: JsonOpt = False) -> None:
    """Delete every transaction and audit record older than the retention period."""
    with reported_errors(as_json=as_json):
        service = _service(config)
        try:
            removed = service.purge()
        finally:
            service.close()
    if as_json:
        print_json({"deleted_transactions": removed})
    else:
        console.print(f"deleted {removed} transaction(s)")


@app.command()
def export(
    config: ConfigOpt,
    transaction_id: Annotated[list[str], typer.Argument(help="Verified transaction ids.")],
    format: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
) -> None:
    """Export verified results for payroll import (CSV or JSON) to stdout."""
    import json

    from verifier.export import export_csv, export_json

    if format not in {"csv", "json"}:
        fail("--format must be csv or json")
    with reported_errors():
        service = _service(config)
        try:
            results = [service.verified_result(t, None) for t in transaction_id]
        finally:
            service.close()
    if format == "csv":
        typer.echo(export_csv(results), nl=False)
    else:
        typer.echo(json.dumps(export_json(results), ensure_ascii=False, indent=2))

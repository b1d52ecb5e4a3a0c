"""`honnin issuer`: Run a credential issuer (OpenID4VCI): init, serve, offers, bulk import, revocation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from honnin.cli.output import (
    console,
    err_console,
    fail,
    print_json,
    read_json_file,
    reported_errors,
)
from specs.errors import Unsupported
from specs.openid4vci.constants import FORMAT_DC_SD_JWT, FORMAT_LDP_VC, FORMAT_MSO_MDOC

OFFER_FORMATS = (FORMAT_DC_SD_JWT, FORMAT_MSO_MDOC, FORMAT_LDP_VC)

if TYPE_CHECKING:
    from issuer.service import IssuedOffer, IssuerService

app = typer.Typer(
    help="Run a credential issuer (OpenID4VCI): init, serve, offers, bulk import, revocation.",
    no_args_is_help=True,
)

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", help="The issuer.toml written by `honnin issuer init`."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]
HINT = "check --config points at the issuer.toml written by `honnin issuer init`"


def _service(config: Path) -> IssuerService:
    from issuer.service import IssuerService
    from issuer.settings import load_settings

    return IssuerService(load_settings(config))


def _write_offer_files(
    service: IssuerService, offer: IssuedOffer, qr: Path | None, letter: Path | None, name: str
) -> None:
    from issuer.bulk import letter_text
    from issuer.qr import write_qr

    if qr is not None:
        write_qr(offer.offer_uri, qr)
    if letter is not None:
        letter.parent.mkdir(parents=True, exist_ok=True)
        letter.write_text(letter_text(service, name, offer), encoding="utf-8")


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the deployment in.")],
    name: Annotated[
        str,
        typer.Option(
            help='Issuer name shown to people: "日本語名/English name", or Japanese only '
            "with --name-en."
        ),
    ],
    url: Annotated[
        str, typer.Option(help="Credential Issuer Identifier: https URL (http only on loopback).")
    ],
    name_en: Annotated[
        str | None, typer.Option(help="English name (when --name holds only the Japanese one).")
    ] = None,
    types: Annotated[
        str | None,
        typer.Option(help="Comma-separated credential types to issue (default: all known)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create keys, a certificate, issuer.toml, an admin token and a SQLite database in DIRECTORY."""
    from issuer.provisioning import init_issuer
    from specs.credentials import CREDENTIAL_TYPES, credential_type
    from specs.ports import SystemClock, SystemRandom

    name_ja, _, english = name.partition("/")
    name_ja, english = name_ja.strip(), (name_en or english).strip()
    if not name_ja:
        fail("--name is empty", hint='use --name "日本語名/English name"', as_json=as_json)
    chosen = [t.strip() for t in types.split(",") if t.strip()] if types else list(CREDENTIAL_TYPES)
    with reported_errors(as_json=as_json, hint="choose an empty folder and an https URL"):
        for type_id in chosen:
            credential_type(type_id)
        deployment = init_issuer(
            directory,
            name_ja=name_ja,
            name_en=english or name_ja,
            url=url,
            clock=SystemClock(),
            random=SystemRandom(),
            credential_types=chosen,
        )
    out = {
        "config": str(deployment.settings_path),
        "certificate": str(deployment.certificate_pem),
        "admin_token_file": str(directory / "admin-token.txt"),
    }
    if as_json:
        print_json(out)
        return
    console.print(f"[green]issuer created[/] in {directory}")
    console.print(f"  settings:    {out['config']}")
    console.print(f"  certificate: {out['certificate']}")
    console.print(f"  admin token: {out['admin_token_file']} (keep it secret)")
    console.print(f"next: honnin issuer serve --config {out['config']}")


@app.command()
def serve(
    config: ConfigOption,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
) -> None:
    """Run the issuer service (OpenID4VCI endpoints, status lists, admin API) with uvicorn."""
    import uvicorn

    from issuer.app import create_app
    from issuer.settings import load_settings

    with reported_errors(hint=HINT):
        application = create_app(load_settings(config))
    uvicorn.run(application, host=host, port=port, log_level="info")


@app.command()
def offer(
    config: ConfigOption,
    data: Annotated[Path, typer.Option(help="JSON file with the person's claims.")],
    type_id: Annotated[
        str, typer.Option("--type", help="Credential type, e.g. withholding-slip.")
    ] = "withholding-slip",
    credential_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="Credential format: dc+sd-jwt (SD-JWT VC), mso_mdoc (ISO mdoc) or ldp_vc "
            "(W3C VC with Data Integrity).",
        ),
    ] = "dc+sd-jwt",
    by_reference: Annotated[
        bool, typer.Option(help="Link to the offer (credential_offer_uri) instead of embedding it.")
    ] = False,
    qr: Annotated[
        Path | None, typer.Option(help="Also write the offer's QR code here (.png or .svg).")
    ] = None,
    letter: Annotated[
        Path | None, typer.Option(help="Also write the tx_code letter (text) here.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an offer for one person and print the offer link and its tx_code.

    With --json stdout is exactly {"offer_uri": ..., "tx_code": ...}; the offer id (for
    revoke, suspend, reissue) goes to stderr. Send the tx_code by another channel.
    """
    with reported_errors(as_json=as_json, hint=HINT):
        service = _service(config)
        try:
            claims = read_json_file(data)
            if credential_format not in OFFER_FORMATS:
                raise Unsupported(
                    f"unknown credential format {credential_format!r}; "
                    f"use one of {', '.join(OFFER_FORMATS)}"
                )
            created, _ = service.create_offer(
                type_id, claims, by_reference=by_reference, credential_format=credential_format
            )
            _write_offer_files(service, created, qr, letter, _person_name(claims))
        finally:
            service.close()
    if as_json:
        print_json({"offer_uri": created.offer_uri, "tx_code": created.tx_code})
        err_console.print(f"offer id: {created.offer_id}")
        return
    console.print(f"[green]offer created[/]: {created.offer_id}")
    console.print(f"offer:   {created.offer_uri}")
    console.print(f"tx_code: {created.tx_code}  [dim](send it separately)[/]")


def _person_name(claims: Any) -> str:
    recipient = claims.get("recipient") if isinstance(claims, dict) else None
    if isinstance(recipient, dict) and isinstance(recipient.get("name"), str):
        return str(recipient["name"])
    name = claims.get("name") if isinstance(claims, dict) else None
    return name if isinstance(name, str) else ""


# What a status change also means for credentials the offer has not issued yet.
_LATER = {
    "suspend": "; what the offer issues later is suspended too, until `resume`",
    "resume": "; what the offer issues later is valid",
}


def _status_command(action: str, doc: str) -> None:
    def command(
        credential_id: Annotated[
            str, typer.Argument(help="Offer id or credential id (the whole batch is changed).")
        ],
        config: ConfigOption,
        as_json: JsonOption = False,
    ) -> None:
        with reported_errors(as_json=as_json, hint=HINT):
            service = _service(config)
            try:
                change = getattr(service, action)(credential_id)
            finally:
                service.close()
        out = {
            "offer_id": change.offer_id,
            "credential_ids": list(change.credential_ids),
            "status": change.status,
            "offer_locked": change.offer_locked,
        }
        if as_json:
            print_json(out)
        else:
            console.print(
                f"[green]{action}[/]: offer {change.offer_id}, "
                f"{len(change.credential_ids)} credential(s)"
                + (", offer locked" if change.offer_locked else "")
                + _LATER.get(action, "")
            )

    command.__doc__ = doc
    app.command(name=action)(command)


_status_command("revoke", "Revoke a credential (all its batch instances) in the status list.")
_status_command("suspend", "Suspend a credential, and what its offer issues later, until `resume`.")
_status_command("resume", "Lift the suspension of a credential (and of its offer).")


@app.command()
def reissue(
    credential_id: Annotated[str, typer.Argument(help="Offer id or credential id to replace.")],
    config: ConfigOption,
    data: Annotated[
        Path | None, typer.Option(help="JSON file with the corrected claims (default: the same).")
    ] = None,
    by_reference: Annotated[bool, typer.Option(help="Offer by reference.")] = False,
    qr: Annotated[Path | None, typer.Option(help="Write the new offer's QR code here.")] = None,
    letter: Annotated[Path | None, typer.Option(help="Write the tx_code letter here.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a credential and create a new offer with the corrected claims."""
    with reported_errors(as_json=as_json, hint=HINT):
        service = _service(config)
        try:
            claims = read_json_file(data) if data is not None else None
            created, change = service.reissue(credential_id, claims, by_reference=by_reference)
            name = _person_name(claims or service.repository.offer(created.offer_id).claims)
            _write_offer_files(service, created, qr, letter, name)
        finally:
            service.close()
    out = {
        "offer_uri": created.offer_uri,
        "tx_code": created.tx_code,
        "offer_id": created.offer_id,
        "revoked_credential_ids": list(change.credential_ids),
    }
    if as_json:
        print_json(out)
    else:
        console.print(
            f"[green]re-issued[/]: old {change.offer_id} revoked, new offer {created.offer_id}"
        )
        console.print(f"offer:   {created.offer_uri}")
        console.print(f"tx_code: {created.tx_code}  [dim](send it separately)[/]")


@app.command(name="import")
def import_payroll_command(
    payroll: Annotated[Path, typer.Argument(help="Payroll CSV (see examples/README.md).")],
    config: ConfigOption = Path("issuer.toml"),
    offers_dir: Annotated[
        Path, typer.Option(help="Where offers.csv and QR files go (to the people).")
    ] = Path("offers"),
    tx_codes_dir: Annotated[
        Path, typer.Option(help="Where tx-codes.csv and letters go (a separate channel).")
    ] = Path("tx-codes"),
    qr: Annotated[str, typer.Option(help="QR file format: png, svg or none.")] = "png",
    by_reference: Annotated[bool, typer.Option(help="Offers by reference.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create offers for every valid row of a payroll CSV; report bad rows by line and field.

    Idempotent: rows imported before are skipped. Exits 1 when any row was bad (the good
    rows are imported all the same).
    """
    from rich.progress import Progress

    from issuer.bulk import import_payroll, write_outputs

    if qr not in ("png", "svg", "none"):
        fail(f"--qr must be png, svg or none, not {qr!r}", as_json=as_json)
    with reported_errors(as_json=as_json, hint=HINT):
        service = _service(config)
        try:
            data = payroll.read_bytes()
            with Progress(console=err_console, disable=as_json, transient=True) as bar:
                task = bar.add_task("creating offers", total=None)

                def advance(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                report = import_payroll(service, data, by_reference=by_reference, progress=advance)
                write_outputs(
                    service,
                    report,
                    offers_dir=offers_dir,
                    tx_codes_dir=tx_codes_dir,
                    qr=None if qr == "none" else qr,
                )
        finally:
            service.close()
    summary = report.summary()
    summary["offers_dir"] = str(offers_dir)
    summary["tx_codes_dir"] = str(tx_codes_dir)
    if as_json:
        print_json(summary)
    else:
        console.print(
            f"[green]{summary['created']} offers created[/], "
            f"{summary['already_imported']} already imported, {len(report.errors)} bad rows"
        )
        for error in report.errors:
            where = f"line {error.line}" + (f", {error.column}" if error.column else "")
            err_console.print(f"[red]{where}[/]: {error.error.detail}")
        console.print(f"offers: {offers_dir}   tx_codes (send separately): {tx_codes_dir}")
    if report.errors:
        raise typer.Exit(1)

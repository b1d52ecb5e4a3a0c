"""`honnin wallet`: the person's wallet: receive, list, present, consent rules, disclosure log."""

from __future__ import annotations

import asyncio
import csv
import functools
import inspect
import io
import json
import os
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from inspect import Parameter
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import typer
from rich.table import Table

from honnin.cli.output import console, fail, print_json, read_text_file, reported_errors
from specs.errors import ClaimPath, HonninError
from specs.ports import SystemClock, SystemRandom
from specs.urls import LOOPBACK_HOSTS
from wallet.constants import HOME_ENV, OUTCOME_DISCLOSED, PASSPHRASE_ENV
from wallet.credential_status import (
    CredentialOutcome,
    check_credential_statuses,
    status_check_of,
)
from wallet.holder import Wallet
from wallet.presenting import (
    PendingPresentation,
    approve_all,
    approve_names,
    deliver,
    fetch_request,
    prepare,
    refuse,
    respond,
    verify_incoming,
)
from wallet.qr import read_qr
from wallet.receiving import receive
from wallet.transport import WalletHttp

T = TypeVar("T")

app = typer.Typer(
    help=(
        "The person's wallet: receive credentials, see them, present only what you agree to, "
        "save consent rules, read and verify the disclosure log (情報提供等記録)."
    ),
    no_args_is_help=True,
)

# Tests replace this to reach in-process issuer and verifier apps (httpx ASGITransport).
client_factory: Callable[[], httpx.AsyncClient] = lambda: httpx.AsyncClient(timeout=20.0)  # noqa: E731

HomeOption = Annotated[
    Path,
    typer.Option("--home", envvar=HOME_ENV, help="Wallet directory.", show_default=True),
]
PassFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help=f"Read the passphrase from this file (or set {PASSPHRASE_ENV}); else you are asked.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
DEFAULT_HOME = Path.home() / ".honnin" / "wallet"


def _passphrase(passphrase_file: Path | None, *, confirm: bool = False) -> str:
    if passphrase_file is not None:
        return read_text_file(passphrase_file)
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    return str(typer.prompt("Wallet passphrase", hide_input=True, confirmation_prompt=confirm))


def _open(home: Path, passphrase_file: Path | None) -> Wallet:
    return Wallet.open(
        home, _passphrase(passphrase_file), clock=SystemClock(), random=SystemRandom()
    )


@contextmanager
def _opened(home: Path, passphrase_file: Path | None) -> Iterator[Wallet]:
    """Open the wallet for one command and always close it."""
    wallet = _open(home, passphrase_file)
    try:
        yield wallet
    finally:
        wallet.close()


@dataclass(frozen=True)
class WalletAccess:
    """Which wallet a command opens and how it answers: --home, --passphrase-file, --json."""

    home: Path
    passphrase_file: Path | None
    as_json: bool

    def opened(self) -> AbstractContextManager[Wallet]:
        """Open the wallet for the command and always close it."""
        return _opened(self.home, self.passphrase_file)


# Appended, in this order, to the options of every command made by _wallet_command.
_ACCESS_OPTIONS = (
    Parameter("home", Parameter.KEYWORD_ONLY, default=DEFAULT_HOME, annotation=HomeOption),
    Parameter("passphrase_file", Parameter.KEYWORD_ONLY, default=None, annotation=PassFileOption),
    Parameter("as_json", Parameter.KEYWORD_ONLY, default=False, annotation=JsonOption),
)


def _wallet_command(
    name: str | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command that ends with --home, --passphrase-file and --json.

    The function declares its own options and takes those three as ``access: WalletAccess``.
    """

    def register(body: Callable[..., None]) -> Callable[..., None]:
        own = [
            p.replace(kind=Parameter.KEYWORD_ONLY)
            for p in inspect.signature(body, eval_str=True).parameters.values()
            if p.name != "access"
        ]
        parameters = [*own, *_ACCESS_OPTIONS]

        @functools.wraps(body)
        def command(
            *, home: Path, passphrase_file: Path | None, as_json: bool, **options: Any
        ) -> None:
            body(**options, access=WalletAccess(home, passphrase_file, as_json))

        # typer reads the options from the signature and the annotations.
        command.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
        return app.command(name=name)(command)

    return register


def _run(step: Callable[[WalletHttp], Awaitable[T]]) -> T:
    async def main() -> T:
        async with client_factory() as client:
            return await step(WalletHttp(client))

    return asyncio.run(main())


def _link(link: str | None, qr: Path | None) -> str:
    if qr is not None:
        return read_qr(qr)
    if not link:
        fail("give a link or --qr IMAGE", hint="paste the openid-credential-offer:// link")
    return link


@app.command()
def init(
    home: HomeOption = DEFAULT_HOME,
    passphrase_file: PassFileOption = None,
    trust_list: Annotated[
        Path | None, typer.Option(help="Signed trust list (JWS file) to judge verifiers by.")
    ] = None,
    trust_list_anchor: Annotated[
        Path | None, typer.Option(help="PEM certificate of the trust-list operator.")
    ] = None,
    language: Annotated[str, typer.Option(help="Labels in 'ja' or 'en'.")] = "ja",
    card_module: Annotated[
        str | None,
        typer.Option(help="PKCS#11 module of the My Number Card reader (e.g. OpenSC, SoftHSM2)."),
    ] = None,
    card_label: Annotated[str | None, typer.Option(help="Token label of the card.")] = None,
    pin_file: Annotated[Path | None, typer.Option(help="File holding the card PIN.")] = None,
    scrypt_n: Annotated[int, typer.Option(hidden=True)] = 2**15,
    as_json: JsonOption = False,
) -> None:
    """Create a wallet; with --card-module the pseudonym secret comes from the card.

    Without a card the wallet works fully under its passphrase; a card is then needed only
    for key attestation and to recover pseudonyms on a new device.
    """
    with reported_errors(as_json=as_json, hint="see `honnin wallet init --help`"):
        card = None
        if card_module is not None:
            from wallet.card.token import Pkcs11Signer

            pin = (
                read_text_file(pin_file) if pin_file else typer.prompt("Card PIN", hide_input=True)
            )
            kwargs: dict[str, Any] = {"token_label": card_label} if card_label else {}
            card = Pkcs11Signer.open(card_module, pin, **kwargs)
        try:
            wallet = Wallet.create(
                home,
                _passphrase(passphrase_file, confirm=True),
                clock=SystemClock(),
                random=SystemRandom(),
                language=language,
                trust_list=trust_list,
                trust_list_anchor=trust_list_anchor,
                card=card,
                card_module=card_module,
                card_token_label=card_label,
                scrypt_n=scrypt_n,
            )
        finally:
            if card is not None:
                card.close()
        wallet.close()
        out = {"home": str(home), "card_bound": card is not None, "language": language}
        if as_json:
            print_json(out)
        else:
            console.print(f"wallet created in {home} (card: {'yes' if card else 'no'})")


@_wallet_command(name="trust-list")
def trust_list_command(
    access: WalletAccess,
    trust_list: Annotated[
        Path | None, typer.Option(help="Use this signed trust list (JWS file) from now on.")
    ] = None,
    trust_list_anchor: Annotated[
        Path | None,
        typer.Option(help="With --trust-list: the PEM certificate of that list's operator."),
    ] = None,
) -> None:
    """Show the trust list the wallet judges issuers and verifiers by, or point it at another.

    To take a newer list from the same operator, replace the file the wallet reads (its path
    is shown here). A list older than one the wallet accepted before from the same operator
    is refused. --trust-list with --trust-list-anchor switches to another list; nothing
    changes unless it verifies.
    """
    if (trust_list is None) != (trust_list_anchor is None):
        fail(
            "give --trust-list and --trust-list-anchor together",
            hint="the anchor is the certificate of the operator that signed the list",
        )
    hint = "get the current list from its operator"
    with reported_errors(as_json=access.as_json, hint=hint), access.opened() as wallet:
        if trust_list is not None and trust_list_anchor is not None:
            current = wallet.use_trust_list(trust_list, trust_list_anchor)
        else:
            current = wallet.trust_list()
        profile = wallet.profile
    scheme = current.scheme
    out = {
        "trust_list": profile.trust_list,
        "trust_list_anchor": profile.trust_list_anchor,
        "operator": {"ja": scheme.operator_name.ja, "en": scheme.operator_name.en},
        "sequence_number": scheme.sequence_number,
        "issued_at": scheme.issued_at.isoformat(),
        "next_update": scheme.next_update.isoformat(),
        "issuers": len(current.issuers),
        "verifiers": len(current.verifiers),
    }
    if access.as_json:
        print_json(out)
        return
    table = Table("", "")
    for key, value in out.items():
        table.add_row(key, str(value["ja"] if isinstance(value, dict) else value))
    console.print(table)


@_wallet_command(name="receive")
def receive_command(
    access: WalletAccess,
    link: Annotated[str | None, typer.Argument(help="openid-credential-offer:// link.")] = None,
    qr: Annotated[Path | None, typer.Option(help="Read the offer from a QR image.")] = None,
    tx_code: Annotated[
        str | None, typer.Option(help="Transaction code from the issuer's second channel.")
    ] = None,
    batch_size: Annotated[int | None, typer.Option(help="Instances to ask for.")] = None,
) -> None:
    """Receive credentials from an issuer's offer (link or QR image)."""
    with reported_errors(as_json=access.as_json, hint="check the offer link and the tx_code"):
        text = _link(link, qr)
        with access.opened() as wallet:
            got = _run(
                lambda http: receive(wallet, http, text, tx_code=tx_code, batch_size=batch_size)
            )
        out = [
            {
                "id": r.credential.id,
                "type": r.credential.type_id,
                "instances": r.instances,
                "superseded": list(r.superseded),
                "issuer_notified": r.notified,
            }
            for r in got
        ]
        if access.as_json:
            print_json(out)
        else:
            for r in out:
                console.print(f"received {r['type']} ({r['instances']} instances) id={r['id']}")


def _name(display: list[dict[str, Any]], language: str, fallback: str) -> str:
    for item in display:
        if str(item.get("locale", "")).startswith(language):
            return str(item.get("name", fallback))
    return fallback


@_wallet_command(name="list")
def list_command(
    access: WalletAccess,
) -> None:
    """List stored credentials with their names in the wallet's language."""
    with reported_errors(as_json=access.as_json):
        with access.opened() as wallet:
            lang = wallet.profile.language
            rows: list[dict[str, Any]] = [
                {
                    "id": c.id,
                    "type": c.type_id,
                    "name": _name(c.display.get("credential", []), lang, c.type_id),
                    "issuer": _name(c.display.get("issuer", []), lang, c.issuer),
                    "status": c.status,
                    "status_checked_at": status_check_of(c).get("checked_at"),
                    "instances_left": wallet.store.instances_left(c.id),
                }
                for c in wallet.store.credentials()
            ]
        if access.as_json:
            print_json(rows)
            return
        table = Table("id", "name", "issuer", "status", "status checked", "left")
        for r in rows:
            table.add_row(
                r["id"][:12],
                r["name"],
                r["issuer"],
                r["status"],
                r["status_checked_at"] or "never",
                str(r["instances_left"]),
            )
        console.print(table)


@_wallet_command(name="status")
def status_command(
    access: WalletAccess,
) -> None:
    """Check every credential against its issuer's status list; record valid/suspended/revoked.

    Each status list is fetched once (https, or http on loopback; bounded size; 10 s
    timeout) and verified: signed with the key the credential was issued with, its `sub`
    the list the credential points at, not expired. A revoked or suspended credential is
    no longer offered to verifiers. A list that cannot be fetched or verified is reported
    and nothing is recorded for its credentials; the others are still checked (exit status
    1 when any failed).

    Privacy: fetching a list tells its host (the issuer) this wallet's IP address and the
    time, never which credential: the whole list is fetched. Presenting never fetches one.
    """
    with reported_errors(as_json=access.as_json):
        with access.opened() as wallet:
            lang = wallet.profile.language
            report = _run(lambda http: check_credential_statuses(wallet, http))
        rows = [_status_row(item, lang) for item in report.credentials]
        if access.as_json:
            print_json(
                {
                    "checked_at": report.checked_at.isoformat(),
                    "credentials": rows,
                    "lists": [
                        {
                            "uri": item.uri,
                            "verified": item.error is None,
                            "error": _error_json(item.error),
                        }
                        for item in report.lists
                    ],
                }
            )
        else:
            table = Table("id", "name", "status", "was", "checked", "note")
            for r in rows:
                note = r["error"]["detail"] if r["error"] else ""
                if not r["lists"] and not r["error"]:
                    note = "no status list reference"
                table.add_row(
                    r["id"][:12],
                    r["name"],
                    r["status"],
                    r["previous_status"],
                    r["checked_at"] or "not checked",
                    note,
                )
            console.print(table)
        if report.failed:
            raise typer.Exit(1)


def _error_json(error: HonninError | None) -> dict[str, str] | None:
    return None if error is None else {"code": error.code, "detail": error.detail}


def _status_row(item: CredentialOutcome, lang: str) -> dict[str, Any]:
    c = item.credential
    return {
        "id": c.id,
        "type": c.type_id,
        "name": _name(c.display.get("credential", []), lang, c.type_id),
        "status": c.status,
        "previous_status": item.previous_status,
        "issuer_status": item.issuer_status,
        "checked_at": status_check_of(c).get("checked_at") if item.checked else None,
        "lists": list(item.lists),
        "error": _error_json(item.error),
    }


@_wallet_command()
def show(
    access: WalletAccess,
    credential_id: Annotated[str, typer.Argument(help="Credential id (or its first characters).")],
) -> None:
    """Show one credential's items with labels from its type metadata."""
    from specs.credentials import credential_type_by_vct

    with reported_errors(as_json=access.as_json):
        with access.opened() as wallet:
            matches = [c for c in wallet.store.credentials() if c.id.startswith(credential_id)]
            if len(matches) != 1:
                fail(f"{len(matches)} credentials match {credential_id!r}", as_json=access.as_json)
            cred = matches[0]
            lang = wallet.profile.language
        labels: dict[str, str] = {}
        try:
            for info in credential_type_by_vct(cred.vct).claims():
                labels["/".join(map(str, info.path))] = info.ja if lang == "ja" else info.en
        except HonninError:
            pass
        items = _flatten(cred.claims)
        if access.as_json:
            print_json(
                {"id": cred.id, "type": cred.type_id, "status": cred.status, "claims": cred.claims}
            )
            return
        table = Table("item", "value")
        for path, value in items:
            table.add_row(labels.get(path, path), str(value))
        console.print(table)


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for key, item in value.items():
            out.extend(_flatten(item, f"{prefix}/{key}" if prefix else str(key)))
        return out
    return [(prefix, value)]


def _show_screen(pending: PendingPresentation) -> None:
    console.print(f"[bold]{pending.verifier_name}[/] asks, for: [bold]{pending.purpose}[/]")
    for item in pending.screens:
        for entry in item.screen.items:
            mark = (
                "[green]may share[/]" if entry.status == "shareable" else f"[red]{entry.status}[/]"
            )
            console.print(f"  {entry.label} ({'/'.join(map(str, entry.path))}): {mark}")


@_wallet_command()
def present(
    access: WalletAccess,
    link: Annotated[str | None, typer.Argument(help="openid4vp:// request link.")] = None,
    qr: Annotated[Path | None, typer.Option(help="Read the request from a QR image.")] = None,
    approve: Annotated[
        str | None, typer.Option(help="'all' or item names: payment_amount,recipient/address")
    ] = None,
    decline: Annotated[bool, typer.Option(help="Decline: send access_denied at once.")] = False,
    purpose: Annotated[str | None, typer.Option(help="Registered purpose id to use.")] = None,
    remember: Annotated[
        bool, typer.Option(help="Remember the approval for this verifier and purpose.")
    ] = False,
) -> None:
    """Answer a verifier's request: see who asks and why, share only what you approve."""
    with reported_errors(as_json=access.as_json, hint="nothing was disclosed"):
        text = _link(link, qr)
        with access.opened() as wallet:
            result = _run(
                lambda http: _present(wallet, http, text, approve, decline, purpose, access.as_json)
            )
            if remember and result.get("outcome") == OUTCOME_DISCLOSED:
                wallet.store.set_rule(result["verifier"], result["purpose_id"], "remember")
        if access.as_json:
            print_json(result)
        else:
            console.print(result["message"])


async def _present(
    wallet: Wallet,
    http: WalletHttp,
    text: str,
    approve: str | None,
    decline: bool,
    purpose: str | None,
    as_json: bool,
) -> dict[str, Any]:
    request_link, request_object = await fetch_request(http, text)
    trust = wallet.trust_list()
    # An unverifiable request gets no answer: its response_uri cannot be trusted.
    verified = verify_incoming(wallet, request_link, request_object, trust)
    try:
        pending = prepare(wallet, verified, trust, purpose_id=purpose)
    except HonninError as exc:
        outcome = refuse(wallet, verified, exc, trust)
        entry = await deliver(wallet, http, outcome)
        return {**entry, "message": outcome.message}
    if not as_json:
        _show_screen(pending)
    approvals: dict[str, Iterable[ClaimPath]] | None
    if decline:
        approvals = None
    elif approve == "all" or (approve is None and pending.rule.value == "remember"):
        approvals = dict(approve_all(pending))
    elif approve:
        approvals = dict(
            approve_names(pending, [a.strip() for a in approve.split(",") if a.strip()])
        )
    elif as_json:
        fail("give --approve all|NAMES or --decline with --json", as_json=True)
    else:
        answer = typer.prompt("Share which items? ('all', names, or 'no')", default="no")
        approvals = (
            None
            if answer.strip().lower() in {"no", "n", ""}
            else dict(
                approve_all(pending)
                if answer.strip() == "all"
                else approve_names(pending, answer.split(","))
            )
        )
    outcome = respond(wallet, pending, approvals)
    entry = await deliver(wallet, http, outcome)
    return {**entry, "message": outcome.message, "refill": list(outcome.refill)}


@_wallet_command()
def rules(
    access: WalletAccess,
    verifier: Annotated[str | None, typer.Option(help="Verifier id in the trust list.")] = None,
    purpose: Annotated[str | None, typer.Option(help="Purpose id.")] = None,
    decision: Annotated[str | None, typer.Option(help="ask, remember or deny.")] = None,
    withdraw: Annotated[str | None, typer.Option(help="Drop every rule of this verifier.")] = None,
) -> None:
    """List, save (--verifier --purpose --decision) or withdraw (--withdraw) consent rules."""
    with reported_errors(as_json=access.as_json):
        with access.opened() as wallet:
            if withdraw:
                wallet.store.drop_rules(withdraw)
            if verifier or purpose or decision:
                if not (verifier and purpose and decision):
                    fail("--verifier, --purpose and --decision go together", as_json=access.as_json)
                wallet.store.set_rule(verifier, purpose, decision)
            saved = wallet.store.rules()
        if access.as_json:
            print_json(saved)
            return
        table = Table("verifier", "purpose", "decision", "saved at")
        for r in saved:
            table.add_row(r["verifier"], r["purpose"], r["decision"], r["saved_at"])
        console.print(table)


LOG_COLUMNS = [
    "seq",
    "time",
    "verifier",
    "verifier_name",
    "purpose",
    "credentials",
    "items",
    "pseudonym",
    "outcome",
    "sent",
    "entry_hash",
]


def log_rows(wallet: Wallet) -> list[dict[str, Any]]:
    """The disclosure log as flat rows (for tables and CSV)."""
    rows = []
    for item in wallet.store.log():
        e = item.entry
        creds = e.get("credentials") or []
        rows.append(
            {
                "seq": item.seq,
                "time": e.get("time"),
                "verifier": e.get("verifier"),
                "verifier_name": e.get("verifier_name"),
                "purpose": e.get("purpose"),
                "credentials": ";".join(str(c.get("type")) for c in creds),
                "items": ";".join(i for c in creds for i in c.get("items", [])),
                "pseudonym": e.get("pseudonym"),
                "outcome": e.get("outcome"),
                "sent": e.get("sent"),
                "entry_hash": item.entry_hash,
            }
        )
    return rows


def _log_entries(wallet: Wallet) -> list[dict[str, Any]]:
    """The disclosure log entries whole, with their sequence number, hash and the verifier's
    answer (``response_status``/``delivery_error``, recorded after the entry)."""
    return [
        {"seq": i.seq, **i.entry, **i.delivery, "entry_hash": i.entry_hash}
        for i in wallet.store.log()
    ]


@_wallet_command()
def log(
    access: WalletAccess,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check the hash chain; fail on any edit.")
    ] = False,
    export_format: Annotated[
        str | None, typer.Option("--format", help="Export as 'json' or 'csv'.")
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Write the export to this file.")] = None,
) -> None:
    """Show, verify or export the disclosure log (who got what, when, why)."""
    with reported_errors(
        as_json=access.as_json, hint="the log was altered: keep this wallet file as evidence"
    ):
        with access.opened() as wallet:
            if verify:
                count = wallet.store.verify_log()
                if access.as_json:
                    print_json({"verified": True, "entries": count})
                else:
                    console.print(f"disclosure log intact: {count} entries")
                return
            rows = log_rows(wallet)
            full = _log_entries(wallet)
        if export_format == "csv":
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=LOG_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
            text = buffer.getvalue()
        elif export_format == "json" or access.as_json:
            text = json.dumps(full, ensure_ascii=False, indent=2) + "\n"
        elif export_format is not None:
            fail("--format is 'json' or 'csv'", as_json=access.as_json)
        else:
            table = Table("#", "time", "verifier", "purpose", "items", "outcome")
            for r in rows:
                table.add_row(
                    str(r["seq"]),
                    str(r["time"]),
                    str(r["verifier_name"]),
                    str(r["purpose"]),
                    r["items"],
                    str(r["outcome"]),
                )
            console.print(table)
            return
        if output is not None:
            output.write_text(text, encoding="utf-8")
        else:
            typer.echo(text, nl=False)


@_wallet_command()
def unlink(
    access: WalletAccess,
    verifier: Annotated[str, typer.Argument(help="Verifier id in the trust list.")],
) -> None:
    """Stop linking with a verifier: new pseudonym for it, its remembered rules dropped."""
    with reported_errors(as_json=access.as_json):
        with access.opened() as wallet:
            epoch, dropped = wallet.unlink(verifier)
        if access.as_json:
            print_json({"verifier": verifier, "epoch": epoch, "rules_dropped": dropped})
        else:
            console.print(f"{verifier}: new pseudonym (epoch {epoch}), {dropped} rules dropped")


@_wallet_command()
def export(
    access: WalletAccess,
    output: Annotated[Path, typer.Option(help="File to write (JSON).")],
) -> None:
    """Export credentials (claims, no keys), rules and the disclosure log as JSON."""
    with reported_errors(as_json=access.as_json):
        with access.opened() as wallet:
            document = {
                "credentials": [
                    {
                        "id": c.id,
                        "type": c.type_id,
                        "vct": c.vct,
                        "issuer": c.issuer,
                        "status": c.status,
                        "claims": c.claims,
                    }
                    for c in wallet.store.credentials()
                ],
                "rules": wallet.store.rules(),
                "log": _log_entries(wallet),
            }
        output.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        if access.as_json:
            print_json({"output": str(output), "credentials": len(document["credentials"])})
        else:
            console.print(f"exported to {output}")


@app.command()
def web(
    home: HomeOption = DEFAULT_HOME,
    passphrase_file: PassFileOption = None,
    host: Annotated[
        str, typer.Option(help="Loopback address to listen on (the page is for you only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
) -> None:
    """Serve the wallet's local web page: credentials, receive, consent screen, history.

    Open http://HOST:PORT/ in your browser. The page answers requests with the same
    consent engine as `present`: items beyond the verifier's registration and a My Number
    without a legal basis are refused whatever you choose. Stop it with Ctrl-C.
    """
    if host not in LOOPBACK_HOSTS:
        fail(
            f"--host {host!r} is not a loopback address",
            hint="the wallet page shows your credentials: serve it on 127.0.0.1 only",
        )
    import uvicorn

    from wallet.web import create_app

    with reported_errors(hint="check --home and the passphrase"):
        wallet = _open(home, passphrase_file)
    try:
        console.print(f"wallet page: http://{host}:{port}/ (Ctrl-C to stop)")
        uvicorn.run(create_app(wallet, client_factory), host=host, port=port, log_level="info")
    finally:
        wallet.close()

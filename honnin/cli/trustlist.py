"""`honnin trustlist`: Build, sign, verify, diff and serve trust lists."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from honnin.cli.output import comma_list, console, fail, print_json, reported_errors
from specs.errors import MalformedInput
from specs.ports import SystemClock, SystemRandom
from specs.trustlist import constants as c
from specs.trustlist import (
    diff_trust_lists,
    format_time,
    parse_time,
    unverified_trust_list_document,
    verify_trust_list,
)
from trustlist.build import PUBLIC_DIR, publish
from trustlist.freshness import FreshnessPolicy, check_freshness
from trustlist.operator import create_operator, load_anchors
from trustlist.source import write_source_file

app = typer.Typer(help="Build, sign, verify, diff and serve trust lists.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document for scripts.")]
DirArg = Annotated[Path, typer.Argument(help="The operator directory (made by `init`).")]
EntityIdOpt = Annotated[str, typer.Option("--id", help="Entity id (also the file name).")]
LegalNameJaOpt = Annotated[str, typer.Option(help="Legal name in Japanese.")]
LegalNameEnOpt = Annotated[str, typer.Option(help="Legal name in English.")]
CorporateNumberOpt = Annotated[
    str, typer.Option(help="Corporate number (法人番号): 13 digits, leading check digit.")
]
WithdrawnAtOpt = Annotated[str | None, typer.Option(help="Withdrawal time, if withdrawn.")]
ReplaceOpt = Annotated[bool, typer.Option(help="Overwrite an existing entry.")]


def _now() -> datetime:
    return SystemClock().now().replace(microsecond=0)


def _time(value: str | None, default: datetime | None = None) -> datetime:
    if value is None:
        if default is None:
            raise MalformedInput("a time is required")
        return default
    return parse_time(value, what="time")


def _history(granted_at: datetime, withdrawn_at: datetime | None) -> list[dict[str, str]]:
    history = [{c.STATUS: c.STATUS_GRANTED, c.STATUS_STARTING_TIME: format_time(granted_at)}]
    if withdrawn_at is not None:
        history.append(
            {c.STATUS: c.STATUS_WITHDRAWN, c.STATUS_STARTING_TIME: format_time(withdrawn_at)}
        )
    return history


def _copy_into(directory: Path, folder: str, files: list[Path]) -> list[str]:
    """Copy key/certificate files next to the entity file; return their relative names."""
    target = directory / folder
    target.mkdir(parents=True, exist_ok=True)
    names = []
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(2, "not found", str(path))
        shutil.copyfile(path, target / path.name)
        names.append(path.name)
    return names


def _write_entity(
    directory: Path, folder: str, entity_id: str, value: dict[str, Any], replace: bool
) -> Path:
    if not entity_id.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise MalformedInput("entity id may contain letters, digits, '-', '_' and '.' only")
    if not (directory / "scheme.yaml").exists():
        raise FileNotFoundError(
            2, "not an operator directory (run init)", str(directory / "scheme.yaml")
        )
    path = directory / folder / f"{entity_id}.yaml"
    if path.exists() and not replace:
        fail(f"{path} already exists", hint="pass --replace to overwrite it")
    write_source_file(path, value)
    return path


@app.command()
def init(
    directory: DirArg,
    name_ja: Annotated[str, typer.Option(help="Operator name in Japanese.")],
    name_en: Annotated[str, typer.Option(help="Operator name in English.")],
    policy_uri: Annotated[str, typer.Option(help="https URI of the scheme policy.")],
    territory: Annotated[str, typer.Option(help="Scheme territory (ISO 3166-1).")] = "JP",
    next_update_days: Annotated[int, typer.Option(help="Days until the next update.")] = 30,
    alg: Annotated[str, typer.Option(help="Signature algorithm of the operator key.")] = "ES256",
    as_json: JsonOpt = False,
) -> None:
    """Create an operator directory: signing key, self-signed certificate and scheme info.

    The key (operator/operator.jwk, mode 0600) never leaves the directory; publish
    operator/operator.pem out of band so clients can pin it.
    """
    with reported_errors(as_json=as_json, hint="choose an empty directory"):
        if (directory / "scheme.yaml").exists():
            fail(f"{directory} is already an operator directory", as_json=as_json)
        create_operator(
            directory,
            common_name=name_en,
            organization=name_en,
            not_before=_now() - timedelta(minutes=5),
            random=SystemRandom(),
            alg=alg,
        )
        write_source_file(
            directory / "scheme.yaml",
            {
                "scheme_operator_name": {"ja": name_ja, "en": name_en},
                "scheme_territory": territory,
                "policy_or_legal_notice": policy_uri,
                "distribution_points": [],
                "next_update_days": next_update_days,
            },
        )
        for folder in ("issuers", "verifiers", "card_cas", "status_list_providers"):
            (directory / folder).mkdir(exist_ok=True)
    result = {"directory": str(directory), "anchor": str(directory / "operator" / "operator.pem")}
    if as_json:
        print_json(result)
    else:
        console.print(f"created operator directory [bold]{directory}[/]")
        console.print(f"pin this certificate in clients: {result['anchor']}")


@app.command("add-issuer")
def add_issuer(
    directory: DirArg,
    entity_id: EntityIdOpt,
    name_ja: LegalNameJaOpt,
    name_en: LegalNameEnOpt,
    corporate_number: CorporateNumberOpt,
    credential_types: Annotated[
        str, typer.Option(help="Comma-separated vct values or short ids it may issue.")
    ],
    jwk: Annotated[list[Path] | None, typer.Option(help="Public JWK file (repeatable).")] = None,
    cert: Annotated[
        list[Path] | None, typer.Option(help="PEM certificate (CA or signing cert, repeatable).")
    ] = None,
    granted_at: Annotated[
        str | None, typer.Option(help="Grant time, YYYY-MM-DDTHH:MM:SSZ.")
    ] = None,
    withdrawn_at: WithdrawnAtOpt = None,
    replace: ReplaceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Register an issuer: who it is, its keys, and which credential types it may issue."""
    with reported_errors(as_json=as_json):
        if not jwk and not cert:
            raise MalformedInput("give at least one --jwk or --cert")
        granted = _time(granted_at, _now())
        value = {
            "entity_id": entity_id,
            "legal_name": {"ja": name_ja, "en": name_en},
            "corporate_number": corporate_number,
            "jwk_files": _copy_into(directory, "issuers", jwk or []),
            "certificate_files": _copy_into(directory, "issuers", cert or []),
            "credential_types": comma_list(credential_types),
            "status_history": _history(granted, _time(withdrawn_at) if withdrawn_at else None),
        }
        path = _write_entity(directory, "issuers", entity_id, value, replace)
    _report(path, as_json)


def _claim_path(text: str) -> list[str | int | None]:
    out: list[str | int | None] = []
    for part in text.split("/"):
        if part == "*":
            out.append(None)
        elif part.isdigit():
            out.append(int(part))
        elif part:
            out.append(part)
        else:
            raise MalformedInput(f"empty element in claim path {text!r}")
    return out


def _purposes(specs: list[str]) -> list[dict[str, Any]]:
    uses: dict[str, dict[str, list[list[str | int | None]]]] = {}
    for spec in specs:
        purpose, sep, rest = spec.partition("=")
        ctype, sep2, claims = rest.rpartition(":")
        if not sep or not sep2 or not purpose or not ctype or not claims:
            raise MalformedInput(
                f"--purpose {spec!r} must look like PURPOSE=CREDENTIAL_TYPE:claim,claim/sub"
            )
        uses.setdefault(purpose, {}).setdefault(ctype, []).extend(
            _claim_path(x) for x in comma_list(claims)
        )
    return [
        {
            "purpose_id": purpose,
            "purpose": {"ja": purpose, "en": purpose},
            "credentials": [
                {"credential_type": ctype, "claims": claims} for ctype, claims in creds.items()
            ],
        }
        for purpose, creds in uses.items()
    ]


@app.command("add-verifier")
def add_verifier(
    directory: DirArg,
    entity_id: EntityIdOpt,
    name_ja: LegalNameJaOpt,
    name_en: LegalNameEnOpt,
    corporate_number: CorporateNumberOpt,
    client_id: Annotated[str, typer.Option(help="OpenID4VP client_id of the verifier.")],
    purpose: Annotated[
        list[str],
        typer.Option(
            help=(
                "PURPOSE=CREDENTIAL_TYPE:claim,claim/sub (repeatable). Claim paths use '/' "
                "between elements, '*' for every array element, digits for an index."
            )
        ),
    ],
    cert: Annotated[
        list[Path] | None, typer.Option(help="Access certificate PEM (repeatable).")
    ] = None,
    my_number_law: Annotated[
        str | None, typer.Option(help="Law giving a legal basis to receive a My Number.")
    ] = None,
    my_number_article: Annotated[str | None, typer.Option(help="Article of that law.")] = None,
    granted_at: Annotated[str | None, typer.Option(help="Registration time.")] = None,
    withdrawn_at: WithdrawnAtOpt = None,
    replace: ReplaceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Register a verifier: client_id, access certificates, and what it may ask for which purpose."""
    with reported_errors(as_json=as_json):
        if (my_number_law is None) != (my_number_article is None):
            raise MalformedInput("give both --my-number-law and --my-number-article, or neither")
        value = {
            "entity_id": entity_id,
            "legal_name": {"ja": name_ja, "en": name_en},
            "corporate_number": corporate_number,
            "client_id": client_id,
            "certificate_files": _copy_into(directory, "verifiers", cert or []),
            "intended_uses": _purposes(purpose),
            "my_number_legal_basis": (
                {"law": my_number_law, "article": my_number_article} if my_number_law else None
            ),
            "status_history": _history(
                _time(granted_at, _now()), _time(withdrawn_at) if withdrawn_at else None
            ),
        }
        path = _write_entity(directory, "verifiers", entity_id, value, replace)
    _report(path, as_json)


@app.command("add-card-ca")
def add_card_ca(
    directory: DirArg,
    entity_id: EntityIdOpt,
    name_ja: Annotated[str, typer.Option(help="Name in Japanese.")],
    name_en: Annotated[str, typer.Option(help="Name in English.")],
    cert: Annotated[list[Path], typer.Option(help="JPKI root or intermediate PEM (repeatable).")],
    crl_uri: Annotated[
        list[str] | None, typer.Option(help="CRL distribution point (repeatable).")
    ] = None,
    granted_at: Annotated[str | None, typer.Option(help="Grant time.")] = None,
    replace: ReplaceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Register a card certification authority (JPKI) and where its CRLs are published."""
    with reported_errors(as_json=as_json):
        value = {
            "entity_id": entity_id,
            "name": {"ja": name_ja, "en": name_en},
            "certificate_files": _copy_into(directory, "card_cas", cert),
            "crl_distribution_points": list(crl_uri or []),
            "status_history": _history(_time(granted_at, _now()), None),
        }
        path = _write_entity(directory, "card_cas", entity_id, value, replace)
    _report(path, as_json)


def _report(path: Path, as_json: bool) -> None:
    if as_json:
        print_json({"written": str(path)})
    else:
        console.print(f"wrote [bold]{path}[/]; run `honnin trustlist sign` to publish")


@app.command()
def sign(
    directory: DirArg,
    sequence: Annotated[
        int | None, typer.Option(help="Sequence number (default: last published + 1).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Also copy the signed list to this file.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build the list from the source files, sign it, and publish it under public/ with its log."""
    with reported_errors(as_json=as_json, hint="fix the source file named above"):
        result = publish(directory, SystemClock(), sequence_number=sequence)
        if out is not None:
            out.write_text(result.token + "\n", encoding="ascii")
    info = {
        "sequence_number": result.sequence_number,
        "digest": result.digest,
        "list": str(result.list_path),
        "log": str(result.log_path),
    }
    if as_json:
        print_json(info)
    else:
        console.print(f"signed trust list {result.sequence_number} -> {result.list_path}")


def _read_token(path: Path) -> str:
    return path.read_text(encoding="ascii").strip()


@app.command()
def verify(
    path: Annotated[Path, typer.Argument(help="Signed trust list (.jws).")],
    anchor: Annotated[Path, typer.Option(help="Pinned operator certificate (PEM).")],
    at: Annotated[str | None, typer.Option(help="Verify at this time instead of now.")] = None,
    grace_hours: Annotated[float, typer.Option(help="Grace after next_update, in hours.")] = 24,
    as_json: JsonOpt = False,
) -> None:
    """Verify a signed list: operator signature and chain, schema, consistency and freshness."""
    with reported_errors(as_json=as_json, hint="is --anchor the operator certificate you trust?"):
        when = _time(at, _now())
        verified = verify_trust_list(_read_token(path), load_anchors(anchor), when)
        warning = check_freshness(
            verified.trust_list, when, FreshnessPolicy(grace=timedelta(hours=grace_hours))
        )
    scheme = verified.trust_list.scheme
    info = {
        "valid": True,
        "sequence_number": scheme.sequence_number,
        "issued_at": format_time(scheme.issued_at),
        "next_update": format_time(scheme.next_update),
        "digest": verified.digest,
        "signer": verified.signer_certificate.subject.rfc4514_string(),
        "warning": warning,
    }
    if as_json:
        print_json(info)
    else:
        console.print(
            f"[green]valid[/] trust list {scheme.sequence_number} signed by {info['signer']}"
        )
        if warning:
            console.print(f"[yellow]warning[/]: {warning}")


def _load_document(path: Path, anchor: Path | None) -> tuple[dict[str, Any], bool]:
    token = _read_token(path)
    if anchor is not None:
        verified = verify_trust_list(token, load_anchors(anchor), _now())
        return dict(verified.trust_list.document), True
    return unverified_trust_list_document(token), False


@app.command()
def show(
    path: Annotated[Path, typer.Argument(help="Signed trust list (.jws).")],
    anchor: Annotated[
        Path | None, typer.Option(help="Verify against this operator certificate first.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the entities of a list (unverified unless --anchor is given)."""
    with reported_errors(as_json=as_json):
        document, verified = _load_document(path, anchor)
    if as_json:
        print_json({"verified": verified, "document": document})
        return
    info = document.get(c.LIST_AND_SCHEME_INFORMATION, {})
    if not verified:
        console.print("[yellow]UNVERIFIED[/]: pass --anchor to check the signature")
    console.print(
        f"trust list {info.get(c.SEQUENCE_NUMBER)} issued {info.get(c.ISSUE_TIME)}, "
        f"next update {info.get(c.NEXT_UPDATE)}"
    )
    table = Table("category", "entity", "name", "status", "what")
    for category in c.ENTITY_CATEGORIES:
        for item in document.get(category, []):
            name = item.get(c.LEGAL_NAME) or item.get(c.NAME) or {}
            history = item.get(c.STATUS_HISTORY) or [{}]
            if category == c.ISSUERS:
                what = ", ".join(item.get(c.CREDENTIAL_TYPES, []))
            elif category == c.VERIFIERS:
                what = ", ".join(u.get(c.PURPOSE_ID, "") for u in item.get(c.INTENDED_USES, []))
            elif category == c.CARD_CAS:
                what = ", ".join(item.get(c.CRL_DISTRIBUTION_POINTS, []))
            else:
                what = ", ".join(item.get(c.URI_PREFIXES, []))
            table.add_row(
                category,
                str(item.get(c.ENTITY_ID)),
                f"{name.get('ja', '')} / {name.get('en', '')}",
                str(history[-1].get(c.STATUS)),
                what,
            )
    console.print(table)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Older signed list (.jws).")],
    new: Annotated[Path, typer.Argument(help="Newer signed list (.jws).")],
    anchor: Annotated[
        Path | None, typer.Option(help="Verify both lists against this certificate first.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show entities added, removed and changed between two versions."""
    with reported_errors(as_json=as_json):
        old_doc, _ = _load_document(old, anchor)
        new_doc, _ = _load_document(new, anchor)
        result = diff_trust_lists(old_doc, new_doc)
    if as_json:
        print_json(result.to_json())
        return
    console.print(
        f"trust list {result.old_sequence_number} -> {result.new_sequence_number}; "
        f"scheme changes: {', '.join(result.scheme_members) or 'none'}"
    )
    table = Table("change", "category", "entity", "members")
    colour = {"added": "green", "removed": "red", "changed": "yellow"}
    for change in result.changes:
        table.add_row(
            f"[{colour[change.kind]}]{change.kind}[/]",
            change.category,
            change.entity_id,
            ", ".join(change.members),
        )
    console.print(table if result.changes else "no entity changes")


@app.command()
def serve(
    directory: DirArg,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8720,
    max_age: Annotated[int, typer.Option(help="Cache-Control max-age in seconds.")] = 300,
) -> None:
    """Serve public/ (list, versions, log, anchor) over HTTP with ETag and Cache-Control."""
    import uvicorn

    from trustlist.service import ServiceSettings, create_app

    public = directory / PUBLIC_DIR
    if not (public / "trustlist.jws").exists():
        fail(f"nothing published in {public}", hint="run `honnin trustlist sign` first")
    uvicorn.run(
        create_app(ServiceSettings(public_dir=public, max_age_seconds=max_age)),
        host=host,
        port=port,
    )

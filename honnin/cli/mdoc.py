"""`honnin mdoc`: ISO 18013-5 mdoc developer tools: issue, present, verify."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.hazmat.primitives import serialization
from rich.table import Table

from honnin.cli.output import (
    console,
    print_json,
    read_json_file,
    read_text_file,
    reported_errors,
)
from specs.encoding import b64url_decode, b64url_encode
from specs.errors import MalformedInput
from specs.keys import SoftwareSigner, public_key_from_jwk
from specs.keys.x509 import load_pem_certificates
from specs.mdoc import (
    VerifiedDocument,
    decode_document,
    issue,
    openid4vp_session_transcript,
    parse_items_request,
    parse_session_transcript,
    present,
    verify_device_response,
)
from specs.mdoc.cbor import parse_full_date, parse_tdate
from specs.ports import FixedClock, SystemClock, SystemRandom

app = typer.Typer(
    help=(
        "ISO 18013-5 mdoc developer tools: issue, present, verify.\n\n"
        "Documents and DeviceResponses travel as CBOR hex. In NAMESPACES.json, "
        'write {"$full-date": "YYYY-MM-DD"} for a full-date (tag 1004), '
        '{"$tdate": "YYYY-MM-DDThh:mm:ssZ"} for a tdate (tag 0) and {"$bytes": BASE64URL} '
        "for a byte string; verify --json writes them back the same way."
    ),
    no_args_is_help=True,
)

TRANSCRIPT_HELP = "SessionTranscript (or SessionTranscriptBytes, tag 24) as hex."
OID4VP_HELP = (
    "CLIENT_ID,RESPONSE_URI,NONCE: build the OpenID4VP SessionTranscript "
    "(OpenID4VP 1.0 Annex B.2.6.1, unencrypted response)."
)


def _from_json(value: Any) -> Any:
    """Turn the JSON conventions of NAMESPACES.json into CBOR values."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key == "$full-date":
                return parse_full_date(inner)
            if key == "$tdate":
                return parse_tdate(inner)
            if key == "$bytes":
                return b64url_decode(inner, what="$bytes value")
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _to_json(value: Any) -> Any:
    """Turn CBOR values into JSON with the same conventions as NAMESPACES.json."""
    if isinstance(value, datetime):
        return {"$tdate": value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if hasattr(value, "isoformat"):
        return {"$full-date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": b64url_encode(value)}
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _read_hex(path: Path, what: str) -> bytes:
    text = "".join(read_text_file(path).split())
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise MalformedInput(f"{what} ({path}) is not hex") from None


def _transcript(transcript: str | None, oid4vp: str | None) -> bytes:
    if (transcript is None) == (oid4vp is None):
        raise MalformedInput(
            "give exactly one of --transcript HEX and --oid4vp CLIENT_ID,RESPONSE_URI,NONCE"
        )
    if transcript is not None:
        try:
            raw = bytes.fromhex("".join(transcript.split()))
        except ValueError:
            raise MalformedInput("--transcript is not hex") from None
        return parse_session_transcript(raw)
    parts = (oid4vp or "").split(",")
    if len(parts) != 3 or not all(parts):
        raise MalformedInput("--oid4vp must be CLIENT_ID,RESPONSE_URI,NONCE")
    client_id, response_uri, nonce = parts
    return openid4vp_session_transcript(client_id, nonce, response_uri)


def _parse_now(now: str | None) -> datetime | None:
    if now is None:
        return None
    try:
        parsed = datetime.fromisoformat(now.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedInput(f"--now {now!r} is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("issue")
def issue_command(
    ds_key: Annotated[Path, typer.Option("--ds-key", help="Document signer private key (PEM).")],
    ds_cert: Annotated[
        Path, typer.Option("--ds-cert", help="Document signer certificate, chain after it (PEM).")
    ],
    device_key: Annotated[
        Path, typer.Option("--device-key", help="The holder's device public key (JWK).")
    ],
    doctype: Annotated[
        str, typer.Option("--doctype", help="The docType, e.g. org.iso.18013.5.1.mDL.")
    ],
    namespaces: Annotated[
        Path,
        typer.Option(
            "--namespaces", help='NAMESPACES.json: {"<namespace>": {"<element>": value}}.'
        ),
    ],
    valid_days: Annotated[
        int, typer.Option("--valid-days", min=1, help="Days the MSO stays valid.")
    ] = 365,
    now: Annotated[
        str | None, typer.Option("--now", help="Issue as of this ISO 8601 time (default: now).")
    ] = None,
) -> None:
    """Issue an mdoc Document (docType + issuerSigned) and print it as CBOR hex."""
    with reported_errors(hint="see honnin mdoc issue --help for the input formats"):
        try:
            key = serialization.load_pem_private_key(ds_key.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise MalformedInput(f"{ds_key} is not an unencrypted PEM private key") from exc
        signer = SoftwareSigner(key)  # type: ignore[arg-type]
        chain = load_pem_certificates(ds_cert.read_bytes())
        device_jwk = read_json_file(device_key)
        if not isinstance(device_jwk, dict):
            raise MalformedInput(f"{device_key} must hold a JWK object")
        public_key_from_jwk(device_jwk)
        elements = read_json_file(namespaces)
        if not isinstance(elements, dict) or not all(
            isinstance(v, dict) for v in elements.values()
        ):
            raise MalformedInput(f"{namespaces} must map namespaces to objects of elements")
        at = _parse_now(now)
        document = issue(
            doc_type=doctype,
            namespaces={ns: _from_json(values) for ns, values in elements.items()},
            device_key={k: v for k, v in device_jwk.items() if k != "d"},
            signer=signer,
            certificate_chain=chain,
            clock=FixedClock(at) if at else SystemClock(),
            rng=SystemRandom(),
            valid_for=timedelta(days=valid_days),
        )
        typer.echo(document.to_cbor().hex())


@app.command("present")
def present_command(
    device_key: Annotated[
        Path, typer.Option("--device-key", help="The holder's device private key (JWK).")
    ],
    request: Annotated[
        Path,
        typer.Option(
            "--request",
            help='REQUEST.json: {"docType": ..., "nameSpaces": {"<namespace>": ["<element>", ...]}}.',
        ),
    ],
    issued: Annotated[
        Path, typer.Argument(help="File with the issued Document as hex ('-': stdin).")
    ],
    transcript: Annotated[str | None, typer.Option("--transcript", help=TRANSCRIPT_HELP)] = None,
    oid4vp: Annotated[str | None, typer.Option("--oid4vp", help=OID4VP_HELP)] = None,
) -> None:
    """Print a DeviceResponse (CBOR hex) revealing only the requested elements."""
    with reported_errors(hint="the request must name the document's docType"):
        session = _transcript(transcript, oid4vp)
        jwk = read_json_file(device_key)
        if not isinstance(jwk, dict) or "d" not in jwk:
            raise MalformedInput(f"{device_key} must hold a private JWK")
        signer = SoftwareSigner.from_jwk(jwk)
        document = decode_document(_read_hex(issued, "issued Document"))
        items = parse_items_request(read_json_file(request))
        response = present(document, items, session_transcript=session, device_signer=signer)
        typer.echo(response.to_cbor().hex())


def _document_json(document: VerifiedDocument) -> dict[str, Any]:
    return {
        "docType": document.doc_type,
        "nameSpaces": _to_json(document.namespaces),
        "deviceNameSpaces": _to_json(document.device_namespaces),
        "errors": document.errors,
        "validityInfo": {
            "signed": _to_json(document.validity.signed)["$tdate"],
            "validFrom": _to_json(document.validity.valid_from)["$tdate"],
            "validUntil": _to_json(document.validity.valid_until)["$tdate"],
        },
        "issuer": document.issuer_certificate.subject.rfc4514_string(),
        "deviceKey": document.device_key,
    }


@app.command("verify")
def verify_command(
    iaca: Annotated[Path, typer.Option("--iaca", help="Trusted IACA root certificate(s) (PEM).")],
    response: Annotated[
        Path,
        typer.Argument(
            metavar="DEVICE_RESPONSE_HEX_FILE",
            help="File with the DeviceResponse as hex ('-': stdin).",
        ),
    ],
    transcript: Annotated[str | None, typer.Option("--transcript", help=TRANSCRIPT_HELP)] = None,
    oid4vp: Annotated[str | None, typer.Option("--oid4vp", help=OID4VP_HELP)] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="Verify as of this ISO 8601 time (default: now).")
    ] = None,
    doctype: Annotated[str | None, typer.Option("--doctype", help="Require this docType.")] = None,
    reader_key: Annotated[
        Path | None,
        typer.Option(
            "--reader-key", help="Reader ephemeral private key (JWK), to verify a deviceMac."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Verify a DeviceResponse and print the verified elements; exit 1 on any failure."""
    with reported_errors(as_json=as_json, hint="check the IACA, the session transcript and --now"):
        session = _transcript(transcript, oid4vp)
        anchors = load_pem_certificates(iaca.read_bytes())
        at = _parse_now(now)
        reader = None
        if reader_key is not None:
            reader = SoftwareSigner.from_jwk(read_json_file(reader_key)).private_key()
        documents = verify_device_response(
            _read_hex(response, "DeviceResponse"),
            trust_anchors=anchors,
            session_transcript=session,
            clock=FixedClock(at) if at else SystemClock(),
            expected_doc_type=doctype,
            reader_key=reader,  # type: ignore[arg-type]
        )
        if as_json:
            print_json({"verified": True, "documents": [_document_json(d) for d in documents]})
            return
        for document in documents:
            table = Table(title=f"{document.doc_type} (verified)")
            table.add_column("namespace")
            table.add_column("element")
            table.add_column("value")
            for namespace, elements in document.namespaces.items():
                for element, value in elements.items():
                    shown = _to_json(value)
                    text = str(shown)
                    if isinstance(value, bytes):
                        text = f"<{len(value)} bytes> " + base64.b16encode(value[:8]).decode() + "…"
                    table.add_row(namespace, element, text)
            console.print(table)
            console.print(
                f"issuer: {document.issuer_certificate.subject.rfc4514_string()}; valid until "
                f"{document.validity.valid_until.isoformat()}"
            )
            for namespace, missing in document.errors.items():
                console.print(f"not returned in {namespace}: {', '.join(missing)}")

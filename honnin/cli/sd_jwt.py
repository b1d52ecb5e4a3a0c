"""`honnin sd-jwt`: SD-JWT (RFC 9901) and SD-JWT VC developer tools: issue, present, verify, decode."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from honnin.cli.output import (
    comma_list,
    console,
    fail,
    print_json,
    read_json_file,
    read_text_file,
    reported_errors,
)
from specs.errors import ClaimPath, MalformedInput
from specs.jose import unverified_header, unverified_payload
from specs.keys import SoftwareSigner, strip_private
from specs.ports import SystemClock, SystemRandom
from specs.sd_jwt import SD, KeyBindingCheck, issue, parse, present, unverified_processed, verify
from specs.sd_jwt_vc import StaticIssuerKey, verify_sd_jwt_vc
from specs.sd_jwt_vc.constants import ACCEPTED_TYPS, NEVER_DISCLOSABLE, TYP_DC_SD_JWT

app = typer.Typer(
    help=(
        "SD-JWT (RFC 9901) and SD-JWT VC developer tools: issue, present, verify, decode.\n\n"
        "Keys are JWK files. A claim NAME is a top-level claim name or a dotted path into "
        "nested objects and arrays: 'address.locality', 'nationalities.1'."
    ),
    no_args_is_help=True,
)


def claim_path(name: str) -> ClaimPath:
    """Turn 'address.locality' or 'nationalities.1' into a claim path tuple."""
    parts: list[str | int | None] = []
    for part in name.split("."):
        if not part:
            raise MalformedInput(f"claim name {name!r} has an empty path segment")
        parts.append(int(part) if part.isdigit() else None if part == "*" else part)
    return tuple(parts)


def _mark(claims: Any, path: ClaimPath, full: ClaimPath) -> None:
    head, rest = path[0], path[1:]
    in_object = isinstance(claims, dict) and isinstance(head, str) and head in claims
    in_array = isinstance(claims, list) and isinstance(head, int) and 0 <= head < len(claims)
    if in_object or in_array:
        if rest:
            inner = claims[head].value if isinstance(claims[head], SD) else claims[head]
            _mark(inner, rest, full)
        elif not isinstance(claims[head], SD):
            claims[head] = SD(claims[head])
        return
    raise MalformedInput("no such claim in CLAIMS.json", claim_path=full)


def _signer(path: Path) -> SoftwareSigner:
    jwk = read_json_file(path)
    if not isinstance(jwk, dict) or "d" not in jwk:
        raise MalformedInput(f"{path} is not a private JWK (it has no 'd')")
    return SoftwareSigner.from_jwk(jwk)


def _public_jwk(path: Path) -> dict[str, Any]:
    jwk = read_json_file(path)
    if not isinstance(jwk, dict):
        raise MalformedInput(f"{path} is not a JWK object")
    return strip_private(jwk)


@app.command("issue")
def issue_command(
    issuer_key: Annotated[Path, typer.Option(help="Issuer private key (JWK file).")],
    holder_key: Annotated[Path, typer.Option(help="Holder public key (JWK file), put in cnf.jwk.")],
    claims: Annotated[Path, typer.Option(help="Claims to sign (JSON object file).")],
    disclose: Annotated[
        str, typer.Option(help="Comma-separated claim NAMEs to make selectively disclosable.")
    ] = "",
    vct: Annotated[
        str | None, typer.Option(help="Issue an SD-JWT VC (typ dc+sd-jwt) of this type.")
    ] = None,
    expires_in: Annotated[
        int | None, typer.Option(help="Set exp to this many seconds after now.")
    ] = None,
    decoys: Annotated[int, typer.Option(help="Decoy digests per object with disclosures.")] = 0,
) -> None:
    """Sign CLAIMS.json as an SD-JWT and print it with every disclosure (it ends in '~')."""
    with reported_errors(hint="check the key files and that each --disclose NAME exists"):
        signer = _signer(issuer_key)
        payload = read_json_file(claims)
        if not isinstance(payload, dict):
            raise MalformedInput(f"{claims} must hold a JSON object")
        now = int(SystemClock().now().timestamp())
        payload.setdefault("iat", now)
        if expires_in is not None:
            payload["exp"] = now + expires_in
        payload["cnf"] = {"jwk": _public_jwk(holder_key)}
        typ = None
        if vct is not None:
            payload["vct"] = vct
            typ = TYP_DC_SD_JWT
        for name in comma_list(disclose):
            path = claim_path(name)
            if vct is not None and path[0] in NEVER_DISCLOSABLE:
                raise MalformedInput("SD-JWT VC forbids disclosing this claim", claim_path=path)
            _mark(payload, path, path)
        typer.echo(issue(payload, signer, random=SystemRandom(), decoys=decoys, typ=typ))


@app.command("present")
def present_command(
    holder_key: Annotated[Path, typer.Option(help="Holder private key (JWK file).")],
    reveal: Annotated[str, typer.Option(help="Comma-separated claim NAMEs to reveal.")],
    aud: Annotated[str, typer.Option(help="The verifier this presentation is for (KB-JWT aud).")],
    nonce: Annotated[str, typer.Option(help="The verifier's nonce (KB-JWT nonce).")],
    sd_jwt_file: Annotated[
        Path, typer.Argument(metavar="SDJWT_FILE", help="The issued SD-JWT ('-' for stdin).")
    ],
) -> None:
    """Print a presentation revealing only the chosen claims, with a Key Binding JWT."""
    with reported_errors(hint="reveal names are claim paths as shown by 'honnin sd-jwt decode'"):
        signer = _signer(holder_key)
        paths = [claim_path(name) for name in comma_list(reveal)]
        text = read_text_file(sd_jwt_file)
        typer.echo(
            present(text, paths, holder_signer=signer, aud=aud, nonce=nonce, clock=SystemClock())
        )


def _path_text(path: ClaimPath) -> str:
    return ".".join("*" if p is None else str(p) for p in path)


@app.command("verify")
def verify_command(
    issuer_key: Annotated[Path, typer.Option(help="Issuer public key (JWK file).")],
    aud: Annotated[str, typer.Option(help="Expected KB-JWT audience (this verifier).")],
    nonce: Annotated[str, typer.Option(help="The nonce this verifier issued.")],
    presentation_file: Annotated[
        Path, typer.Argument(metavar="PRESENTATION_FILE", help="SD-JWT+KB ('-' for stdin).")
    ],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    max_age: Annotated[int, typer.Option(help="Maximum KB-JWT age in seconds.")] = 300,
) -> None:
    """Verify a presentation (signature, disclosures, key binding) and print the disclosed claims."""
    with reported_errors(as_json=json_output, hint="was it presented for this --aud and --nonce?"):
        key = _public_jwk(issuer_key)
        text = read_text_file(presentation_file)
        check = KeyBindingCheck(aud=aud, nonce=nonce, max_age_seconds=max_age)
        clock = SystemClock()
        typ = unverified_header(parse(text).issuer_jwt).get("typ")
        if typ in ACCEPTED_TYPS:
            result = verify_sd_jwt_vc(
                text, issuer_keys=StaticIssuerKey(key), clock=clock, key_binding=check
            ).sd_jwt
        else:
            result = verify(text, key, clock=clock, key_binding=check)
        disclosed = [_path_text(p) for p in result.disclosed]
        if json_output:
            print_json(
                {
                    "valid": True,
                    "header": result.header,
                    "claims": result.payload,
                    "disclosed": disclosed,
                    "key_binding": result.key_binding,
                }
            )
            return
        console.print("[bold green]valid[/]: issuer signature, disclosures and key binding")
        table = Table("claim", "value", "disclosed")
        for name, value in result.payload.items():
            mark = "yes" if any(d == name or d.startswith(name + ".") for d in disclosed) else ""
            table.add_row(name, _short(value), mark)
        console.print(table)


def _short(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


@app.command("decode")
def decode_command(
    sd_jwt_file: Annotated[
        Path, typer.Argument(metavar="SDJWT_FILE", help="SD-JWT or presentation ('-' for stdin).")
    ],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show header, signed payload and each disclosure WITHOUT verifying anything."""
    with reported_errors(as_json=json_output):
        parsed = parse(read_text_file(sd_jwt_file))
        header = unverified_header(parsed.issuer_jwt)
        signed = unverified_payload(parsed.issuer_jwt)
        _, processed = unverified_processed(parsed)
        disclosures = [
            {"path": _path_text(path), "salt": d.salt, "value": d.value, "digest": d.digest}
            for d, path in processed.placed
        ]
        if json_output:
            print_json(
                {
                    "verified": False,
                    "header": header,
                    "payload": signed,
                    "claims": processed.claims,
                    "disclosures": disclosures,
                    "kb_jwt": parsed.kb_jwt,
                }
            )
            return
        console.print("[bold yellow]not verified[/]: decoded only")
        console.print(f"header: {_short(header)}")
        table = Table("claim path", "value", "digest")
        for entry in disclosures:
            table.add_row(entry["path"], _short(entry["value"]), entry["digest"])
        console.print(table)
        console.print(f"key binding JWT: {'yes' if parsed.kb_jwt else 'no'}")


__all__ = ["app", "claim_path", "fail"]

"""Holder side (RFC 9901 section 7.2): choose disclosures by claim path, add a KB-JWT."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from specs.errors import ClaimPath, MalformedInput, NotFound
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Clock, Signer
from specs.sd_jwt.constants import DEFAULT_SD_ALG, SD_ALG_CLAIM
from specs.sd_jwt.disclosure import Disclosure, parse_disclosure
from specs.sd_jwt.key_binding import create_kb_jwt
from specs.sd_jwt.processing import ProcessedPayload, index_disclosures, process_payload
from specs.sd_jwt.serialization import SdJwt, parse
from specs.sd_jwt.strict_json import b64url_decode, loads_object


def _related(placed: ClaimPath, wanted: ClaimPath) -> bool:
    # A disclosure is needed when it sits on the wanted path (an ancestor container) or
    # below it (part of the wanted value). None in a wanted path matches every array index.
    for have, want in zip(placed, wanted, strict=False):
        if want is None:
            if not isinstance(have, int):
                return False
        elif have != want:
            return False
    return True


def _exists(value: Any, path: Sequence[str | int | None]) -> bool:
    if not path:
        return True
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return isinstance(head, str) and head in value and _exists(value[head], rest)
    if isinstance(value, list):
        if head is None:
            return any(_exists(item, rest) for item in value)
        return (
            isinstance(head, int)
            and not isinstance(head, bool)
            and 0 <= head < len(value)
            and _exists(value[head], rest)
        )
    return False


def unverified_processed(
    sd_jwt: SdJwt, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict[str, Any], ProcessedPayload]:
    """Apply all disclosures WITHOUT checking the issuer signature (holder-side view)."""
    parts = sd_jwt.issuer_jwt.split(".")
    if len(parts) != 3:
        raise MalformedInput("the issuer-signed JWT is not a compact JWS")
    payload = loads_object(
        b64url_decode(parts[1], what="JWS payload"), what="JWS payload", limits=limits
    )
    sd_alg = payload.get(SD_ALG_CLAIM, DEFAULT_SD_ALG)
    disclosures = [parse_disclosure(d, sd_alg, limits=limits) for d in sd_jwt.disclosures]
    processed = process_payload(
        payload, index_disclosures(disclosures, limits=limits), limits=limits
    )
    return payload, processed


def select_disclosures(
    processed: ProcessedPayload, reveal: Iterable[Sequence[str | int | None]]
) -> list[Disclosure]:
    """Return the disclosures needed to reveal each claim path, parents included."""
    wanted = [tuple(path) for path in reveal]
    for path in wanted:
        if not path:
            raise MalformedInput("an empty claim path cannot be revealed")
        if not _exists(processed.claims, path):
            raise NotFound("the credential has no claim at this path", claim_path=path)
    return [
        disclosure
        for disclosure, placed in processed.placed
        if any(_related(placed, path) for path in wanted)
    ]


def present(
    sd_jwt: str | Mapping[str, Any],
    reveal: Iterable[Sequence[str | int | None]],
    *,
    holder_signer: Signer | None = None,
    aud: str | None = None,
    nonce: str | None = None,
    clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Build a presentation revealing the claim paths in ``reveal``; add a KB-JWT if a signer is given.

    A path reveals the claim with everything below it; the disclosures of its parents come
    along. The result has the serialization of the input (compact, or JSON text).
    """
    parsed = parse(sd_jwt, limits=limits)
    if parsed.kb_jwt is not None:
        raise MalformedInput("the holder received an SD-JWT+KB; expected an SD-JWT (section 7.2)")
    payload, processed = unverified_processed(parsed, limits=limits)
    chosen = {d.encoded for d in select_disclosures(processed, reveal)}
    # Keep the issuer's order so that a presentation is a subsequence of the issued SD-JWT.
    kept = [d for d in parsed.disclosures if d in chosen]
    presentation = parsed.with_parts(kept, None)
    if holder_signer is None:
        return presentation.serialize()
    if aud is None or nonce is None or clock is None:
        raise MalformedInput("key binding needs aud, nonce and clock")
    kb_jwt = create_kb_jwt(
        presentation.sd_jwt_string(),
        holder_signer,
        aud=aud,
        nonce=nonce,
        clock=clock,
        sd_alg=payload.get(SD_ALG_CLAIM, DEFAULT_SD_ALG),
    )
    return presentation.with_parts(kept, kb_jwt).serialize()

"""Verifier side (RFC 9901 sections 7.1 and 7.3): signature, disclosures, key binding, time."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from specs.errors import ClaimPath, Expired, MalformedInput, NotYetValid
from specs.jose import verify_json
from specs.jose.jws import KeyInput
from specs.keys import DEFAULT_ALLOWED_ALGS, PublicKey
from specs.keys.jwk import is_public_key
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Clock
from specs.sd_jwt.constants import DEFAULT_SD_ALG, SD_ALG_CLAIM, SD_ALGS
from specs.sd_jwt.disclosure import Disclosure, hash_name, parse_disclosures
from specs.sd_jwt.key_binding import (
    KeyBindingCheck,
    public_key_from_cnf,
    public_key_from_jwk_cached,
    verify_kb_jwt,
)
from specs.sd_jwt.processing import index_disclosures, process_payload
from specs.sd_jwt.serialization import SdJwt, parse
from specs.sd_jwt.strict_json import loads_object, verify_jwt

_NUMBER = (int, float)

IssuerKey = KeyInput
"""A public key, a public JWK, or a resolver called with the checked JWS header."""


@dataclass(frozen=True, slots=True)
class VerifiedSdJwt:
    """A verified SD-JWT: processed claims, JOSE header, disclosed claim paths, KB-JWT payload."""

    payload: dict[str, Any]
    header: dict[str, Any]
    disclosed: tuple[ClaimPath, ...]
    disclosures: tuple[Disclosure, ...]
    key_binding: dict[str, Any] | None
    issuer_payload: dict[str, Any]
    sd_jwt: SdJwt


def check_time_claims(payload: Mapping[str, Any], clock: Clock, leeway_seconds: int = 60) -> None:
    """Check ``exp``/``nbf``/``iat`` of a processed payload against the clock (RFC 7519 4.1)."""
    now = clock.now().timestamp()
    exp, nbf, iat = payload.get("exp"), payload.get("nbf"), payload.get("iat")
    for name, value in (("exp", exp), ("nbf", nbf), ("iat", iat)):
        if value is not None and (type(value) is bool or not isinstance(value, _NUMBER)):
            raise MalformedInput(f"'{name}' must be a number", claim_path=(name,))
    if exp is not None and now >= exp + leeway_seconds:
        raise Expired("the SD-JWT has expired", claim_path=("exp",))
    if nbf is not None and now < nbf - leeway_seconds:
        raise NotYetValid("the SD-JWT is not valid yet", claim_path=("nbf",))
    if iat is not None and now < iat - leeway_seconds:
        raise NotYetValid("the SD-JWT was issued in the future", claim_path=("iat",))


def _issuer_key(issuer_key: IssuerKey) -> KeyInput:
    if type(issuer_key) is dict:
        return public_key_from_jwk_cached(issuer_key)
    if is_public_key(issuer_key):
        return issuer_key
    if isinstance(issuer_key, Mapping):
        return public_key_from_jwk_cached(issuer_key)
    return issuer_key


def verify(
    presentation: str | Mapping[str, Any],
    issuer_key: IssuerKey,
    *,
    clock: Clock,
    key_binding: KeyBindingCheck | None = None,
    require_key_binding: bool | None = None,
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS,
    expected_typ: str | None = None,
    accepted_sd_algs: Collection[str] = tuple(SD_ALGS),
    leeway_seconds: int = 60,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedSdJwt:
    """Verify an SD-JWT or SD-JWT+KB and return the processed payload; raise on any failure.

    Key binding is required when ``key_binding`` is given (or ``require_key_binding`` is
    true); that decision never depends on what the presentation contains (section 7.3).
    ``issuer_key`` may be a key, a JWK, or a resolver called with the JWS header.
    """
    required = key_binding is not None if require_key_binding is None else require_key_binding
    if required and key_binding is None:
        raise MalformedInput("key binding is required but no KeyBindingCheck was given")
    parsed = parse(presentation, limits=limits)
    # Disclosures are decoded before the issuer signature is checked and only trusted after
    # their digests are found in the signed payload (step 3); decoding them while the parser
    # is warm, rather than after the signature check, is measurably cheaper. Their digests
    # assume the default hash and are recomputed below when the payload names another one.
    disclosures = parse_disclosures(parsed.disclosures, DEFAULT_SD_ALG, limits=limits)
    key = _issuer_key(issuer_key)
    if parsed.json_document is not None:
        jws = verify_json(
            parsed.json_document,
            key,
            allowed_algs=allowed_algs,
            expected_typ=expected_typ,
            limits=limits,
        )
        header = jws.header
        issuer_payload = loads_object(jws.payload, what="JWS payload", limits=limits)
    else:
        header, issuer_payload = verify_jwt(
            parsed.issuer_jwt,
            key,
            allowed_algs=allowed_algs,
            expected_typ=expected_typ,
            limits=limits,
        )
    sd_alg = issuer_payload.get(SD_ALG_CLAIM, DEFAULT_SD_ALG)
    hash_name(sd_alg)
    if sd_alg not in accepted_sd_algs:
        raise MalformedInput(f"_sd_alg {sd_alg!r} is not accepted by this verifier")
    if sd_alg != DEFAULT_SD_ALG:
        disclosures = parse_disclosures(parsed.disclosures, sd_alg, limits=limits)
    processed = process_payload(
        issuer_payload, index_disclosures(disclosures, limits=limits), limits=limits
    )
    check_time_claims(processed.claims, clock, leeway_seconds)
    kb_payload: dict[str, Any] | None = None
    if parsed.kb_jwt is not None or required:
        if parsed.kb_jwt is None:
            raise MalformedInput("key binding is required but the presentation has no KB-JWT")
        holder_key: PublicKey = public_key_from_cnf(issuer_payload)
        kb_payload = verify_kb_jwt(
            parsed.kb_jwt,
            holder_key,
            sd_jwt_string=parsed.sd_jwt_string(),
            sd_alg=sd_alg,
            clock=clock,
            check=key_binding,
            limits=limits,
        )
    return VerifiedSdJwt(
        payload=processed.claims,
        header=header,
        disclosed=processed.disclosed,
        disclosures=tuple([d for d, _ in processed.placed]),
        key_binding=kb_payload,
        issuer_payload=issuer_payload,
        sd_jwt=parsed,
    )

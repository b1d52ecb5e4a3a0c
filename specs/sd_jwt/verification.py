"""Verifier side (RFC 9901 sections 7.1 and 7.3): signature, disclosures, key binding, time."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from specs.errors import ClaimPath, Expired, LimitExceeded, MalformedInput, NotYetValid, Unsupported
from specs.jose import check_header, verify_json
from specs.jose.jws import KeyInput
from specs.keys import DEFAULT_ALLOWED_ALGS, PublicKey, verify_signature
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
from specs.sd_jwt.strict_json import b64url_decode_ascii, loads_object, resolve_key

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


@dataclass(frozen=True, slots=True)
class UnverifiedSdJwt:
    """An SD-JWT split and decoded but NOT verified: what the issuer-signed JWT claims.

    ``header`` and ``payload`` are the issuer JWT's, as sent; ``verify_parsed`` checks the
    signature over exactly the bytes they were decoded from and then uses them as they are,
    so nothing decodes the issuer JWT twice. Treat both as read-only, and build instances
    only with ``unverified_sd_jwt`` (a hand-made one is trusted to match its bytes).
    ``payload`` is None when it was not decoded (it is decoded after the signature check).
    """

    sd_jwt: SdJwt
    header: dict[str, Any]
    payload: dict[str, Any] | None
    payload_part: bytes
    signing_input: bytes
    signature_part: bytes
    disclosures: tuple[Disclosure, ...]

    def without_key_binding(self) -> UnverifiedSdJwt:
        """Return the same SD-JWT without its KB-JWT (for a caller that checks it itself)."""
        parsed = self.sd_jwt
        if parsed.kb_jwt is None:
            return self
        return UnverifiedSdJwt(
            SdJwt(parsed.issuer_jwt, parsed.disclosures, None, parsed.json_document),
            self.header,
            self.payload,
            self.payload_part,
            self.signing_input,
            self.signature_part,
            self.disclosures,
        )


def unverified_sd_jwt(
    presentation: str | Mapping[str, Any] | SdJwt,
    *,
    decode_payload: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> UnverifiedSdJwt:
    """Split and decode an SD-JWT (either serialization) WITHOUT checking anything signed.

    The disclosures are decoded with ``sha-256`` digests (``verify_parsed`` recomputes them
    for another ``_sd_alg``); ``decode_payload=False`` leaves the issuer payload encoded.
    """
    parsed = presentation if isinstance(presentation, SdJwt) else parse(presentation, limits=limits)
    # Disclosures are decoded before the issuer signature is checked and only trusted after
    # their digests are found in the signed payload (step 3); decoding them while the parser
    # is warm, rather than after the signature check, is measurably cheaper.
    disclosures = parse_disclosures(parsed.disclosures, DEFAULT_SD_ALG, limits=limits)
    token = parsed.issuer_jwt
    if len(token) > limits.max_token_bytes:
        raise LimitExceeded(f"JWS is longer than {limits.max_token_bytes} characters")
    try:
        raw = token.encode("ascii")
    except UnicodeEncodeError:
        raise MalformedInput("JWS compact serialization must be ASCII") from None
    parts = raw.split(b".")
    if len(parts) != 3:
        raise MalformedInput("JWS compact serialization must have exactly three parts")
    header_part, payload_part, signature_part = parts
    header = loads_object(
        b64url_decode_ascii(header_part, what="JWS header"), what="JWS header", limits=limits
    )
    payload = (
        loads_object(
            b64url_decode_ascii(payload_part, what="JWS payload"), what="JWS payload", limits=limits
        )
        if decode_payload
        else None
    )
    return UnverifiedSdJwt(
        parsed,
        header,
        payload,
        payload_part,
        # The signing input is the token up to its second '.' (RFC 7515 section 5.2 step 8).
        raw[: len(header_part) + 1 + len(payload_part)],
        signature_part,
        tuple(disclosures),
    )


def _verify_issuer_jwt(
    unverified: UnverifiedSdJwt,
    key: KeyInput,
    allowed_algs: Collection[str],
    expected_typ: str | None,
    limits: Limits,
) -> tuple[dict[str, Any], dict[str, Any]]:
    # specs.sd_jwt.strict_json.verify_jwt over the parts decoded by unverified_sd_jwt, in the
    # same order of checks: header rules, signature, then (if not decoded yet) the payload.
    header = unverified.header
    alg = check_header(header, allowed_algs=allowed_algs, expected_typ=expected_typ)
    if header.get("b64") is False:
        raise Unsupported("unencoded payloads (RFC 7797) are not supported")
    payload_raw = (
        b64url_decode_ascii(unverified.payload_part, what="JWS payload")
        if unverified.payload is None
        else None
    )
    signature = b64url_decode_ascii(unverified.signature_part, what="JWS signature")
    verify_signature(alg, resolve_key(key, header), unverified.signing_input, signature)
    if payload_raw is not None:
        return header, loads_object(payload_raw, what="JWS payload", limits=limits)
    assert unverified.payload is not None
    return header, unverified.payload


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
    if parsed.json_document is not None:
        disclosures = parse_disclosures(parsed.disclosures, DEFAULT_SD_ALG, limits=limits)
        unverified = UnverifiedSdJwt(parsed, {}, None, b"", b"", b"", tuple(disclosures))
    else:
        # The payload is decoded after the signature check, as verify_jwt does.
        unverified = unverified_sd_jwt(parsed, decode_payload=False, limits=limits)
    return _verify(
        unverified,
        issuer_key,
        clock=clock,
        key_binding=key_binding,
        required=required,
        allowed_algs=allowed_algs,
        expected_typ=expected_typ,
        accepted_sd_algs=accepted_sd_algs,
        leeway_seconds=leeway_seconds,
        limits=limits,
    )


def verify_parsed(
    unverified: UnverifiedSdJwt,
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
    """``verify`` for an SD-JWT already read by ``unverified_sd_jwt``: every check, once.

    The issuer JWT is not decoded again: its signature is checked over the bytes the
    unverified header and payload came from. Same arguments and errors as ``verify``.
    """
    required = key_binding is not None if require_key_binding is None else require_key_binding
    if required and key_binding is None:
        raise MalformedInput("key binding is required but no KeyBindingCheck was given")
    return _verify(
        unverified,
        issuer_key,
        clock=clock,
        key_binding=key_binding,
        required=required,
        allowed_algs=allowed_algs,
        expected_typ=expected_typ,
        accepted_sd_algs=accepted_sd_algs,
        leeway_seconds=leeway_seconds,
        limits=limits,
    )


def _verify(
    unverified: UnverifiedSdJwt,
    issuer_key: IssuerKey,
    *,
    clock: Clock,
    key_binding: KeyBindingCheck | None,
    required: bool,
    allowed_algs: Collection[str],
    expected_typ: str | None,
    accepted_sd_algs: Collection[str],
    leeway_seconds: int,
    limits: Limits,
) -> VerifiedSdJwt:
    parsed = unverified.sd_jwt
    disclosures: Collection[Disclosure] = unverified.disclosures
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
        header, issuer_payload = _verify_issuer_jwt(
            unverified, key, allowed_algs, expected_typ, limits
        )
    sd_alg = issuer_payload.get(SD_ALG_CLAIM, DEFAULT_SD_ALG)
    if sd_alg != DEFAULT_SD_ALG:
        hash_name(sd_alg)
        if sd_alg not in accepted_sd_algs:
            raise MalformedInput(f"_sd_alg {sd_alg!r} is not accepted by this verifier")
        disclosures = parse_disclosures(parsed.disclosures, sd_alg, limits=limits)
    elif sd_alg not in accepted_sd_algs:
        raise MalformedInput(f"_sd_alg {sd_alg!r} is not accepted by this verifier")
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

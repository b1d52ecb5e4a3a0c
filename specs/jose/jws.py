"""JWS compact and JSON serialization (RFC 7515) with an explicit algorithm allow-list per call.

Signing goes through a ``Signer`` handle, so keys held in hardware sign the same way as
software keys. Verification checks the header strictly (RFC 7515 section 5.2) before the
signature: ``alg`` in the caller's allow-list, key type matching ``alg``, no ``jku``/``x5u``
(never fetched), every ``crit`` entry understood, optional ``typ`` match.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from specs.encoding import b64url_decode, b64url_encode, dump_json_compact, parse_json_object
from specs.errors import LimitExceeded, MalformedInput, Unsupported
from specs.jose.constants import DEFAULT_UNDERSTOOD_CRIT, FORBIDDEN_HEADER_PARAMS, HMAC_ALGS
from specs.keys.algorithms import DEFAULT_ALLOWED_ALGS
from specs.keys.jwk import PublicKey, public_key_from_jwk, verify_signature
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Signer

KeyResolver = Callable[[dict[str, Any]], PublicKey]
KeyInput = PublicKey | Mapping[str, Any] | KeyResolver


@dataclass(frozen=True, slots=True)
class VerifiedJws:
    """A JWS whose signature verified: its protected header and payload bytes."""

    header: dict[str, Any]
    payload: bytes
    signing_input: bytes

    def payload_json(self, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
        """Parse the payload as a strict JSON object."""
        return parse_json_object(self.payload, what="JWS payload", limits=limits)


def _encode_payload(payload: bytes | Mapping[str, Any]) -> bytes:
    if isinstance(payload, bytes):
        return payload
    return dump_json_compact(dict(payload)).encode("utf-8")


def sign_compact(
    payload: bytes | Mapping[str, Any],
    signer: Signer,
    *,
    header: Mapping[str, Any] | None = None,
    typ: str | None = None,
) -> str:
    """Sign ``payload`` and return a JWS compact serialization."""
    protected: dict[str, Any] = {"alg": signer.alg}
    if typ is not None:
        protected["typ"] = typ
    if header:
        protected.update(header)
        protected["alg"] = signer.alg
    signing_input = (
        b64url_encode(dump_json_compact(protected).encode("utf-8"))
        + "."
        + b64url_encode(_encode_payload(payload))
    )
    signature = signer.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)


def split_compact(token: str, limits: Limits = DEFAULT_LIMITS) -> tuple[str, str, str]:
    """Split a compact JWS into its three base64url parts, with size checks."""
    if not isinstance(token, str):
        raise MalformedInput("JWS must be a string")
    if len(token) > limits.max_token_bytes:
        raise LimitExceeded(f"JWS is longer than {limits.max_token_bytes} characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedInput("JWS compact serialization must have exactly three parts")
    return parts[0], parts[1], parts[2]


def unverified_header(token: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Return the protected header of a compact JWS WITHOUT checking its signature."""
    header_b64, _, _ = split_compact(token, limits)
    return parse_json_object(b64url_decode(header_b64, what="JWS header"), what="JWS header")


def unverified_payload(token: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Return the JSON payload of a compact JWS WITHOUT checking its signature."""
    _, payload_b64, _ = split_compact(token, limits)
    return parse_json_object(
        b64url_decode(payload_b64, what="JWS payload"), what="JWS payload", limits=limits
    )


def check_header(
    header: dict[str, Any],
    *,
    allowed_algs: Collection[str],
    expected_typ: str | None = None,
    understood_crit: Collection[str] = DEFAULT_UNDERSTOOD_CRIT,
) -> str:
    """Apply the header rules of RFC 7515 section 5.2 and honnin's policy; return ``alg``."""
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise MalformedInput("JWS header lacks a string 'alg'")
    if alg == "none" or alg.lower() == "none":
        raise Unsupported("unsecured JWS (alg none) is never accepted")
    if alg in HMAC_ALGS:
        raise Unsupported(f"HMAC algorithm {alg} is not accepted for public-key verification")
    if alg not in allowed_algs:
        raise Unsupported(f"algorithm {alg} is not in the allow-list {sorted(allowed_algs)}")
    for name in FORBIDDEN_HEADER_PARAMS:
        if name in header:
            raise Unsupported(f"JWS header parameter {name!r} is not accepted (never fetched)")
    if "crit" in header:
        crit = header["crit"]
        if not isinstance(crit, list) or not crit or not all(isinstance(c, str) for c in crit):
            raise MalformedInput("JWS 'crit' must be a non-empty list of names")
        for name in crit:
            if name not in understood_crit:
                raise Unsupported(f"critical header parameter {name!r} is not understood")
            if name not in header:
                raise MalformedInput(f"critical header parameter {name!r} is missing")
    if expected_typ is not None:
        typ = header.get("typ")
        # The exact value (the usual case) matches without normalising either side.
        if typ != expected_typ and (
            not isinstance(typ, str) or not _typ_matches(typ, expected_typ)
        ):
            raise MalformedInput(f"JWS 'typ' must be {expected_typ!r}, got {typ!r}")
    return alg


def _typ_matches(typ: str, expected: str) -> bool:
    # RFC 7515 section 4.1.9: "application/" may be omitted; compare case-insensitively.
    def norm(value: str) -> str:
        value = value.lower()
        return value[len("application/") :] if value.startswith("application/") else value

    return norm(typ) == norm(expected)


def _resolve_key(key: KeyInput, header: dict[str, Any]) -> PublicKey:
    if isinstance(key, Mapping):
        return public_key_from_jwk(dict(key))
    if callable(key) and not hasattr(key, "public_numbers") and not hasattr(key, "verify"):
        return key(header)
    return key  # type: ignore[return-value]


def verify_compact(
    token: str,
    key: KeyInput,
    *,
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS,
    expected_typ: str | None = None,
    understood_crit: Collection[str] = DEFAULT_UNDERSTOOD_CRIT,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedJws:
    """Verify a compact JWS and return its header and payload; raise on any failure.

    ``key`` is a public key, a public JWK, or a resolver called with the checked header
    (for ``kid``/``x5c`` lookups).
    """
    header_b64, payload_b64, signature_b64 = split_compact(token, limits)
    header = parse_json_object(b64url_decode(header_b64, what="JWS header"), what="JWS header")
    alg = check_header(
        header,
        allowed_algs=allowed_algs,
        expected_typ=expected_typ,
        understood_crit=understood_crit,
    )
    if header.get("b64") is False:
        raise Unsupported("unencoded payloads (RFC 7797) are not supported")
    payload = b64url_decode(payload_b64, what="JWS payload")
    signature = b64url_decode(signature_b64, what="JWS signature")
    public_key = _resolve_key(key, header)
    signing_input = (header_b64 + "." + payload_b64).encode("ascii")
    verify_signature(alg, public_key, signing_input, signature)
    return VerifiedJws(header=header, payload=payload, signing_input=signing_input)


# --- JSON serialization (RFC 7515 section 7.2) ---


def sign_json_flattened(
    payload: bytes | Mapping[str, Any],
    signer: Signer,
    *,
    header: Mapping[str, Any] | None = None,
    unprotected: Mapping[str, Any] | None = None,
    typ: str | None = None,
) -> dict[str, Any]:
    """Sign ``payload`` and return a flattened JWS JSON serialization."""
    compact = sign_compact(payload, signer, header=header, typ=typ)
    protected, payload_b64, signature = compact.split(".")
    out: dict[str, Any] = {"payload": payload_b64, "protected": protected, "signature": signature}
    if unprotected:
        out["header"] = dict(unprotected)
    return out


def _signature_entries(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "signatures" in document:
        if "signature" in document or "protected" in document:
            raise MalformedInput("JWS JSON mixes general and flattened syntax")
        entries = document["signatures"]
        if not isinstance(entries, list) or not entries:
            raise MalformedInput("JWS 'signatures' must be a non-empty array")
        return entries
    return [document]


def verify_json(
    document: Mapping[str, Any],
    key: KeyInput,
    *,
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS,
    expected_typ: str | None = None,
    understood_crit: Collection[str] = DEFAULT_UNDERSTOOD_CRIT,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedJws:
    """Verify a flattened or general JWS JSON serialization; the first valid signature wins.

    Every signature entry is checked in turn; the unprotected header must not repeat a
    protected parameter (RFC 7515 section 7.2.1).
    """
    if not isinstance(document, Mapping):
        raise MalformedInput("JWS JSON serialization must be an object")
    payload_b64 = document.get("payload")
    if not isinstance(payload_b64, str):
        raise MalformedInput("JWS JSON lacks a string 'payload'")
    last_error: Exception | None = None
    for entry in _signature_entries(document):
        if not isinstance(entry, Mapping):
            raise MalformedInput("JWS signature entry must be an object")
        protected = entry.get("protected")
        signature = entry.get("signature")
        if not isinstance(protected, str) or not isinstance(signature, str):
            raise MalformedInput("JWS signature entry needs 'protected' and 'signature'")
        unprotected = entry.get("header", {})
        if not isinstance(unprotected, Mapping):
            raise MalformedInput("JWS unprotected 'header' must be an object")
        protected_header = parse_json_object(
            b64url_decode(protected, what="JWS header"), what="JWS header"
        )
        overlap = set(protected_header) & set(unprotected)
        if overlap:
            raise MalformedInput(f"JWS header parameters repeated: {sorted(overlap)}")
        try:
            verified = verify_compact(
                f"{protected}.{payload_b64}.{signature}",
                key,
                allowed_algs=allowed_algs,
                expected_typ=expected_typ,
                understood_crit=understood_crit,
                limits=limits,
            )
        except Exception as exc:  # try the next signature, re-raise the last failure
            last_error = exc
            continue
        return verified
    assert last_error is not None
    raise last_error

"""Strict JSON and base64url decoding on SD-JWT's hot path, same rules as ``specs.encoding``.

``specs.encoding.parse_json`` bounds nesting with a regular-expression scan over the whole
text, which costs more than the ES256 check it guards for a 25-claim payload. Text with fewer
brackets than the depth limit cannot nest deeper than it, so that scan only runs for
bracket-rich input; everything else (duplicate names, NaN, size) is checked the same way.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Collection, Mapping
from typing import Any

from specs.encoding import parse_json
from specs.errors import LimitExceeded, MalformedInput, Unsupported
from specs.jose import check_header
from specs.jose.jws import KeyInput
from specs.keys import PublicKey, public_key_from_jwk, verify_signature
from specs.keys.jwk import is_public_key
from specs.limits import Limits

# One table does both jobs of the alphabet check: base64url's "-" and "_" become "+" and "/",
# while "+", "/" and "=" (not base64url, or padding) become "!", which the strict decoder
# refuses like any other character outside the alphabet (RFC 4648 section 5).
TO_STANDARD = bytes.maketrans(b"-_+/=", b"+/!!!")
# Padding by length modulo 4; a remainder of 1 is impossible and the strict decoder says so.
PADDING = (b"", b"", b"==", b"=")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise MalformedInput("duplicate JSON member name")
    return out


def _reject_constant(name: str) -> Any:
    raise MalformedInput(f"JSON constant {name} is not allowed")


# One decoder for every call: json.loads would build a new one each time it gets hooks.
_DECODER = json.JSONDecoder(object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
# The C scanner under ``_DECODER.decode``; calling it directly skips two whitespace regex
# matches per document. Anything it does not consume entirely goes through ``decode``.
_SCAN = _DECODER.scan_once  # type: ignore[attr-defined]


def loads(raw: bytes, *, what: str, limits: Limits) -> Any:
    """Parse strict JSON (UTF-8, no duplicate names, no NaN) within the size and depth limits."""
    if len(raw) > limits.max_json_bytes:
        raise LimitExceeded(f"{what} is larger than {limits.max_json_bytes} bytes")
    if raw.count(b"[") + raw.count(b"{") > limits.max_json_depth:
        return parse_json(raw, what=what, limits=limits)
    try:
        text = raw.decode("utf-8")
        try:
            value, end = _SCAN(text, 0)
        except StopIteration:
            end = -1
        if end != len(text):
            # Leading/trailing whitespace, trailing data or no value: decode() decides.
            return _DECODER.decode(text)
        return value
    except MalformedInput:
        raise
    except (ValueError, RecursionError) as exc:
        raise MalformedInput(f"{what} is not valid JSON: {exc}") from exc


def loads_object(raw: bytes, *, what: str, limits: Limits) -> dict[str, Any]:
    """Parse strict JSON that must be an object."""
    value = loads(raw, what=what, limits=limits)
    if not isinstance(value, dict):
        raise MalformedInput(f"{what} is not a JSON object")
    return value


def b64url_decode_ascii(raw: bytes, *, what: str) -> bytes:
    """Decode unpadded base64url given as ASCII bytes (see ``b64url_decode``)."""
    try:
        return binascii.a2b_base64(
            raw.translate(TO_STANDARD) + PADDING[len(raw) & 3], strict_mode=True
        )
    except (binascii.Error, ValueError):
        raise MalformedInput(
            f"{what} is not valid base64url (RFC 4648 section 5, no padding)"
        ) from None


def b64url_decode(text: str, *, what: str) -> bytes:
    """Decode unpadded base64url; reject padding, other alphabets and impossible lengths.

    Unlike ``specs.encoding.b64url_decode`` this does not re-encode to reject stray tail bits:
    every value decoded here is also hashed or signed in its encoded form, so a non-canonical
    variant can never match the issuer's digest or signature.
    """
    if not isinstance(text, str):
        raise MalformedInput(f"{what} is not base64url (RFC 4648 section 5, no padding)")
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise MalformedInput(f"{what} is not base64url (RFC 4648 section 5, no padding)") from None
    return b64url_decode_ascii(raw, what=what)


def resolve_key(key: KeyInput, header: dict[str, Any]) -> PublicKey:
    """Return the public key to check a JWS with: the key, a JWK's key, or a resolver's answer."""
    if is_public_key(key):
        return key
    if isinstance(key, Mapping):
        return public_key_from_jwk(dict(key))
    if callable(key) and not hasattr(key, "public_numbers") and not hasattr(key, "verify"):
        return key(header)
    return key  # type: ignore[return-value]


def verify_jwt(
    token: str,
    key: KeyInput,
    *,
    allowed_algs: Collection[str],
    expected_typ: str | None,
    limits: Limits,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS with a JSON object payload; return header and payload.

    The header rules are ``specs.jose.check_header``'s (one policy for all of honnin); only
    the decoding is the lean one of this module, and the payload is decoded once.
    """
    if not isinstance(token, str) or len(token) > limits.max_token_bytes:
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
    alg = check_header(header, allowed_algs=allowed_algs, expected_typ=expected_typ)
    if header.get("b64") is False:
        raise Unsupported("unencoded payloads (RFC 7797) are not supported")
    payload_raw = b64url_decode_ascii(payload_part, what="JWS payload")
    signature = b64url_decode_ascii(signature_part, what="JWS signature")
    # The signing input is the token up to its second '.' (RFC 7515 section 5.2 step 8).
    verify_signature(
        alg, resolve_key(key, header), raw[: len(header_part) + 1 + len(payload_part)], signature
    )
    return header, loads_object(payload_raw, what="JWS payload", limits=limits)

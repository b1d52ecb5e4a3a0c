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
from specs.keys import public_key_from_jwk, verify_signature
from specs.limits import Limits

_TO_STANDARD = str.maketrans("-_", "+/")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise MalformedInput("duplicate JSON member name")
    return out


def _reject_constant(name: str) -> Any:
    raise MalformedInput(f"JSON constant {name} is not allowed")


# One decoder for every call: json.loads would build a new one each time it gets hooks.
_DECODER = json.JSONDecoder(object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


def loads(raw: bytes, *, what: str, limits: Limits) -> Any:
    """Parse strict JSON (UTF-8, no duplicate names, no NaN) within the size and depth limits."""
    if len(raw) > limits.max_json_bytes:
        raise LimitExceeded(f"{what} is larger than {limits.max_json_bytes} bytes")
    if raw.count(b"[") + raw.count(b"{") > limits.max_json_depth:
        return parse_json(raw, what=what, limits=limits)
    try:
        return _DECODER.decode(raw.decode("utf-8"))
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


def b64url_decode(text: str, *, what: str) -> bytes:
    """Decode unpadded base64url; reject padding, other alphabets and impossible lengths.

    Unlike ``specs.encoding.b64url_decode`` this does not re-encode to reject stray tail bits:
    every value decoded here is also hashed or signed in its encoded form, so a non-canonical
    variant can never match the issuer's digest or signature.
    """
    if not isinstance(text, str) or "=" in text or "+" in text or "/" in text:
        raise MalformedInput(f"{what} is not base64url (RFC 4648 section 5, no padding)")
    try:
        return binascii.a2b_base64(
            (text + "=" * (-len(text) % 4)).translate(_TO_STANDARD), strict_mode=True
        )
    except (binascii.Error, ValueError):
        raise MalformedInput(f"{what} is not valid base64url") from None


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
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedInput("JWS compact serialization must have exactly three parts")
    header = loads_object(
        b64url_decode(parts[0], what="JWS header"), what="JWS header", limits=limits
    )
    alg = check_header(header, allowed_algs=allowed_algs, expected_typ=expected_typ)
    if header.get("b64") is False:
        raise Unsupported("unencoded payloads (RFC 7797) are not supported")
    payload_raw = b64url_decode(parts[1], what="JWS payload")
    signature = b64url_decode(parts[2], what="JWS signature")
    if isinstance(key, Mapping):
        public_key = public_key_from_jwk(dict(key))
    elif callable(key) and not hasattr(key, "public_numbers") and not hasattr(key, "verify"):
        public_key = key(header)
    else:
        public_key = key  # type: ignore[assignment]
    verify_signature(alg, public_key, (parts[0] + "." + parts[1]).encode("ascii"), signature)
    return header, loads_object(payload_raw, what="JWS payload", limits=limits)

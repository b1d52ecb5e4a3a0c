"""JOSE: JWS with explicit algorithm allow-lists (and JWE where a protocol needs it)."""

from specs.jose.jws import (
    VerifiedJws,
    check_header,
    sign_compact,
    sign_json_flattened,
    unverified_header,
    unverified_payload,
    verify_compact,
    verify_json,
)

__all__ = [
    "VerifiedJws",
    "check_header",
    "sign_compact",
    "sign_json_flattened",
    "unverified_header",
    "unverified_payload",
    "verify_compact",
    "verify_json",
]

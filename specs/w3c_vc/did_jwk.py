"""``did:jwk`` (W3C CCG did:jwk method): a DID that is a base64url-encoded public JWK.

honnin issuers name their Data Integrity key with a ``did:jwk`` whose JWK carries the
issuer's ``x5c`` chain (RFC 7517 section 4.7), so a verifier resolves the key offline and
judges the chain against the trust list exactly as for an SD-JWT VC's ``x5c`` header.
The DID document has one verification method, ``#0`` (did:jwk section "Read").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from specs.encoding import b64url_decode, b64url_encode, dump_json_compact, parse_json_object
from specs.errors import LimitExceeded, MalformedInput, Unsupported
from specs.keys.jwk import public_key_from_jwk
from specs.limits import DEFAULT_LIMITS, Limits
from specs.w3c_vc.constants import DID_JWK_FRAGMENT, DID_JWK_PREFIX

# Private JWK members (RFC 7518 section 6.2.2 and 6.3.2): never part of a did:jwk.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def did_jwk_for(jwk: Mapping[str, Any]) -> str:
    """Return the ``did:jwk`` of a public JWK (UTF-8 JSON, base64url without padding)."""
    if _PRIVATE_MEMBERS & set(jwk):
        raise MalformedInput("a did:jwk must not carry private key members")
    return DID_JWK_PREFIX + b64url_encode(dump_json_compact(dict(jwk)).encode("utf-8"))


def did_jwk_verification_method(jwk: Mapping[str, Any]) -> str:
    """Return the verification method URL (``did:jwk:...#0``) of a public JWK."""
    return did_jwk_for(jwk) + DID_JWK_FRAGMENT


def unverified_did_jwk(
    verification_method: object, limits: Limits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """Decode the JWK a ``did:jwk`` (or its ``#0`` method) names; nothing about it is trusted."""
    if not isinstance(verification_method, str) or not verification_method.startswith(
        DID_JWK_PREFIX
    ):
        raise Unsupported("verification method is not a did:jwk URL")
    if len(verification_method) > limits.max_json_bytes:
        raise LimitExceeded(f"did:jwk is longer than {limits.max_json_bytes} characters")
    did, hash_mark, fragment = verification_method.partition("#")
    if hash_mark and hash_mark + fragment != DID_JWK_FRAGMENT:
        raise MalformedInput("a did:jwk has one verification method, #0")
    raw = b64url_decode(did[len(DID_JWK_PREFIX) :], what="did:jwk")
    jwk = parse_json_object(raw, what="did:jwk JWK", limits=limits)
    if _PRIVATE_MEMBERS & set(jwk):
        raise MalformedInput("a did:jwk must not carry private key members")
    return jwk


def resolve_did_jwk(verification_method: object) -> ec.EllipticCurvePublicKey:
    """Resolve a ``did:jwk`` verification method to its EC public key, offline."""
    jwk = unverified_did_jwk(verification_method)
    key = public_key_from_jwk({k: v for k, v in jwk.items() if k != "x5c"})
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise Unsupported("did:jwk key is not an EC public key")
    return key


__all__ = [
    "did_jwk_for",
    "did_jwk_verification_method",
    "resolve_did_jwk",
    "unverified_did_jwk",
]

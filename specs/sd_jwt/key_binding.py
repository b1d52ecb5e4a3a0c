"""Key Binding JWTs (RFC 9901 section 4.3): creating and checking them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from specs.errors import (
    AudienceMismatch,
    DigestMismatch,
    Expired,
    MalformedInput,
    NonceMismatch,
    NotYetValid,
    Unsupported,
)
from specs.jose import sign_compact
from specs.keys import DEFAULT_ALLOWED_ALGS, PublicKey, public_key_from_jwk
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Clock, Signer
from specs.sd_jwt.constants import CNF_CLAIM, CNF_JWK, KB_JWT_TYP, SD_HASH_CLAIM
from specs.sd_jwt.disclosure import digest
from specs.sd_jwt.strict_json import verify_jwt


@dataclass(frozen=True, slots=True)
class KeyBindingCheck:
    """What a verifier expects of a KB-JWT: its audience, nonce and maximum age."""

    aud: str
    nonce: str
    max_age_seconds: int = 300
    leeway_seconds: int = 60
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS


def sd_hash(sd_jwt_string: str, sd_alg: str = "sha-256") -> str:
    """Return the ``sd_hash`` over ``<issuer-jwt>~<d1>~...~`` (RFC 9901 section 4.3.1)."""
    return digest(sd_jwt_string, sd_alg)


def create_kb_jwt(
    sd_jwt_string: str,
    holder_signer: Signer,
    *,
    aud: str,
    nonce: str,
    clock: Clock,
    sd_alg: str = "sha-256",
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """Sign a KB-JWT over the presented SD-JWT for ``aud`` and ``nonce`` at the clock's time."""
    if not isinstance(aud, str) or not aud or not isinstance(nonce, str) or not nonce:
        raise MalformedInput("a KB-JWT needs a non-empty aud and nonce")
    payload: dict[str, Any] = dict(extra_claims or {})
    payload.update(
        iat=int(clock.now().timestamp()),
        aud=aud,
        nonce=nonce,
        sd_hash=sd_hash(sd_jwt_string, sd_alg),
    )
    return sign_compact(payload, holder_signer, typ=KB_JWT_TYP)


@lru_cache(maxsize=512)
def _cached_key(members: tuple[tuple[str, str], ...]) -> PublicKey:
    # Building an EC public key validates the point, which costs as much as a third of a
    # signature check; holder and issuer keys repeat, so parse each one once.
    return public_key_from_jwk(dict(members))


def public_key_from_cnf(payload: Mapping[str, Any]) -> PublicKey:
    """Return the holder key named by ``cnf.jwk`` (RFC 7800) in an issuer-signed payload."""
    cnf = payload.get(CNF_CLAIM)
    if cnf is None:
        raise MalformedInput("the SD-JWT has no 'cnf' claim to bind a holder key")
    if type(cnf) is not dict and not isinstance(cnf, Mapping):
        raise MalformedInput("'cnf' must be an object")
    jwk = cnf.get(CNF_JWK)
    if jwk is None:
        raise Unsupported("only 'cnf.jwk' holder key confirmation is supported")
    if (type(jwk) is dict or isinstance(jwk, Mapping)) and "d" in jwk:
        raise MalformedInput("a confirmation JWK must not contain a private key")
    return public_key_from_jwk_cached(jwk)


# The members that make up a public key (RFC 7518 section 6); others do not change the key.
_KEY_MEMBERS = ("crv", "e", "kty", "n", "x", "y")


def public_key_from_jwk_cached(jwk: Any) -> PublicKey:
    """Parse a public JWK, reusing the parsed key when the same JWK was seen before."""
    if type(jwk) is not dict and not isinstance(jwk, Mapping):
        raise MalformedInput("JWK must be a JSON object")
    members = tuple([(k, jwk[k]) for k in _KEY_MEMBERS if k in jwk])
    try:
        return _cached_key(members)
    except TypeError:
        # Only an unhashable member value (a JSON array or object) gets here.
        raise MalformedInput("JWK members must be strings") from None


def verify_kb_jwt(
    kb_jwt: str,
    holder_key: PublicKey,
    *,
    sd_jwt_string: str,
    sd_alg: str,
    clock: Clock,
    check: KeyBindingCheck | None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Verify a KB-JWT (RFC 9901 section 7.3 step 5) and return its payload.

    With ``check`` None only signature, ``typ`` and ``sd_hash`` are checked (the verifier
    did not ask for key binding but still refuses a KB-JWT that does not fit).
    """
    allowed = check.allowed_algs if check is not None else DEFAULT_ALLOWED_ALGS
    _, payload = verify_jwt(
        kb_jwt, holder_key, allowed_algs=allowed, expected_typ=KB_JWT_TYP, limits=limits
    )
    expected_hash = sd_hash(sd_jwt_string, sd_alg)
    if payload.get(SD_HASH_CLAIM) != expected_hash:
        raise DigestMismatch("KB-JWT sd_hash does not match the presented SD-JWT")
    iat = payload.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise MalformedInput("KB-JWT lacks a numeric 'iat'")
    if check is None:
        return payload
    now = clock.now().timestamp()
    if iat > now + check.leeway_seconds:
        raise NotYetValid("KB-JWT 'iat' is in the future")
    if iat < now - check.max_age_seconds - check.leeway_seconds:
        raise Expired(f"KB-JWT is older than {check.max_age_seconds} seconds")
    aud = payload.get("aud")
    if isinstance(aud, list):
        if check.aud not in aud:
            raise AudienceMismatch(f"KB-JWT is not meant for {check.aud!r}")
    elif aud != check.aud:
        raise AudienceMismatch(f"KB-JWT is meant for {aud!r}, not {check.aud!r}")
    if payload.get("nonce") != check.nonce:
        raise NonceMismatch("KB-JWT nonce differs from the one this verifier issued")
    return payload

"""Key proofs of OpenID4VCI 1.0 (Appendix F): build and verify ``openid4vci-proof+jwt``.

A ``jwt`` proof shows possession of the key a Credential will be bound to; its header
carries that key as ``jwk`` (or names an attested key when a ``key_attestation`` header is
present). An ``attestation`` proof is a key attestation alone; its verification belongs to
``specs/key_attestation.py`` and is injected here as a callable, so this module does not
depend on it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from specs.errors import (
    AudienceMismatch,
    Expired,
    MalformedInput,
    NotYetValid,
    PolicyViolation,
    Unsupported,
)
from specs.jose import sign_compact, unverified_header, verify_compact
from specs.keys.algorithms import DEFAULT_ALLOWED_ALGS
from specs.keys.jwk import PRIVATE_MEMBERS, public_key_from_jwk, thumbprint
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vci.constants import HEADER_KEY_ATTESTATION, TYP_PROOF_JWT
from specs.ports import Clock, Signer

DEFAULT_PROOF_MAX_AGE = 300
DEFAULT_LEEWAY = 60


@dataclass(frozen=True, slots=True)
class AttestedKeys:
    """What a verified key attestation vouches for (returned by the injected verifier)."""

    keys: tuple[dict[str, Any], ...]
    nonce: str | None = None
    key_storage: tuple[str, ...] = ()
    user_authentication: tuple[str, ...] = ()
    claims: Mapping[str, Any] = field(default_factory=dict)


class KeyAttestationVerifier(Protocol):
    """Verifies a ``key-attestation+jwt`` (signature, trust, expiry); raises ``HonninError``."""

    def __call__(self, attestation: str, *, allowed_algs: Collection[str]) -> AttestedKeys:
        """Return the attested keys of a valid key attestation."""
        ...


@dataclass(frozen=True, slots=True)
class VerifiedProof:
    """A key proof that verified: the keys to bind Credentials to, and its nonce."""

    keys: tuple[dict[str, Any], ...]
    nonce: str | None
    proof_type: str
    attestation: AttestedKeys | None = None


def build_jwt_proof(
    signer: Signer,
    *,
    audience: str,
    clock: Clock,
    nonce: str | None = None,
    client_id: str | None = None,
    key_attestation: str | None = None,
) -> str:
    """Sign a key proof JWT for the Credential Issuer ``audience`` with the key of ``signer``."""
    header: dict[str, Any] = {}
    if key_attestation is not None:
        header[HEADER_KEY_ATTESTATION] = key_attestation
    # Appendix F.1: "kid", "jwk" and "x5c" are mutually exclusive; we send the key itself.
    header["jwk"] = {k: v for k, v in signer.public_jwk.items() if k not in PRIVATE_MEMBERS}
    claims: dict[str, Any] = {"aud": audience, "iat": int(clock.now().timestamp())}
    if client_id is not None:
        claims["iss"] = client_id
    if nonce is not None:
        claims["nonce"] = nonce
    return sign_compact(claims, signer, header=header, typ=TYP_PROOF_JWT)


def _check_requirements(
    attested: AttestedKeys, required: Mapping[str, Sequence[str]] | None
) -> None:
    if required is None:
        return
    for name, have in (
        ("key_storage", attested.key_storage),
        ("user_authentication", attested.user_authentication),
    ):
        accepted = required.get(name)
        if accepted and not set(have) & set(accepted):
            raise PolicyViolation(
                f"key attestation {name} {list(have)} meets none of {list(accepted)}",
                claim_path=[name],
            )


def _attested_keys(
    attestation: object,
    verifier: KeyAttestationVerifier | None,
    *,
    allowed_algs: Collection[str],
    required: Mapping[str, Sequence[str]] | None,
    refused: str,
    not_a_jwt: str,
) -> AttestedKeys:
    # A key attestation (Appendix D) in either place: the injected verifier, then the
    # Credential's key_storage / user_authentication requirements. Wording per place.
    if verifier is None:
        raise Unsupported(refused)
    if not isinstance(attestation, str):
        raise MalformedInput(not_a_jwt)
    attested = verifier(attestation, allowed_algs=allowed_algs)
    _check_requirements(attested, required)
    return attested


def _same_key(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return thumbprint(dict(a)) == thumbprint(dict(b))


def verify_jwt_proof(
    proof: str,
    *,
    audience: str,
    clock: Clock,
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS,
    client_id: str | None = None,
    nonce_required: bool = True,
    max_age: int = DEFAULT_PROOF_MAX_AGE,
    leeway: int = DEFAULT_LEEWAY,
    key_attestation_verifier: KeyAttestationVerifier | None = None,
    key_attestations_required: Mapping[str, Sequence[str]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedProof:
    """Verify a ``jwt`` key proof (Appendix F.4) and return the proven public key(s).

    ``key_attestations_required`` is the metadata object of the same name (``{}`` when an
    attestation is required without constraints, ``None`` when none is required).
    The nonce is returned, not checked: consuming it is the caller's single-use step.
    """
    if not isinstance(proof, str):
        raise MalformedInput("a jwt proof must be a string")
    header = unverified_header(proof, limits)
    for name in ("kid", "x5c", "trust_chain"):
        if name in header and HEADER_KEY_ATTESTATION not in header:
            raise Unsupported(f"key proofs identifying the key by {name!r} are not supported")
    if "x5c" in header or "trust_chain" in header:
        raise Unsupported("key proofs with 'x5c' or 'trust_chain' are not supported")
    attested: AttestedKeys | None = None
    attestation = header.get(HEADER_KEY_ATTESTATION)
    if attestation is not None:
        attested = _attested_keys(
            attestation,
            key_attestation_verifier,
            allowed_algs=allowed_algs,
            required=key_attestations_required,
            refused="key attestations are not accepted by this issuer",
            not_a_jwt="'key_attestation' header must be a JWT string",
        )
    elif key_attestations_required is not None:
        raise PolicyViolation("this Credential requires a key attestation")

    jwk = header.get("jwk")
    if jwk is not None:
        if "kid" in header:
            raise MalformedInput("'jwk' and 'kid' must not both be present")
        if not isinstance(jwk, dict):
            raise MalformedInput("'jwk' header must be a JSON object")
        if PRIVATE_MEMBERS & set(jwk):
            # Appendix F.4: the header parameter must not contain a private key.
            raise MalformedInput("'jwk' header contains private key members")
        signing_jwk: dict[str, Any] = jwk
        if attested is not None and not any(_same_key(jwk, k) for k in attested.keys):
            raise PolicyViolation("the proof is not signed by an attested key")
    elif attested is not None:
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid.isdigit() or int(kid) >= len(attested.keys):
            raise MalformedInput("'kid' must index one of the attested keys")
        signing_jwk = dict(attested.keys[int(kid)])
    else:
        raise MalformedInput("key proof header has no 'jwk'")

    public_key = public_key_from_jwk(signing_jwk)
    verified = verify_compact(
        proof, public_key, allowed_algs=allowed_algs, expected_typ=TYP_PROOF_JWT, limits=limits
    )
    header_typ = verified.header.get("typ")
    if header_typ != TYP_PROOF_JWT:
        raise MalformedInput(f"key proof 'typ' must be exactly {TYP_PROOF_JWT!r}")
    claims = verified.payload_json(limits)

    aud = claims.get("aud")
    if isinstance(aud, list):
        # RFC 7519 allows an array; the proof is for us only if we are in it.
        if audience not in aud:
            raise AudienceMismatch(
                f"key proof is for {aud!r}, not {audience!r}", claim_path=["aud"]
            )
    elif aud != audience:
        raise AudienceMismatch(f"key proof is for {aud!r}, not {audience!r}", claim_path=["aud"])

    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise MalformedInput("key proof lacks a numeric 'iat'", claim_path=["iat"])
    now = clock.now().timestamp()
    if iat > now + leeway:
        raise NotYetValid("key proof 'iat' is in the future", claim_path=["iat"])
    if iat < now - max_age:
        raise Expired(f"key proof was issued more than {max_age} s ago", claim_path=["iat"])
    if "exp" in claims:
        exp = claims["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise MalformedInput("key proof 'exp' must be numeric", claim_path=["exp"])
        if exp <= now - leeway:
            raise Expired("key proof has expired", claim_path=["exp"])

    iss = claims.get("iss")
    if iss is not None and not isinstance(iss, str):
        raise MalformedInput("key proof 'iss' must be a string", claim_path=["iss"])
    if client_id is not None and iss != client_id:
        raise MalformedInput(
            f"key proof 'iss' {iss!r} is not the client_id {client_id!r}", claim_path=["iss"]
        )

    nonce = claims.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise MalformedInput("key proof 'nonce' must be a string", claim_path=["nonce"])
    if nonce_required and nonce is None:
        # Section 8.3.1.2 invalid_proof (3): a key proof without the c_nonce.
        raise MalformedInput("key proof lacks the 'nonce' (c_nonce)", claim_path=["nonce"])
    if attested is not None and nonce_required and attested.nonce != nonce:
        raise MalformedInput("key attestation 'nonce' is not the proof's c_nonce")

    public_jwk = {k: v for k, v in signing_jwk.items() if k not in PRIVATE_MEMBERS}
    keys = attested.keys if attested is not None else (public_jwk,)
    return VerifiedProof(keys=tuple(keys), nonce=nonce, proof_type="jwt", attestation=attested)


def verify_attestation_proof(
    attestation: str,
    *,
    key_attestation_verifier: KeyAttestationVerifier | None,
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS,
    nonce_required: bool = True,
    key_attestations_required: Mapping[str, Sequence[str]] | None = None,
) -> VerifiedProof:
    """Verify an ``attestation`` proof (Appendix F.3) through the injected verifier."""
    attested = _attested_keys(
        attestation,
        key_attestation_verifier,
        allowed_algs=allowed_algs,
        required=key_attestations_required,
        refused="the attestation proof type is not accepted by this issuer",
        not_a_jwt="an attestation proof must be a JWT string",
    )
    if nonce_required and attested.nonce is None:
        raise MalformedInput("key attestation lacks the 'nonce' (c_nonce)", claim_path=["nonce"])
    if not attested.keys:
        raise MalformedInput("key attestation attests no keys", claim_path=["attested_keys"])
    for key in attested.keys:
        if PRIVATE_MEMBERS & set(key):
            raise MalformedInput("an attested key contains private key members")
    return VerifiedProof(
        keys=tuple(attested.keys),
        nonce=attested.nonce,
        proof_type="attestation",
        attestation=attested,
    )

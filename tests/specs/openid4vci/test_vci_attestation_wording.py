"""Key attestations in the jwt and attestation proof types: each place keeps its own wording."""

from __future__ import annotations

from typing import Any

import pytest

from specs.errors import MalformedInput, Unsupported
from specs.jose import sign_compact
from specs.keys import SoftwareSigner
from specs.openid4vci import build_jwt_proof, verify_attestation_proof, verify_jwt_proof
from specs.ports import FixedClock

AUD = "https://issuer.example.jp"


def _proof_with_attestation_header(key: SoftwareSigner, clock: FixedClock, value: object) -> str:
    header = {"key_attestation": value, "jwk": key.public_jwk}
    claims = {"aud": AUD, "iat": int(clock.now().timestamp()), "nonce": "n"}
    return sign_compact(claims, key, header=header, typ="openid4vci-proof+jwt")


def test_jwt_proof_attestation_refused_without_verifier(clock: FixedClock, provider: Any) -> None:
    key = SoftwareSigner.generate("ES256")
    attestation = provider.attest([key], clock=clock, nonce="n")
    proof = build_jwt_proof(key, audience=AUD, clock=clock, nonce="n", key_attestation=attestation)
    with pytest.raises(Unsupported) as info:
        verify_jwt_proof(proof, audience=AUD, clock=clock)
    assert info.value.detail == "key attestations are not accepted by this issuer"


def test_jwt_proof_attestation_header_not_a_string(clock: FixedClock, provider: Any) -> None:
    key = SoftwareSigner.generate("ES256")
    proof = _proof_with_attestation_header(key, clock, {"not": "a jwt"})
    with pytest.raises(MalformedInput) as info:
        verify_jwt_proof(
            proof, audience=AUD, clock=clock, key_attestation_verifier=provider.verifier
        )
    assert info.value.detail == "'key_attestation' header must be a JWT string"


def test_attestation_proof_refused_without_verifier(clock: FixedClock, provider: Any) -> None:
    attestation = provider.attest([SoftwareSigner.generate("ES256")], clock=clock, nonce="n")
    with pytest.raises(Unsupported) as info:
        verify_attestation_proof(attestation, key_attestation_verifier=None)
    assert info.value.detail == "the attestation proof type is not accepted by this issuer"


def test_attestation_proof_not_a_string(provider: Any) -> None:
    with pytest.raises(MalformedInput) as info:
        verify_attestation_proof(b"eyJ", key_attestation_verifier=provider.verifier)  # type: ignore[arg-type]
    assert info.value.detail == "an attestation proof must be a JWT string"

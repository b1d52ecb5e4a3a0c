"""Key proof JWTs: build/verify, the spec's example, and each rejection with its exact class."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.encoding import b64url_decode
from specs.errors import (
    AudienceMismatch,
    Expired,
    HonninError,
    InvalidSignature,
    MalformedInput,
    NotYetValid,
    PolicyViolation,
    Unsupported,
)
from specs.jose import sign_compact
from specs.keys import SoftwareSigner
from specs.openid4vci import build_jwt_proof, verify_attestation_proof, verify_jwt_proof
from specs.ports import FixedClock

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "openid4vci"
AUD = "https://issuer.example.jp"


@pytest.fixture
def key() -> SoftwareSigner:
    return SoftwareSigner.generate("ES256")


def test_spec_example_proof_verifies() -> None:
    proof = json.loads((VECTORS / "proofs_jwt_example.json").read_text())["jwt"][0]
    clock = FixedClock(datetime.fromtimestamp(1701960444 + 10, UTC))
    verified = verify_jwt_proof(
        proof, audience="https://credential-issuer.example.com", clock=clock
    )
    assert verified.nonce == "LarRGSbmUPYtRYO6BQ4yn8"
    assert verified.keys[0]["x"] == "nUWAoAv3XZith8E7i19OdaxOLYFOwM-Z2EuM02TirT4"
    # The same proof a day later is stale.
    clock.advance(86400)
    with pytest.raises(Expired):
        verify_jwt_proof(proof, audience="https://credential-issuer.example.com", clock=clock)


def test_build_and_verify(key: SoftwareSigner, clock: FixedClock) -> None:
    proof = build_jwt_proof(key, audience=AUD, clock=clock, nonce="n-1", client_id="wallet-1")
    header = json.loads(b64url_decode(proof.split(".")[0]))
    assert header["typ"] == "openid4vci-proof+jwt"
    assert header["jwk"] == key.public_jwk
    claims = json.loads(b64url_decode(proof.split(".")[1]))
    assert claims == {
        "aud": AUD,
        "iat": int(clock.now().timestamp()),
        "iss": "wallet-1",
        "nonce": "n-1",
    }
    verified = verify_jwt_proof(proof, audience=AUD, clock=clock, client_id="wallet-1")
    assert verified.keys == (key.public_jwk,)
    assert verified.nonce == "n-1"


def _proof(signer: SoftwareSigner, claims: dict[str, Any], **header: Any) -> str:
    full_header: dict[str, Any] = {"jwk": signer.public_jwk}
    full_header.update(header)
    typ = full_header.pop("typ", "openid4vci-proof+jwt")
    full_header = {k: v for k, v in full_header.items() if v is not None}
    return sign_compact(claims, signer, header=full_header, typ=typ)


def _claims(clock: FixedClock, **extra: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"aud": AUD, "iat": int(clock.now().timestamp()), "nonce": "n"}
    claims.update(extra)
    return {k: v for k, v in claims.items() if v is not None}


def test_proof_for_another_issuer(key: SoftwareSigner, clock: FixedClock) -> None:
    proof = _proof(key, _claims(clock, aud="https://other.example"))
    with pytest.raises(AudienceMismatch):
        verify_jwt_proof(proof, audience=AUD, clock=clock)


def test_stale_iat(key: SoftwareSigner, clock: FixedClock) -> None:
    proof = build_jwt_proof(key, audience=AUD, clock=clock, nonce="n")
    clock.advance(301)
    with pytest.raises(Expired):
        verify_jwt_proof(proof, audience=AUD, clock=clock)


def test_future_iat(key: SoftwareSigner, clock: FixedClock) -> None:
    proof = _proof(key, _claims(clock, iat=int(clock.now().timestamp()) + 3600))
    with pytest.raises(NotYetValid):
        verify_jwt_proof(proof, audience=AUD, clock=clock)


@pytest.mark.parametrize(
    "typ", ["JWT", "openid4vci-proof+jwt2", "application/openid4vci-proof+jwt"]
)
def test_wrong_typ(key: SoftwareSigner, clock: FixedClock, typ: str) -> None:
    with pytest.raises(MalformedInput):
        verify_jwt_proof(_proof(key, _claims(clock), typ=typ), audience=AUD, clock=clock)


def test_alg_not_in_metadata(clock: FixedClock) -> None:
    signer = SoftwareSigner.generate("ES384")
    proof = _proof(signer, _claims(clock))
    with pytest.raises(Unsupported):
        verify_jwt_proof(proof, audience=AUD, clock=clock, allowed_algs={"ES256"})


def test_private_key_in_header(key: SoftwareSigner, clock: FixedClock) -> None:
    proof = _proof(key, _claims(clock), jwk=key.export_private_jwk())
    with pytest.raises(MalformedInput):
        verify_jwt_proof(proof, audience=AUD, clock=clock)


def test_signature_by_another_key(key: SoftwareSigner, clock: FixedClock) -> None:
    other = SoftwareSigner.generate("ES256")
    proof = _proof(other, _claims(clock), jwk=key.public_jwk)
    with pytest.raises(InvalidSignature):
        verify_jwt_proof(proof, audience=AUD, clock=clock)


def test_missing_nonce(key: SoftwareSigner, clock: FixedClock) -> None:
    proof = _proof(key, _claims(clock, nonce=None))
    with pytest.raises(MalformedInput):
        verify_jwt_proof(proof, audience=AUD, clock=clock)
    assert verify_jwt_proof(proof, audience=AUD, clock=clock, nonce_required=False).nonce is None


@pytest.mark.parametrize(
    "header", [{"jwk": None}, {"jwk": None, "kid": "did:example:1#0"}, {"x5c": ["MIIB"]}]
)
def test_key_not_given_as_jwk(
    key: SoftwareSigner, clock: FixedClock, header: dict[str, Any]
) -> None:
    proof = _proof(key, _claims(clock), **header)
    with pytest.raises((MalformedInput, Unsupported)) as info:
        verify_jwt_proof(proof, audience=AUD, clock=clock)
    expected = MalformedInput if header == {"jwk": None} else Unsupported
    assert type(info.value) is expected


def test_client_id_mismatch(key: SoftwareSigner, clock: FixedClock) -> None:
    proof = _proof(key, _claims(clock, iss="someone-else"))
    with pytest.raises(MalformedInput):
        verify_jwt_proof(proof, audience=AUD, clock=clock, client_id="wallet-1")


# --- key attestations ---


def test_jwt_proof_with_key_attestation(clock: FixedClock, provider: Any) -> None:
    keys = [SoftwareSigner.generate("ES256") for _ in range(3)]
    attestation = provider.attest(keys, clock=clock, nonce="n")
    proof = build_jwt_proof(
        keys[0], audience=AUD, clock=clock, nonce="n", key_attestation=attestation
    )
    verified = verify_jwt_proof(
        proof,
        audience=AUD,
        clock=clock,
        key_attestation_verifier=provider.verifier,
        key_attestations_required={"key_storage": ["iso_18045_moderate"]},
    )
    assert verified.keys == tuple(k.public_jwk for k in keys)


def test_attestation_required_but_missing(
    key: SoftwareSigner, clock: FixedClock, provider: Any
) -> None:
    proof = build_jwt_proof(key, audience=AUD, clock=clock, nonce="n")
    with pytest.raises(PolicyViolation):
        verify_jwt_proof(
            proof,
            audience=AUD,
            clock=clock,
            key_attestation_verifier=provider.verifier,
            key_attestations_required={},
        )


def test_proof_key_not_attested(key: SoftwareSigner, clock: FixedClock, provider: Any) -> None:
    attestation = provider.attest([SoftwareSigner.generate("ES256")], clock=clock, nonce="n")
    proof = build_jwt_proof(key, audience=AUD, clock=clock, nonce="n", key_attestation=attestation)
    with pytest.raises(PolicyViolation):
        verify_jwt_proof(
            proof, audience=AUD, clock=clock, key_attestation_verifier=provider.verifier
        )


def test_attestation_with_weak_storage(
    key: SoftwareSigner, clock: FixedClock, provider: Any
) -> None:
    attestation = provider.attest([key], clock=clock, nonce="n", key_storage=("iso_18045_basic",))
    proof = build_jwt_proof(key, audience=AUD, clock=clock, nonce="n", key_attestation=attestation)
    with pytest.raises(PolicyViolation):
        verify_jwt_proof(
            proof,
            audience=AUD,
            clock=clock,
            key_attestation_verifier=provider.verifier,
            key_attestations_required={"key_storage": ["iso_18045_moderate"]},
        )


def test_attestation_without_verifier(
    key: SoftwareSigner, clock: FixedClock, provider: Any
) -> None:
    attestation = provider.attest([key], clock=clock, nonce="n")
    proof = build_jwt_proof(key, audience=AUD, clock=clock, nonce="n", key_attestation=attestation)
    with pytest.raises(Unsupported):
        verify_jwt_proof(proof, audience=AUD, clock=clock)
    with pytest.raises(Unsupported):
        verify_attestation_proof(attestation, key_attestation_verifier=None)


def test_attestation_proof_type(clock: FixedClock, provider: Any) -> None:
    keys = [SoftwareSigner.generate("ES256") for _ in range(2)]
    attestation = provider.attest(keys, clock=clock, nonce="n")
    verified = verify_attestation_proof(attestation, key_attestation_verifier=provider.verifier)
    assert verified.keys == tuple(k.public_jwk for k in keys)
    assert verified.nonce == "n"
    forged = attestation[:-4] + ("AAAA" if not attestation.endswith("AAAA") else "BBBB")
    with pytest.raises(InvalidSignature):
        verify_attestation_proof(forged, key_attestation_verifier=provider.verifier)
    no_nonce = provider.attest(keys, clock=clock, nonce=None)
    with pytest.raises(MalformedInput):
        verify_attestation_proof(no_nonce, key_attestation_verifier=provider.verifier)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=400))
def test_property_arbitrary_proofs_raise_only_honnin_errors(text: str) -> None:
    clock = FixedClock(datetime(2026, 7, 1, tzinfo=UTC))
    with contextlib.suppress(HonninError):
        verify_jwt_proof(text, audience=AUD, clock=clock)

"""Fixtures for the W3C VC tests: the vector loader, deterministic signers, scripted randomness."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from specs.keys.jwk import der_to_raw_ecdsa, public_jwk
from specs.w3c_vc import DocumentLoader, build_credential
from specs.w3c_vc.constants import CREDENTIALS_V2_CONTEXT
from specs.w3c_vc.multikey import did_key_verification_method

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "w3c_di_ecdsa"
TEST_VECTORS = VECTORS / "TestVectors"


def read_json(path: Path) -> Any:
    """Read a vector JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


class DeterministicSigner:
    """A real ``Signer`` over a P-256/P-384 key using RFC 6979 ECDSA (the vectors use it)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self.key = key
        p384 = isinstance(key.curve, ec.SECP384R1)
        self._alg = "ES384" if p384 else "ES256"
        self._hash: hashes.HashAlgorithm = hashes.SHA384() if p384 else hashes.SHA256()
        self._size = 96 if p384 else 64

    @property
    def alg(self) -> str:
        """The JOSE algorithm."""
        return self._alg

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The public JWK."""
        return public_jwk(self.key.public_key())

    @property
    def verification_method(self) -> str:
        """The did:key verification method of this key."""
        return did_key_verification_method(self.key.public_key())

    def sign(self, data: bytes) -> bytes:
        """Sign deterministically, raw r||s."""
        der = self.key.sign(data, ec.ECDSA(self._hash, deterministic_signing=True))
        return der_to_raw_ecdsa(der, self._size)


class ScriptedRandom:
    """A ``Random`` that hands out given byte strings in order (to replay the vectors)."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = list(chunks)

    def bytes(self, n: int) -> bytes:
        """Return the next scripted chunk, which must be ``n`` bytes long."""
        chunk = self._chunks.pop(0)
        assert len(chunk) == n
        return chunk


@pytest.fixture(scope="session")
def vector_loader() -> DocumentLoader:
    """The bundled contexts plus the two example contexts the W3C vectors use."""
    mapping = read_json(VECTORS / "contexts" / "context_map.json")
    extra = {
        url: read_json(VECTORS / "contexts" / name)
        for url, name in mapping.items()
        if url != CREDENTIALS_V2_CONTEXT
    }
    return DocumentLoader(extra)


@pytest.fixture(scope="session")
def loader() -> DocumentLoader:
    """The production loader: bundled contexts only."""
    return DocumentLoader()


@pytest.fixture(scope="session")
def issuer_signer() -> DeterministicSigner:
    """A fixed P-256 issuer key (derived from a constant, for reproducible tests)."""
    return DeterministicSigner(ec.derive_private_key(0x1234567890ABCDEF << 64, ec.SECP256R1()))


def build_slip(**overrides: Any) -> dict[str, Any]:
    """Build an unsecured withholding-slip credential (給与所得の源泉徴収票)."""
    subject = {
        "type": "WithholdingSlip",
        "taxYear": "2026",
        "recipientName": "佐藤 花子",
        "recipientNameKana": "サトウ ハナコ",
        "recipientBirthDate": "1990-04-01",
        "paymentAmount": 3_000_000,
        "withheldTax": 85_000,
        "socialInsurancePremiums": 430_000,
        "leaveDate": "2026-06-30",
        "payerName": "株式会社A",
        "payerCorporateNumber": "1234567890123",
    }
    subject.update(overrides.pop("subject", {}))
    args: dict[str, Any] = {
        "types": ["WithholdingSlipCredential"],
        "issuer": "did:web:employer-a.example",
        "subject": subject,
        "valid_from": datetime(2026, 7, 1, tzinfo=UTC),
        "valid_until": datetime(2031, 7, 1, tzinfo=UTC),
        "schema": {
            "id": "https://honnin.example/schemas/withholding-slip/v1",
            "type": "JsonSchema",
        },
    }
    args.update(overrides)
    return build_credential(**args)


@pytest.fixture
def make_slip() -> Callable[..., dict[str, Any]]:
    """Build an unsecured withholding-slip credential."""
    return build_slip

"""Fixtures for mdoc tests: a test IACA, a document signer, a device key and an issued mdoc."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography import x509

from specs.keys import SoftwareSigner
from specs.mdoc import Document, issue
from specs.ports import FixedClock, SeededRandom
from tests.support.certificates import iaca_and_document_signer

DOC_TYPE = "jp.honnin.withholding_slip.1"
NAMESPACE = "jp.honnin.withholding_slip.1"
ELEMENTS: dict[str, Any] = {
    "year": 2026,
    "recipient_name": "佐藤 花子",
    "birth_date": datetime(1990, 4, 1).date(),
    "payment_amount": 3_600_000,
    "withheld_tax": 81_200,
    "payer_name": "株式会社A",
}
OTHER_NAMESPACE = "jp.honnin.extra.1"


@dataclass(frozen=True)
class Pki:
    """A test IACA and document signer."""

    iaca: x509.Certificate
    iaca_signer: SoftwareSigner
    ds_cert: x509.Certificate
    ds_signer: SoftwareSigner


def make_pki(name: str = "honnin test") -> Pki:
    """Create an IACA root and a document signer certificate under it."""
    iaca, ds = iaca_and_document_signer(name)
    return Pki(iaca.certificate, iaca.signer, ds.certificate, ds.signer)


@pytest.fixture(scope="session")
def pki() -> Pki:
    """The shared test PKI."""
    return make_pki()


@pytest.fixture(scope="session")
def device() -> SoftwareSigner:
    """The holder's device key."""
    return SoftwareSigner.generate("ES256")


def issue_test_document(
    pki: Pki, device: SoftwareSigner, clock: FixedClock | None = None, **overrides: Any
) -> Document:
    """Issue the standard test mdoc."""
    arguments: dict[str, Any] = {
        "doc_type": DOC_TYPE,
        "namespaces": {NAMESPACE: ELEMENTS, OTHER_NAMESPACE: {"note": "x"}},
        "device_key": device.public_jwk,
        "signer": pki.ds_signer,
        "certificate_chain": [pki.ds_cert],
        "clock": clock or FixedClock(datetime(2026, 6, 30, tzinfo=UTC)),
        "rng": SeededRandom(b"mdoc-issue"),
    }
    arguments.update(overrides)
    return issue(**arguments)


@pytest.fixture
def issue_doc(pki: Pki, device: SoftwareSigner) -> Any:
    """A function issuing the standard test mdoc with keyword overrides."""

    def make(**overrides: Any) -> Document:
        return issue_test_document(pki, device, **overrides)

    return make


@pytest.fixture
def make_pki_fixture() -> Any:
    """The PKI factory, for tests that need a second, untrusted PKI."""
    return make_pki


@pytest.fixture
def document(pki: Pki, device: SoftwareSigner) -> Document:
    """An mdoc issued on 2026-06-30, valid for a year."""
    return issue_test_document(pki, device)

"""A small PKI for OpenID4VP tests: a trust anchor, the verifier's access certificate, a stranger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from cryptography import x509

from specs.keys import SoftwareSigner
from tests.support.certificates import certify

NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)
DNS = "verifier.example.jp"


@dataclass
class Pki:
    anchor: x509.Certificate
    signer: SoftwareSigner
    leaf: x509.Certificate
    other_anchor: x509.Certificate
    other_signer: SoftwareSigner
    other_leaf: x509.Certificate


def _chain(name: str, dns: str) -> tuple[x509.Certificate, SoftwareSigner, x509.Certificate]:
    anchor = certify(
        f"{name} CA", not_before=NOT_BEFORE, days=3650, serial_number=1, ca=True, path_length=0
    )
    leaf = certify(
        f"{name} access certificate",
        by=anchor,
        not_before=NOT_BEFORE,
        days=365,
        serial_number=2,
        san_dns=[dns],
    )
    return anchor.certificate, leaf.signer, leaf.certificate


@pytest.fixture(scope="session")
def pki() -> Pki:
    anchor, signer, leaf = _chain("Trust list", DNS)
    other_anchor, other_signer, other_leaf = _chain("Stranger", "evil.example")
    return Pki(anchor, signer, leaf, other_anchor, other_signer, other_leaf)

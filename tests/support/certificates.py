"""Test keys with X.509 certificates: self-signed roots, CAs and leaves under them.

Every call makes a fresh ES256 key unless one is given, and issues its certificate with
``specs.keys.certificates.issue_certificate``; the options (``ca``, ``path_length``,
``san_dns``, ``san_uris``, ``organization``) are passed through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from specs.keys import SoftwareSigner
from specs.keys.certificates import issue_certificate


@dataclass(frozen=True)
class CertifiedKey:
    """A signing key and the certificate for its public key."""

    signer: SoftwareSigner
    certificate: x509.Certificate


def certify(
    common_name: str,
    *,
    not_before: datetime,
    days: int,
    serial_number: int,
    by: CertifiedKey | None = None,
    signer: SoftwareSigner | None = None,
    **options: Any,
) -> CertifiedKey:
    """Certify ``signer`` (a new ES256 key if not given): issued by ``by``, or self-signed."""
    subject = signer or SoftwareSigner.generate("ES256")
    issuer_signer = by.signer if by is not None else subject
    certificate = issue_certificate(
        subject_public_key=subject.public_key,
        issuer_key=issuer_signer.private_key(),
        issuer=by.certificate if by is not None else None,
        common_name=common_name,
        not_before=not_before,
        days=days,
        serial_number=serial_number,
        **options,
    )
    return CertifiedKey(subject, certificate)


def iaca_and_document_signer(name: str) -> tuple[CertifiedKey, CertifiedKey]:
    """An mdoc IACA root "{name} IACA" (ISO 18013-5 Annex B; ten years from 2026-01-01, path
    length 0) and a document signer "{name} DS" under it (two years)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    iaca = certify(
        f"{name} IACA", not_before=start, days=3650, serial_number=1, ca=True, path_length=0
    )
    ds = certify(f"{name} DS", by=iaca, not_before=start, days=730, serial_number=2)
    return iaca, ds

"""The trust-list operator's key and self-signed certificate, kept as files the operator owns."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from specs.encoding import parse_json_object
from specs.keys.certificates import issue_certificate
from specs.keys.software import SoftwareSigner
from specs.keys.x509 import load_pem_certificates
from specs.ports import Random

OPERATOR_DIR = "operator"
KEY_FILE = "operator.jwk"
CERT_FILE = "operator.pem"


@dataclass(frozen=True, slots=True)
class Operator:
    """The operator's signer and certificate chain (leaf first)."""

    signer: SoftwareSigner
    chain: tuple[x509.Certificate, ...]


def certificate_pem(cert: x509.Certificate) -> bytes:
    """Encode a certificate as PEM."""
    return cert.public_bytes(serialization.Encoding.PEM)


def create_operator(
    directory: Path,
    *,
    common_name: str,
    organization: str,
    not_before: datetime,
    random: Random,
    alg: str = "ES256",
    days: int = 3650,
) -> Operator:
    """Generate the operator key and a self-signed certificate under ``directory/operator``."""
    folder = directory / OPERATOR_DIR
    key_path = folder / KEY_FILE
    if key_path.exists():
        raise FileExistsError(17, "operator key already exists", str(key_path))
    folder.mkdir(parents=True, exist_ok=True)
    signer = SoftwareSigner.generate(alg)
    private = signer.private_key()
    cert = issue_certificate(
        subject_public_key=private.public_key(),
        issuer_key=private,
        issuer=None,
        common_name=common_name,
        organization=organization,
        not_before=not_before,
        days=days,
        serial_number=int.from_bytes(random.bytes(16), "big") >> 1 or 1,
        ca=False,
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    # The key file is created first (O_EXCL: never over an existing key); when it or the
    # certificate cannot be written, the key goes again, so a retry is not refused.
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(signer.export_private_jwk(), handle)
        (folder / CERT_FILE).write_bytes(certificate_pem(cert))
    except BaseException:
        key_path.unlink(missing_ok=True)
        raise
    return Operator(signer=signer, chain=(cert,))


def load_operator(directory: Path) -> Operator:
    """Load the operator's signer and certificate chain from ``directory/operator``."""
    folder = directory / OPERATOR_DIR
    jwk = parse_json_object((folder / KEY_FILE).read_bytes(), what=KEY_FILE)
    chain = tuple(load_pem_certificates((folder / CERT_FILE).read_bytes()))
    return Operator(signer=SoftwareSigner.from_jwk(jwk), chain=chain)


def load_anchors(path: Path) -> list[x509.Certificate]:
    """Load pinned operator certificates (PEM) to verify lists against."""
    return load_pem_certificates(path.read_bytes())

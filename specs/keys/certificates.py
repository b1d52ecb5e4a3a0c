"""Certificate building for deployments and tests: self-signed and CA-issued X.509 (RFC 5280)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from specs.keys.jwk import PrivateKey, PublicKey


def _name(common_name: str, organization: str | None, country: str | None) -> x509.Name:
    attributes = []
    if country:
        attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def issue_certificate(
    *,
    subject_public_key: PublicKey,
    issuer_key: PrivateKey,
    issuer: x509.Certificate | None,
    common_name: str,
    not_before: datetime,
    days: int,
    serial_number: int,
    organization: str | None = None,
    country: str | None = "JP",
    san_uris: Sequence[str] = (),
    san_dns: Sequence[str] = (),
    ca: bool = False,
    path_length: int | None = None,
) -> x509.Certificate:
    """Issue a certificate; ``issuer=None`` makes it self-signed by ``issuer_key``."""
    subject = _name(common_name, organization, country)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(subject_public_key)
        .serial_number(serial_number)
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
        .add_extension(
            x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(subject_public_key), critical=False
        )
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(u) for u in san_uris]
    names += [x509.DNSName(d) for d in san_dns]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    algorithm = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) or algorithm is None:
        return builder.sign(issuer_key, algorithm)
    raise TypeError("unsupported issuer key")  # pragma: no cover

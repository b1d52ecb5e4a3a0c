"""X.509 certificate chains for ``x5c`` headers, access certificates and card certificates.

Path validation here is the subset of RFC 5280 section 6 that honnin's profiles need:
names chain, each certificate is signed by the next, validity at the given time,
``basicConstraints`` CA on every issuer with path length respected, ``keyUsage`` on
issuers and (when asked) on the leaf, and the chain ends at a caller-supplied anchor.
Revocation is the caller's business (CRLs in ``check_crl``).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import serialization

from specs.errors import (
    Expired,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    NotYetValid,
    Revoked,
    StaleData,
    UntrustedKey,
)
from specs.limits import DEFAULT_LIMITS, Limits


def parse_x5c(x5c: object, limits: Limits = DEFAULT_LIMITS) -> list[x509.Certificate]:
    """Parse a JOSE ``x5c`` value (standard base64 DER, leaf first, RFC 7515 section 4.1.6)."""
    if not isinstance(x5c, list) or not x5c:
        raise MalformedInput("x5c must be a non-empty array of base64 certificates")
    if len(x5c) > limits.max_x5c_certs:
        raise LimitExceeded(f"x5c has more than {limits.max_x5c_certs} certificates")
    certs = []
    for index, item in enumerate(x5c):
        if not isinstance(item, str):
            raise MalformedInput("x5c entries must be strings", claim_path=["x5c", index])
        try:
            der = base64.b64decode(item, validate=True)
        except ValueError as exc:
            raise MalformedInput("x5c entry is not base64", claim_path=["x5c", index]) from exc
        certs.append(load_der_certificate(der))
    return certs


def load_der_certificate(der: bytes) -> x509.Certificate:
    """Parse one DER certificate, raising ``MalformedInput`` on garbage."""
    try:
        return x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as exc:  # InvalidVersion is no ValueError
        raise MalformedInput(f"not a DER X.509 certificate: {exc}") from exc


def load_pem_certificates(pem: bytes) -> list[x509.Certificate]:
    """Parse one or more PEM certificates."""
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except (ValueError, x509.InvalidVersion) as exc:
        raise MalformedInput(f"not PEM X.509 certificates: {exc}") from exc
    return certs


def encode_x5c(chain: Sequence[x509.Certificate]) -> list[str]:
    """Encode certificates as a JOSE ``x5c`` array."""
    return [
        base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
        for cert in chain
    ]


def _check_time(cert: x509.Certificate, at: datetime, what: str) -> None:
    if at < cert.not_valid_before_utc:
        raise NotYetValid(f"{what} is not valid before {cert.not_valid_before_utc.isoformat()}")
    if at > cert.not_valid_after_utc:
        raise Expired(f"{what} expired at {cert.not_valid_after_utc.isoformat()}")


def _extension(cert: x509.Certificate, oid_type: type[x509.ExtensionType]) -> object | None:
    try:
        return cert.extensions.get_extension_for_class(oid_type).value
    except x509.ExtensionNotFound:
        return None
    except ValueError as exc:  # malformed or duplicate extensions surface lazily here
        raise MalformedInput(f"certificate has malformed extensions: {exc}") from exc


def _signed_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        if child.issuer != parent.subject:
            return False
        child.verify_directly_issued_by(parent)
    except (CryptoInvalidSignature, ValueError, TypeError):
        return False
    return True


def _check_issuer_cert(cert: x509.Certificate, below: int, what: str) -> None:
    constraints = _extension(cert, x509.BasicConstraints)
    if not isinstance(constraints, x509.BasicConstraints) or not constraints.ca:
        raise UntrustedKey(f"{what} is not a CA certificate (basicConstraints)")
    if constraints.path_length is not None and below > constraints.path_length:
        raise UntrustedKey(f"{what} path length constraint exceeded")
    usage = _extension(cert, x509.KeyUsage)
    if isinstance(usage, x509.KeyUsage) and not usage.key_cert_sign:
        raise UntrustedKey(f"{what} may not sign certificates (keyUsage)")


def validate_chain(
    chain: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    at: datetime,
    *,
    leaf_key_usage: str | None = "digital_signature",
) -> x509.Certificate:
    """Validate ``chain`` (leaf first) up to one of ``anchors`` at time ``at``; return the leaf.

    The chain may end with the anchor itself or with a certificate the anchor signed. Raises
    ``UntrustedKey`` when no anchor is reached, ``InvalidSignature`` when a link does not
    verify, ``Expired``/``NotYetValid`` on time.
    """
    if not chain:
        raise MalformedInput("certificate chain is empty")
    if not anchors:
        raise UntrustedKey("no trust anchors configured")
    leaf = chain[0]
    if leaf_key_usage is not None:
        usage = _extension(leaf, x509.KeyUsage)
        if isinstance(usage, x509.KeyUsage) and not getattr(usage, leaf_key_usage):
            raise UntrustedKey(f"leaf certificate lacks keyUsage {leaf_key_usage}")
    for index, cert in enumerate(chain):
        what = "leaf certificate" if index == 0 else f"chain certificate {index}"
        _check_time(cert, at, what)
        if index > 0:
            if chain[index - 1].issuer != cert.subject:
                raise UntrustedKey(f"{what} did not issue the certificate below it")
            if not _signed_by(chain[index - 1], cert):
                raise InvalidSignature(f"signature on certificate {index - 1} does not verify")
            _check_issuer_cert(cert, index - 1, what)
    top = chain[-1]
    anchor_ders = {a.public_bytes(serialization.Encoding.DER) for a in anchors}
    if top.public_bytes(serialization.Encoding.DER) in anchor_ders:
        return leaf
    for anchor in anchors:
        # An anchor that merely shares the issuer's name but did not sign is no anchor.
        if _signed_by(top, anchor):
            _check_time(anchor, at, "trust anchor")
            _check_issuer_cert(anchor, len(chain) - 1, "trust anchor")
            return leaf
    raise UntrustedKey("certificate chain does not lead to a trusted anchor")


def check_crl(
    cert: x509.Certificate,
    crl: x509.CertificateRevocationList,
    issuer: x509.Certificate,
    at: datetime,
    *,
    max_age_seconds: float | None = None,
) -> None:
    """Check ``cert`` against a CRL signed by ``issuer``; raise ``Revoked`` or ``StaleData``."""
    if crl.issuer != issuer.subject:
        raise UntrustedKey("CRL was not issued by the certificate's issuer")
    if not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
        raise InvalidSignature("CRL signature does not verify")
    next_update = crl.next_update_utc
    if next_update is not None and at > next_update:
        raise StaleData(f"CRL is past its next update {next_update.isoformat()}")
    if max_age_seconds is not None:
        age = (at - crl.last_update_utc).total_seconds()
        if age > max_age_seconds:
            raise StaleData(
                f"CRL is {int(age)} s old, more than the {int(max_age_seconds)} s allowed"
            )
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if entry is not None and entry.revocation_date_utc <= at:
        raise Revoked(f"certificate serial {cert.serial_number:x} is revoked")


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """Parse a DER or PEM CRL."""
    try:
        if data.lstrip().startswith(b"-----"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise MalformedInput(f"not an X.509 CRL: {exc}") from exc

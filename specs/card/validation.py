"""Card certificate validity: chain to a card CA from the trust list, profile, time, CRL.

Pure: the caller passes the chain, the card CAs (trust anchors), the CRLs it fetched and the
time. Each failure has its own error: wrong CA ``UntrustedKey``, wrong key usage or profile
``UntrustedKey``, wrong algorithm ``Unsupported``, expired ``Expired``, revoked ``Revoked``,
missing or stale CRL ``StaleData``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa

from specs.card.certificate import (
    DEFAULT_CARD_POLICY,
    CardPolicy,
    check_user_authentication_profile,
)
from specs.errors import (
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    StaleData,
    Unsupported,
    UntrustedKey,
)
from specs.keys.x509 import check_crl, validate_chain
from specs.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True, slots=True)
class ValidatedCard:
    """A card certificate that chains to a trusted card CA, fits the profile and is not revoked."""

    certificate: x509.Certificate
    issuer: x509.Certificate
    public_key: rsa.RSAPublicKey


def _issuer_of(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
) -> x509.Certificate:
    for candidate in [*chain, *anchors]:
        if candidate.subject == cert.issuer and candidate is not cert:
            return candidate
    raise UntrustedKey("the card CA that issued this certificate is not trusted")


def _newest_crl(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    crls: Sequence[x509.CertificateRevocationList],
) -> x509.CertificateRevocationList:
    own = [crl for crl in crls if crl.issuer == issuer.subject]
    valid = [crl for crl in own if crl.is_signature_valid(issuer.public_key())]  # type: ignore[arg-type]
    if not valid:
        if own:
            raise InvalidSignature("no CRL of the card CA has a valid signature")
        raise StaleData("no CRL of the card CA is available to check revocation")
    return max(valid, key=lambda crl: crl.last_update_utc)


def validate_card_certificate(
    chain: Sequence[x509.Certificate],
    *,
    anchors: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    at: datetime,
    policy: CardPolicy = DEFAULT_CARD_POLICY,
    limits: Limits = DEFAULT_LIMITS,
) -> ValidatedCard:
    """Validate a card certificate chain (leaf first) at ``at``; raise a ``HonninError`` on failure."""
    try:
        return _validate(chain, anchors, crls, at, policy, limits)
    except UnsupportedAlgorithm as exc:
        raise Unsupported(f"card certificate chain uses an unsupported algorithm: {exc}") from exc
    except ValueError as exc:  # cryptography decodes names and extensions lazily
        raise MalformedInput(f"card certificate chain does not decode: {exc}") from exc


def _validate(
    chain: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    at: datetime,
    policy: CardPolicy,
    limits: Limits,
) -> ValidatedCard:
    if not chain:
        raise MalformedInput("card certificate chain is empty")
    if len(chain) > limits.max_x5c_certs:
        raise LimitExceeded(f"card certificate chain is longer than {limits.max_x5c_certs}")
    if len(crls) > limits.max_crls:
        raise LimitExceeded(f"more than {limits.max_crls} CRLs given")
    leaf = chain[0]
    check_user_authentication_profile(leaf, policy)
    try:
        validate_chain(chain, anchors, at, leaf_key_usage="digital_signature")
    except InvalidSignature as exc:
        # A chain that names a trusted CA but is not signed by it comes from another CA.
        raise UntrustedKey(f"card certificate is not issued by a trusted card CA: {exc}") from exc
    issuer = _issuer_of(leaf, chain[1:], anchors)
    anchor_subjects = {anchor.subject for anchor in anchors}
    for index, cert in enumerate(chain):
        if cert.subject in anchor_subjects and index > 0:
            break
        cert_issuer = issuer if index == 0 else _issuer_of(cert, chain[index + 1 :], anchors)
        crl = _newest_crl(cert, cert_issuer, crls)
        check_crl(cert, crl, cert_issuer, at, max_age_seconds=policy.max_crl_age_seconds)
    public_key = leaf.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)  # check_algorithm guarantees it
    return ValidatedCard(certificate=leaf, issuer=issuer, public_key=public_key)

"""The JPKI user-authentication certificate profile (利用者証明用電子証明書), checked strictly.

Source: J-LIS, "JPKI 証明書プロファイル" (profile of the certificates and CRLs the JPKI CAs
issue) for the user-authentication certificate on the My Number Card: v3 certificate signed
with sha256WithRSAEncryption; subject ``C=JP, CN=<serial-like string>`` with no personal data
(the signing certificate, not this one, carries name, address, birth date and sex in
``subjectAltName`` otherNames under arc 1.2.392.200149.8.5.5); RSA-2048 key; ``keyUsage``
digitalSignature, critical; ``certificatePolicies`` 1.2.392.200149.8.5.1.3.30;
``cRLDistributionPoints``; valid until the fifth birthday after issuance.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtensionOID, NameOID

from specs.card.constants import (
    JPKI_MAX_VALIDITY_DAYS,
    JPKI_PERSONAL_DATA_ARC,
    JPKI_RSA_KEY_BITS,
    JPKI_SUBJECT_ATTRIBUTES,
    JPKI_USER_AUTHENTICATION_POLICY,
    SHA256_WITH_RSA_ENCRYPTION,
)
from specs.errors import MalformedInput, Unsupported, UntrustedKey

_SHORT_NAMES = {
    NameOID.COUNTRY_NAME: "C",
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
}


@dataclass(frozen=True, slots=True)
class CardPolicy:
    """What a relying party accepts as a card certificate, and how fresh its CRL must be."""

    accepted_policy_oids: frozenset[str] = field(
        default_factory=lambda: frozenset({JPKI_USER_AUTHENTICATION_POLICY})
    )
    rsa_key_bits: frozenset[int] = field(default_factory=lambda: frozenset({JPKI_RSA_KEY_BITS}))
    max_validity_days: int = JPKI_MAX_VALIDITY_DAYS
    # JPKI publishes CRLs at least daily; two days tolerates one missed publication.
    max_crl_age_seconds: float | None = 2 * 24 * 3600


DEFAULT_CARD_POLICY = CardPolicy()


def _extension_value(
    cert: x509.Certificate, oid: x509.ObjectIdentifier
) -> x509.Extension[x509.ExtensionType] | None:
    try:
        return cert.extensions.get_extension_for_oid(oid)
    except x509.ExtensionNotFound:
        return None
    except ValueError as exc:  # duplicate or undecodable extensions
        raise UntrustedKey(f"card certificate has malformed extensions: {exc}") from exc


def check_algorithm(cert: x509.Certificate, rsa_key_bits: Collection[int]) -> None:
    """Raise ``Unsupported`` unless the certificate is sha256WithRSAEncryption over an RSA key of an accepted size."""
    if cert.signature_algorithm_oid.dotted_string != SHA256_WITH_RSA_ENCRYPTION:
        raise Unsupported(
            f"card certificate signature algorithm {cert.signature_algorithm_oid.dotted_string} "
            "is not sha256WithRSAEncryption"
        )
    try:
        key = cert.public_key()
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:  # unknown or undecodable key
        raise Unsupported(f"card certificate key cannot be used: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise Unsupported(f"card certificate key is {type(key).__name__}, not RSA")
    if key.key_size not in rsa_key_bits:
        raise Unsupported(f"card certificate key is RSA-{key.key_size}, not {sorted(rsa_key_bits)}")


def check_user_authentication_profile(
    cert: x509.Certificate, policy: CardPolicy = DEFAULT_CARD_POLICY
) -> None:
    """Check ``cert`` against the JPKI user-authentication profile; raise ``Unsupported`` or ``UntrustedKey``."""
    try:
        _check_profile(cert, policy)
    except ValueError as exc:  # cryptography decodes names and extensions lazily
        raise MalformedInput(f"card certificate does not decode: {exc}") from exc


def _check_profile(cert: x509.Certificate, policy: CardPolicy) -> None:
    check_algorithm(cert, policy.rsa_key_bits)
    if cert.version != x509.Version.v3:
        raise UntrustedKey("card certificate is not an X.509 v3 certificate")
    for attribute in cert.subject:
        short = _SHORT_NAMES.get(attribute.oid, attribute.oid.dotted_string)
        if short not in JPKI_SUBJECT_ATTRIBUTES:
            raise UntrustedKey(
                f"card certificate subject carries {short}: the user-authentication profile "
                "allows only C and CN"
            )
    san = _extension_value(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if san is not None:
        names = san.value
        assert isinstance(names, x509.SubjectAlternativeName)
        for other in names.get_values_for_type(x509.OtherName):
            if other.type_id.dotted_string.startswith(JPKI_PERSONAL_DATA_ARC + "."):
                raise UntrustedKey(
                    "certificate carries JPKI personal data: it is a signing certificate, "
                    "not a user-authentication certificate"
                )
    usage_ext = _extension_value(cert, ExtensionOID.KEY_USAGE)
    if usage_ext is None:
        raise UntrustedKey("card certificate has no keyUsage")
    usage = usage_ext.value
    assert isinstance(usage, x509.KeyUsage)
    if not usage_ext.critical:
        raise UntrustedKey("card certificate keyUsage is not critical")
    if not usage.digital_signature:
        raise UntrustedKey("card certificate keyUsage lacks digitalSignature")
    if usage.key_cert_sign or usage.crl_sign:
        raise UntrustedKey("card certificate keyUsage allows certificate or CRL signing")
    constraints = _extension_value(cert, ExtensionOID.BASIC_CONSTRAINTS)
    if constraints is not None:
        value = constraints.value
        assert isinstance(value, x509.BasicConstraints)
        if value.ca:
            raise UntrustedKey("card certificate is a CA certificate")
    policies_ext = _extension_value(cert, ExtensionOID.CERTIFICATE_POLICIES)
    if policies_ext is None:
        raise UntrustedKey("card certificate has no certificatePolicies")
    policies = policies_ext.value
    assert isinstance(policies, x509.CertificatePolicies)
    oids = {info.policy_identifier.dotted_string for info in policies}
    if not oids & policy.accepted_policy_oids:
        raise UntrustedKey(
            f"card certificate policies {sorted(oids)} include none of "
            f"{sorted(policy.accepted_policy_oids)} (user authentication)"
        )
    if _extension_value(cert, ExtensionOID.CRL_DISTRIBUTION_POINTS) is None:
        raise UntrustedKey("card certificate has no cRLDistributionPoints")
    span = cert.not_valid_after_utc - cert.not_valid_before_utc
    if span.days > policy.max_validity_days:
        raise UntrustedKey(
            f"card certificate validity of {span.days} days exceeds {policy.max_validity_days}"
        )

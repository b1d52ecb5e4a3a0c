"""Card certificate profile and validation: chain to a card CA, profile, time and CRL."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honnin.testcard import JpkiTestCa
from specs.card import (
    CardPolicy,
    check_user_authentication_profile,
    validate_card_certificate,
)
from specs.card.constants import JPKI_DIGITAL_SIGNATURE_POLICY
from specs.errors import (
    Expired,
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    NotYetValid,
    Revoked,
    StaleData,
    Unsupported,
    UntrustedKey,
)
from specs.keys.x509 import load_der_certificate
from specs.limits import Limits

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> JpkiTestCa:
    return JpkiTestCa.create(NOW)


@pytest.fixture(scope="module")
def other_ca() -> JpkiTestCa:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Some Other CA"),
        ]
    )
    return JpkiTestCa.create(NOW, name=name)


@pytest.fixture(scope="module")
def card_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def issue(
    ca: JpkiTestCa, key: rsa.RSAPrivateKey, serial: int = 1001, **kwargs: object
) -> x509.Certificate:
    kwargs.setdefault("not_before", NOW - timedelta(days=30))
    return ca.issue_user_certificate(key.public_key(), serial=serial, **kwargs)  # type: ignore[arg-type]


def validate(cert: x509.Certificate, ca: JpkiTestCa, **kwargs: object) -> object:
    crls = kwargs.pop("crls", [ca.issue_crl(NOW - timedelta(hours=1))])
    at = kwargs.pop("at", NOW)
    return validate_card_certificate(
        [cert],
        anchors=[ca.certificate],
        crls=crls,
        at=at,
        **kwargs,  # type: ignore[arg-type]
    )


def test_valid_card_certificate_is_accepted(ca: JpkiTestCa, card_key: rsa.RSAPrivateKey) -> None:
    cert = issue(ca, card_key)
    result = validate(cert, ca)
    assert result.certificate == cert  # type: ignore[attr-defined]
    assert result.public_key.public_numbers() == card_key.public_key().public_numbers()  # type: ignore[attr-defined]


def test_chain_that_includes_the_ca_is_accepted(
    ca: JpkiTestCa, card_key: rsa.RSAPrivateKey
) -> None:
    cert = issue(ca, card_key)
    validate_card_certificate(
        [cert, ca.certificate], anchors=[ca.certificate], crls=[ca.issue_crl(NOW)], at=NOW
    )


def test_subject_carries_no_personal_data(ca: JpkiTestCa, card_key: rsa.RSAPrivateKey) -> None:
    cert = issue(ca, card_key)
    assert {a.oid for a in cert.subject} == {NameOID.COUNTRY_NAME, NameOID.COMMON_NAME}


def test_wrong_ca_is_untrusted(
    ca: JpkiTestCa, other_ca: JpkiTestCa, card_key: rsa.RSAPrivateKey
) -> None:
    cert = issue(other_ca, card_key)
    with pytest.raises(UntrustedKey):
        validate(cert, ca, crls=[other_ca.issue_crl(NOW), ca.issue_crl(NOW)])


def test_impostor_ca_with_the_same_name_is_untrusted(
    ca: JpkiTestCa, card_key: rsa.RSAPrivateKey
) -> None:
    impostor = JpkiTestCa.create(NOW)  # same default name, different key
    cert = issue(impostor, card_key)
    with pytest.raises(UntrustedKey):
        validate(cert, ca)


def test_expired_card(ca: JpkiTestCa, card_key: rsa.RSAPrivateKey) -> None:
    cert = issue(ca, card_key, not_before=NOW - timedelta(days=5 * 365 + 10))
    with pytest.raises(Expired):
        validate(cert, ca)


def test_not_yet_valid_card(ca: JpkiTestCa, card_key: rsa.RSAPrivateKey) -> None:
    cert = issue(ca, card_key, not_before=NOW + timedelta(days=1))
    with pytest.raises(NotYetValid):
        validate(cert, ca)


def test_revoked_card(card_key: rsa.RSAPrivateKey) -> None:
    ca = JpkiTestCa.create(NOW)
    cert = issue(ca, card_key, serial=4242)
    ca.revoke(4242, NOW - timedelta(days=2))
    with pytest.raises(Revoked):
        validate(cert, ca)


def test_revocation_dated_after_the_check_time_does_not_apply(card_key: rsa.RSAPrivateKey) -> None:
    ca = JpkiTestCa.create(NOW)
    cert = issue(ca, card_key, serial=4343)
    ca.revoke(4343, NOW + timedelta(hours=1))
    validate(cert, ca)


def test_newest_crl_wins(card_key: rsa.RSAPrivateKey) -> None:
    ca = JpkiTestCa.create(NOW)
    cert = issue(ca, card_key, serial=77)
    old = ca.issue_crl(NOW - timedelta(hours=20))
    ca.revoke(77, NOW - timedelta(hours=2))
    new = ca.issue_crl(NOW - timedelta(hours=1))
    with pytest.raises(Revoked):
        validate(cert, ca, crls=[new, old])
    with pytest.raises(Revoked):
        validate(cert, ca, crls=[old, new])


def test_missing_crl_is_stale(ca: JpkiTestCa, card_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(StaleData):
        validate(issue(ca, card_key), ca, crls=[])


def test_crl_past_next_update_is_stale(ca: JpkiTestCa, card_key: rsa.RSAPrivateKey) -> None:
    crl = ca.issue_crl(NOW - timedelta(days=3), NOW - timedelta(days=2))
    with pytest.raises(StaleData):
        validate(issue(ca, card_key), ca, crls=[crl])


def test_crl_freshness_is_configurable(ca: JpkiTestCa, card_key: rsa.RSAPrivateKey) -> None:
    crl = ca.issue_crl(NOW - timedelta(hours=6), NOW + timedelta(days=1))
    cert = issue(ca, card_key)
    validate(cert, ca, crls=[crl])
    with pytest.raises(StaleData):
        validate(cert, ca, crls=[crl], policy=CardPolicy(max_crl_age_seconds=3600))


def test_crl_with_a_forged_signature(ca: JpkiTestCa, card_key: rsa.RSAPrivateKey) -> None:
    impostor = JpkiTestCa.create(NOW)
    with pytest.raises(InvalidSignature):
        validate(issue(ca, card_key), ca, crls=[impostor.issue_crl(NOW)])


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"digital_signature": False}, UntrustedKey),
        ({"key_usage_critical": False}, UntrustedKey),
        ({"policy_oid": None}, UntrustedKey),
        ({"policy_oid": JPKI_DIGITAL_SIGNATURE_POLICY}, UntrustedKey),
        ({"crl_distribution_point": False}, UntrustedKey),
        ({"days": 11 * 365}, UntrustedKey),
        (
            {"extra_subject": [x509.NameAttribute(NameOID.LOCALITY_NAME, "Chiyoda-ku")]},
            UntrustedKey,
        ),
        ({"signature_hash": hashes.SHA384()}, Unsupported),
    ],
)
def test_off_profile_certificates(
    ca: JpkiTestCa, card_key: rsa.RSAPrivateKey, kwargs: dict[str, object], error: type[HonninError]
) -> None:
    cert = issue(ca, card_key, **kwargs)
    with pytest.raises(error):
        check_user_authentication_profile(cert)
    with pytest.raises(error):
        validate(cert, ca)


def test_signing_certificate_with_personal_data_is_refused(
    ca: JpkiTestCa, card_key: rsa.RSAPrivateKey
) -> None:
    cert = issue(ca, card_key)
    # Rebuild the same certificate with the signing certificate's personal-data SAN.
    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(card_key.public_key())
        .serial_number(cert.serial_number)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
    )
    for ext in cert.extensions:
        builder = builder.add_extension(ext.value, ext.critical)
    birth_date = x509.OtherName(
        x509.ObjectIdentifier("1.2.392.200149.8.5.5.4"), b"\x0c\x08" + b"19900102"
    )
    builder = builder.add_extension(x509.SubjectAlternativeName([birth_date]), critical=False)
    with pytest.raises(UntrustedKey):
        check_user_authentication_profile(builder.sign(ca.key, hashes.SHA256()))


def test_ec_key_is_unsupported(ca: JpkiTestCa) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = ca.issue_user_certificate(key.public_key(), serial=5, not_before=NOW - timedelta(days=1))
    with pytest.raises(Unsupported):
        validate(cert, ca)


def test_small_rsa_key_is_unsupported(ca: JpkiTestCa) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - on purpose
    cert = ca.issue_user_certificate(key.public_key(), serial=6, not_before=NOW - timedelta(days=1))
    with pytest.raises(Unsupported):
        validate(cert, ca)


def test_empty_chain(ca: JpkiTestCa) -> None:
    with pytest.raises(MalformedInput):
        validate_card_certificate([], anchors=[ca.certificate], crls=[], at=NOW)


def test_chain_and_crl_limits(ca: JpkiTestCa, card_key: rsa.RSAPrivateKey) -> None:
    cert = issue(ca, card_key)
    crl = ca.issue_crl(NOW)
    with pytest.raises(LimitExceeded):
        validate_card_certificate(
            [cert] * 3, anchors=[ca.certificate], crls=[crl], at=NOW, limits=Limits(max_x5c_certs=2)
        )
    with pytest.raises(LimitExceeded):
        validate_card_certificate(
            [cert], anchors=[ca.certificate], crls=[crl] * 3, at=NOW, limits=Limits(max_crls=2)
        )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255))
def test_corrupted_certificates_raise_only_honnin_errors(
    ca: JpkiTestCa, card_key: rsa.RSAPrivateKey, position: int, value: int
) -> None:
    der = bytearray(issue(ca, card_key).public_bytes(serialization.Encoding.DER))
    der[position % len(der)] = value
    with contextlib.suppress(HonninError):
        validate(load_der_certificate(bytes(der)), ca)

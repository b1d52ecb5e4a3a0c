"""X.509 chain validation: anchors, links, times, CA flags, CRLs, and garbage in x5c."""

from __future__ import annotations

import base64
import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.errors import (
    Expired,
    HonninError,
    LimitExceeded,
    MalformedInput,
    NotYetValid,
    Revoked,
    StaleData,
    UntrustedKey,
)
from specs.keys.x509 import (
    check_crl,
    encode_x5c,
    load_der_certificate,
    load_pem_certificates,
    parse_x5c,
    validate_chain,
)
from tests.support.certificates import CertifiedKey, certify

NOW = datetime(2026, 7, 1, tzinfo=UTC)


def _pki():
    root = certify("Root", not_before=NOW - timedelta(days=10), days=365, serial_number=1, ca=True)
    mid = certify(
        "Mid",
        by=root,
        not_before=NOW - timedelta(days=10),
        days=365,
        serial_number=2,
        ca=True,
        path_length=0,
    )
    leaf = certify("Leaf", by=mid, not_before=NOW - timedelta(days=1), days=30, serial_number=3)
    return root.signer, root.certificate, mid.signer, mid.certificate, leaf.certificate


def test_valid_chain_and_x5c_round_trip() -> None:
    _, root, _, mid, leaf = _pki()
    chain = parse_x5c(encode_x5c([leaf, mid]))
    assert validate_chain(chain, [root], NOW) == leaf
    assert validate_chain([leaf, mid, root], [root], NOW) == leaf


def test_untrusted_and_broken_chains() -> None:
    _, root, _, mid, leaf = _pki()
    same_name_other_root = _pki()[1]  # also called "Root", but a different key
    with pytest.raises(UntrustedKey):
        validate_chain([leaf, mid], [same_name_other_root], NOW)
    with pytest.raises(UntrustedKey):
        validate_chain([leaf], [root], NOW)  # leaf's issuer is not the anchor
    with pytest.raises(UntrustedKey):
        validate_chain([leaf, mid], [], NOW)
    with pytest.raises(MalformedInput):
        validate_chain([], [root], NOW)


def test_times() -> None:
    _, root, _, mid, leaf = _pki()
    with pytest.raises(Expired):
        validate_chain([leaf, mid], [root], NOW + timedelta(days=40))
    with pytest.raises(NotYetValid):
        validate_chain([leaf, mid], [root], NOW - timedelta(days=5))


def test_leaf_cannot_act_as_ca() -> None:
    # re-issue a leaf whose key we hold, then let it "issue" a certificate below it
    leaf_holder = certify(
        "Leaf2",
        by=CertifiedKey(_MID_KEY, _MID),
        not_before=NOW - timedelta(days=1),
        days=30,
        serial_number=4,
    )
    below = certify(
        "Below", by=leaf_holder, not_before=NOW - timedelta(days=1), days=5, serial_number=9
    ).certificate
    with pytest.raises(UntrustedKey, match="not a CA"):
        validate_chain([below, leaf_holder.certificate, _MID], [_ROOT_OF_MID], NOW)


def test_crl() -> None:
    _, root, mid_key, mid, leaf = _pki()

    def crl(revoked: bool, last: datetime, nxt: datetime) -> x509.CertificateRevocationList:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(mid.subject)
            .last_update(last)
            .next_update(nxt)
        )
        if revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(leaf.serial_number)
                .revocation_date(NOW - timedelta(hours=1))
                .build()
            )
        return builder.sign(mid_key.private_key(), hashes.SHA256())

    check_crl(leaf, crl(False, NOW - timedelta(hours=1), NOW + timedelta(days=1)), mid, NOW)
    with pytest.raises(Revoked):
        check_crl(leaf, crl(True, NOW - timedelta(hours=1), NOW + timedelta(days=1)), mid, NOW)
    with pytest.raises(StaleData):
        check_crl(leaf, crl(False, NOW - timedelta(days=3), NOW - timedelta(days=1)), mid, NOW)
    with pytest.raises(StaleData):
        check_crl(
            leaf,
            crl(False, NOW - timedelta(days=3), NOW + timedelta(days=1)),
            mid,
            NOW,
            max_age_seconds=3600,
        )
    with pytest.raises(UntrustedKey):
        check_crl(leaf, crl(False, NOW, NOW + timedelta(days=1)), root, NOW)


def test_x5c_shapes() -> None:
    with pytest.raises(MalformedInput):
        parse_x5c([])
    with pytest.raises(MalformedInput):
        parse_x5c(["not base64!"])
    with pytest.raises(MalformedInput):
        parse_x5c([123])
    with pytest.raises(LimitExceeded):
        parse_x5c(["AAAA"] * 20)


@settings(max_examples=60)
@given(
    st.lists(
        st.binary(max_size=64).map(lambda b: __import__("base64").b64encode(b).decode()),
        min_size=1,
        max_size=3,
    )
)
def test_x5c_garbage_raises_only_honnin_errors(items: list[str]) -> None:
    with contextlib.suppress(HonninError):
        validate_chain(parse_x5c(items), [_ROOT], NOW)


_ROOT = _pki()[1]
_, _ROOT_OF_MID, _MID_KEY, _MID, _ = _pki()


def test_unknown_certificate_version_is_malformed_input() -> None:
    # cryptography raises InvalidVersion (not a ValueError) for a version other than v1/v3;
    # found by hypothesis: it must surface as our MalformedInput like any other garbage.
    _, root, _, _, _ = _pki()
    der = root.public_bytes(serialization.Encoding.DER)
    version_v3 = bytes.fromhex("a003020102")  # [0] EXPLICIT INTEGER 2 (X.509 v3)
    assert der.count(version_v3) == 1
    bad = der.replace(version_v3, bytes.fromhex("a003020105"))
    with pytest.raises(MalformedInput, match=r"not a DER X\.509 certificate"):
        load_der_certificate(bad)
    pem = (
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(bad) + b"-----END CERTIFICATE-----\n"
    )
    with pytest.raises(MalformedInput, match=r"not PEM X\.509 certificates"):
        load_pem_certificates(pem)

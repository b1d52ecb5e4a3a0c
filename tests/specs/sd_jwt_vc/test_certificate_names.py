"""SAN names read once per certificate (``certificate_names``) match ``iss`` as before.

The verifier keeps ``certificate_names`` with each cached issuer chain; the verdict and the
error class of ``check_iss_matches_names`` must equal ``check_iss_matches_certificate``'s.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography import x509
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.errors import HonninError, MalformedInput, UntrustedIssuer
from specs.keys import SoftwareSigner
from specs.sd_jwt_vc import (
    certificate_names,
    check_iss_matches_certificate,
    check_iss_matches_names,
)
from tests.support.certificates import certify

KEY = SoftwareSigner.generate("ES256")


def _cert(uris: tuple[str, ...] = (), dns: tuple[str, ...] = ()) -> x509.Certificate:
    return certify(
        "Employer A",
        signer=KEY,
        not_before=datetime(2026, 1, 1, tzinfo=UTC),
        days=365,
        serial_number=7,
        san_uris=uris,
        san_dns=dns,
    ).certificate


CERTS = [
    _cert(uris=("https://issuer-a.example",), dns=("issuer-a.example",)),
    _cert(dns=("a.example", "b.example")),
    _cert(uris=("https://a.example/issuer",)),
    _cert(),  # no subjectAltName at all
]
ISS_VALUES: list[Any] = [
    "https://issuer-a.example",
    "https://issuer-a.example/path",
    "http://issuer-a.example",
    "https://a.example",
    "https://b.example:8443/x",
    "https://a.example/issuer",
    "https://c.example",
    "",
    "urn:x",
    "https://[x",
    None,
    42,
    ["https://a.example"],
]


def _verdict(check: Any, *args: Any) -> type[HonninError] | None:
    try:
        check(*args)
    except HonninError as exc:
        return type(exc)
    return None


@pytest.mark.parametrize("cert", CERTS)
@pytest.mark.parametrize("iss", ISS_VALUES)
def test_same_verdict_as_reading_the_certificate(cert: x509.Certificate, iss: Any) -> None:
    assert _verdict(check_iss_matches_names, iss, certificate_names(cert)) == _verdict(
        check_iss_matches_certificate, iss, cert
    )


def test_error_classes() -> None:
    names = certificate_names(CERTS[0])
    check_iss_matches_names("https://issuer-a.example", names)
    with pytest.raises(MalformedInput):
        check_iss_matches_names(None, names)
    with pytest.raises(UntrustedIssuer):
        check_iss_matches_names("https://c.example", names)
    with pytest.raises(UntrustedIssuer):
        check_iss_matches_names("https://a.example", certificate_names(CERTS[3]))
    with pytest.raises(MalformedInput):
        check_iss_matches_names(None, certificate_names(CERTS[3]))


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(CERTS),
    st.one_of(
        st.text(max_size=30),
        st.from_regex(r"https?://[a-c]\.example(:\d{1,4})?(/[a-z]{0,4})?", fullmatch=True),
    ),
)
def test_arbitrary_iss_same_verdict(cert: x509.Certificate, iss: str) -> None:
    assert _verdict(check_iss_matches_names, iss, certificate_names(cert)) == _verdict(
        check_iss_matches_certificate, iss, cert
    )

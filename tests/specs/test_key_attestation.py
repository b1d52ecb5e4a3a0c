"""Card key attestation: build, sign (as the card does, RS256), verify, and every refusal."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honnin.testcard import JpkiTestCa
from specs.card.constants import KEY_ATTESTATION_TYP
from specs.encoding import b64url_decode, b64url_encode, dump_json_compact
from specs.errors import (
    Expired,
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    NonceMismatch,
    NotYetValid,
    Replay,
    Revoked,
    Unsupported,
    UntrustedKey,
)
from specs.jose.jws import sign_compact
from specs.key_attestation import (
    InMemoryNonceRegistry,
    build_key_attestation_claims,
    sign_key_attestation,
    verify_key_attestation,
)
from specs.keys import SoftwareSigner, public_jwk
from specs.keys.x509 import encode_x5c
from specs.limits import Limits
from specs.ports import FixedClock

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
NONCE = "c-nonce-7f3a"


@pytest.fixture(scope="module")
def ca() -> JpkiTestCa:
    return JpkiTestCa.create(NOW)


@pytest.fixture(scope="module")
def card_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def card_cert(ca: JpkiTestCa, card_key: rsa.RSAPrivateKey) -> x509.Certificate:
    return ca.issue_user_certificate(
        card_key.public_key(), serial=9001, not_before=NOW - timedelta(days=30)
    )


@pytest.fixture(scope="module")
def card(card_key: rsa.RSAPrivateKey) -> SoftwareSigner:
    # The card's key in software: RS256 over the same RSA key (PKCS#11 runs in tests/wallet/card).
    return SoftwareSigner(card_key, "RS256")


@pytest.fixture(scope="module")
def wallet_keys() -> list[dict[str, Any]]:
    return [public_jwk(ec.generate_private_key(ec.SECP256R1())) for _ in range(3)]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@dataclass
class Parties:
    """The card CA, one card (its RSA key, certificate and RS256 signer), three wallet keys, a clock."""

    ca: JpkiTestCa
    card_key: rsa.RSAPrivateKey
    card: SoftwareSigner
    card_cert: x509.Certificate
    wallet_keys: list[dict[str, Any]]
    clock: FixedClock

    def attest(self) -> str:
        """The card attests the three wallet keys over NONCE, now."""
        return attest(self.card, [self.card_cert], self.wallet_keys, self.clock)

    def verify(self, token: str, **kwargs: Any) -> Any:
        return verify(token, self.ca, self.clock, **kwargs)


@pytest.fixture
def parties(
    ca: JpkiTestCa,
    card_key: rsa.RSAPrivateKey,
    card: SoftwareSigner,
    card_cert: x509.Certificate,
    wallet_keys: list[dict[str, Any]],
    clock: FixedClock,
) -> Parties:
    return Parties(ca, card_key, card, card_cert, wallet_keys, clock)


def attest(
    card: SoftwareSigner,
    chain: list[x509.Certificate],
    keys: list[dict[str, Any]],
    clock: FixedClock,
    nonce: str = NONCE,
) -> str:
    claims = build_key_attestation_claims(keys, nonce=nonce, clock=clock)
    return sign_key_attestation(claims, card, chain)


def verify(token: str, ca: JpkiTestCa, clock: FixedClock, **kwargs: Any) -> Any:
    kwargs.setdefault("crls", [ca.issue_crl(NOW - timedelta(hours=1))])
    kwargs.setdefault("expected_nonce", NONCE)
    return verify_key_attestation(token, card_cas=[ca.certificate], clock=clock, **kwargs)


def resign(
    token: str, signer: SoftwareSigner, edit_header: Any = None, edit_claims: Any = None
) -> str:
    header_b64, payload_b64, _ = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    claims = json.loads(b64url_decode(payload_b64))
    if edit_header:
        edit_header(header)
    if edit_claims:
        edit_claims(claims)
    header.pop("alg")
    return sign_compact(claims, signer, header=header)


def test_round_trip(parties: Parties) -> None:
    result = parties.verify(parties.attest())
    assert list(result.attested_keys) == parties.wallet_keys
    assert result.nonce == NONCE
    assert result.issued_at == NOW
    assert result.expires_at == NOW + timedelta(seconds=300)
    assert result.card.certificate == parties.card_cert


def test_header_shape(parties: Parties) -> None:
    token = parties.attest()
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {
        "alg": "RS256",
        "typ": KEY_ATTESTATION_TYP,
        "x5c": encode_x5c([parties.card_cert]),
    }
    claims = json.loads(b64url_decode(token.split(".")[1]))
    assert set(claims) == {"iat", "exp", "nonce", "attested_keys"}


def test_nonce_mismatch(parties: Parties) -> None:
    token = parties.attest()
    with pytest.raises(NonceMismatch):
        parties.verify(token, expected_nonce="another-nonce")


def test_replayed_nonce(parties: Parties) -> None:
    registry = InMemoryNonceRegistry()
    token = parties.attest()
    parties.verify(token, nonce_registry=registry)
    with pytest.raises(Replay):
        parties.verify(token, nonce_registry=registry)
    # A second attestation over the same nonce is a replay too.
    other = attest(parties.card, [parties.card_cert], parties.wallet_keys[:1], parties.clock)
    with pytest.raises(Replay):
        parties.verify(other, nonce_registry=registry)


def test_nonce_registry_forgets_after_retention() -> None:
    registry = InMemoryNonceRegistry(retention_seconds=60)
    registry.consume("n", NOW)
    with pytest.raises(Replay):
        registry.consume("n", NOW + timedelta(seconds=30))
    registry.consume("n", NOW + timedelta(seconds=120))


def test_expired_attestation(parties: Parties) -> None:
    token = parties.attest()
    parties.clock.advance(300 + 61)
    with pytest.raises(Expired):
        parties.verify(token)


def test_attestation_from_the_future(parties: Parties) -> None:
    later = FixedClock(NOW + timedelta(minutes=10))
    token = attest(parties.card, [parties.card_cert], parties.wallet_keys, later)
    with pytest.raises(NotYetValid):
        verify(token, parties.ca, FixedClock(NOW))


def test_lifetime_too_long(parties: Parties) -> None:
    token = parties.attest()
    forged = resign(token, parties.card, edit_claims=lambda c: c.update(exp=c["iat"] + 7200))
    with pytest.raises(MalformedInput):
        parties.verify(forged)
    with pytest.raises(MalformedInput):
        build_key_attestation_claims(
            parties.wallet_keys, nonce=NONCE, clock=parties.clock, lifetime_seconds=7200
        )


def test_attestation_over_other_keys(parties: Parties) -> None:
    header, payload, signature = parties.attest().split(".")
    claims = json.loads(b64url_decode(payload))
    claims["attested_keys"] = [public_jwk(ec.generate_private_key(ec.SECP256R1()))]
    swapped = f"{header}.{b64url_encode(dump_json_compact(claims).encode())}.{signature}"
    with pytest.raises(InvalidSignature):
        parties.verify(swapped)


def test_signed_by_a_non_card_key_with_the_card_certificate(parties: Parties) -> None:
    thief = SoftwareSigner(rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256")
    token = attest(thief, [parties.card_cert], parties.wallet_keys, parties.clock)
    with pytest.raises(InvalidSignature):
        parties.verify(token)


def test_signed_by_a_key_certified_by_another_ca(parties: Parties) -> None:
    other = JpkiTestCa.create(NOW)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = other.issue_user_certificate(
        key.public_key(), serial=1, not_before=NOW - timedelta(days=1)
    )
    token = attest(SoftwareSigner(key, "RS256"), [cert], parties.wallet_keys, parties.clock)
    with pytest.raises(UntrustedKey):
        parties.verify(token, crls=[parties.ca.issue_crl(NOW), other.issue_crl(NOW)])


def test_es256_attestation_is_unsupported(parties: Parties) -> None:
    ec_signer = SoftwareSigner.generate("ES256")
    claims = build_key_attestation_claims(parties.wallet_keys, nonce=NONCE, clock=parties.clock)
    with pytest.raises(Unsupported):
        sign_key_attestation(claims, ec_signer, [parties.card_cert])
    token = sign_compact(
        claims,
        ec_signer,
        header={"typ": KEY_ATTESTATION_TYP, "x5c": encode_x5c([parties.card_cert])},
    )
    with pytest.raises(Unsupported):
        parties.verify(token)


def test_ps256_attestation_is_unsupported(parties: Parties) -> None:
    claims = build_key_attestation_claims(parties.wallet_keys, nonce=NONCE, clock=parties.clock)
    token = sign_compact(
        claims,
        SoftwareSigner(parties.card_key, "PS256"),
        header={"typ": KEY_ATTESTATION_TYP, "x5c": encode_x5c([parties.card_cert])},
    )
    with pytest.raises(Unsupported):
        parties.verify(token)


def test_revoked_card(parties: Parties) -> None:
    ca = JpkiTestCa.create(NOW)
    cert = ca.issue_user_certificate(
        parties.card_key.public_key(), serial=31, not_before=NOW - timedelta(days=9)
    )
    ca.revoke(31, NOW - timedelta(days=1))
    token = attest(parties.card, [cert], parties.wallet_keys, parties.clock)
    with pytest.raises(Revoked):
        verify(token, ca, parties.clock)


@pytest.mark.parametrize(
    ("certificate_options", "error"),
    [
        pytest.param(
            {"serial": 32, "not_before": NOW - timedelta(days=5 * 365 + 1)},
            Expired,
            id="expired_card",
        ),
        pytest.param(
            {"serial": 33, "not_before": NOW - timedelta(days=1), "digital_signature": False},
            UntrustedKey,
            id="wrong_key_usage_card",
        ),
    ],
)
def test_card_certificate_refusals(
    parties: Parties, certificate_options: dict[str, Any], error: type[HonninError]
) -> None:
    cert = parties.ca.issue_user_certificate(parties.card_key.public_key(), **certificate_options)
    token = attest(parties.card, [cert], parties.wallet_keys, parties.clock)
    with pytest.raises(error):
        parties.verify(token)


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (lambda h: h.update(typ="JWT"), MalformedInput),
        (lambda h: h.pop("x5c"), MalformedInput),
        (lambda h: h.update(kid="card"), MalformedInput),
        (lambda h: h.update(x5c="not-a-list"), MalformedInput),
        (lambda h: h.update(jku="https://example.invalid/keys"), Unsupported),
    ],
)
def test_header_refusals(parties: Parties, edit: Any, error: type[HonninError]) -> None:
    token = resign(parties.attest(), parties.card, edit_header=edit)
    with pytest.raises(error):
        parties.verify(token)


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (lambda c: c.pop("nonce"), MalformedInput),
        (lambda c: c.pop("iat"), MalformedInput),
        (lambda c: c.pop("exp"), MalformedInput),
        (lambda c: c.update(iat="now"), MalformedInput),
        (lambda c: c.update(exp=True), MalformedInput),
        (lambda c: c.update(exp=c["iat"]), MalformedInput),
        (lambda c: c.update(attested_keys=[]), MalformedInput),
        (lambda c: c.update(attested_keys=c["attested_keys"][:1] * 2), MalformedInput),
        (lambda c: c["attested_keys"][0].update(d="AAAA"), MalformedInput),
        (lambda c: c["attested_keys"][0].update(crv="P-384"), Unsupported),
        (lambda c: c["attested_keys"][0].update(x=c["attested_keys"][1]["x"]), MalformedInput),
        (lambda c: c.update(key_storage=["iso_18045_extreme"]), Unsupported),
        (lambda c: c.update(user_authentication="iso_18045_high"), MalformedInput),
    ],
)
def test_claim_refusals(parties: Parties, edit: Any, error: type[HonninError]) -> None:
    token = resign(parties.attest(), parties.card, edit_claims=edit)
    with pytest.raises(error):
        parties.verify(token)


def test_rsa_attested_key_is_unsupported(
    wallet_keys: list[dict[str, Any]], clock: FixedClock, card_key: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(Unsupported):
        build_key_attestation_claims([public_jwk(card_key.public_key())], nonce=NONCE, clock=clock)


def test_key_storage_values_are_checked(
    wallet_keys: list[dict[str, Any]], clock: FixedClock
) -> None:
    claims = build_key_attestation_claims(
        wallet_keys,
        nonce=NONCE,
        clock=clock,
        key_storage=["iso_18045_high"],
        user_authentication=["iso_18045_moderate"],
    )
    assert claims["key_storage"] == ["iso_18045_high"]
    with pytest.raises(Unsupported):
        build_key_attestation_claims(
            wallet_keys, nonce=NONCE, clock=clock, key_storage=["hardware"]
        )


def test_limits(parties: Parties) -> None:
    with pytest.raises(LimitExceeded):
        build_key_attestation_claims(
            parties.wallet_keys,
            nonce=NONCE,
            clock=parties.clock,
            limits=Limits(max_attested_keys=2),
        )
    token = parties.attest()
    with pytest.raises(LimitExceeded):
        parties.verify(token, limits=Limits(max_attested_keys=2))
    with pytest.raises(LimitExceeded):
        parties.verify(token, limits=Limits(max_token_bytes=100))
    with pytest.raises(LimitExceeded):
        parties.verify(
            resign(token, parties.card, edit_header=lambda h: h.update(x5c=h["x5c"] * 3)),
            limits=Limits(max_x5c_certs=2),
        )


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(nonce=st.text(min_size=1, max_size=64), count=st.integers(min_value=1, max_value=5))
def test_round_trip_property(
    ca: JpkiTestCa,
    card: SoftwareSigner,
    card_cert: x509.Certificate,
    wallet_keys: list[dict[str, Any]],
    nonce: str,
    count: int,
) -> None:
    clock = FixedClock(NOW)
    keys = [public_jwk(ec.generate_private_key(ec.SECP256R1())) for _ in range(count)]
    result = verify(
        attest(card, [card_cert], keys, clock, nonce=nonce), ca, clock, expected_nonce=nonce
    )
    assert list(result.attested_keys) == keys


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    token=st.one_of(
        st.text(max_size=300),
        st.lists(
            st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789-_", max_size=60),
            min_size=3,
            max_size=3,
        ).map(".".join),
    )
)
def test_arbitrary_tokens_raise_only_honnin_errors(ca: JpkiTestCa, token: str) -> None:
    with pytest.raises(HonninError):
        verify(token, ca, FixedClock(NOW))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    claims=st.dictionaries(
        st.sampled_from(["iat", "exp", "nonce", "attested_keys", "key_storage", "x"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
            max_leaves=8,
        ),
    )
)
def test_arbitrary_signed_claims_raise_only_honnin_errors(
    ca: JpkiTestCa, card: SoftwareSigner, card_cert: x509.Certificate, claims: dict[str, Any]
) -> None:
    token = sign_compact(
        claims, card, header={"typ": KEY_ATTESTATION_TYP, "x5c": encode_x5c([card_cert])}
    )
    with contextlib.suppress(HonninError):
        verify(token, ca, FixedClock(NOW))

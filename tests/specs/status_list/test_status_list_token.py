"""Status List Tokens (JWT and CWT): the draft's signed examples, sign/verify, negative cases."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.encoding import b64url_decode, b64url_encode
from specs.errors import (
    Expired,
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    NotYetValid,
    StaleData,
    Unsupported,
    ValidationError,
)
from specs.jose import sign_compact
from specs.keys import SoftwareSigner, strip_private
from specs.ports import FixedClock
from specs.status_list import (
    STATUS_INVALID,
    StatusList,
    StatusReference,
    sign_status_list_cwt,
    sign_status_list_jwt,
    verify_status_list_cwt,
    verify_status_list_jwt,
)

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "status_list"
URI = "https://example.com/statuslists/1"
EXAMPLE_JWK = json.loads((VECTORS / "example_signing_key_p256.jwk.json").read_text())
PUBLIC_JWK = strip_private(EXAMPLE_JWK)
SPEC_JWT = (VECTORS / "status_list_jwt.txt").read_text().strip()


def _hex_file(name: str) -> bytes:
    text = (VECTORS / "raw_examples" / name).read_text()
    return bytes.fromhex("".join(text.split()))


def test_spec_jwt_verifies(clock: FixedClock) -> None:
    verified = verify_status_list_jwt(SPEC_JWT, PUBLIC_JWK, expected_uri=URI, clock=clock)
    assert verified.sub == URI
    assert verified.iat == 1686920170
    assert verified.exp == 2291720170
    assert verified.ttl == 43200
    assert verified.header["kid"] == "12"
    assert verified.status(StatusReference(0, URI)) == 1
    assert verified.status(1) == 0
    assert verified.status_list.byte_array == bytes([0xB9, 0xA3])


def test_spec_cwt_verifies(clock: FixedClock) -> None:
    token = _hex_file("status_list_cwt.md")
    verified = verify_status_list_cwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock)
    assert verified.sub == URI
    assert verified.ttl == 43200
    assert verified.header[4] == b"12"
    assert [verified.status(i) for i in range(4)] == [1, 0, 0, 1]


def test_spec_jwt_with_another_key_fails(clock: FixedClock) -> None:
    other = SoftwareSigner.generate("ES256")
    with pytest.raises(InvalidSignature):
        verify_status_list_jwt(SPEC_JWT, other.public_jwk, expected_uri=URI, clock=clock)


def test_spec_cwt_tampered_fails(clock: FixedClock) -> None:
    token = bytearray(_hex_file("status_list_cwt.md"))
    token[-1] ^= 1
    with pytest.raises(InvalidSignature):
        verify_status_list_cwt(bytes(token), PUBLIC_JWK, expected_uri=URI, clock=clock)


@pytest.fixture
def signer() -> SoftwareSigner:
    return SoftwareSigner.from_jwk(EXAMPLE_JWK)


@pytest.fixture
def status_list() -> StatusList:
    lst = StatusList.new(1024, 2)
    lst.set(7, STATUS_INVALID)
    return lst


def test_jwt_round_trip(signer: SoftwareSigner, status_list: StatusList, clock: FixedClock) -> None:
    token = sign_status_list_jwt(
        status_list, signer, uri=URI, clock=clock, expires_in=86400, ttl=3600
    )
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"alg": "ES256", "typ": "statuslist+jwt", "kid": "12"}
    verified = verify_status_list_jwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock)
    assert verified.status_list == status_list
    assert verified.status(StatusReference(7, URI)) == STATUS_INVALID
    assert verified.exp == verified.iat + 86400
    assert verified.refresh_due(clock.now()) == clock.now() + timedelta(seconds=3600)


def test_cwt_round_trip(signer: SoftwareSigner, status_list: StatusList, clock: FixedClock) -> None:
    token = sign_status_list_cwt(
        status_list, signer, uri=URI, clock=clock, expires_in=600, ttl=60, kid=b"12"
    )
    verified = verify_status_list_cwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock)
    assert verified.status_list == status_list
    assert verified.ttl == 60


# --- negative cases with exact classes ---


def _jwt(signer: SoftwareSigner, claims: dict[str, object], typ: str = "statuslist+jwt") -> str:
    return sign_compact(claims, signer, typ=typ)


def _claims(clock: FixedClock, **extra: object) -> dict[str, object]:
    now = int(clock.now().timestamp())
    claims: dict[str, object] = {
        "sub": URI,
        "iat": now,
        "exp": now + 600,
        "ttl": 300,
        "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"},
    }
    claims.update(extra)
    return {k: v for k, v in claims.items() if v is not None}


def test_wrong_typ(signer: SoftwareSigner, clock: FixedClock) -> None:
    token = _jwt(signer, _claims(clock), typ="JWT")
    with pytest.raises(MalformedInput):
        verify_status_list_jwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock)


def test_expired(signer: SoftwareSigner, status_list: StatusList, clock: FixedClock) -> None:
    token = sign_status_list_jwt(status_list, signer, uri=URI, clock=clock, expires_in=600)
    clock.advance(600 + 61)
    with pytest.raises(Expired):
        verify_status_list_jwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock)


def test_issued_in_the_future(signer: SoftwareSigner, clock: FixedClock) -> None:
    now = int(clock.now().timestamp())
    token = _jwt(signer, _claims(clock, iat=now + 3600))
    with pytest.raises(NotYetValid):
        verify_status_list_jwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock)


def test_sub_mismatch(signer: SoftwareSigner, clock: FixedClock) -> None:
    token = _jwt(signer, _claims(clock, sub="https://example.com/statuslists/2"))
    with pytest.raises(ValidationError) as info:
        verify_status_list_jwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock)
    assert info.value.claim_path == ("sub",)


def test_reference_to_another_list(signer: SoftwareSigner, clock: FixedClock) -> None:
    token = _jwt(signer, _claims(clock))
    verified = verify_status_list_jwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock)
    with pytest.raises(ValidationError):
        verified.status(StatusReference(0, "https://example.com/statuslists/9"))


@pytest.mark.parametrize("missing", ["sub", "iat", "status_list"])
def test_missing_required_claim(signer: SoftwareSigner, clock: FixedClock, missing: str) -> None:
    claims = _claims(clock)
    del claims[missing]
    with pytest.raises(MalformedInput):
        verify_status_list_jwt(_jwt(signer, claims), PUBLIC_JWK, expected_uri=URI, clock=clock)


@pytest.mark.parametrize("ttl", [0, -5, "300", 1.5, True])
def test_bad_ttl(signer: SoftwareSigner, clock: FixedClock, ttl: object) -> None:
    with pytest.raises(MalformedInput):
        verify_status_list_jwt(
            _jwt(signer, _claims(clock, ttl=ttl)), PUBLIC_JWK, expected_uri=URI, clock=clock
        )


def test_cached_copy_past_ttl_is_stale(signer: SoftwareSigner, clock: FixedClock) -> None:
    token = _jwt(signer, _claims(clock))
    fetched_at = clock.now()
    verify_status_list_jwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock, fetched_at=fetched_at)
    clock.advance(301)
    with pytest.raises(StaleData):
        verify_status_list_jwt(
            token, PUBLIC_JWK, expected_uri=URI, clock=clock, fetched_at=fetched_at
        )


def test_max_age_policy(signer: SoftwareSigner, clock: FixedClock) -> None:
    token = _jwt(signer, _claims(clock, exp=None))
    clock.advance(120)
    with pytest.raises(StaleData):
        verify_status_list_jwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock, max_age=60)


def test_alg_not_allowed(signer: SoftwareSigner, clock: FixedClock) -> None:
    with pytest.raises(Unsupported):
        verify_status_list_jwt(
            _jwt(signer, _claims(clock)),
            PUBLIC_JWK,
            expected_uri=URI,
            clock=clock,
            allowed_algs={"EdDSA"},
        )


def test_bomb_inside_a_signed_token(signer: SoftwareSigner, clock: FixedClock) -> None:
    import zlib

    bomb = b64url_encode(zlib.compress(bytes(16 * 1024 * 1024), 9))
    token = _jwt(signer, _claims(clock, status_list={"bits": 1, "lst": bomb}))
    with pytest.raises(LimitExceeded):
        verify_status_list_jwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock)


def test_cwt_with_wrong_type(signer: SoftwareSigner, clock: FixedClock) -> None:
    token = cbor2.loads(sign_status_list_cwt(StatusList.new(8), signer, uri=URI, clock=clock))
    protected = cbor2.dumps({1: -7, 16: "application/cwt"})
    token = cbor2.CBORTag(18, [protected, *list(token.value)[1:]])
    with pytest.raises(MalformedInput):
        verify_status_list_cwt(cbor2.dumps(token), PUBLIC_JWK, expected_uri=URI, clock=clock)


def test_cwt_with_cwt_tag_is_rejected(signer: SoftwareSigner, clock: FixedClock) -> None:
    inner = cbor2.loads(sign_status_list_cwt(StatusList.new(8), signer, uri=URI, clock=clock))
    wrapped = cbor2.dumps(cbor2.CBORTag(61, inner))
    with pytest.raises(MalformedInput):
        verify_status_list_cwt(wrapped, PUBLIC_JWK, expected_uri=URI, clock=clock)


def test_cwt_sub_mismatch_and_expiry(signer: SoftwareSigner, clock: FixedClock) -> None:
    token = sign_status_list_cwt(StatusList.new(8), signer, uri=URI, clock=clock, expires_in=10)
    with pytest.raises(ValidationError):
        verify_status_list_cwt(token, PUBLIC_JWK, expected_uri=URI + "x", clock=clock)
    clock.advance(100)
    with pytest.raises(Expired):
        verify_status_list_cwt(token, PUBLIC_JWK, expected_uri=URI, clock=clock)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300))
def test_property_arbitrary_cwt_raises_only_honnin_errors(data: bytes) -> None:
    clock = FixedClock(datetime(2026, 7, 1, tzinfo=UTC))
    with contextlib.suppress(HonninError):
        verify_status_list_cwt(data, PUBLIC_JWK, expected_uri=URI, clock=clock)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300))
def test_property_arbitrary_jwt_raises_only_honnin_errors(text: str) -> None:
    clock = FixedClock(datetime(2026, 7, 1, tzinfo=UTC))
    with contextlib.suppress(HonninError):
        verify_status_list_jwt(text, PUBLIC_JWK, expected_uri=URI, clock=clock)

"""The strict CBOR layer: what it refuses, its limits, and round trips."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.errors import HonninError, LimitExceeded, MalformedInput
from specs.limits import Limits
from specs.mdoc.cbor import COSETagged, EncodedCBOR, decode_cbor, embed, encode_cbor, unembed


@pytest.mark.parametrize(
    ("hex_input", "reason"),
    [
        ("9f01ff", "indefinite"),  # indefinite-length array
        ("5f4101ff", "indefinite"),  # indefinite-length byte string
        ("bf6161f5ff", "indefinite"),  # indefinite-length map
        ("a201020103", "Duplicate"),  # duplicate map key
        ("a2616101616102", "Duplicate"),  # duplicate text key
        ("a1810102", "map keys"),  # array as map key
        ("a1f93c0001", "map keys"),  # float as map key
        ("f7", "UndefinedType"),  # undefined
        ("f0", "CBORSimpleValue"),  # unassigned simple value
        ("c24101", "tag 2"),  # bignum
        ("d81c01", "tag 28"),  # shareable (value sharing)
        ("d81d00", "tag 29"),  # shared reference
        ("d9d9f701", "tag 55799"),  # self-described CBOR
        ("d82501", "tag 37"),  # UUID
        ("d9010001", "tag 256"),  # string reference namespace
        ("d8ff01", "tag 255"),  # unknown tag
        ("d81801", "byte string"),  # tag 24 around an integer
        ("c01a5f5e1000", "text string"),  # epoch number where tdate text is required
        ("c06a323032302d31302d3031", "YYYY-MM-DDThh"),  # tdate without time
        ("c07818323032302d31302d30315431333a33303a30322e3132335a", "YYYY-MM-DDThh"),  # fraction
        ("d903ec6a323031392d31332d3031", "valid date"),  # month 13
        ("0102", "trailing"),  # two items
        ("", "empty"),
        ("5bffffffffffffffff", "not valid CBOR"),  # absurd declared length
        ("9bffffffffffffffff", "not valid CBOR"),
        ("62c328", "not valid CBOR"),  # invalid UTF-8 in a text string
    ],
)
def test_refused(hex_input: str, reason: str) -> None:
    with pytest.raises(MalformedInput, match=reason):
        decode_cbor(bytes.fromhex(hex_input))


def test_limits() -> None:
    limits = Limits(max_cbor_bytes=64, max_cbor_depth=4, max_cbor_string_bytes=8)
    with pytest.raises(LimitExceeded):
        decode_cbor(b"\x40" * 65, limits=limits)
    with pytest.raises(LimitExceeded):
        decode_cbor(b"\x81" * 5 + b"\x00", limits=limits)
    decode_cbor(b"\x81" * 3 + b"\x00", limits=limits)
    with pytest.raises(LimitExceeded):
        decode_cbor(encode_cbor(b"123456789"), limits=limits)
    with pytest.raises(LimitExceeded):
        decode_cbor(encode_cbor({"k": "123456789"}), limits=limits)
    with pytest.raises(LimitExceeded):
        decode_cbor(b"\x81" * 10_000 + b"\x00")


def test_allowed_tags() -> None:
    assert decode_cbor(bytes.fromhex("c074323032302d31302d30315431333a33303a30325a")) == datetime(
        2020, 10, 1, 13, 30, 2, tzinfo=UTC
    )
    assert decode_cbor(bytes.fromhex("d903ec6a323031392d31302d3230")) == date(2019, 10, 20)
    assert decode_cbor(bytes.fromhex("d8184101")) == EncodedCBOR(b"\x01")
    assert decode_cbor(bytes.fromhex("d28401020304")) == COSETagged(18, [1, 2, 3, 4])
    assert unembed(embed({"a": 1}), what="x") == {"a": 1}
    with pytest.raises(MalformedInput):
        unembed(b"\xa0", what="x")


def test_encoding_is_deterministic() -> None:
    # RFC 8949 section 4.2: shortest integers/lengths, map keys sorted.
    assert encode_cbor({"b": 1, "a": 2, 10: 3, -1: 4}) == encode_cbor(
        {-1: 4, 10: 3, "a": 2, "b": 1}
    )
    assert encode_cbor(500) == bytes.fromhex("1901f4")
    assert encode_cbor(datetime(2026, 7, 1, 9, 0, 0, 123456, tzinfo=UTC)) == bytes.fromhex(
        "c074323032362d30372d30315430393a30303a30305a"
    )
    assert encode_cbor(date(2026, 7, 1)) == bytes.fromhex("d903ec6a323032362d30372d3031")
    with pytest.raises(MalformedInput):
        encode_cbor(datetime(2026, 7, 1))
    with pytest.raises(MalformedInput):
        encode_cbor({1, 2})


_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.text(max_size=20)
    | st.binary(max_size=20)
    | st.dates()
    | st.floats(allow_nan=False)
)
_values = st.recursive(
    _leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.integers(-100, 100), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(_values)
def test_round_trip(value: object) -> None:
    assert decode_cbor(encode_cbor(value)) == value


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_input_raises_only_honnin_errors(data: bytes) -> None:
    with contextlib.suppress(HonninError):
        decode_cbor(data)

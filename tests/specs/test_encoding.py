"""Tests of the strict encodings every format shares."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from specs.encoding import b64url_decode, b64url_encode, parse_json
from specs.errors import HonninError, LimitExceeded, MalformedInput
from specs.limits import Limits


@given(st.binary(max_size=200))
def test_b64url_round_trip(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data


@pytest.mark.parametrize("text", ["abc=", "ab+c", "ab/c", "a", "a b", "é"])
def test_b64url_rejects_non_canonical(text: str) -> None:
    with pytest.raises(MalformedInput):
        b64url_decode(text)


def test_b64url_rejects_stray_bits() -> None:
    with pytest.raises(MalformedInput, match="canonical"):
        b64url_decode("AB")  # 'B' leaves non-zero padding bits


def test_json_rejects_duplicates_and_constants() -> None:
    with pytest.raises(MalformedInput, match="duplicate"):
        parse_json('{"a": 1, "a": 2}')
    with pytest.raises(MalformedInput, match="constant"):
        parse_json('{"a": NaN}')


def test_json_limits() -> None:
    with pytest.raises(LimitExceeded):
        parse_json("[" * 100 + "]" * 100)
    with pytest.raises(LimitExceeded):
        parse_json('"' + "x" * 300 + '"', limits=Limits(max_json_bytes=100))
    # brackets inside strings do not count towards depth
    assert parse_json('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == {"a": "[" * 36}


@given(st.binary(max_size=300))
def test_json_never_crashes(data: bytes) -> None:
    with contextlib.suppress(HonninError):
        parse_json(data)

"""The verification hot path's shortcuts agree with the plain definitions they replace."""

from __future__ import annotations

import contextlib
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.errors import HonninError, LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.cbor import (
    EncodedCBOR,
    _check_shapes,
    _check_tree,
    cbor_head,
    decode_cbor,
    embed,
    encode_cbor,
    parse_full_date,
    parse_tdate,
    unembed,
    unembed_items,
    unwrap_encoded_cbor,
)
from specs.mdoc.cose import (
    _mac_structure,
    _sig_structure,
    parse_cose,
    public_key_from_cose_key,
)


@pytest.mark.parametrize(
    "text",
    [
        "2026-07-01T09:00:00Z\n",  # "$" alone would have let a final newline through
        "\u0662\u0660\u0662\u0666-07-01T09:00:00Z",  # Arabic-Indic digits are not ASCII digits
        "2026-07-01T09:00:00+00:00",
        "2026-07-01t09:00:00Z",
        " 2026-07-01T09:00:00Z",
    ],
)
def test_tdate_shapes_refused(text: str) -> None:
    with pytest.raises(MalformedInput, match="YYYY-MM-DDThh:mm:ssZ"):
        parse_tdate(text)


@pytest.mark.parametrize("text", ["2026-02-30T00:00:00Z", "2026-07-01T24:00:00Z"])
def test_tdate_impossible_times_refused(text: str) -> None:
    with pytest.raises(MalformedInput, match="not a valid time"):
        parse_tdate(text)


@pytest.mark.parametrize("text", ["2026-07-01\n", "\u0662\u0660\u0662\u0666-07-01", "20260701"])
def test_full_date_shapes_refused(text: str) -> None:
    with pytest.raises(MalformedInput, match="YYYY-MM-DD"):
        parse_full_date(text)


def test_shapes_check_is_chosen_only_when_no_string_can_be_too_long() -> None:
    # 9 bytes of text inside 11 bytes of input: over a limit of 8, refused by size.
    limits = Limits(max_cbor_string_bytes=8)
    with pytest.raises(LimitExceeded):
        decode_cbor(encode_cbor(["123456789"]), limits=limits)
    assert decode_cbor(encode_cbor(["1234567"]), limits=limits) == ["1234567"]


_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.text(max_size=10)
    | st.binary(max_size=10)
    | st.floats(allow_nan=False)
)
_values = st.recursive(
    _leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=4) | st.integers(-5, 5), children, max_size=4)
    ),
    max_leaves=20,
)


def _verdict(check: Any, value: object) -> str:
    try:
        check(value)
    except HonninError as exc:
        return type(exc).__name__
    return "ok"


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=120))
def test_shapes_and_tree_checks_agree_on_anything_cbor2_decodes(data: bytes) -> None:
    try:
        value = cbor2.loads(data)
    except Exception:  # only what cbor2 accepts is of interest here
        return
    tree = _verdict(lambda v: _check_tree(v, DEFAULT_LIMITS), value)
    assert _verdict(_check_shapes, value) == tree


@settings(max_examples=100, deadline=None)
@given(_values)
def test_shapes_and_tree_checks_agree_on_valid_trees(value: object) -> None:
    assert _verdict(_check_shapes, value) == "ok"
    assert _verdict(lambda v: _check_tree(v, DEFAULT_LIMITS), value) == "ok"


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 7), st.integers(0, 2**64 - 1))
def test_cbor_head_is_the_shortest_head(major: int, argument: int) -> None:
    # Compare with cbor2's own head for byte strings and arrays where it is easy to build.
    head = cbor_head(major, argument)
    assert head[0] >> 5 == major
    if argument < 2**16 and major == 2:
        assert cbor2.dumps(b"\x00" * argument)[: len(head)] == head


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=40), st.binary(max_size=300), st.binary(max_size=20))
def test_spliced_structures_equal_their_encoding(
    protected: bytes, payload: bytes, aad: bytes
) -> None:
    assert _sig_structure(protected, payload, aad) == encode_cbor(
        ["Signature1", protected, aad, payload]
    )
    assert _mac_structure(protected, payload, aad) == encode_cbor(["MAC0", protected, aad, payload])


def test_remembered_protected_header_is_a_fresh_map_each_time() -> None:
    protected = encode_cbor({1: -7})
    first = parse_cose([protected, {}, b"p", b"s"], what="x", tag=18)
    first.protected[1] = -35
    second = parse_cose([protected, {}, b"p", b"s"], what="x", tag=18)
    assert second.protected == {1: -7}


def test_protected_header_refusals_keep_their_wording() -> None:
    with pytest.raises(MalformedInput, match="issuerAuth protected header"):
        parse_cose([b"\xa1\x01", {}, b"p", b"s"], what="issuerAuth", tag=18)
    with pytest.raises(MalformedInput, match="must encode a map"):
        parse_cose([encode_cbor([1]), {}, b"p", b"s"], what="issuerAuth", tag=18)
    # A header with a container value is decoded every time, never remembered.
    crit = encode_cbor({1: -7, 2: [1]})
    message = parse_cose([crit, {}, b"p", b"s"], what="x", tag=18)
    message.protected[2].append(4)
    assert parse_cose([crit, {}, b"p", b"s"], what="x", tag=18).protected == {1: -7, 2: [1]}


def test_remembered_device_keys_still_refuse_bad_points() -> None:
    good = {1: 2, -1: 1, -2: b"\x01" * 32, -3: b"\x02" * 32}
    for _ in range(2):  # the second try must not come from any memory
        with pytest.raises(MalformedInput):
            public_key_from_cose_key(good)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(-4, 4), _leaves, max_size=5))
def test_cose_keys_raise_only_honnin_errors(cose_key: dict[int, Any]) -> None:
    with contextlib.suppress(HonninError):
        public_key_from_cose_key(cose_key)


def _outcome(call: Any) -> object:
    try:
        return ("ok", call())
    except HonninError as exc:
        return (type(exc).__name__, exc.detail)


@pytest.mark.parametrize(
    "parts",
    [
        [b"\x82\x01", b"\x02"],  # the first item borrows the second's byte: refused alone
        [b"\x01\x02", b"\x03"],  # trailing byte in the first item
        [b"\xa1\x01\x02", b""],  # an empty item
        [b"\xa2\x01\x02\x01\x03", b"\x01"],  # duplicate key
        [b"\xc2\x41\x01", b"\x01"],  # bignum tag
        [b"\x9f\x01\xff"],  # indefinite length
        [b"\xa1\x81\x01\x02"],  # array as map key
    ],
)
def test_items_together_refuse_as_each_alone(parts: list[bytes]) -> None:
    items = [EncodedCBOR(part) for part in parts]
    alone = _outcome(lambda: [unembed(item, what="item") for item in items])
    assert alone[0] != "ok"
    assert _outcome(lambda: unembed_items(items, what="item")) == alone


def test_items_together_keep_the_string_limit() -> None:
    limits = Limits(max_cbor_string_bytes=8)
    items = [EncodedCBOR(encode_cbor(["x"])), EncodedCBOR(encode_cbor("123456789"))]
    with pytest.raises(LimitExceeded):
        unembed_items(items, what="item", limits=limits)
    with pytest.raises(MalformedInput, match="tag 24"):
        unembed_items([b"\x01"], what="item")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=12), max_size=4))
def test_items_together_agree_with_each_alone(parts: list[bytes]) -> None:
    items = [EncodedCBOR(part) for part in parts]
    assert _outcome(lambda: unembed_items(items, what="item")) == _outcome(
        lambda: [unembed(item, what="item") for item in items]
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(_values, min_size=1, max_size=4))
def test_items_together_round_trip(values: list[object]) -> None:
    items = [embed(value) for value in values]
    assert unembed_items(items, what="item") == values


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=60))
def test_unwrapped_tag24_agrees_with_the_decoder(tail: bytes) -> None:
    for data in (b"\xd8\x18" + tail, b"\xd8\x18" + cbor_head(2, len(tail)) + tail):
        assert _outcome(lambda d=data: unwrap_encoded_cbor(d)) == _outcome(
            lambda d=data: decode_cbor(d)
        )

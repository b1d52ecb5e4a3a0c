"""Token Status List byte array: the draft's vectors, limits, negative cases and properties."""

from __future__ import annotations

import contextlib
import json
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.encoding import b64url_encode
from specs.errors import HonninError, LimitExceeded, MalformedInput, Revoked, ValidationError
from specs.limits import Limits
from specs.ports import SeededRandom
from specs.status_list import (
    STATUS_INVALID,
    STATUS_SUSPENDED,
    STATUS_VALID,
    StatusList,
    StatusReference,
    allocate_index,
    parse_cbor_status,
    parse_status_claim,
    require_valid,
)

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "status_list"
ENCODINGS = sorted(VECTORS.glob("encoding_*.json"))


def _load(path: Path) -> dict[str, object]:
    return json.loads(path.read_text())


def test_all_six_encoding_vectors_are_present() -> None:
    assert len(ENCODINGS) == 6


@pytest.mark.parametrize("path", ENCODINGS, ids=lambda p: p.stem)
def test_json_vector_decodes_to_expected_statuses(path: Path) -> None:
    vector = _load(path)
    status_list = StatusList.from_json({"bits": vector["bits"], "lst": vector["json_lst"]})
    assert status_list.bits == vector["bits"]
    assert len(status_list.byte_array) == vector["decompressed_len_bytes"]
    assert status_list.size == vector["size_entries"]
    expected = {int(k): v for k, v in vector["expected"].items()}  # type: ignore[attr-defined]
    for index, value in expected.items():
        assert status_list.get(index) == value, index
    # Every index not listed is VALID: compare the full set of non-zero entries.
    assert status_list.non_valid() == {k: v for k, v in expected.items() if v}


@pytest.mark.parametrize("path", ENCODINGS, ids=lambda p: p.stem)
def test_cbor_vector_decodes_to_the_same_bytes(path: Path) -> None:
    import cbor2

    vector = _load(path)
    cbor_map = cbor2.loads(bytes.fromhex(str(vector["cbor_status_list_hex"])))
    from_cbor = StatusList.from_cbor_map(cbor_map)
    from_json = StatusList.from_json({"bits": vector["bits"], "lst": vector["json_lst"]})
    assert from_cbor == from_json


@pytest.mark.parametrize("path", ENCODINGS, ids=lambda p: p.stem)
def test_rebuilding_a_vector_by_set_gives_the_same_byte_array(path: Path) -> None:
    vector = _load(path)
    expected = {int(k): v for k, v in vector["expected"].items()}  # type: ignore[attr-defined]
    built = StatusList.new(int(vector["size_entries"]), int(vector["bits"]))  # type: ignore[call-overload]
    for index, value in expected.items():
        built.set(index, value)
    decoded = StatusList.from_json({"bits": vector["bits"], "lst": vector["json_lst"]})
    assert built.byte_array == decoded.byte_array
    # Our own encoding decodes back to the same list.
    assert StatusList.from_json(built.to_json()) == decoded


def test_small_examples_match_the_spec_bytes() -> None:
    one_bit = StatusList.from_json({"bits": 1, "lst": "eNrbuRgAAhcBXQ"})
    assert one_bit.byte_array == bytes([0xB9, 0xA3])
    two_bit = StatusList.new(12, 2)
    for i, v in enumerate([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]):
        two_bit.set(i, v)
    assert two_bit.byte_array == bytes([0xC9, 0x44, 0xF9])
    assert two_bit.compressed() == bytes.fromhex("78da3be9f2130003df0207")


def test_set_overwrites_without_touching_neighbours() -> None:
    status_list = StatusList.new(8, 2)
    status_list.set(1, 3)
    status_list.set(2, 3)
    status_list.set(1, 1)
    assert [status_list.get(i) for i in range(4)] == [0, 1, 3, 0]


# --- negative cases ---


@pytest.mark.parametrize("bits", [0, 3, 16, -1, True, "1", None, 1.0])
def test_wrong_bits_is_malformed(bits: object) -> None:
    with pytest.raises(MalformedInput):
        StatusList.from_json({"bits": bits, "lst": "eNrbuRgAAhcBXQ"})


@pytest.mark.parametrize("bits", [0, 3, 16])
def test_new_with_wrong_bits_is_rejected(bits: int) -> None:
    with pytest.raises(ValidationError):
        StatusList.new(8, bits)


def test_value_too_wide_for_bits_is_rejected() -> None:
    status_list = StatusList.new(8, 1)
    with pytest.raises(ValidationError):
        status_list.set(0, STATUS_SUSPENDED)


def test_index_out_of_bounds_is_rejected() -> None:
    status_list = StatusList.from_json({"bits": 1, "lst": "eNrbuRgAAhcBXQ"})
    with pytest.raises(ValidationError):
        status_list.get(16)
    with pytest.raises(ValidationError):
        status_list.get(-1)


def test_truncated_list_is_malformed() -> None:
    compressed = zlib.compress(bytes(1000), 9)
    with pytest.raises(MalformedInput) as info:
        StatusList.from_json({"bits": 1, "lst": b64url_encode(compressed[:-3])})
    assert type(info.value) is MalformedInput


def test_trailing_garbage_is_malformed() -> None:
    compressed = zlib.compress(bytes(8), 9) + b"\x00"
    with pytest.raises(MalformedInput):
        StatusList.from_json({"bits": 1, "lst": b64url_encode(compressed)})


def test_raw_deflate_without_zlib_header_is_malformed() -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = compressor.compress(bytes(8)) + compressor.flush()
    with pytest.raises(MalformedInput):
        StatusList.from_json({"bits": 1, "lst": b64url_encode(raw)})


@pytest.mark.parametrize("lst", ["eNrbuRgAAhcBXQ==", "eNrbuRgAAhcBXQ+", "eNr buRg", 42, None])
def test_bad_base64_is_malformed(lst: object) -> None:
    with pytest.raises(MalformedInput) as info:
        StatusList.from_json({"bits": 1, "lst": lst})
    assert type(info.value) is MalformedInput


def test_empty_list_is_malformed() -> None:
    with pytest.raises(MalformedInput):
        StatusList.from_json({"bits": 1, "lst": b64url_encode(zlib.compress(b""))})


def test_decompression_bomb_is_stopped() -> None:
    # 64 MiB of zeros compresses to ~64 KiB; the limit stops inflation at 4 MiB + 1.
    bomb = zlib.compress(bytes(64 * 1024 * 1024), 9)
    assert len(bomb) < 100_000
    with pytest.raises(LimitExceeded):
        StatusList.from_json({"bits": 1, "lst": b64url_encode(bomb)})


def test_decompressed_size_limit_is_configurable() -> None:
    data = zlib.compress(bytes(2048), 9)
    limits = Limits(max_status_list_bytes=1024)
    with pytest.raises(LimitExceeded):
        StatusList.decode(1, data, limits=limits)
    assert StatusList.decode(1, data, limits=Limits(max_status_list_bytes=2048)).size == 16384


def test_entry_count_limit() -> None:
    data = zlib.compress(bytes(1024), 9)
    with pytest.raises(LimitExceeded):
        StatusList.decode(1, data, limits=Limits(max_status_list_entries=8191))
    assert StatusList.decode(8, data, limits=Limits(max_status_list_entries=1024)).size == 1024


def test_lst_longer_than_token_limit() -> None:
    with pytest.raises(LimitExceeded):
        StatusList.from_json({"bits": 1, "lst": "A" * 101}, Limits(max_token_bytes=100))


def test_not_an_object() -> None:
    with pytest.raises(MalformedInput):
        StatusList.from_json(["bits", 1])
    with pytest.raises(MalformedInput):
        StatusList.from_cbor_map({"bits": 1, "lst": "not bytes"})


# --- the status claim and status values ---


def test_status_claim_round_trip_and_spec_example() -> None:
    claims = {"status": {"status_list": {"idx": 0, "uri": "https://example.com/statuslists/1"}}}
    reference = parse_status_claim(claims)
    assert reference == StatusReference(0, "https://example.com/statuslists/1")
    assert {"status": reference.to_claim()} == claims


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"status": "x"},
        {"status": {}},
        {"status": {"status_list": {"idx": -1, "uri": "https://e.example/1"}}},
        {"status": {"status_list": {"idx": True, "uri": "https://e.example/1"}}},
        {"status": {"status_list": {"idx": "0", "uri": "https://e.example/1"}}},
        {"status": {"status_list": {"idx": 0, "uri": "not a uri"}}},
        {"status": {"status_list": {"idx": 0}}},
        {"status": {"status_list": []}},
    ],
)
def test_bad_status_claims_are_malformed(claims: dict[str, object]) -> None:
    with pytest.raises(MalformedInput):
        parse_status_claim(claims)


def test_cbor_status_reference_from_the_referenced_token_cwt() -> None:
    import cbor2

    hex_text = (VECTORS / "raw_examples" / "referenced_token_cwt.md").read_text()
    message = cbor2.loads(bytes.fromhex("".join(hex_text.split())))
    claims = cbor2.loads(message.value[2])
    reference = parse_cbor_status(claims[65535])
    assert reference == StatusReference(0, "https://example.com/statuslists/1")


def test_require_valid() -> None:
    require_valid(STATUS_VALID)
    for value in (STATUS_INVALID, STATUS_SUSPENDED, 3, 0xFF):
        with pytest.raises(Revoked):
            require_valid(value)


# --- allocation ---


def test_allocation_avoids_used_indices_and_covers_the_list() -> None:
    rng = SeededRandom(b"alloc")
    used: set[int] = set()
    for _ in range(64):
        used.add(allocate_index(rng, 64, used))
    assert used == set(range(64))
    with pytest.raises(LimitExceeded):
        allocate_index(rng, 64, used)


def test_allocation_with_a_bitmap() -> None:
    rng = SeededRandom(b"bitmap")
    bitmap = bytearray(b"\xff" * 16)
    bitmap[5] = 0b1110_1111  # only index 44 is free
    assert allocate_index(rng, 128, bytes(bitmap)) == 44
    with pytest.raises(LimitExceeded):
        allocate_index(rng, 128, b"\xff" * 16)


def test_allocation_is_not_sequential() -> None:
    rng = SeededRandom(b"spread")
    picks = [allocate_index(rng, 1 << 20, set()) for _ in range(8)]
    assert picks != sorted(picks)
    assert max(picks) > 1 << 16


def test_allocation_rejects_a_bad_size() -> None:
    with pytest.raises(ValidationError):
        allocate_index(SeededRandom(b"x"), 0, set())


# --- properties ---


@settings(max_examples=50, deadline=None)
@given(
    bits=st.sampled_from([1, 2, 4, 8]),
    values=st.lists(st.integers(0, 255), min_size=1, max_size=200),
)
def test_property_set_get_encode_decode_round_trip(bits: int, values: list[int]) -> None:
    values = [v % (1 << bits) for v in values]
    status_list = StatusList.new(len(values), bits)
    for i, v in enumerate(values):
        status_list.set(i, v)
    decoded = StatusList.from_json(status_list.to_json())
    assert [decoded.get(i) for i in range(len(values))] == values
    assert StatusList.from_cbor_map(status_list.to_cbor_map()) == decoded


@settings(max_examples=100, deadline=None)
@given(bits=st.one_of(st.integers(-2, 9), st.none(), st.text(max_size=2)), lst=st.text(max_size=40))
def test_property_arbitrary_input_raises_only_honnin_errors(bits: object, lst: str) -> None:
    with contextlib.suppress(HonninError):
        StatusList.from_json({"bits": bits, "lst": lst})


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200))
def test_property_arbitrary_bytes_raise_only_honnin_errors(data: bytes) -> None:
    with contextlib.suppress(HonninError):
        StatusList.decode(1, data)

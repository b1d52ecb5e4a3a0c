"""W3C Bitstring Status List: the spec example, bit order, bounds, and a signed list end to end."""

from __future__ import annotations

import contextlib
import gzip
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.encoding import b64url_encode
from specs.errors import HonninError, LimitExceeded, MalformedInput, Revoked, ValidationError
from specs.keys import SoftwareSigner
from specs.limits import Limits
from specs.status_list.bitstring import (
    Bitstring,
    BitstringStatusListEntry,
    build_status_list_credential,
    check_status,
    parse_status_entry,
    require_not_revoked,
)
from specs.w3c_vc import DocumentLoader, did_key_verification_method
from specs.w3c_vc import ecdsa_rdfc_2019 as rdfc

# Bitstring Status List v1.0, section 2.2 example (an all-zero list of 131,072 entries).
SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
LIST_URL = "https://employer-a.example/status/1"


def test_spec_example_decodes_to_an_empty_minimum_list() -> None:
    bits = Bitstring.decode(SPEC_EXAMPLE)
    assert bits.entries == 131_072
    assert bits.to_bytes() == bytes(16 * 1024)


def test_index_zero_is_the_left_most_bit() -> None:
    bits = Bitstring.empty()
    bits.set(0, 1)
    bits.set(9, 1)
    assert bits.to_bytes()[:2] == bytes([0b1000_0000, 0b0100_0000])
    two = Bitstring.empty(status_size=2)
    two.set(1, 0b11)
    assert two.to_bytes()[0] == 0b0011_0000
    assert two.get(1) == 3


def test_entry_round_trip_and_refusals() -> None:
    entry = BitstringStatusListEntry("revocation", 94567, LIST_URL, id=f"{LIST_URL}#94567")
    assert parse_status_entry(entry.to_json()) == entry
    for bad in [
        {**entry.to_json(), "statusListIndex": 94567},
        {**entry.to_json(), "statusListIndex": "-1"},
        {**entry.to_json(), "type": "StatusList2021Entry"},
        {**entry.to_json(), "statusSize": 2},
        {**entry.to_json(), "statusListCredential": "relative"},
    ]:
        with pytest.raises(MalformedInput):
            parse_status_entry(bad)


def test_decompression_bomb_is_bounded() -> None:
    bomb = "u" + b64url_encode(gzip.compress(bytes(2 * 1024 * 1024), mtime=0))
    with pytest.raises(LimitExceeded):
        Bitstring.decode(bomb, limits=Limits(max_status_list_bytes=1024 * 1024))
    with pytest.raises(MalformedInput):
        Bitstring.decode("u" + b64url_encode(b"not gzip"))
    with pytest.raises(MalformedInput):
        Bitstring.decode("z123")


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=64))
def test_property_decode_raises_only_honnin_errors(data: bytes) -> None:
    for value in ("u" + b64url_encode(data), "u" + b64url_encode(gzip.compress(data, mtime=0))):
        with contextlib.suppress(HonninError):
            Bitstring.decode(value)


@settings(max_examples=30, deadline=None)
@given(st.sets(st.integers(0, 131_071), max_size=20), st.sampled_from([1, 2, 4, 8]))
def test_property_encode_decode_round_trip(indexes: set[int], size: int) -> None:
    bits = Bitstring.empty(status_size=size)
    for index in indexes:
        bits.set(index, 1)
    again = Bitstring.decode(bits.encode(), size)
    assert again.to_bytes() == bits.to_bytes()
    assert {i for i in indexes if again.get(i) == 1} == indexes


def test_signed_status_list_end_to_end() -> None:
    loader = DocumentLoader()
    signer = SoftwareSigner(ec.generate_private_key(ec.SECP256R1()), "ES256")
    method = did_key_verification_method(signer.public_key)
    bits = Bitstring.empty()
    bits.set(94567, 1)
    unsigned = build_status_list_credential(
        list_id=LIST_URL,
        issuer="did:web:employer-a.example",
        purpose="revocation",
        bitstring=bits,
        valid_from=datetime(2026, 7, 1, tzinfo=UTC),
    )
    secured = rdfc.add_proof(unsigned, signer, verification_method=method, loader=loader)
    verified = rdfc.verify_proof(secured, loader=loader).document

    revoked = BitstringStatusListEntry("revocation", 94567, LIST_URL)
    result = check_status(revoked, verified)
    assert (result.status, result.valid) == (1, False)
    with pytest.raises(Revoked):
        require_not_revoked(result)
    fine = check_status(BitstringStatusListEntry("revocation", 23452, LIST_URL), verified)
    require_not_revoked(fine)
    assert fine.valid

    with pytest.raises(ValidationError):
        check_status(BitstringStatusListEntry("suspension", 1, LIST_URL), verified)
    with pytest.raises(ValidationError):
        check_status(BitstringStatusListEntry("revocation", 131_072, LIST_URL), verified)
    with pytest.raises(ValidationError):
        check_status(BitstringStatusListEntry("revocation", 1, LIST_URL + "x"), verified)
    with pytest.raises(ValidationError):
        check_status(revoked, verified, minimum_entries=200_000)
    tampered = {
        **secured,
        "credentialSubject": {**secured["credentialSubject"], "encodedList": SPEC_EXAMPLE},
    }
    with pytest.raises(HonninError):
        rdfc.verify_proof(tampered, loader=loader)


def test_status_messages_for_multi_bit_entries() -> None:
    messages = [
        {"status": f"0x{i:x}", "message": m} for i, m in enumerate(["ok", "hold", "x", "y"])
    ]
    entry = parse_status_entry(
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "message",
            "statusListIndex": "5",
            "statusListCredential": LIST_URL,
            "statusSize": 2,
            "statusMessage": messages,
        }
    )
    bits = Bitstring.empty(status_size=2)
    bits.set(5, 1)
    document = build_status_list_credential(
        list_id=LIST_URL,
        issuer="did:web:a.example",
        purpose="message",
        bitstring=bits,
        valid_from=datetime(2026, 7, 1, tzinfo=UTC),
    )
    result = check_status(entry, document)
    assert (result.status, result.message) == (1, "hold")

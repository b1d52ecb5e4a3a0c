"""verify_device_response's common case (one decode of the message) agrees with the plain path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.errors import HonninError, LimitExceeded, MalformedInput, ValidationError
from specs.keys import SoftwareSigner
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc import (
    TrustAnchors,
    embed,
    encode_cbor,
    openid4vp_session_transcript,
    parse_items_request,
    present,
)
from specs.mdoc.cbor import EncodedCBOR, decode_cbor, decode_keeping_tag24, decode_sequence
from specs.mdoc.constants import DEVICE_AUTH_ALGS, ISSUER_AUTH_ALGS
from specs.mdoc.verification import (
    _verify_common_case,
    _verify_device_response_plain,
    verify_device_response,
)
from specs.ports import FixedClock

from .conftest import DOC_TYPE, NAMESPACE, OTHER_NAMESPACE

TRANSCRIPT = openid4vp_session_transcript(
    "x509_san_dns:verifier.example.jp", "nonce-c", "https://verifier.example.jp/response"
)
CLOCK = FixedClock(datetime(2026, 7, 1, 9, tzinfo=UTC))
REQUEST = parse_items_request(
    {
        "docType": DOC_TYPE,
        "nameSpaces": {
            NAMESPACE: ["payment_amount", "birth_date", "recipient_name", "year"],
            OTHER_NAMESPACE: ["note"],
        },
    }
)


def _outcome(call: Any) -> object:
    try:
        return ("ok", call())
    except HonninError as exc:
        return (type(exc).__name__, exc.detail, exc.claim_path)


def _both(data: bytes, anchors: Any, **kwargs: Any) -> tuple[object, object, object]:
    arguments: dict[str, Any] = {
        "trust_anchors": anchors,
        "session_transcript": TRANSCRIPT,
        "clock": CLOCK,
    }
    arguments.update(kwargs)
    common = _outcome(
        lambda: _verify_common_case(
            data,
            expected_doc_type=arguments.get("expected_doc_type"),
            issuer_algs=ISSUER_AUTH_ALGS,
            device_algs=DEVICE_AUTH_ALGS,
            limits=arguments.get("limits", DEFAULT_LIMITS),
            trust_anchors=anchors,
            session_transcript=TRANSCRIPT,
            clock=CLOCK,
        )
    )
    return (
        _outcome(lambda: verify_device_response(data, **arguments)),
        _outcome(lambda: _verify_device_response_plain(data, **arguments)),
        common,
    )


def _agree(data: bytes, anchors: Any, **kwargs: Any) -> object:
    public, plain, common = _both(data, anchors, **kwargs)
    assert public == plain
    # The common case either steps aside (None) or ends exactly as the plain path.
    assert common == ("ok", None) or common == plain
    return plain


@pytest.fixture(scope="module")
def response(pki: Any, device: SoftwareSigner) -> bytes:
    from .conftest import issue_test_document

    document = issue_test_document(pki, device)
    return present(document, REQUEST, session_transcript=TRANSCRIPT, device_signer=device).to_cbor()


def test_common_case_is_taken_and_equals_the_plain_path(response: bytes, pki: Any) -> None:
    for anchors in ([pki.iaca], TrustAnchors([pki.iaca])):
        public, plain, common = _both(response, anchors)
        assert plain[0] == "ok"
        assert common == plain == public
    (verified,) = plain[1]  # type: ignore[index]
    assert verified.namespaces[OTHER_NAMESPACE] == {"note": "x"}
    assert verified.errors == {}


# Items encode_cbor cannot make, put in place of these texts after encoding.
_RAW = {"@simple": b"\xf0", "@undefined": b"\xf7", "@tag99": b"\xd8\x63\x01", "@cose": b"\xd2\x80"}


def _reencoded(response: bytes, change: Any) -> bytes:
    tree = decode_cbor(response)
    change(tree)
    data = encode_cbor(tree)
    for text, raw in _RAW.items():
        data = data.replace(encode_cbor(text), raw)
    return data


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t["documents"][0].update(errors={NAMESPACE: {"withheld_tax": 0}}),
        lambda t: t["documents"][0].update(errors={NAMESPACE: {"withheld_tax": "x"}}),
        lambda t: t.update(documentErrors=[{"other": 0}]),
        lambda t: t.update(documentErrors=[1]),
        lambda t: t.update(status=10),
        lambda t: t.update(status=True),
        lambda t: t.update(version="2.0"),
        lambda t: t.update(documents=[]),
        lambda t: t.update(documents=t["documents"] * 2),
        lambda t: t["documents"][0].pop("deviceSigned"),
        lambda t: t["documents"][0]["issuerSigned"].pop("nameSpaces"),
        lambda t: t["documents"][0]["issuerSigned"]["nameSpaces"].update({NAMESPACE: []}),
        lambda t: t["documents"][0]["issuerSigned"]["nameSpaces"].update({"x.y": [embed(1)]}),
        lambda t: t["documents"][0]["issuerSigned"]["nameSpaces"][NAMESPACE].append(
            t["documents"][0]["issuerSigned"]["nameSpaces"][NAMESPACE][0]
        ),
        lambda t: t["documents"][0]["issuerSigned"]["nameSpaces"][NAMESPACE].append(embed({})),
        lambda t: t["documents"][0]["issuerSigned"]["nameSpaces"][NAMESPACE].append(b"\x01"),
        lambda t: t["documents"][0]["issuerSigned"]["issuerAuth"].__setitem__(2, None),
        lambda t: t["documents"][0]["issuerSigned"]["issuerAuth"].__setitem__(2, b"\xa0"),
        lambda t: t["documents"][0]["issuerSigned"]["issuerAuth"][1].update({1: -7}),
        lambda t: t["documents"][0]["deviceSigned"].update(nameSpaces=embed({NAMESPACE: {}})),
        lambda t: t["documents"][0]["deviceSigned"].update(nameSpaces=embed({"x": {"y": 1}})),
        lambda t: t["documents"][0]["deviceSigned"].update(nameSpaces=embed([1])),
        lambda t: t["documents"][0]["deviceSigned"].update(nameSpaces=EncodedCBOR(b"\xa0\x00")),
        lambda t: t["documents"][0]["deviceSigned"]["deviceAuth"].update(deviceMac=[]),
        lambda t: t["documents"][0].update(docType="other"),
        lambda t: t["documents"][0].update(extra={1.5: 1}),
        lambda t: t["documents"][0].update(extra="@simple"),
        lambda t: t["documents"][0].update(extra="@undefined"),
        lambda t: t["documents"][0].update(extra="@tag99"),
        lambda t: t["documents"][0]["issuerSigned"].update(issuerAuth="@cose"),
        lambda t: t["documents"][0].update(extra=datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_structural_changes_end_alike(response: bytes, pki: Any, change: Any) -> None:
    data = _reencoded(response, change)
    _agree(data, [pki.iaca])
    _agree(data, TrustAnchors([pki.iaca]))


def test_doc_type_not_requested_and_other_limits_end_alike(response: bytes, pki: Any) -> None:
    outcome = _agree(response, [pki.iaca], expected_doc_type="other.doctype")
    assert outcome[0] == ValidationError.__name__  # type: ignore[index]
    _agree(response, [pki.iaca], limits=Limits(max_mdoc_elements=3))
    _agree(response, [pki.iaca], limits=Limits(max_cbor_string_bytes=600))
    _agree(response, [pki.iaca], limits=Limits(max_cbor_depth=3))
    assert _agree(response, [pki.iaca], limits=Limits(max_cbor_bytes=100))[0] == (  # type: ignore[index]
        LimitExceeded.__name__
    )


def test_other_verdicts_come_from_the_same_checks(
    pki: Any, device: SoftwareSigner, issue_doc: Any, make_pki_fixture: Any
) -> None:
    expired = issue_doc(valid_for=timedelta(days=1))
    data = present(expired, REQUEST, session_transcript=TRANSCRIPT, device_signer=device).to_cbor()
    assert _agree(data, [pki.iaca])[0] == "Expired"  # type: ignore[index]
    early = issue_doc(valid_from=datetime(2026, 8, 1, tzinfo=UTC))
    data = present(early, REQUEST, session_transcript=TRANSCRIPT, device_signer=device).to_cbor()
    assert _agree(data, [pki.iaca])[0] == "NotYetValid"  # type: ignore[index]
    before_ds = issue_doc(clock=FixedClock(datetime(2025, 12, 1, tzinfo=UTC)))
    data = present(
        before_ds, REQUEST, session_transcript=TRANSCRIPT, device_signer=device
    ).to_cbor()
    assert _agree(data, [pki.iaca])[0] == "ValidationError"  # type: ignore[index]
    assert _agree(data, [make_pki_fixture("other").iaca])[0] == "UntrustedKey"  # type: ignore[index]
    other_session = present(
        issue_doc(),
        REQUEST,
        session_transcript=openid4vp_session_transcript("a", "b", "c"),
        device_signer=device,
    ).to_cbor()
    assert _agree(other_session, [pki.iaca])[0] == "InvalidSignature"  # type: ignore[index]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_byte_changes_end_alike(response: bytes, pki: Any, data: Any) -> None:
    position = data.draw(st.integers(0, len(response) - 1))
    kind = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
    byte = bytes([data.draw(st.integers(0, 255))])
    if kind == "replace":
        mutated = response[:position] + byte + response[position + 1 :]
    elif kind == "insert":
        mutated = response[:position] + byte + response[position:]
    elif kind == "delete":
        mutated = response[:position] + response[position + 1 :]
    else:
        mutated = response[:position]
    _agree(mutated, TrustAnchors([pki.iaca]))


# --- the two decoders the common case uses ----------------------------------------------


def _tag24_as_encoded(value: Any) -> Any:
    if isinstance(value, cbor2.CBORTag):
        return EncodedCBOR(value.value)
    if isinstance(value, dict):
        return {key: _tag24_as_encoded(member) for key, member in value.items()}
    if isinstance(value, list):
        return [_tag24_as_encoded(member) for member in value]
    return value


def _keeping_agrees(data: bytes) -> None:
    kept = decode_keeping_tag24(data)
    if kept is not None:
        assert _outcome(lambda: decode_cbor(data)) == ("ok", _tag24_as_encoded(kept))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=80))
def test_keeping_tag24_agrees_with_decode_cbor_on_bytes(data: bytes) -> None:
    _keeping_agrees(data)
    _keeping_agrees(b"\xd8\x18" + data)


_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.text(max_size=8)
    | st.binary(max_size=8)
    | st.builds(EncodedCBOR, st.binary(max_size=8))
)
_trees = st.recursive(
    _leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=4) | st.integers(-5, 5), children, max_size=4)
    ),
    max_leaves=16,
)


@settings(max_examples=100, deadline=None)
@given(_trees)
def test_keeping_tag24_round_trips_valid_trees(tree: Any) -> None:
    data = encode_cbor(tree)
    kept = decode_keeping_tag24(data)
    assert kept is not None or tree is None  # a lone null also says "ask decode_cbor"
    assert _tag24_as_encoded(kept) == tree == decode_cbor(data)


def test_keeping_tag24_steps_aside_off_the_common_case() -> None:
    assert decode_keeping_tag24(encode_cbor([1]) + b"\x00") is None  # trailing byte
    assert decode_keeping_tag24(bytes.fromhex("d2840000f600")) is None  # COSE tag 18
    assert decode_keeping_tag24(bytes.fromhex("d8184101") * 1) is not None
    assert decode_keeping_tag24(bytes.fromhex("d81801")) is None  # tag 24 around an int
    assert decode_keeping_tag24(bytes.fromhex("a1f901")) is None  # truncated
    assert decode_keeping_tag24(b"") is None
    assert (
        decode_keeping_tag24(encode_cbor("x" * 20), limits=Limits(max_cbor_string_bytes=8)) is None
    )
    with pytest.raises(LimitExceeded):
        decode_cbor(encode_cbor("x" * 20), limits=Limits(max_cbor_string_bytes=8))
    with pytest.raises(MalformedInput):
        decode_cbor(bytes.fromhex("d81801"))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=12), max_size=5))
def test_sequence_agrees_with_each_part_alone(parts: list[bytes]) -> None:
    together = decode_sequence(parts)
    if together is not None:
        assert ("ok", together) == _outcome(lambda: [decode_cbor(part) for part in parts])


@settings(max_examples=60, deadline=None)
@given(st.lists(_trees, min_size=1, max_size=4))
def test_sequence_round_trips(trees: list[Any]) -> None:
    assert decode_sequence([encode_cbor(tree) for tree in trees]) == trees


# --- the MSO's one-test reading ---------------------------------------------------------

_MSO_CHANGES = st.sampled_from(
    [
        ("version", "1.1"),
        ("version", 1),
        ("digestAlgorithm", "MD5"),
        ("docType", b"x"),
        ("valueDigests", {"ns": {True: b"x"}}),
        ("valueDigests", {"ns": {1: "x"}}),
        ("valueDigests", {1: {1: b"x"}}),
        ("valueDigests", {"ns": dict.fromkeys(range(9), b"d")}),
        ("deviceKeyInfo", {"deviceKey": {1: 2}, "keyAuthorizations": {"nameSpaces": ["ns"]}}),
        ("deviceKeyInfo", {"deviceKey": {1: 2}, "keyAuthorizations": [1]}),
        ("deviceKeyInfo", {"deviceKey": [1]}),
        ("validityInfo", {"signed": "2026-01-01T00:00:00Z"}),
        (
            "validityInfo",
            {
                **{
                    k: datetime(2026, 1, 1, tzinfo=UTC)
                    for k in ("signed", "validFrom", "validUntil")
                },
                "expectedUpdate": None,
            },
        ),
        ("status", {"status_list": {"idx": 1}}),
        ("docType", None),
    ]
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_MSO_CHANGES, max_size=3), st.booleans())
def test_common_mso_reading_equals_member_by_member(changes: list[Any], drop: bool) -> None:
    from specs.mdoc.model import _common_mso, _mso_member_by_member

    when = datetime(2026, 1, 1, tzinfo=UTC)
    value: dict[Any, Any] = {
        "version": "1.0",
        "digestAlgorithm": "SHA-256",
        "docType": DOC_TYPE,
        "valueDigests": {NAMESPACE: {0: b"\x00" * 32, 1: b"\x01" * 32}},
        "deviceKeyInfo": {"deviceKey": {1: 2, -1: 1}},
        "validityInfo": {"signed": when, "validFrom": when, "validUntil": when},
    }
    for key, member in changes:
        value[key] = member
    if drop and changes:
        value.pop(changes[0][0])
    limits = Limits(max_mdoc_elements=8)
    common = _common_mso(value, limits)
    plain = _outcome(lambda: _mso_member_by_member(value, limits))
    if common is not None:
        assert plain == ("ok", common)
    if not changes:
        assert common is not None


# Zeroing a byte of a certificate's serial makes it non-positive; cryptography warns that it
# will refuse such certificates one day (RFC 5280 4.1.2.2 asks users to handle them).
@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_every_byte_zeroed_ends_alike(response: bytes, pki: Any) -> None:
    """Deterministic sweep: zeroing any one byte gives the public and plain paths one verdict.

    Regression: a zeroed length inside the MSO once made the common case report trailing
    bytes where the plain path (signature first) reports a bad signature.
    """
    anchors = TrustAnchors([pki.iaca])
    for position in range(len(response)):
        if response[position] != 0:
            _agree(response[:position] + b"\x00" + response[position + 1 :], anchors)

"""Issue, present and verify mdocs end to end, and each way verification must fail."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.errors import (
    DigestMismatch,
    Expired,
    HonninError,
    InvalidSignature,
    MalformedInput,
    NotYetValid,
    Unsupported,
    UntrustedKey,
    ValidationError,
)
from specs.keys import SoftwareSigner
from specs.mdoc import (
    DeviceResponse,
    Document,
    IssuerSigned,
    decode_cbor,
    decode_device_response,
    decode_document,
    embed,
    encode_cbor,
    openid4vp_session_transcript,
    parse_items_request,
    present,
    verify_device_response,
)
from specs.mdoc.cbor import EncodedCBOR
from specs.mdoc.constants import HEADER_CRIT, HEADER_X5CHAIN
from specs.mdoc.cose import CoseMessage, sign1
from specs.mdoc.model import parse_issuer_signed_item
from specs.ports import FixedClock

DOC_TYPE = "jp.honnin.withholding_slip.1"
NAMESPACE = "jp.honnin.withholding_slip.1"
TRANSCRIPT = openid4vp_session_transcript(
    "x509_san_dns:verifier.example.jp", "nonce-1", "https://verifier.example.jp/response"
)
REQUEST = parse_items_request(
    {"docType": DOC_TYPE, "nameSpaces": {NAMESPACE: ["payment_amount", "birth_date"]}}
)


def _verify(data: bytes, pki: Any, clock: FixedClock, **kwargs: Any) -> Any:
    arguments: dict[str, Any] = {
        "trust_anchors": [pki.iaca],
        "session_transcript": TRANSCRIPT,
        "clock": clock,
    }
    arguments.update(kwargs)
    return verify_device_response(data, **arguments)


def _respond(document: Document, device: SoftwareSigner, **kwargs: Any) -> bytes:
    arguments: dict[str, Any] = {"session_transcript": TRANSCRIPT, "device_signer": device}
    arguments.update(kwargs)
    return present(document, REQUEST, **arguments).to_cbor()


def _with_issuer_signed(response: bytes, change: Any) -> bytes:
    parsed = decode_device_response(response)
    doc = parsed.documents[0]
    changed = dataclasses.replace(doc, issuer_signed=change(doc.issuer_signed))
    return dataclasses.replace(parsed, documents=(changed,)).to_cbor()


def test_present_reveals_only_requested_elements_and_verifies(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    data = _respond(document, device)
    (verified,) = _verify(data, pki, clock, expected_doc_type=DOC_TYPE)
    assert verified.doc_type == DOC_TYPE
    assert verified.namespaces == {
        NAMESPACE: {"payment_amount": 3_600_000, "birth_date": date(1990, 4, 1)}
    }
    assert verified.device_key == {k: device.public_jwk[k] for k in ("kty", "crv", "x", "y")}
    assert verified.issuer_certificate == pki.ds_cert
    # The response carries exactly the two requested items, nothing else of the document.
    response = decode_device_response(data)
    items = response.documents[0].issuer_signed.namespaces
    assert list(items) == [NAMESPACE]
    assert len(items[NAMESPACE]) == 2


def test_issued_document_round_trips_and_uses_the_standard_tags(document: Document) -> None:
    data = document.to_cbor()
    assert decode_document(data) == document
    items = [parse_issuer_signed_item(i) for i in document.issuer_signed.namespaces[NAMESPACE]]
    birth = next(i for i in items if i.element_identifier == "birth_date")
    # full-date is tag 1004 (0xd903ec) inside IssuerSignedItemBytes.
    assert bytes.fromhex("d903ec6a313939302d30342d3031") in encode_cbor(birth.to_cbor_value())
    assert all(len(i.random) >= 16 for i in items)
    assert sorted(i.digest_id for i in items) == list(range(len(items)))
    auth = document.issuer_signed.issuer_auth
    assert HEADER_X5CHAIN in auth.unprotected
    assert HEADER_X5CHAIN not in auth.protected
    mso = decode_cbor(auth.payload or b"")
    assert isinstance(mso, EncodedCBOR)
    # validityInfo uses tdate (tag 0, 0xc0) with whole seconds and Z.
    assert b"\xc0\x742026-06-30T00:00:00Z" in mso.data


def test_missing_elements_are_reported_not_invented(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    request = parse_items_request(
        {"docType": DOC_TYPE, "nameSpaces": {NAMESPACE: ["year", "spouse_deduction"]}}
    )
    response = present(document, request, session_transcript=TRANSCRIPT, device_signer=device)
    (verified,) = _verify(response.to_cbor(), pki, clock)
    assert verified.namespaces == {NAMESPACE: {"year": 2026}}
    assert verified.errors == {NAMESPACE: {"spouse_deduction": 0}}


def test_request_for_another_doctype_is_refused(document: Document, device: SoftwareSigner) -> None:
    request = parse_items_request({"docType": "org.iso.18013.5.1.mDL", "nameSpaces": {}})
    with pytest.raises(ValidationError):
        present(document, request, session_transcript=TRANSCRIPT, device_signer=device)


def test_device_mac_round_trip(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    reader = SoftwareSigner.generate("ES256")
    data = _respond(
        document,
        device,
        device_signer=None,
        device_mac_key=device.private_key(),
        reader_public_key=reader.public_key,
    )
    (verified,) = _verify(data, pki, clock, reader_key=reader.private_key())
    assert "payment_amount" in verified.namespaces[NAMESPACE]
    other_reader = SoftwareSigner.generate("ES256")
    with pytest.raises(InvalidSignature):
        _verify(data, pki, clock, reader_key=other_reader.private_key())
    with pytest.raises(Unsupported):
        _verify(data, pki, clock)


# --- negative tests: each failure raises its exact class ---------------------------------


def test_digest_mismatch(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    def tamper(issuer_signed: IssuerSigned) -> IssuerSigned:
        items = list(issuer_signed.namespaces[NAMESPACE])
        item = parse_issuer_signed_item(items[0])
        forged = dataclasses.replace(item, element_value=999)
        items[0] = embed(forged.to_cbor_value())
        return IssuerSigned({NAMESPACE: tuple(items)}, issuer_signed.issuer_auth)

    with pytest.raises(DigestMismatch) as caught:
        _verify(_with_issuer_signed(_respond(document, device), tamper), pki, clock)
    assert caught.value.claim_path is not None
    assert caught.value.claim_path[0] == NAMESPACE


def test_element_not_in_mso(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    def add(issuer_signed: IssuerSigned) -> IssuerSigned:
        extra = embed(
            {
                "digestID": 4242,
                "random": b"r" * 32,
                "elementIdentifier": "my_number",
                "elementValue": "123456789012",
            }
        )
        items = (*issuer_signed.namespaces[NAMESPACE], extra)
        return IssuerSigned({NAMESPACE: items}, issuer_signed.issuer_auth)

    with pytest.raises(DigestMismatch, match="not in the MSO"):
        _verify(_with_issuer_signed(_respond(document, device), add), pki, clock)


def test_namespace_not_in_mso(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    def rename(issuer_signed: IssuerSigned) -> IssuerSigned:
        return IssuerSigned(
            {"jp.honnin.other.1": issuer_signed.namespaces[NAMESPACE]}, issuer_signed.issuer_auth
        )

    with pytest.raises(DigestMismatch):
        _verify(_with_issuer_signed(_respond(document, device), rename), pki, clock)


def test_expired_and_not_yet_valid(document: Document, device: SoftwareSigner, pki: Any) -> None:
    data = _respond(document, device)
    with pytest.raises(Expired):
        _verify(data, pki, FixedClock(datetime(2027, 7, 1, tzinfo=UTC)))
    with pytest.raises(NotYetValid):
        _verify(data, pki, FixedClock(datetime(2026, 6, 29, tzinfo=UTC)))


def test_doctype_mismatch(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    parsed = decode_device_response(_respond(document, device))
    relabelled = dataclasses.replace(parsed.documents[0], doc_type="org.iso.18013.5.1.mDL")
    data = dataclasses.replace(parsed, documents=(relabelled,)).to_cbor()
    with pytest.raises(ValidationError, match="does not match the signed MSO"):
        _verify(data, pki, clock)
    with pytest.raises(ValidationError, match="was not requested"):
        _verify(_respond(document, device), pki, clock, expected_doc_type="org.iso.18013.5.1.mDL")


def test_device_auth_with_another_key(document: Document, pki: Any, clock: FixedClock) -> None:
    intruder = SoftwareSigner.generate("ES256")
    with pytest.raises(InvalidSignature, match="deviceSignature"):
        _verify(_respond(document, intruder), pki, clock)


def test_transcript_of_another_session(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    data = _respond(document, device)
    other = openid4vp_session_transcript(
        "x509_san_dns:verifier.example.jp", "nonce-2", "https://verifier.example.jp/response"
    )
    with pytest.raises(InvalidSignature):
        _verify(data, pki, clock, session_transcript=other)


def test_issuer_signature_and_chain_failures(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock, make_pki_fixture: Any
) -> None:
    data = _respond(document, device)
    with pytest.raises(UntrustedKey):
        _verify(data, pki, clock, trust_anchors=[make_pki_fixture("other").iaca])

    def bad_signature(issuer_signed: IssuerSigned) -> IssuerSigned:
        auth = issuer_signed.issuer_auth
        flipped = bytes([auth.tag[0] ^ 1]) + auth.tag[1:]
        return IssuerSigned(issuer_signed.namespaces, dataclasses.replace(auth, tag=flipped))

    with pytest.raises(InvalidSignature, match="issuerAuth"):
        _verify(_with_issuer_signed(data, bad_signature), pki, clock)


def _resigned(issuer_signed: IssuerSigned, pki: Any, **changes: Any) -> IssuerSigned:
    auth = issuer_signed.issuer_auth
    fresh = sign1(pki.ds_signer, auth.payload or b"", unprotected=auth.unprotected)
    return IssuerSigned(issuer_signed.namespaces, dataclasses.replace(fresh, **changes))


def test_unknown_critical_header_is_refused(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    protected = {1: -7, HEADER_CRIT: [99], 99: "must understand"}
    protected_bytes = encode_cbor(protected)

    def critical(issuer_signed: IssuerSigned) -> IssuerSigned:
        auth = issuer_signed.issuer_auth
        from specs.mdoc.cose import _sig_structure

        signature = pki.ds_signer.sign(_sig_structure(protected_bytes, auth.payload or b"", b""))
        message = CoseMessage(protected_bytes, protected, auth.unprotected, auth.payload, signature)
        return IssuerSigned(issuer_signed.namespaces, message)

    with pytest.raises(Unsupported, match="critical"):
        _verify(_with_issuer_signed(_respond(document, device), critical), pki, clock)


def test_alg_outside_protected_header_or_not_allowed(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    data = _respond(document, device)
    with pytest.raises(Unsupported):
        _verify(data, pki, clock, issuer_algs={"ES384"})

    def moved(issuer_signed: IssuerSigned) -> IssuerSigned:
        auth = issuer_signed.issuer_auth
        return IssuerSigned(
            issuer_signed.namespaces,
            dataclasses.replace(
                auth, protected_bytes=b"", protected={}, unprotected={**auth.unprotected, 1: -7}
            ),
        )

    with pytest.raises(MalformedInput, match="protected"):
        _verify(_with_issuer_signed(data, moved), pki, clock)


def test_x5chain_missing(
    document: Document, device: SoftwareSigner, pki: Any, clock: FixedClock
) -> None:
    def strip(issuer_signed: IssuerSigned) -> IssuerSigned:
        return _resigned(issuer_signed, pki, unprotected={})

    with pytest.raises(MalformedInput, match="x5chain"):
        _verify(_with_issuer_signed(_respond(document, device), strip), pki, clock)


def test_status_and_empty_response(pki: Any, clock: FixedClock) -> None:
    with pytest.raises(ValidationError):
        _verify(DeviceResponse((), status=10).to_cbor(), pki, clock)
    with pytest.raises(ValidationError):
        _verify(DeviceResponse(()).to_cbor(), pki, clock)


def test_issuance_refuses_bad_input(issue_doc: Any, pki: Any) -> None:
    with pytest.raises(MalformedInput):
        issue_doc(doc_type="")
    with pytest.raises(MalformedInput):
        issue_doc(namespaces={NAMESPACE: {}})
    with pytest.raises(Unsupported):
        issue_doc(signer=SoftwareSigner.generate("PS256"))
    with pytest.raises(MalformedInput):
        issue_doc(namespaces={NAMESPACE: {"when": datetime(2026, 1, 1)}})  # naive datetime


def test_validity_window_from_issuance(issue_doc: Any, device: SoftwareSigner, pki: Any) -> None:
    document = issue_doc(valid_for=timedelta(days=1))
    data = _respond(document, device)
    _verify(data, pki, FixedClock(datetime(2026, 6, 30, 12, tzinfo=UTC)))
    with pytest.raises(Expired):
        _verify(data, pki, FixedClock(datetime(2026, 7, 1, 0, 0, 1, tzinfo=UTC)))


# --- properties -------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_honnin_errors(data: bytes) -> None:
    with contextlib.suppress(HonninError):
        verify_device_response(
            data,
            trust_anchors=[],
            session_transcript=TRANSCRIPT,
            clock=FixedClock(datetime(2026, 7, 1, tzinfo=UTC)),
        )


@pytest.fixture(scope="module")
def response_bytes(pki: Any, device: SoftwareSigner) -> bytes:
    from specs.mdoc import issue
    from specs.ports import SeededRandom

    document = issue(
        doc_type=DOC_TYPE,
        namespaces={NAMESPACE: {"year": 2026, "name": "佐藤"}},
        device_key=device.public_jwk,
        signer=pki.ds_signer,
        certificate_chain=[pki.ds_cert],
        clock=FixedClock(datetime(2026, 6, 30, tzinfo=UTC)),
        rng=SeededRandom(b"x"),
    )
    request = parse_items_request({"docType": DOC_TYPE, "nameSpaces": {NAMESPACE: ["year"]}})
    return present(document, request, session_transcript=TRANSCRIPT, device_signer=device).to_cbor()


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
@settings(max_examples=80, deadline=None)
@given(st.data())
def test_mutated_responses_never_verify_silently(
    response_bytes: bytes, pki: Any, data: Any
) -> None:
    position = data.draw(st.integers(0, len(response_bytes) - 1))
    value = data.draw(st.integers(0, 255))
    mutated = response_bytes[:position] + bytes([value]) + response_bytes[position + 1 :]
    clock = FixedClock(datetime(2026, 7, 1, tzinfo=UTC))
    try:
        (verified,) = _verify(mutated, pki, clock)
    except HonninError:
        return
    # A change that still verifies may drop unsigned structure (e.g. rename "nameSpaces" so
    # nothing is disclosed) but can never add or alter an element.
    for namespace, elements in verified.namespaces.items():
        assert namespace == NAMESPACE
        assert elements == {"year": 2026}


def test_trust_anchors_remember_chains_only_inside_their_validity(
    document: Document, device: SoftwareSigner, pki: Any, make_pki_fixture: Any
) -> None:
    from specs.mdoc import TrustAnchors

    anchors = TrustAnchors([pki.iaca])
    data = _respond(document, device)
    _verify(data, pki, FixedClock(datetime(2026, 7, 1, tzinfo=UTC)), trust_anchors=anchors)
    # Second time from the memo; still the same verified result.
    (again,) = _verify(
        data, pki, FixedClock(datetime(2026, 7, 2, tzinfo=UTC)), trust_anchors=anchors
    )
    assert again.issuer_certificate == pki.ds_cert
    # Outside the DS certificate's validity the memo does not apply: full validation fails.
    with pytest.raises(Expired):
        _verify(data, pki, FixedClock(datetime(2028, 1, 2, tzinfo=UTC)), trust_anchors=anchors)
    # Other anchors never see the remembered chain.
    with pytest.raises(UntrustedKey):
        _verify(data, pki, FixedClock(datetime(2026, 7, 1, tzinfo=UTC)),
                trust_anchors=TrustAnchors([make_pki_fixture("other").iaca]))  # fmt: skip

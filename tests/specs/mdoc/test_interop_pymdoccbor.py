"""Interop with pymdoccbor: theirs issues and ours verifies; ours issues and theirs verifies."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
from pymdoccbor.mdoc.issuer import MdocCborIssuer
from pymdoccbor.mdoc.verifier import MdocCbor

from specs.errors import DigestMismatch
from specs.keys import SoftwareSigner
from specs.keys.jwk import public_jwk
from specs.mdoc import (
    decode_device_response,
    issue,
    openid4vp_session_transcript,
    parse_items_request,
    present,
    verify_device_response,
)
from specs.mdoc.cbor import embed
from specs.mdoc.model import IssuerSigned, parse_document_value
from specs.ports import FixedClock, SeededRandom

DOC_TYPE = "jp.honnin.withholding_slip.1"
NAMESPACE = "jp.honnin.withholding_slip.1"
TRANSCRIPT = openid4vp_session_transcript("client", "nonce", "https://verifier.example.jp/cb")


def _now() -> datetime:
    # pymdoccbor stamps validity from the wall clock, so both sides use the real time here.
    return datetime.now(UTC)


def _their_document(pki: Any, device: SoftwareSigner) -> Any:
    private = pki.ds_signer.private_key()
    d = private.private_numbers().private_value.to_bytes(32, "big")
    issuer = MdocCborIssuer(
        private_key={"KTY": "EC2", "CURVE": "P_256", "ALG": "ES256", "D": d, "KID": b"ds"},
        alg="ES256",
    )
    numbers = device.public_key.public_numbers()
    today = _now().date()
    issued = issuer.new(
        data={NAMESPACE: {"year": 2026, "payment_amount": 3600000, "birth_date": "1990-04-01"}},
        doctype=DOC_TYPE,
        devicekeyinfo={
            "KTY": "EC2",
            "CURVE": "P_256",
            "X": numbers.x.to_bytes(32, "big"),
            "Y": numbers.y.to_bytes(32, "big"),
        },
        validity={
            "issuance_date": today.isoformat(),
            "expiry_date": (today + timedelta(days=30)).isoformat(),
        },
        x509_chain=[pki.ds_cert],
    )
    # Their Python objects go through CBOR, then through our strict decoder.
    document = cbor2.loads(cbor2.dumps(issued, canonical=True))["documents"][0]
    from specs.mdoc.cbor import decode_cbor

    return parse_document_value(decode_cbor(cbor2.dumps(document, canonical=True)))


def test_theirs_issues_ours_presents_and_verifies(pki: Any, device: SoftwareSigner) -> None:
    document = _their_document(pki, device)
    request = parse_items_request(
        {"docType": DOC_TYPE, "nameSpaces": {NAMESPACE: ["payment_amount", "birth_date"]}}
    )
    response = present(document, request, session_transcript=TRANSCRIPT, device_signer=device)
    (verified,) = verify_device_response(
        response.to_cbor(),
        trust_anchors=[pki.iaca],
        session_transcript=TRANSCRIPT,
        clock=FixedClock(_now()),
    )
    birth = verified.namespaces[NAMESPACE]["birth_date"]
    assert verified.namespaces[NAMESPACE]["payment_amount"] == 3600000
    # pymdoccbor tags birth_date as full-date (1004) by element name.
    assert birth.isoformat() == "1990-04-01"
    assert verified.device_key == public_jwk(device.public_key)


def _our_response(pki: Any, device: SoftwareSigner) -> bytes:
    document = issue(
        doc_type=DOC_TYPE,
        namespaces={NAMESPACE: {"year": 2026, "payer_name": "株式会社A", "amount": 3600000}},
        device_key=device.public_jwk,
        signer=pki.ds_signer,
        certificate_chain=[pki.ds_cert],
        clock=FixedClock(_now() - timedelta(hours=1)),
        rng=SeededRandom(b"interop"),
    )
    request = parse_items_request(
        {"docType": DOC_TYPE, "nameSpaces": {NAMESPACE: ["year", "payer_name"]}}
    )
    return present(document, request, session_transcript=TRANSCRIPT, device_signer=device).to_cbor()


def test_ours_issues_theirs_verifies_issuer_signature_and_digests(
    pki: Any, device: SoftwareSigner
) -> None:
    parser = MdocCbor()
    parser.loads(_our_response(pki, device))
    assert parser.verify(trusted_root_certs=[pki.iaca]) is True
    assert parser.disclosure_map[NAMESPACE] == {"year": 2026, "payer_name": "株式会社A"}
    assert parser.documents[0].hash_verification["verified"] == 2


def test_theirs_rejects_our_tampered_document(
    pki: Any, device: SoftwareSigner, caplog: pytest.LogCaptureFixture
) -> None:
    response = decode_device_response(_our_response(pki, device))
    document = response.documents[0]
    forged_item = embed(
        {"digestID": 0, "random": b"r" * 32, "elementIdentifier": "year", "elementValue": 1999}
    )
    forged = type(document)(
        document.doc_type,
        IssuerSigned({NAMESPACE: (forged_item,)}, document.issuer_signed.issuer_auth),
        document.device_signed,
    )
    data = type(response)((forged,)).to_cbor()
    parser = MdocCbor()
    parser.loads(data)
    with caplog.at_level(logging.CRITICAL, logger="pymdoccbor"):
        assert parser.verify(trusted_root_certs=[pki.iaca]) is False
    with pytest.raises(DigestMismatch):
        verify_device_response(
            data, trust_anchors=[pki.iaca], session_transcript=TRANSCRIPT, clock=FixedClock(_now())
        )

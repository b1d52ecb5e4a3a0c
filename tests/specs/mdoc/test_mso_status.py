"""The MSO ``status`` (Token Status List, mdoc section) and ``keyAuthorizations`` at issuance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from specs.errors import MalformedInput, PolicyViolation
from specs.keys import SoftwareSigner
from specs.mdoc import ItemsRequest, present, verify_device_response, verify_issuer_signed
from specs.ports import FixedClock
from specs.status_list import StatusReference, parse_cbor_status

from .conftest import DOC_TYPE, NAMESPACE, Pki

NOW = datetime(2026, 7, 1, tzinfo=UTC)
REFERENCE = StatusReference(idx=7, uri="https://issuer.example/status-lists/1")
TRANSCRIPT = b"\x83\xf6\xf6\x82aXa1"


def test_status_reference_is_signed_in_the_mso(issue_doc: Any, pki: Pki) -> None:
    document = issue_doc(status=REFERENCE.to_claim())
    verified = verify_issuer_signed(document, trust_anchors=[pki.iaca], now=NOW)
    assert parse_cbor_status(verified.mso.extra["status"]) == REFERENCE


def test_without_status_the_mso_has_none(issue_doc: Any, pki: Pki) -> None:
    verified = verify_issuer_signed(issue_doc(), trust_anchors=[pki.iaca], now=NOW)
    assert "status" not in verified.mso.extra
    with pytest.raises(MalformedInput):
        parse_cbor_status(verified.mso.extra.get("status"))


def _answer(document: Any, device: SoftwareSigner, signed: dict[str, Any]) -> bytes:
    response = present(
        document,
        ItemsRequest(DOC_TYPE, {NAMESPACE: ("payment_amount",)}),
        session_transcript=TRANSCRIPT,
        device_signer=device,
        device_namespaces=signed,
    )
    return response.to_cbor()


def test_authorized_device_element_verifies(
    issue_doc: Any, pki: Pki, device: SoftwareSigner
) -> None:
    document = issue_doc(key_authorizations={"dataElements": {"jp.honnin.wallet.1": ["pseudonym"]}})
    data = _answer(document, device, {"jp.honnin.wallet.1": {"pseudonym": "pw"}})
    (verified,) = verify_device_response(
        data, trust_anchors=[pki.iaca], session_transcript=TRANSCRIPT, clock=FixedClock(NOW)
    )
    assert verified.device_namespaces == {"jp.honnin.wallet.1": {"pseudonym": "pw"}}


def test_unauthorized_device_element_is_refused(
    issue_doc: Any, pki: Pki, device: SoftwareSigner
) -> None:
    document = issue_doc(key_authorizations={"dataElements": {"jp.honnin.wallet.1": ["pseudonym"]}})
    data = _answer(document, device, {"jp.honnin.wallet.1": {"other": "x"}})
    with pytest.raises(PolicyViolation):
        verify_device_response(
            data, trust_anchors=[pki.iaca], session_transcript=TRANSCRIPT, clock=FixedClock(NOW)
        )

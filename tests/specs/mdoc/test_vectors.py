"""Public vectors: the ISO 18013-5 Annex D DeviceResponse and the OpenID4VP handover example."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from specs.encoding import b64url_encode
from specs.errors import DigestMismatch, Expired, InvalidSignature, NotYetValid, UntrustedKey
from specs.keys.x509 import load_der_certificate
from specs.mdoc import (
    decode_device_response,
    encode_cbor,
    encryption_key_thumbprint,
    openid4vp_handover,
    openid4vp_session_transcript,
    parse_session_transcript,
    verify_device_response,
)
from specs.mdoc.cbor import EncodedCBOR
from specs.mdoc.model import IssuerSigned
from specs.ports import FixedClock

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "mdoc"
INSIDE_VALIDITY = FixedClock(datetime(2021, 1, 1, tzinfo=UTC))


def _hex(name: str) -> bytes:
    return bytes.fromhex((VECTORS / f"iso_18013_5_annex_d_{name}.hex").read_text().strip())


def _key(name: str) -> ec.EllipticCurvePrivateKey:
    keys = json.loads((VECTORS / "iso_18013_5_annex_d_keys.json").read_text())
    return ec.derive_private_key(int(keys[f"ISO_18013_5_ANNEX_D_{name}_KEY_D"], 16), ec.SECP256R1())


@pytest.fixture(scope="module")
def annex_d() -> dict[str, Any]:
    return {
        "data": _hex("device_response"),
        "trust_anchors": [load_der_certificate(_hex("ds_cert"))],
        "session_transcript": parse_session_transcript(_hex("session_transcript_bytes")),
        "reader_key": _key("EPHEMERAL_READER"),
    }


def _verify(annex: dict[str, Any], **changes: Any) -> Any:
    arguments = {**annex, "clock": INSIDE_VALIDITY, **changes}
    data = arguments.pop("data")
    return verify_device_response(data, **arguments)


def test_annex_d_device_response_verifies(annex_d: dict[str, Any]) -> None:
    (document,) = _verify(annex_d, expected_doc_type="org.iso.18013.5.1.mDL")
    elements = document.namespaces["org.iso.18013.5.1"]
    assert elements["family_name"] == "Doe"
    assert elements["document_number"] == "123456789"
    assert elements["issue_date"] == date(2019, 10, 20)
    assert elements["portrait"] == _hex("device_response_portrait_data")
    assert elements["driving_privileges"][0]["vehicle_category_code"] == "A"
    assert document.validity.valid_until == datetime(2021, 10, 1, 13, 30, 2, tzinfo=UTC)
    keys = json.loads((VECTORS / "iso_18013_5_annex_d_keys.json").read_text())
    static_x = bytes.fromhex(keys["ISO_18013_5_ANNEX_D_STATIC_DEVICE_KEY_X"])
    assert document.device_key["x"] == b64url_encode(static_x)


def test_annex_d_reencodes_byte_for_byte(annex_d: dict[str, Any]) -> None:
    # The model keeps every signed byte (tag-24 items, COSE parts) exactly as received; only
    # the unsigned outer maps are re-encoded (in deterministic key order).
    original = decode_device_response(annex_d["data"])
    again = decode_device_response(original.to_cbor())
    assert again == original
    (verified,) = _verify(annex_d, data=original.to_cbor())
    assert verified.namespaces["org.iso.18013.5.1"]["family_name"] == "Doe"


def test_annex_d_device_mac_needs_the_right_reader_key_and_session(annex_d: dict[str, Any]) -> None:
    with pytest.raises(InvalidSignature, match="deviceMac"):
        _verify(annex_d, reader_key=_key("EPHEMERAL_DEVICE"))
    other = openid4vp_session_transcript("client", "nonce", "https://example.com/response")
    with pytest.raises(InvalidSignature, match="deviceMac"):
        _verify(annex_d, session_transcript=other)


def test_annex_d_time_and_trust(annex_d: dict[str, Any]) -> None:
    with pytest.raises(Expired):
        _verify(annex_d, clock=FixedClock(datetime(2026, 7, 1, tzinfo=UTC)))
    with pytest.raises(NotYetValid):
        _verify(annex_d, clock=FixedClock(datetime(2020, 9, 1, tzinfo=UTC)))
    from specs.keys import SoftwareSigner
    from specs.keys.certificates import issue_certificate

    signer = SoftwareSigner.generate()
    stranger = issue_certificate(
        subject_public_key=signer.public_key,
        issuer_key=signer.private_key(),
        issuer=None,
        common_name="stranger",
        not_before=datetime(2020, 1, 1, tzinfo=UTC),
        days=3650,
        serial_number=7,
        ca=True,
    )
    with pytest.raises(UntrustedKey):
        _verify(annex_d, trust_anchors=[stranger])


def test_annex_d_tampered_element(annex_d: dict[str, Any]) -> None:
    response = decode_device_response(annex_d["data"])
    document = response.documents[0]
    items = list(document.issuer_signed.namespaces["org.iso.18013.5.1"])
    items[0] = EncodedCBOR(items[0].data.replace(b"Doe", b"Roe"))
    forged = dataclasses.replace(
        document,
        issuer_signed=IssuerSigned(
            {"org.iso.18013.5.1": tuple(items)}, document.issuer_signed.issuer_auth
        ),
    )
    data = dataclasses.replace(response, documents=(forged,)).to_cbor()
    with pytest.raises(DigestMismatch):
        _verify(annex_d, data=data)


def test_openid4vp_handover_example() -> None:
    vector = json.loads((VECTORS / "openid4vp_session_transcript.json").read_text())
    jwk_thumbprint = encryption_key_thumbprint(vector["encryption_jwk"])
    info = encode_cbor(
        [vector["client_id"], vector["nonce"], jwk_thumbprint, vector["response_uri"]]
    )
    assert info.hex() == vector["handover_info_hex"]
    handover = openid4vp_handover(
        vector["client_id"], vector["nonce"], vector["response_uri"], jwk_thumbprint
    )
    assert encode_cbor(handover).hex() == vector["handover_hex"]
    transcript = openid4vp_session_transcript(
        vector["client_id"], vector["nonce"], vector["response_uri"], jwk_thumbprint
    )
    assert transcript.hex() == vector["session_transcript_hex"]
    assert parse_session_transcript(transcript) == transcript

"""OpenID4VPHandover and SessionTranscript against the Appendix B.2.6.1 example bytes."""

from __future__ import annotations

import json

import cbor2
import pytest

from specs.errors import MalformedInput
from specs.openid4vp import (
    encryption_thumbprint,
    handover_info,
    openid4vp_handover,
    session_transcript,
)
from tests.conftest import VECTORS

V = json.loads((VECTORS / "openid4vp" / "handover.json").read_text())


def test_spec_example_bytes() -> None:
    thumb = encryption_thumbprint(V["encryption_jwk"])
    args = (V["client_id"], V["nonce"], thumb, V["response_uri"])
    assert handover_info(*args).hex() == V["handover_info_hex"]
    assert cbor2.dumps(openid4vp_handover(*args)).hex() == V["handover_hex"]
    assert session_transcript(*args).hex() == V["session_transcript_hex"]


def test_unencrypted_uses_null() -> None:
    info = cbor2.loads(handover_info("x509_hash:abc", "n", None, "https://a.example/r"))
    assert info == ["x509_hash:abc", "n", None, "https://a.example/r"]
    transcript = cbor2.loads(session_transcript("c", "n", None, "https://a.example/r"))
    assert transcript[:2] == [None, None]
    assert transcript[2][0] == "OpenID4VPHandover"


def test_bad_inputs() -> None:
    with pytest.raises(MalformedInput):
        handover_info("c", "n", b"short", "https://a.example/r")
    with pytest.raises(MalformedInput):
        handover_info("c", 5, None, "https://a.example/r")  # type: ignore[arg-type]

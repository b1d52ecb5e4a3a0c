"""SessionTranscript (ISO 18013-5 section 9.1.5.1) and the OpenID4VP handover for mdoc.

The OpenID4VP handover (OpenID4VP 1.0 Annex B.2.6.1) is defined once, in
``specs.openid4vp.handover``; the functions here present it in mdoc terms.
"""

from __future__ import annotations

from typing import Any

from specs.errors import MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.cbor import EncodedCBOR, decode_cbor, encode_cbor
from specs.openid4vp import handover


def openid4vp_handover(
    client_id: str, nonce: str, response_uri: str, jwk_thumbprint: bytes | None = None
) -> list[Any]:
    """Build ``OpenID4VPHandover`` for redirect invocation (OpenID4VP 1.0 Annex B.2.6.1)."""
    return handover.openid4vp_handover(client_id, nonce, jwk_thumbprint, response_uri)


def encryption_key_thumbprint(jwk: dict[str, Any]) -> bytes:
    """Return the raw SHA-256 JWK thumbprint (RFC 7638) of the verifier's encryption key."""
    return handover.encryption_thumbprint(jwk)


def openid4vp_session_transcript(
    client_id: str, nonce: str, response_uri: str, jwk_thumbprint: bytes | None = None
) -> bytes:
    """Return the encoded ``SessionTranscript`` ``[null, null, OpenID4VPHandover]``."""
    return handover.session_transcript(client_id, nonce, jwk_thumbprint, response_uri)


def session_transcript_bytes(session_transcript: bytes) -> bytes:
    """Return ``SessionTranscriptBytes``: the transcript embedded with tag 24 (section 9.1.5.1)."""
    return encode_cbor(EncodedCBOR(session_transcript))


def parse_session_transcript(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Accept SessionTranscript or SessionTranscriptBytes (tag 24); return the transcript's bytes."""
    value = decode_cbor(data, what="SessionTranscript", limits=limits)
    if isinstance(value, EncodedCBOR):
        data = value.data
        value = decode_cbor(data, what="SessionTranscript", limits=limits)
    if not isinstance(value, list) or len(value) != 3:
        raise MalformedInput("SessionTranscript must be an array of three elements")
    return bytes(data)

"""SessionTranscript (ISO 18013-5 section 9.1.5.1) and the OpenID4VP handover (OpenID4VP 1.0 B.2.6.1).

The handover lives here until ``specs/openid4vp`` provides it; both must produce the same bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from specs.encoding import b64url_decode
from specs.errors import MalformedInput
from specs.keys.jwk import thumbprint
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.cbor import EncodedCBOR, decode_cbor, encode_cbor
from specs.mdoc.constants import OPENID4VP_HANDOVER


def openid4vp_handover(
    client_id: str, nonce: str, response_uri: str, jwk_thumbprint: bytes | None = None
) -> list[Any]:
    """Build ``OpenID4VPHandover`` for redirect invocation (OpenID4VP 1.0 Annex B.2.6.1)."""
    if (
        not isinstance(client_id, str)
        or not isinstance(nonce, str)
        or not isinstance(response_uri, str)
    ):
        raise MalformedInput("client_id, nonce and response_uri must be strings")
    if jwk_thumbprint is not None and len(jwk_thumbprint) != 32:
        raise MalformedInput("jwkThumbprint must be the 32-byte SHA-256 JWK thumbprint")
    # B.2.6.1: the third element is the RFC 7638 thumbprint as a byte string when the response
    # is encrypted, null otherwise; the hash covers the CBOR encoding of the whole array.
    info = encode_cbor([client_id, nonce, jwk_thumbprint, response_uri])
    return [OPENID4VP_HANDOVER, hashlib.sha256(info).digest()]


def encryption_key_thumbprint(jwk: dict[str, Any]) -> bytes:
    """Return the raw SHA-256 JWK thumbprint (RFC 7638) of the verifier's encryption key."""
    return b64url_decode(thumbprint(jwk))


def openid4vp_session_transcript(
    client_id: str, nonce: str, response_uri: str, jwk_thumbprint: bytes | None = None
) -> bytes:
    """Return the encoded ``SessionTranscript`` ``[null, null, OpenID4VPHandover]``."""
    handover = openid4vp_handover(client_id, nonce, response_uri, jwk_thumbprint)
    return encode_cbor([None, None, handover])


def session_transcript_bytes(session_transcript: bytes) -> bytes:
    """Return ``SessionTranscriptBytes``: the transcript embedded with tag 24 (section 9.1.5.1)."""
    return encode_cbor(EncodedCBOR(session_transcript))


def parse_session_transcript(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Accept SessionTranscript or SessionTranscriptBytes (tag 24); return the transcript's encoding."""
    value = decode_cbor(data, what="SessionTranscript", limits=limits)
    if isinstance(value, EncodedCBOR):
        data = value.data
        value = decode_cbor(data, what="SessionTranscript", limits=limits)
    if not isinstance(value, list) or len(value) != 3:
        raise MalformedInput("SessionTranscript must be an array of three elements")
    return bytes(data)

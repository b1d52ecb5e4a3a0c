"""The mdoc ``SessionTranscript`` for OpenID4VP invoked via redirects (Appendix B.2.6.1).

``SessionTranscript = [null, null, OpenID4VPHandover]`` where
``OpenID4VPHandover = ["OpenID4VPHandover", sha-256(cbor(OpenID4VPHandoverInfo))]`` and
``OpenID4VPHandoverInfo = [clientId, nonce, jwkThumbprint or null, responseUri]``. The
thumbprint is the RFC 7638 SHA-256 thumbprint (raw bytes) of the verifier's encryption
key when the response is encrypted, ``null`` otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import cbor2

from specs.encoding import b64url_decode
from specs.errors import MalformedInput
from specs.keys.jwk import thumbprint
from specs.openid4vp.constants import OPENID4VP_HANDOVER_IDENTIFIER, RESPONSE_MODE_DIRECT_POST_JWT
from specs.openid4vp.request import AuthorizationRequest


def handover_info(
    client_id: str, nonce: str, jwk_thumbprint: bytes | None, response_uri: str
) -> bytes:
    """Return the CBOR bytes of ``OpenID4VPHandoverInfo``."""
    for name, value in (("client_id", client_id), ("nonce", nonce), ("response_uri", response_uri)):
        if not isinstance(value, str):
            raise MalformedInput(f"OpenID4VPHandoverInfo {name} must be a text string")
    if jwk_thumbprint is not None and len(jwk_thumbprint) != 32:
        raise MalformedInput("the JWK thumbprint must be 32 bytes of SHA-256")
    encoded: bytes = cbor2.dumps([client_id, nonce, jwk_thumbprint, response_uri])
    return encoded


def openid4vp_handover(
    client_id: str, nonce: str, jwk_thumbprint: bytes | None, response_uri: str
) -> list[Any]:
    """Return the ``OpenID4VPHandover`` structure (as a CBOR-ready list)."""
    info = handover_info(client_id, nonce, jwk_thumbprint, response_uri)
    return [OPENID4VP_HANDOVER_IDENTIFIER, hashlib.sha256(info).digest()]


def session_transcript(
    client_id: str, nonce: str, jwk_thumbprint: bytes | None, response_uri: str
) -> bytes:
    """Return the CBOR bytes of ``SessionTranscript`` for OpenID4VP over redirects."""
    handover = openid4vp_handover(client_id, nonce, jwk_thumbprint, response_uri)
    encoded: bytes = cbor2.dumps([None, None, handover])
    return encoded


def encryption_thumbprint(jwk: Mapping[str, Any]) -> bytes:
    """Return the raw RFC 7638 SHA-256 thumbprint of the verifier's encryption JWK."""
    return b64url_decode(thumbprint(dict(jwk)), what="JWK thumbprint")


def session_transcript_for(request: AuthorizationRequest) -> bytes:
    """Return the ``SessionTranscript`` bytes for a validated request (both sides use this)."""
    jwk_thumbprint = None
    if request.response_mode == RESPONSE_MODE_DIRECT_POST_JWT:
        if request.client_metadata is None:
            raise MalformedInput("direct_post.jwt needs client_metadata")
        jwk_thumbprint = encryption_thumbprint(request.client_metadata.encryption_jwk())
    return session_transcript(
        request.client_id, request.nonce, jwk_thumbprint, request.response_uri
    )


__all__ = [
    "encryption_thumbprint",
    "handover_info",
    "openid4vp_handover",
    "session_transcript",
    "session_transcript_for",
]

"""DeviceAuthentication bytes and the EMacKey derivation (ISO 18013-5 sections 9.1.3.4, 9.1.3.5)."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from specs.errors import Unsupported
from specs.mdoc.cbor import EncodedCBOR, cbor_head, encode_cbor
from specs.mdoc.constants import DEVICE_AUTHENTICATION, EMAC_KEY_INFO
from specs.mdoc.session_transcript import session_transcript_bytes

# 0x84: an array of four items (RFC 8949 section 3.1, major type 4), then the context text.
_DEVICE_AUTHENTICATION_HEAD = b"\x84" + encode_cbor(DEVICE_AUTHENTICATION)


def device_authentication_bytes(
    session_transcript: bytes, doc_type: str, device_namespaces: EncodedCBOR
) -> bytes:
    """Return DeviceAuthenticationBytes, the detached payload of DeviceAuth (section 9.1.3.4).

    DeviceAuthentication = ["DeviceAuthentication", SessionTranscript, DocType,
    DeviceNameSpacesBytes], embedded with tag 24. The transcript is spliced in as the exact
    bytes both sides agreed on, so no re-encoding can change it.
    """
    doc_type_bytes = doc_type.encode()
    body = b"".join(
        (
            _DEVICE_AUTHENTICATION_HEAD,
            session_transcript,
            cbor_head(3, len(doc_type_bytes)),  # major type 3: text string
            doc_type_bytes,
            encode_cbor(device_namespaces),
        )
    )
    return b"\xd8\x18" + cbor_head(2, len(body)) + body


def emac_key(
    private_key: ec.EllipticCurvePrivateKey,
    peer_public_key: ec.EllipticCurvePublicKey,
    session_transcript: bytes,
) -> bytes:
    """Derive EMacKey: ECDH, then HKDF-SHA-256 salted with SHA-256(SessionTranscriptBytes).

    The device uses SDeviceKey.Priv with EReaderKey.Pub; the reader uses EReaderKey.Priv with
    SDeviceKey.Pub (section 9.1.3.5); both arrive at the same key.
    """
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        peer_public_key, ec.EllipticCurvePublicKey
    ):
        raise Unsupported("deviceMac needs EC keys on both sides")
    if private_key.curve.name != peer_public_key.curve.name:
        raise Unsupported("deviceMac keys are on different curves")
    shared = private_key.exchange(ec.ECDH(), peer_public_key)
    salt = hashlib.sha256(session_transcript_bytes(session_transcript)).digest()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=EMAC_KEY_INFO).derive(shared)

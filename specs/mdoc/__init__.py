"""ISO/IEC 18013-5 / 23220-2 mdoc: MSO, IssuerSigned, DeviceResponse, SessionTranscript.

Generic machinery keyed by (docType, namespace, element); credential types map onto it
from ``specs.credentials``.
"""

from specs.mdoc.cbor import EncodedCBOR, decode_cbor, embed, encode_cbor
from specs.mdoc.issuance import issue, item_digest
from specs.mdoc.model import (
    DeviceResponse,
    DeviceSigned,
    Document,
    IssuerSigned,
    IssuerSignedItem,
    MobileSecurityObject,
    ValidityInfo,
    decode_device_response,
    decode_document,
)
from specs.mdoc.presentation import ItemsRequest, parse_items_request, present, select
from specs.mdoc.session_transcript import (
    encryption_key_thumbprint,
    openid4vp_handover,
    openid4vp_session_transcript,
    parse_session_transcript,
    session_transcript_bytes,
)
from specs.mdoc.verification import (
    TrustAnchors,
    VerifiedDocument,
    VerifiedIssuerSigned,
    verify_device_response,
    verify_document,
    verify_issuer_signed,
)

__all__ = [
    "DeviceResponse",
    "DeviceSigned",
    "Document",
    "EncodedCBOR",
    "IssuerSigned",
    "IssuerSignedItem",
    "ItemsRequest",
    "MobileSecurityObject",
    "TrustAnchors",
    "ValidityInfo",
    "VerifiedDocument",
    "VerifiedIssuerSigned",
    "decode_cbor",
    "decode_device_response",
    "decode_document",
    "embed",
    "encode_cbor",
    "encryption_key_thumbprint",
    "issue",
    "item_digest",
    "openid4vp_handover",
    "openid4vp_session_transcript",
    "parse_items_request",
    "parse_session_transcript",
    "present",
    "select",
    "session_transcript_bytes",
    "verify_device_response",
    "verify_document",
    "verify_issuer_signed",
]

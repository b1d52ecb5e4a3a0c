"""Presenting an mdoc: only the requested elements, DeviceAuth over the session (ISO 18013-5 9.1.3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from specs.errors import MalformedInput, Unsupported, ValidationError
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.cbor import EncodedCBOR, embed
from specs.mdoc.constants import DEVICE_AUTH_ALGS, ERROR_DATA_NOT_RETURNED
from specs.mdoc.cose import mac0, sign1
from specs.mdoc.device_authentication import device_authentication_bytes, emac_key
from specs.mdoc.model import (
    DeviceResponse,
    DeviceSigned,
    Document,
    IssuerSigned,
    parse_issuer_signed_item,
)
from specs.ports import Signer


@dataclass(frozen=True, slots=True)
class ItemsRequest:
    """What a reader asks for: one docType and element identifiers per namespace."""

    doc_type: str
    namespaces: dict[str, tuple[str, ...]]


def parse_items_request(value: object) -> ItemsRequest:
    """Read ``{"docType": ..., "nameSpaces": {ns: [element, ...] | {element: intentToRetain}}}``."""
    if not isinstance(value, dict):
        raise MalformedInput("request must be an object")
    doc_type = value.get("docType")
    raw = value.get("nameSpaces")
    if not isinstance(doc_type, str) or not doc_type:
        raise MalformedInput("request docType must be a non-empty string")
    if not isinstance(raw, dict):
        raise MalformedInput("request nameSpaces must be an object")
    namespaces: dict[str, tuple[str, ...]] = {}
    for namespace, elements in raw.items():
        # ISO 18013-5 8.3.2.1.2.1 DataElements maps identifier -> IntentToRetain; a list is
        # the plain form used by our CLI and by DCQL claim paths.
        names = list(elements) if isinstance(elements, (list, dict)) else None
        if not isinstance(namespace, str) or names is None:
            raise MalformedInput("request nameSpaces must map namespaces to element lists")
        if not all(isinstance(name, str) for name in names):
            raise MalformedInput(
                "requested element identifiers must be strings", claim_path=[namespace]
            )
        namespaces[namespace] = tuple(names)
    return ItemsRequest(doc_type, namespaces)


def select(
    document: Document, request: ItemsRequest, *, limits: Limits = DEFAULT_LIMITS
) -> Document:
    """Return a copy of ``document`` with only the requested issuer-signed items and errors."""
    if request.doc_type != document.doc_type:
        raise ValidationError(
            f"request is for docType {request.doc_type!r}, the document is {document.doc_type!r}"
        )
    kept: dict[str, tuple[EncodedCBOR, ...]] = {}
    errors: dict[str, dict[str, int]] = {}
    for namespace, wanted in request.namespaces.items():
        available = {
            parse_issuer_signed_item(item, limits=limits).element_identifier: item
            for item in document.issuer_signed.namespaces.get(namespace, ())
        }
        chosen = tuple(available[name] for name in dict.fromkeys(wanted) if name in available)
        missing = [name for name in wanted if name not in available]
        if chosen:
            kept[namespace] = chosen
        if missing:
            # Section 8.3.2.1.2.3: report what is not returned rather than failing the response.
            errors[namespace] = dict.fromkeys(missing, ERROR_DATA_NOT_RETURNED)
    return Document(
        document.doc_type,
        IssuerSigned(kept, document.issuer_signed.issuer_auth),
        None,
        errors or None,
    )


def present(
    document: Document,
    request: ItemsRequest,
    *,
    session_transcript: bytes,
    device_signer: Signer | None = None,
    device_mac_key: ec.EllipticCurvePrivateKey | None = None,
    reader_public_key: ec.EllipticCurvePublicKey | None = None,
    device_namespaces: Mapping[str, Mapping[str, Any]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> DeviceResponse:
    """Build a DeviceResponse revealing only the requested elements, authenticated by the device.

    DeviceAuth is a detached COSE_Sign1 by ``device_signer``, or, when ``device_mac_key`` (the
    static device private key) and ``reader_public_key`` (EReaderKey) are given, a COSE_Mac0.
    """
    selected = select(document, request, limits=limits)
    namespaces = embed({ns: dict(items) for ns, items in (device_namespaces or {}).items()})
    payload = device_authentication_bytes(session_transcript, document.doc_type, namespaces)
    if device_mac_key is not None:
        if reader_public_key is None:
            raise MalformedInput("deviceMac needs the reader's ephemeral public key")
        key = emac_key(device_mac_key, reader_public_key, session_transcript)
        device_signed = DeviceSigned(namespaces, mac0(key, payload), is_mac=True)
    elif device_signer is not None:
        if device_signer.alg not in DEVICE_AUTH_ALGS:
            raise Unsupported(f"DeviceAuth algorithm {device_signer.alg} is not allowed")
        device_signed = DeviceSigned(
            namespaces, sign1(device_signer, payload, detached=True), is_mac=False
        )
    else:
        raise MalformedInput("a device signer or a device MAC key is required")
    return DeviceResponse(
        (Document(selected.doc_type, selected.issuer_signed, device_signed, selected.errors),)
    )

"""Verifying mdocs (ISO 18013-5 section 9.3.1): IssuerAuth, digests, validity, docType, DeviceAuth."""

from __future__ import annotations

import hmac
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from specs.errors import (
    DigestMismatch,
    Expired,
    MalformedInput,
    NotYetValid,
    PolicyViolation,
    Unsupported,
    ValidationError,
)
from specs.keys.jwk import PublicKey
from specs.keys.x509 import validate_chain
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.cbor import EncodedCBOR, cbor_head, unembed, unembed_items, unwrap_encoded_cbor
from specs.mdoc.constants import DEVICE_AUTH_ALGS, ISSUER_AUTH_ALGS, STATUS_OK
from specs.mdoc.cose import (
    certificates,
    device_key_from_cose_key,
    verify_mac0,
    verify_sign1,
    x5chain_der,
)
from specs.mdoc.device_authentication import device_authentication_bytes, emac_key
from specs.mdoc.issuance import ITEM_HASHES
from specs.mdoc.model import (
    Document,
    MobileSecurityObject,
    Namespaces,
    ValidityInfo,
    decode_device_response,
    issuer_signed_item_from_value,
    parse_mso,
)
from specs.ports import Clock


class TrustAnchors:
    """IACA trust anchors, remembering document-signer chains already validated against them.

    A chain's validation depends only on the certificates, the anchors and the time, so a
    positive result holds at any time inside the validity windows of all of them; within
    that window a chain seen before is not validated again. Revocation stays the caller's
    business, as for ``validate_chain``.
    """

    def __init__(self, anchors: Sequence[x509.Certificate], *, max_entries: int = 256) -> None:
        self.anchors = tuple(anchors)
        self._max_entries = max_entries
        self._anchor_start = max((a.not_valid_before_utc for a in self.anchors), default=None)
        self._anchor_end = min((a.not_valid_after_utc for a in self.anchors), default=None)
        self._validated: dict[tuple[bytes, ...], tuple[datetime, datetime, x509.Certificate]] = {}

    def validate(self, ders: Sequence[bytes], now: datetime, *, what: str) -> x509.Certificate:
        """Validate a DER chain (leaf first) at ``now``; return the leaf certificate."""
        key = tuple(ders)
        remembered = self._validated.get(key)
        if remembered is not None and remembered[0] <= now <= remembered[1]:
            return remembered[2]
        chain = certificates(list(ders), what=what)
        leaf = validate_chain(chain, self.anchors, now)
        if self._anchor_start is not None and self._anchor_end is not None:
            start = max(self._anchor_start, *(c.not_valid_before_utc for c in chain))
            end = min(self._anchor_end, *(c.not_valid_after_utc for c in chain))
            if len(self._validated) >= self._max_entries:
                self._validated.pop(next(iter(self._validated)))
            self._validated[key] = (start, end, leaf)
        return leaf


@dataclass(frozen=True, slots=True)
class VerifiedIssuerSigned:
    """The result of checking IssuerSigned: the MSO, the signer and the verified elements."""

    mso: MobileSecurityObject
    issuer_certificate: x509.Certificate
    namespaces: Namespaces


@dataclass(frozen=True, slots=True)
class VerifiedDocument:
    """One verified mdoc of a DeviceResponse."""

    doc_type: str
    namespaces: Namespaces
    device_namespaces: Namespaces
    validity: ValidityInfo
    device_key: dict[str, Any]
    issuer_certificate: x509.Certificate
    errors: dict[str, dict[str, int]]


def verify_issuer_signed(
    document: Document,
    *,
    trust_anchors: Sequence[x509.Certificate] | TrustAnchors,
    now: datetime,
    allowed_algs: Collection[str] = ISSUER_AUTH_ALGS,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedIssuerSigned:
    """Check IssuerAuth (x5chain to an anchor, signature), docType, validity and every digest."""
    issuer_auth = document.issuer_signed.issuer_auth
    ders = x5chain_der(issuer_auth, what="issuerAuth", limits=limits)
    anchors = (
        trust_anchors if isinstance(trust_anchors, TrustAnchors) else TrustAnchors(trust_anchors)
    )
    leaf = anchors.validate(ders, now, what="issuerAuth")
    verify_sign1(issuer_auth, leaf.public_key(), allowed_algs=allowed_algs, what="issuerAuth")  # type: ignore[arg-type]
    if issuer_auth.payload is None:
        raise MalformedInput("issuerAuth must carry the MSO as its payload")
    mso = parse_mso(
        unwrap_encoded_cbor(issuer_auth.payload, what="issuerAuth payload", limits=limits),
        limits=limits,
    )
    if mso.doc_type != document.doc_type:
        raise ValidationError(
            f"docType {document.doc_type!r} does not match the signed MSO docType {mso.doc_type!r}"
        )
    validity = mso.validity_info
    # Section 9.3.1: the MSO must be signed while the DS certificate is valid, and be valid now.
    if not leaf.not_valid_before_utc <= validity.signed <= leaf.not_valid_after_utc:
        raise ValidationError("MSO signed time is outside the document signer certificate validity")
    if validity.valid_until < validity.valid_from:
        raise ValidationError("MSO validUntil precedes validFrom")
    if now < validity.valid_from:
        raise NotYetValid(f"mdoc is not valid before {validity.valid_from.isoformat()}")
    if now > validity.valid_until:
        raise Expired(f"mdoc expired at {validity.valid_until.isoformat()}")
    hash_new = ITEM_HASHES.get(mso.digest_algorithm)
    if hash_new is None:
        raise Unsupported(f"digest algorithm {mso.digest_algorithm!r} is not supported")
    compare = hmac.compare_digest
    namespaces: Namespaces = {}
    for namespace, items in document.issuer_signed.namespaces.items():
        signed = mso.value_digests.get(namespace)
        if signed is None:
            raise DigestMismatch(
                f"namespace {namespace!r} is not in the MSO", claim_path=[namespace]
            )
        elements: dict[str, Any] = {}
        seen_ids: set[int] = set()
        decoded = unembed_items(items, what="IssuerSignedItemBytes", limits=limits)
        for embedded, value in zip(items, decoded, strict=True):
            item = issuer_signed_item_from_value(value)
            if item.digest_id in seen_ids or item.element_identifier in elements:
                raise MalformedInput(
                    "element or digestID returned twice",
                    claim_path=[namespace, item.element_identifier],
                )
            seen_ids.add(item.digest_id)
            expected = signed.get(item.digest_id)
            if expected is None:
                raise DigestMismatch(
                    f"digestID {item.digest_id} is not in the MSO",
                    claim_path=[namespace, item.element_identifier],
                )
            # Section 9.1.2.5: the digest covers the tag-24 encoding, #6.24(bstr), of the item.
            data = embedded.data
            digest = hash_new(b"\xd8\x18" + cbor_head(2, len(data)) + data).digest()
            if not compare(digest, expected):
                raise DigestMismatch(
                    "element does not match its digest in the MSO",
                    claim_path=[namespace, item.element_identifier],
                )
            elements[item.element_identifier] = item.element_value
        namespaces[namespace] = elements
    return VerifiedIssuerSigned(mso, leaf, namespaces)


def _device_namespaces(
    embedded: EncodedCBOR, mso: MobileSecurityObject, limits: Limits
) -> Namespaces:
    value = unembed(embedded, what="DeviceNameSpacesBytes", limits=limits)
    if not isinstance(value, dict):
        raise MalformedInput("DeviceNameSpaces must be a map")
    authorized = mso.key_authorizations or {}
    whole = authorized.get("nameSpaces", [])
    single = authorized.get("dataElements", {})
    out: Namespaces = {}
    for namespace, elements in value.items():
        if not isinstance(namespace, str) or not isinstance(elements, dict):
            raise MalformedInput("DeviceNameSpaces must map namespaces to element maps")
        for element in elements:
            # Section 9.1.2.4 keyAuthorizations: the device may only sign what the issuer allowed.
            allowed = (isinstance(whole, list) and namespace in whole) or (
                isinstance(single, dict) and element in (single.get(namespace) or [])
            )
            if not allowed:
                raise PolicyViolation(
                    "device key is not authorized to sign this element",
                    claim_path=[namespace, element],
                )
        out[namespace] = dict(elements)
    return out


def verify_document(
    document: Document,
    *,
    trust_anchors: Sequence[x509.Certificate] | TrustAnchors,
    session_transcript: bytes,
    now: datetime,
    reader_key: ec.EllipticCurvePrivateKey | None = None,
    issuer_algs: Collection[str] = ISSUER_AUTH_ALGS,
    device_algs: Collection[str] = DEVICE_AUTH_ALGS,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedDocument:
    """Verify one Document of a DeviceResponse, including DeviceAuth over ``session_transcript``."""
    issuer = verify_issuer_signed(
        document, trust_anchors=trust_anchors, now=now, allowed_algs=issuer_algs, limits=limits
    )
    device_signed = document.device_signed
    if device_signed is None:
        raise MalformedInput("document lacks deviceSigned")
    payload = device_authentication_bytes(
        session_transcript, document.doc_type, device_signed.namespaces
    )
    device_key: PublicKey
    device_jwk, device_key = device_key_from_cose_key(issuer.mso.device_key)
    if device_signed.is_mac:
        if reader_key is None:
            raise Unsupported("deviceMac needs the reader's ephemeral private key to verify")
        if not isinstance(device_key, ec.EllipticCurvePublicKey):
            raise Unsupported("deviceMac needs an EC device key")
        key = emac_key(reader_key, device_key, session_transcript)
        verify_mac0(device_signed.device_auth, key, what="deviceMac", detached_payload=payload)
    else:
        verify_sign1(
            device_signed.device_auth,
            device_key,
            allowed_algs=device_algs,
            what="deviceSignature",
            detached_payload=payload,
        )
    return VerifiedDocument(
        doc_type=document.doc_type,
        namespaces=issuer.namespaces,
        device_namespaces=_device_namespaces(device_signed.namespaces, issuer.mso, limits),
        validity=issuer.mso.validity_info,
        device_key=device_jwk,
        issuer_certificate=issuer.issuer_certificate,
        errors=document.errors or {},
    )


def verify_device_response(
    data: bytes,
    *,
    trust_anchors: Sequence[x509.Certificate] | TrustAnchors,
    session_transcript: bytes,
    clock: Clock,
    expected_doc_type: str | None = None,
    reader_key: ec.EllipticCurvePrivateKey | None = None,
    issuer_algs: Collection[str] = ISSUER_AUTH_ALGS,
    device_algs: Collection[str] = DEVICE_AUTH_ALGS,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[VerifiedDocument, ...]:
    """Decode and verify a DeviceResponse; raise a ``HonninError`` on the first failure."""
    response = decode_device_response(data, limits=limits)
    if response.status != STATUS_OK:
        raise ValidationError(f"DeviceResponse status is {response.status}, not OK")
    if not response.documents:
        raise ValidationError("DeviceResponse holds no documents")
    now = clock.now()
    verified = []
    for document in response.documents:
        if expected_doc_type is not None and document.doc_type != expected_doc_type:
            raise ValidationError(
                f"docType {document.doc_type!r} was not requested (expected {expected_doc_type!r})"
            )
        verified.append(
            verify_document(
                document,
                trust_anchors=trust_anchors,
                session_transcript=session_transcript,
                now=now,
                reader_key=reader_key,
                issuer_algs=issuer_algs,
                device_algs=device_algs,
                limits=limits,
            )
        )
    return tuple(verified)

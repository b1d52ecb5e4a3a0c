"""Verifying mdocs (ISO 18013-5 section 9.3.1): IssuerAuth, digests, validity, docType, DeviceAuth."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from specs.errors import (
    DigestMismatch,
    Expired,
    HonninError,
    MalformedInput,
    NotYetValid,
    PolicyViolation,
    Unsupported,
    ValidationError,
)
from specs.keys.jwk import PublicKey
from specs.keys.x509 import validate_chain
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.cbor import (
    EncodedCBOR,
    cbor_head,
    decode_keeping_tag24,
    decode_sequence,
    unembed,
    unembed_items,
    unwrap_encoded_cbor,
)
from specs.mdoc.constants import (
    DEVICE_AUTH_ALGS,
    ISSUER_AUTH_ALGS,
    MIN_RANDOM_BYTES,
    STATUS_OK,
    TAG_COSE_SIGN1,
)
from specs.mdoc.cose import (
    CoseMessage,
    certificates,
    device_key_from_cose_key,
    parse_cose,
    verify_mac0,
    verify_sign1,
    x5chain_der,
)
from specs.mdoc.device_authentication import device_authentication_bytes, emac_key
from specs.mdoc.issuance import ITEM_HASHES
from specs.mdoc.model import (
    DeviceSigned,
    Document,
    MobileSecurityObject,
    Namespaces,
    ValidityInfo,
    decode_device_response,
    issuer_signed_item_from_value,
    mso_from_value,
    parse_document_errors,
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


def _check_issuer_auth(
    issuer_auth: CoseMessage,
    trust_anchors: Sequence[x509.Certificate] | TrustAnchors,
    now: datetime,
    allowed_algs: Collection[str],
    limits: Limits,
) -> x509.Certificate:
    """Validate IssuerAuth's x5chain to an anchor and its signature; return the DS certificate."""
    ders = x5chain_der(issuer_auth, what="issuerAuth", limits=limits)
    anchors = (
        trust_anchors if isinstance(trust_anchors, TrustAnchors) else TrustAnchors(trust_anchors)
    )
    leaf = anchors.validate(ders, now, what="issuerAuth")
    verify_sign1(issuer_auth, leaf.public_key(), allowed_algs=allowed_algs, what="issuerAuth")  # type: ignore[arg-type]
    return leaf


def _check_mso(
    mso: MobileSecurityObject, doc_type: str, leaf: x509.Certificate, now: datetime
) -> Any:
    """Check the MSO's docType and validity; return the hashlib constructor of its digests."""
    if mso.doc_type != doc_type:
        raise ValidationError(
            f"docType {doc_type!r} does not match the signed MSO docType {mso.doc_type!r}"
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
    return hash_new


_ABSENT = object()
# The tag-24 and byte-string heads of items shorter than 256 bytes, the usual size.
_TAG24_HEADS = tuple(b"\xd8\x18" + cbor_head(2, size) for size in range(256))


def _check_elements(
    mso: MobileSecurityObject,
    hash_new: Any,
    items_by_namespace: Mapping[str, Sequence[bytes]],
    decode: Callable[[str], Sequence[Any]],
) -> Namespaces:
    """Check every IssuerSignedItem against its MSO digest; return the elements by namespace.

    ``items_by_namespace`` holds the content bytes of each tag-24 item; ``decode(namespace)``
    returns their decoded values, asked for only once the namespace is known to the MSO.
    """
    compare, heads = hmac.compare_digest, _TAG24_HEADS
    namespaces: Namespaces = {}
    for namespace, datas in items_by_namespace.items():
        signed = mso.value_digests.get(namespace)
        if signed is None:
            raise DigestMismatch(
                f"namespace {namespace!r} is not in the MSO", claim_path=[namespace]
            )
        elements: dict[str, Any] = {}
        seen_ids: set[int] = set()
        for data, value in zip(datas, decode(namespace), strict=True):
            # issuer_signed_item_from_value's acceptance test, without building the item;
            # anything else goes to it for the refusal and its wording.
            if type(value) is not dict:
                issuer_signed_item_from_value(value)
            digest_id = value.get("digestID")
            random = value.get("random")
            identifier = value.get("elementIdentifier")
            element_value = value.get("elementValue", _ABSENT)
            if not (
                type(digest_id) is int
                and type(random) is bytes
                and type(identifier) is str
                and element_value is not _ABSENT
                and 0 <= digest_id <= 2**31 - 1
                and len(random) >= MIN_RANDOM_BYTES
            ):
                issuer_signed_item_from_value(value)
                raise AssertionError("unreachable: the item was refused above")  # pragma: no cover
            if digest_id in seen_ids or identifier in elements:
                raise MalformedInput(
                    "element or digestID returned twice", claim_path=[namespace, identifier]
                )
            seen_ids.add(digest_id)
            expected = signed.get(digest_id)
            if expected is None:
                raise DigestMismatch(
                    f"digestID {digest_id} is not in the MSO", claim_path=[namespace, identifier]
                )
            # Section 9.1.2.5: the digest covers the tag-24 encoding, #6.24(bstr), of the item.
            size = len(data)
            head = heads[size] if size < 256 else b"\xd8\x18" + cbor_head(2, size)
            if not compare(hash_new(head + data).digest(), expected):
                raise DigestMismatch(
                    "element does not match its digest in the MSO",
                    claim_path=[namespace, identifier],
                )
            elements[identifier] = element_value
        namespaces[namespace] = elements
    return namespaces


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
    leaf = _check_issuer_auth(issuer_auth, trust_anchors, now, allowed_algs, limits)
    if issuer_auth.payload is None:
        raise MalformedInput("issuerAuth must carry the MSO as its payload")
    mso = parse_mso(
        unwrap_encoded_cbor(issuer_auth.payload, what="issuerAuth payload", limits=limits),
        limits=limits,
    )
    hash_new = _check_mso(mso, document.doc_type, leaf, now)
    issued = document.issuer_signed.namespaces
    namespaces = _check_elements(
        mso,
        hash_new,
        {namespace: [item.data for item in items] for namespace, items in issued.items()},
        lambda namespace: unembed_items(
            issued[namespace], what="IssuerSignedItemBytes", limits=limits
        ),
    )
    return VerifiedIssuerSigned(mso, leaf, namespaces)


def _device_namespaces(
    embedded: EncodedCBOR, mso: MobileSecurityObject, limits: Limits
) -> Namespaces:
    return _device_namespaces_from_value(
        unembed(embedded, what="DeviceNameSpacesBytes", limits=limits), mso
    )


def _device_namespaces_from_value(value: object, mso: MobileSecurityObject) -> Namespaces:
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


def _check_device_auth(
    device_signed: DeviceSigned,
    doc_type: str,
    mso: MobileSecurityObject,
    session_transcript: bytes,
    reader_key: ec.EllipticCurvePrivateKey | None,
    device_algs: Collection[str],
) -> dict[str, Any]:
    """Check DeviceAuth over DeviceAuthenticationBytes; return the device key as a JWK."""
    payload = device_authentication_bytes(session_transcript, doc_type, device_signed.namespaces)
    device_key: PublicKey
    device_jwk, device_key = device_key_from_cose_key(mso.device_key)
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
    return device_jwk


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
    device_jwk = _check_device_auth(
        device_signed, document.doc_type, issuer.mso, session_transcript, reader_key, device_algs
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
    verified = _verify_common_case(
        data,
        trust_anchors=trust_anchors,
        session_transcript=session_transcript,
        clock=clock,
        expected_doc_type=expected_doc_type,
        issuer_algs=issuer_algs,
        device_algs=device_algs,
        limits=limits,
    )
    if verified is not None:
        return verified
    return _verify_device_response_plain(
        data,
        trust_anchors=trust_anchors,
        session_transcript=session_transcript,
        clock=clock,
        expected_doc_type=expected_doc_type,
        reader_key=reader_key,
        issuer_algs=issuer_algs,
        device_algs=device_algs,
        limits=limits,
    )


def _verify_device_response_plain(
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
    """``verify_device_response`` step by step through the data model (the reference path)."""
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


# One Document as the common case reads it: docType, IssuerAuth, the item bytes by
# namespace, DeviceNameSpacesBytes, deviceSignature and the errors map.
_ReadDocument = tuple[str, CoseMessage, dict[str, list[bytes]], EncodedCBOR, CoseMessage, Any]


def _read_document(document: object, limits: Limits) -> _ReadDocument | None:
    """Read a Document of a ``decode_keeping_tag24`` tree as ``parse_document_value`` would.

    ``None`` whenever ``parse_document_value`` might refuse it, or it is off the common case
    (no deviceSigned, a deviceMac).
    """
    if type(document) is not dict:
        return None
    doc_type = document.get("docType")
    issuer_signed = document.get("issuerSigned")
    device_signed = document.get("deviceSigned")
    if (
        type(doc_type) is not str
        or type(issuer_signed) is not dict
        or type(device_signed) is not dict
    ):
        return None
    device_namespaces = device_signed.get("nameSpaces")
    device_auth = device_signed.get("deviceAuth")
    raw_namespaces = issuer_signed.get("nameSpaces", {})
    errors = document.get("errors")
    if (
        type(device_namespaces) is not cbor2.CBORTag
        or type(device_auth) is not dict
        or "deviceMac" in device_auth
        or "deviceSignature" not in device_auth
        or type(raw_namespaces) is not dict
    ):
        return None
    items_by_namespace: dict[str, list[bytes]] = {}
    count = 0
    for namespace, items in raw_namespaces.items():
        # The tree holds no other tag than CBORTag(24, bytes) (decode_keeping_tag24).
        if (
            type(namespace) is not str
            or type(items) is not list
            or not items
            or not _TAG_ONLY.issuperset(map(type, items))
        ):
            return None
        count += len(items)
        items_by_namespace[namespace] = [item.value for item in items]
    if count > limits.max_mdoc_elements:
        return None
    try:
        issuer_auth = parse_cose(
            issuer_signed.get("issuerAuth"), what="issuerAuth", tag=TAG_COSE_SIGN1, limits=limits
        )
        signature = parse_cose(
            device_auth["deviceSignature"],
            what="deviceSignature",
            tag=TAG_COSE_SIGN1,
            limits=limits,
        )
        if errors is not None:
            errors = parse_document_errors(errors)
    except HonninError:
        return None
    return (
        doc_type,
        issuer_auth,
        items_by_namespace,
        EncodedCBOR(device_namespaces.value),
        signature,
        errors or {},
    )


_TAG_ONLY = frozenset({cbor2.CBORTag})


def _mso_bytes(payload: bytes | None, limits: Limits) -> bytes | None:
    """The content of a payload that is exactly ``#6.24(bstr)`` (as ``unwrap_encoded_cbor``)."""
    if payload is None:
        return None
    embedded = unwrap_encoded_cbor(payload, what="issuerAuth payload", limits=limits)
    return embedded.data if type(embedded) is EncodedCBOR else None


def _verify_common_case(
    data: bytes,
    *,
    trust_anchors: Sequence[x509.Certificate] | TrustAnchors,
    session_transcript: bytes,
    clock: Clock,
    expected_doc_type: str | None,
    issuer_algs: Collection[str],
    device_algs: Collection[str],
    limits: Limits,
) -> tuple[VerifiedDocument, ...] | None:
    """The common case, stepping aside (``None``) whenever its own parsing finds malformed input.

    Malformed input is rare and the plain path orders its checks differently (a signature may
    fail before a payload is parsed), so the plain path gives the verdict for it.
    """
    try:
        return _verify_common_case_strict(
            data,
            trust_anchors=trust_anchors,
            session_transcript=session_transcript,
            clock=clock,
            expected_doc_type=expected_doc_type,
            issuer_algs=issuer_algs,
            device_algs=device_algs,
            limits=limits,
        )
    except MalformedInput:
        return None


def _verify_common_case_strict(
    data: bytes,
    *,
    trust_anchors: Sequence[x509.Certificate] | TrustAnchors,
    session_transcript: bytes,
    clock: Clock,
    expected_doc_type: str | None,
    issuer_algs: Collection[str],
    device_algs: Collection[str],
    limits: Limits,
) -> tuple[VerifiedDocument, ...] | None:
    """``verify_device_response`` from two decodes of the whole message, or ``None``.

    The message is read once, its tag-24 items left as their bytes
    (``decode_keeping_tag24``), and every embedded item of every document (MSO, issuer
    items, device namespaces) by one more decoder (``decode_sequence``); digests and
    signatures cover the bytes as received. The checks are the plain path's own functions,
    in its order, so whatever they raise is its verdict. Before any of them runs, anything
    the plain path's parsing might refuse or word itself, or anything off the common case
    (a deviceMac, a COSE tag, a docType not asked for), gives ``None``: the caller then runs
    the plain path, which gives the verdict.
    """
    value = decode_keeping_tag24(data, limits=limits)
    if type(value) is not dict:
        return None
    version = value.get("version")
    raw_documents = value.get("documents")
    raw_errors = value.get("documentErrors", [])
    if (
        type(version) is not str
        or not version.startswith("1.")
        or type(value.get("status")) is not int
        or value["status"] != STATUS_OK
        or type(raw_documents) is not list
        or not 0 < len(raw_documents) <= limits.max_mdoc_documents
        or type(raw_errors) is not list
        or not _DICT_ONLY.issuperset(map(type, raw_errors))
    ):
        return None
    documents = []
    parts: list[bytes] = []
    for raw in raw_documents:
        document = _read_document(raw, limits)
        if document is None or (expected_doc_type is not None and document[0] != expected_doc_type):
            return None
        mso_data = _mso_bytes(document[1].payload, limits)
        if mso_data is None:
            return None
        documents.append(document)
        parts.append(mso_data)
        for datas in document[2].values():
            parts.extend(datas)
        parts.append(document[3].data)
    decoded = decode_sequence(parts, limits=limits)
    if decoded is None:
        return None
    now = clock.now()
    verified = []
    position = 0
    for (
        doc_type,
        issuer_auth,
        items_by_namespace,
        device_namespaces,
        signature,
        errors,
    ) in documents:
        leaf = _check_issuer_auth(issuer_auth, trust_anchors, now, issuer_algs, limits)
        mso = mso_from_value(decoded[position], limits)
        position += 1
        hash_new = _check_mso(mso, doc_type, leaf, now)
        values: dict[str, Sequence[Any]] = {}
        for namespace, datas in items_by_namespace.items():
            values[namespace] = decoded[position : position + len(datas)]
            position += len(datas)
        namespaces = _check_elements(mso, hash_new, items_by_namespace, values.__getitem__)
        device_value = decoded[position]
        position += 1
        # _check_device_auth's deviceSignature branch (the common case has no deviceMac).
        payload = device_authentication_bytes(session_transcript, doc_type, device_namespaces)
        device_jwk, device_key = device_key_from_cose_key(mso.device_key)
        verify_sign1(
            signature,
            device_key,
            allowed_algs=device_algs,
            what="deviceSignature",
            detached_payload=payload,
        )
        verified.append(
            VerifiedDocument(
                doc_type,
                namespaces,
                _device_namespaces_from_value(device_value, mso),
                mso.validity_info,
                device_jwk,
                leaf,
                errors,
            )
        )
    return tuple(verified)


_DICT_ONLY = frozenset({dict})

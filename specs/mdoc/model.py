"""The mdoc data model of ISO 18013-5 sections 8.3.2.1.2 and 9.1.2: parsing and encoding.

Parsing here checks structure only; signatures, digests and validity are checked in
``specs.mdoc.verification``. Functions that hand out unchecked content say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from specs.errors import LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.cbor import EncodedCBOR, decode_cbor, encode_cbor, unembed
from specs.mdoc.constants import (
    DEVICE_RESPONSE_VERSION,
    DIGEST_ALGORITHMS,
    MIN_RANDOM_BYTES,
    STATUS_OK,
    TAG_COSE_MAC0,
    TAG_COSE_SIGN1,
)
from specs.mdoc.cose import CoseMessage, parse_cose

Namespaces = dict[str, dict[str, Any]]
"""Elements by namespace and element identifier: ``{namespace: {element: value}}``."""

_INT_ONLY = frozenset({int})
_BYTES_ONLY = frozenset({bytes})
_ENCODED_ONLY = frozenset({EncodedCBOR})


def _require(mapping: dict[Any, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    if key not in mapping:
        raise MalformedInput(f"{what} lacks {key}", claim_path=[key])
    value = mapping[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise MalformedInput(f"{what} {key} has the wrong type", claim_path=[key])
    return value


def _map(value: object, what: str) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise MalformedInput(f"{what} must be a CBOR map")
    return value


@dataclass(frozen=True, slots=True)
class IssuerSignedItem:
    """One element with its salt and digest ID (ISO 18013-5 section 8.3.2.1.2.2)."""

    digest_id: int
    random: bytes
    element_identifier: str
    element_value: Any

    def to_cbor_value(self) -> dict[str, Any]:
        """Return the CBOR map."""
        return {
            "digestID": self.digest_id,
            "random": self.random,
            "elementIdentifier": self.element_identifier,
            "elementValue": self.element_value,
        }


def parse_issuer_signed_item(
    embedded: object, *, limits: Limits = DEFAULT_LIMITS
) -> IssuerSignedItem:
    """Decode IssuerSignedItemBytes (tag 24) into an item (its digest is not checked here)."""
    return issuer_signed_item_from_value(
        unembed(embedded, what="IssuerSignedItemBytes", limits=limits)
    )


def issuer_signed_item_from_value(decoded: object) -> IssuerSignedItem:
    """Build an item from decoded IssuerSignedItemBytes content (its digest is not checked)."""
    value = _map(decoded, "IssuerSignedItem")
    digest_id = value.get("digestID")
    random = value.get("random")
    identifier = value.get("elementIdentifier")
    # The usual case in one test; anything else takes the checks below and their wording.
    if (
        type(digest_id) is int
        and type(random) is bytes
        and type(identifier) is str
        and "elementValue" in value
        and 0 <= digest_id <= 2**31 - 1
        and len(random) >= MIN_RANDOM_BYTES
    ):
        return IssuerSignedItem(digest_id, random, identifier, value["elementValue"])
    what = "IssuerSignedItem"
    digest_id = _require(value, "digestID", int, what)
    random = _require(value, "random", bytes, what)
    identifier = _require(value, "elementIdentifier", str, what)
    if "elementValue" not in value:
        raise MalformedInput(f"{what} lacks elementValue", claim_path=[identifier])
    if digest_id < 0 or digest_id > 2**31 - 1:
        raise MalformedInput(f"{what} digestID out of range", claim_path=[identifier])
    raise MalformedInput(
        f"{what} random must be at least {MIN_RANDOM_BYTES} bytes", claim_path=[identifier]
    )


@dataclass(frozen=True, slots=True)
class ValidityInfo:
    """MSO validityInfo (ISO 18013-5 section 9.1.2.4), all aware UTC datetimes."""

    signed: datetime
    valid_from: datetime
    valid_until: datetime
    expected_update: datetime | None = None

    def to_cbor_value(self) -> dict[str, Any]:
        """Return the CBOR map (tdate values)."""
        out: dict[str, Any] = {
            "signed": self.signed,
            "validFrom": self.valid_from,
            "validUntil": self.valid_until,
        }
        if self.expected_update is not None:
            out["expectedUpdate"] = self.expected_update
        return out


@dataclass(frozen=True, slots=True)
class MobileSecurityObject:
    """The MSO the issuer signs (ISO 18013-5 section 9.1.2.4)."""

    version: str
    digest_algorithm: str
    value_digests: dict[str, dict[int, bytes]]
    device_key: dict[int, Any]
    doc_type: str
    validity_info: ValidityInfo
    key_authorizations: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_cbor_value(self) -> dict[str, Any]:
        """Return the CBOR map."""
        device_key_info: dict[str, Any] = {"deviceKey": self.device_key}
        if self.key_authorizations is not None:
            device_key_info["keyAuthorizations"] = self.key_authorizations
        return {
            **self.extra,
            "version": self.version,
            "digestAlgorithm": self.digest_algorithm,
            "valueDigests": self.value_digests,
            "deviceKeyInfo": device_key_info,
            "docType": self.doc_type,
            "validityInfo": self.validity_info.to_cbor_value(),
        }


def _parse_tdate_member(value: dict[Any, Any], key: str, required: bool = True) -> datetime | None:
    if key not in value and not required:
        return None
    member = value.get(key)
    if not isinstance(member, datetime):
        raise MalformedInput(f"validityInfo {key} must be a tdate (tag 0)", claim_path=[key])
    return member


def parse_mso(embedded: object, *, limits: Limits = DEFAULT_LIMITS) -> MobileSecurityObject:
    """Decode MobileSecurityObjectBytes (tag 24) into an MSO (structure only)."""
    return mso_from_value(
        unembed(embedded, what="MobileSecurityObjectBytes", limits=limits), limits
    )


_MSO_MEMBERS = frozenset(
    {"version", "digestAlgorithm", "valueDigests", "deviceKeyInfo", "docType", "validityInfo"}
)


def _common_mso(value: dict[Any, Any], limits: Limits) -> MobileSecurityObject | None:
    """The MSO ``mso_from_value`` builds when every member has its usual type, else ``None``.

    One test for the usual case; ``None`` sends the caller through the member-by-member
    checks, which give the verdict and its wording.
    """
    version = value.get("version")
    digest_algorithm = value.get("digestAlgorithm")
    doc_type = value.get("docType")
    raw_digests = value.get("valueDigests")
    key_info = value.get("deviceKeyInfo")
    validity = value.get("validityInfo")
    if not (
        version == "1.0"
        and type(version) is str
        and type(digest_algorithm) is str
        and digest_algorithm in DIGEST_ALGORITHMS
        and type(doc_type) is str
        and type(raw_digests) is dict
        and type(key_info) is dict
        and type(validity) is dict
    ):
        return None
    device_key = key_info.get("deviceKey")
    authorizations = key_info.get("keyAuthorizations")
    signed = validity.get("signed")
    valid_from = validity.get("validFrom")
    valid_until = validity.get("validUntil")
    expected_update = validity.get("expectedUpdate")
    if not (
        type(device_key) is dict
        and (authorizations is None or type(authorizations) is dict)
        and type(signed) is datetime
        and type(valid_from) is datetime
        and type(valid_until) is datetime
        and (type(expected_update) is datetime or "expectedUpdate" not in validity)
    ):
        return None
    count = 0
    for namespace, ids in raw_digests.items():
        if not (
            type(namespace) is str
            and type(ids) is dict
            and _INT_ONLY.issuperset(map(type, ids))
            and _BYTES_ONLY.issuperset(map(type, ids.values()))
        ):
            return None
        count += len(ids)
    if count > limits.max_mdoc_elements:
        return None
    return MobileSecurityObject(
        version,
        digest_algorithm,
        {namespace: dict(ids) for namespace, ids in raw_digests.items()},
        device_key,
        doc_type,
        ValidityInfo(signed, valid_from, valid_until, expected_update),
        authorizations,
        {}
        if len(value) == len(_MSO_MEMBERS)
        else {k: v for k, v in value.items() if k not in _MSO_MEMBERS},
    )


def mso_from_value(decoded: object, limits: Limits = DEFAULT_LIMITS) -> MobileSecurityObject:
    """Build an MSO from the decoded content of MobileSecurityObjectBytes (structure only)."""
    value = _map(decoded, "MSO")
    return _common_mso(value, limits) or _mso_member_by_member(value, limits)


def _mso_member_by_member(value: dict[Any, Any], limits: Limits) -> MobileSecurityObject:
    """``mso_from_value`` one member at a time, with a refusal worded for each."""
    what = "MobileSecurityObject"
    version = _require(value, "version", str, what)
    if version != "1.0":
        raise MalformedInput(f"MSO version {version!r} is not supported")
    digest_algorithm = _require(value, "digestAlgorithm", str, what)
    if digest_algorithm not in DIGEST_ALGORITHMS:
        raise MalformedInput(f"MSO digestAlgorithm {digest_algorithm!r} is not supported")
    doc_type = _require(value, "docType", str, what)
    raw_digests = _require(value, "valueDigests", dict, what)
    digests: dict[str, dict[int, bytes]] = {}
    count = 0
    for namespace, ids in raw_digests.items():
        if not isinstance(namespace, str) or not isinstance(ids, dict):
            raise MalformedInput("MSO valueDigests must map namespaces to digest maps")
        # Type sets gathered in C: exactly int keys (not bool) and bytes values.
        if not _INT_ONLY.issuperset(map(type, ids)) or not _BYTES_ONLY.issuperset(
            map(type, ids.values())
        ):
            raise MalformedInput(
                "MSO digest IDs must be integers and digests byte strings",
                claim_path=["valueDigests", namespace],
            )
        count += len(ids)
        digests[namespace] = dict(ids)
    if count > limits.max_mdoc_elements:
        raise LimitExceeded(f"MSO has more than {limits.max_mdoc_elements} digests")
    key_info = _require(value, "deviceKeyInfo", dict, what)
    device_key = _require(key_info, "deviceKey", dict, "deviceKeyInfo")
    authorizations = key_info.get("keyAuthorizations")
    if authorizations is not None and not isinstance(authorizations, dict):
        raise MalformedInput("deviceKeyInfo keyAuthorizations must be a map")
    validity = _require(value, "validityInfo", dict, what)
    validity_info = ValidityInfo(
        signed=_parse_tdate_member(validity, "signed"),  # type: ignore[arg-type]
        valid_from=_parse_tdate_member(validity, "validFrom"),  # type: ignore[arg-type]
        valid_until=_parse_tdate_member(validity, "validUntil"),  # type: ignore[arg-type]
        expected_update=_parse_tdate_member(validity, "expectedUpdate", required=False),
    )
    extra = {k: v for k, v in value.items() if k not in _MSO_MEMBERS}
    return MobileSecurityObject(
        version,
        digest_algorithm,
        digests,
        device_key,
        doc_type,
        validity_info,
        authorizations,
        extra,
    )


@dataclass(frozen=True, slots=True)
class IssuerSigned:
    """IssuerSigned: the issuer's items (tag 24 each, exact bytes kept) and IssuerAuth."""

    namespaces: dict[str, tuple[EncodedCBOR, ...]]
    issuer_auth: CoseMessage

    def to_cbor_value(self) -> dict[str, Any]:
        """Return the CBOR map."""
        out: dict[str, Any] = {"issuerAuth": self.issuer_auth.to_cbor_value()}
        if self.namespaces:
            out["nameSpaces"] = {ns: list(items) for ns, items in self.namespaces.items()}
        return out


@dataclass(frozen=True, slots=True)
class DeviceSigned:
    """DeviceSigned: device-signed elements (tag 24) and DeviceAuth (signature or MAC)."""

    namespaces: EncodedCBOR
    device_auth: CoseMessage
    is_mac: bool

    def to_cbor_value(self) -> dict[str, Any]:
        """Return the CBOR map."""
        key = "deviceMac" if self.is_mac else "deviceSignature"
        return {
            "nameSpaces": self.namespaces,
            "deviceAuth": {key: self.device_auth.to_cbor_value()},
        }


@dataclass(frozen=True, slots=True)
class Document:
    """One mdoc: docType, IssuerSigned and, in a DeviceResponse, DeviceSigned and errors."""

    doc_type: str
    issuer_signed: IssuerSigned
    device_signed: DeviceSigned | None = None
    errors: dict[str, dict[str, int]] | None = None

    def to_cbor_value(self) -> dict[str, Any]:
        """Return the CBOR map."""
        out: dict[str, Any] = {
            "docType": self.doc_type,
            "issuerSigned": self.issuer_signed.to_cbor_value(),
        }
        if self.device_signed is not None:
            out["deviceSigned"] = self.device_signed.to_cbor_value()
        if self.errors:
            out["errors"] = self.errors
        return out

    def to_cbor(self) -> bytes:
        """Encode the Document as CBOR."""
        return encode_cbor(self.to_cbor_value())


@dataclass(frozen=True, slots=True)
class DeviceResponse:
    """DeviceResponse (ISO 18013-5 section 8.3.2.1.2.2)."""

    documents: tuple[Document, ...]
    status: int = STATUS_OK
    version: str = DEVICE_RESPONSE_VERSION
    document_errors: tuple[dict[str, int], ...] = ()

    def to_cbor_value(self) -> dict[str, Any]:
        """Return the CBOR map."""
        out: dict[str, Any] = {"version": self.version, "status": self.status}
        if self.documents:
            out["documents"] = [doc.to_cbor_value() for doc in self.documents]
        if self.document_errors:
            out["documentErrors"] = list(self.document_errors)
        return out

    def to_cbor(self) -> bytes:
        """Encode the DeviceResponse as CBOR."""
        return encode_cbor(self.to_cbor_value())


def _parse_issuer_signed(value: object, limits: Limits) -> IssuerSigned:
    issuer_signed = _map(value, "issuerSigned")
    auth = parse_cose(
        issuer_signed.get("issuerAuth"), what="issuerAuth", tag=TAG_COSE_SIGN1, limits=limits
    )
    namespaces: dict[str, tuple[EncodedCBOR, ...]] = {}
    raw = issuer_signed.get("nameSpaces", {})
    if not isinstance(raw, dict):
        raise MalformedInput("issuerSigned nameSpaces must be a map")
    count = 0
    for namespace, items in raw.items():
        if not isinstance(namespace, str) or not isinstance(items, list) or not items:
            raise MalformedInput("IssuerNameSpaces must map namespaces to non-empty arrays")
        if not _ENCODED_ONLY.issuperset(map(type, items)):
            raise MalformedInput(
                "IssuerSignedItemBytes must be embedded CBOR (tag 24)", claim_path=[namespace]
            )
        count += len(items)
        namespaces[namespace] = tuple(items)
    if count > limits.max_mdoc_elements:
        raise LimitExceeded(f"document has more than {limits.max_mdoc_elements} elements")
    return IssuerSigned(namespaces, auth)


def _parse_device_signed(value: object, limits: Limits) -> DeviceSigned:
    device_signed = _map(value, "deviceSigned")
    namespaces = device_signed.get("nameSpaces")
    if not isinstance(namespaces, EncodedCBOR):
        raise MalformedInput("deviceSigned nameSpaces must be DeviceNameSpacesBytes (tag 24)")
    auth = _map(device_signed.get("deviceAuth"), "deviceAuth")
    if ("deviceSignature" in auth) == ("deviceMac" in auth):
        raise MalformedInput("deviceAuth must hold exactly one of deviceSignature and deviceMac")
    if "deviceSignature" in auth:
        message = parse_cose(
            auth["deviceSignature"], what="deviceSignature", tag=TAG_COSE_SIGN1, limits=limits
        )
        return DeviceSigned(namespaces, message, is_mac=False)
    message = parse_cose(auth["deviceMac"], what="deviceMac", tag=TAG_COSE_MAC0, limits=limits)
    return DeviceSigned(namespaces, message, is_mac=True)


def parse_document_errors(value: object) -> dict[str, dict[str, int]] | None:
    """Read a Document's ``errors`` map (namespace to element to ErrorCode), or ``None``."""
    if value is None:
        return None
    errors = _map(value, "errors")
    out: dict[str, dict[str, int]] = {}
    for namespace, items in errors.items():
        if not isinstance(namespace, str) or not isinstance(items, dict):
            raise MalformedInput("document errors must map namespaces to maps")
        for element, code in items.items():
            if not isinstance(element, str) or type(code) is not int:
                raise MalformedInput("document errors must map elements to integer codes")
        out[namespace] = dict(items)
    return out


def parse_document_value(value: object, *, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Build a ``Document`` from its decoded CBOR map (structure only, nothing verified)."""
    document = _map(value, "Document")
    doc_type = _require(document, "docType", str, "Document")
    issuer_signed = _parse_issuer_signed(document.get("issuerSigned"), limits)
    device_signed = (
        _parse_device_signed(document["deviceSigned"], limits)
        if "deviceSigned" in document
        else None
    )
    return Document(
        doc_type, issuer_signed, device_signed, parse_document_errors(document.get("errors"))
    )


def decode_document(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Decode an issued ``Document`` (docType + issuerSigned) from CBOR; nothing is verified."""
    return parse_document_value(decode_cbor(data, what="Document", limits=limits), limits=limits)


def decode_device_response(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> DeviceResponse:
    """Decode a DeviceResponse from CBOR (structure only; see ``verify_device_response``)."""
    value = _map(decode_cbor(data, what="DeviceResponse", limits=limits), "DeviceResponse")
    version = _require(value, "version", str, "DeviceResponse")
    if not version.startswith("1."):
        raise MalformedInput(f"DeviceResponse version {version!r} is not supported")
    status = _require(value, "status", int, "DeviceResponse")
    raw_documents = value.get("documents", [])
    if not isinstance(raw_documents, list):
        raise MalformedInput("DeviceResponse documents must be an array")
    if len(raw_documents) > limits.max_mdoc_documents:
        raise LimitExceeded(f"DeviceResponse has more than {limits.max_mdoc_documents} documents")
    documents = tuple(parse_document_value(doc, limits=limits) for doc in raw_documents)
    raw_errors = value.get("documentErrors", [])
    if not isinstance(raw_errors, list) or not all(isinstance(e, dict) for e in raw_errors):
        raise MalformedInput("DeviceResponse documentErrors must be an array of maps")
    return DeviceResponse(documents, status, version, tuple(raw_errors))

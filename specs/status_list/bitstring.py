"""W3C Bitstring Status List v1.0: entries, the GZIP bitstring and the status check.

The status list credential itself is a VCDM 2.0 credential secured like any other (for
honnin: ``specs.w3c_vc.ecdsa_rdfc_2019``); this module builds it unsigned and reads a
verified one. Index 0 is the left-most (most significant) bit of the first byte
(section 2.1, ``encodedList``).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from specs.encoding import b64url_decode, b64url_encode
from specs.errors import LimitExceeded, MalformedInput, Revoked, ValidationError
from specs.limits import DEFAULT_LIMITS, Limits
from specs.w3c_vc.data_integrity import format_xsd_datetime

# Bitstring Status List v1.0 section 2.1/2.2: type names and purposes.
TYPE_BITSTRING_STATUS_LIST_ENTRY = "BitstringStatusListEntry"
TYPE_BITSTRING_STATUS_LIST_CREDENTIAL = "BitstringStatusListCredential"
TYPE_BITSTRING_STATUS_LIST = "BitstringStatusList"
STATUS_PURPOSES = ("refresh", "revocation", "suspension", "message")
# Section 3.2 (Validate Algorithm): minimumNumberOfEntries; section 2.2: at least 16KB.
MINIMUM_NUMBER_OF_ENTRIES = 131_072
MINIMUM_BITSTRING_BYTES = 16 * 1024
CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


@dataclass(frozen=True, slots=True)
class StatusMessage:
    """One ``statusMessage`` entry: hex status value (``0x..``) and its message."""

    status: str
    message: str


@dataclass(frozen=True, slots=True)
class BitstringStatusListEntry:
    """A ``credentialStatus`` entry of type BitstringStatusListEntry (section 2.1)."""

    status_purpose: str
    status_list_index: int
    status_list_credential: str
    status_size: int = 1
    status_messages: tuple[StatusMessage, ...] = ()
    id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form to put in ``credentialStatus``."""
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out["type"] = TYPE_BITSTRING_STATUS_LIST_ENTRY
        out["statusPurpose"] = self.status_purpose
        out["statusListIndex"] = str(self.status_list_index)
        out["statusListCredential"] = self.status_list_credential
        if self.status_size != 1:
            out["statusSize"] = self.status_size
        if self.status_messages:
            out["statusMessage"] = [
                {"status": m.status, "message": m.message} for m in self.status_messages
            ]
        return out


def parse_status_entry(entry: object) -> BitstringStatusListEntry:
    """Parse and check a BitstringStatusListEntry (section 2.1), raising ``MalformedInput``."""
    if not isinstance(entry, Mapping) or entry.get("type") != TYPE_BITSTRING_STATUS_LIST_ENTRY:
        raise MalformedInput("credentialStatus is not a BitstringStatusListEntry")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise MalformedInput("statusPurpose must be a string", claim_path=["statusPurpose"])
    index = entry.get("statusListIndex")
    # "an arbitrary size integer greater than or equal to 0, expressed as a string in base 10"
    if not isinstance(index, str) or not index.isascii() or not index.isdigit() or len(index) > 12:
        raise MalformedInput(
            "statusListIndex must be a base-10 integer string", claim_path=["statusListIndex"]
        )
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or ":" not in url:
        raise MalformedInput(
            "statusListCredential must be a URL", claim_path=["statusListCredential"]
        )
    size = entry.get("statusSize", 1)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 8:
        raise MalformedInput("statusSize must be an integer 1..8", claim_path=["statusSize"])
    raw_messages = entry.get("statusMessage")
    messages: tuple[StatusMessage, ...] = ()
    if raw_messages is not None:
        if not isinstance(raw_messages, list) or len(raw_messages) != 2**size:
            raise MalformedInput(
                "statusMessage must have 2^statusSize entries", claim_path=["statusMessage"]
            )
        parsed = []
        for item in raw_messages:
            if not (
                isinstance(item, Mapping)
                and isinstance(item.get("status"), str)
                and isinstance(item.get("message"), str)
            ):
                raise MalformedInput(
                    "statusMessage entries need status and message", claim_path=["statusMessage"]
                )
            parsed.append(StatusMessage(item["status"], item["message"]))
        messages = tuple(parsed)
    elif size > 1:
        raise MalformedInput(
            "statusMessage is required when statusSize > 1", claim_path=["statusMessage"]
        )
    entry_id = entry.get("id")
    return BitstringStatusListEntry(
        status_purpose=purpose,
        status_list_index=int(index),
        status_list_credential=url,
        status_size=size,
        status_messages=messages,
        id=entry_id if isinstance(entry_id, str) else None,
    )


class Bitstring:
    """A status bitstring with ``status_size`` bits per entry, index 0 at the left-most bit."""

    def __init__(self, data: bytes | bytearray, status_size: int = 1) -> None:
        if not 1 <= status_size <= 8:
            raise MalformedInput("statusSize must be 1..8")
        self._data = bytearray(data)
        self.status_size = status_size

    @classmethod
    def empty(cls, entries: int = MINIMUM_NUMBER_OF_ENTRIES, status_size: int = 1) -> Bitstring:
        """Return an all-zero bitstring for ``entries`` entries (at least 16KB)."""
        size = max(MINIMUM_BITSTRING_BYTES, (entries * status_size + 7) // 8)
        return cls(bytes(size), status_size)

    @property
    def entries(self) -> int:
        """How many entries of ``status_size`` bits fit."""
        return len(self._data) * 8 // self.status_size

    def to_bytes(self) -> bytes:
        """The raw uncompressed bitstring."""
        return bytes(self._data)

    def get(self, index: int) -> int:
        """Return the status value at ``index``; ``ValidationError`` if out of range."""
        self._check(index)
        value = 0
        for bit in range(index * self.status_size, (index + 1) * self.status_size):
            value = (value << 1) | ((self._data[bit // 8] >> (7 - bit % 8)) & 1)
        return value

    def set(self, index: int, value: int) -> None:
        """Set the status value at ``index``."""
        self._check(index)
        if not 0 <= value < 2**self.status_size:
            raise ValidationError(f"status value {value} does not fit {self.status_size} bits")
        for offset in range(self.status_size):
            bit = index * self.status_size + offset
            mask = 1 << (7 - bit % 8)
            if (value >> (self.status_size - 1 - offset)) & 1:
                self._data[bit // 8] |= mask
            else:
                self._data[bit // 8] &= ~mask

    def _check(self, index: int) -> None:
        if not 0 <= index < self.entries:
            # Section 3.2: RANGE_ERROR.
            raise ValidationError(f"status list index {index} is outside the bitstring")

    def encode(self) -> str:
        """Return the ``encodedList``: multibase base64url of the GZIP-compressed bits."""
        return "u" + b64url_encode(gzip.compress(bytes(self._data), mtime=0))

    @classmethod
    def decode(
        cls, encoded: object, status_size: int = 1, limits: Limits = DEFAULT_LIMITS
    ) -> Bitstring:
        """Expand an ``encodedList`` (section 3.4), bounded against decompression bombs."""
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise MalformedInput("encodedList must be multibase base64url (u...)")
        compressed = b64url_decode(encoded[1:], what="encodedList")
        inflater = zlib.decompressobj(wbits=31)  # 31: GZIP container (RFC 1952)
        try:
            data = inflater.decompress(compressed, limits.max_status_list_bytes + 1)
        except zlib.error as exc:
            raise MalformedInput("encodedList is not GZIP data") from exc
        if len(data) > limits.max_status_list_bytes or inflater.unconsumed_tail:
            raise LimitExceeded(f"encodedList expands beyond {limits.max_status_list_bytes} bytes")
        if not inflater.eof or inflater.unused_data:
            raise MalformedInput("encodedList is not exactly one complete GZIP member")
        return cls(data, status_size)


@dataclass(frozen=True, slots=True)
class StatusResult:
    """The result of the Validate Algorithm (section 3.2)."""

    status: int
    purpose: str
    valid: bool
    message: str | None = None


def build_status_list_credential(
    *,
    list_id: str,
    issuer: str,
    purpose: str | Sequence[str],
    bitstring: Bitstring,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """Return an unsigned BitstringStatusListCredential (section 2.2) for ``bitstring``."""
    subject: dict[str, Any] = {
        "id": f"{list_id}#list",
        "type": TYPE_BITSTRING_STATUS_LIST,
        "statusPurpose": purpose if isinstance(purpose, str) else list(purpose),
        "encodedList": bitstring.encode(),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    document: dict[str, Any] = {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "id": list_id,
        "type": ["VerifiableCredential", TYPE_BITSTRING_STATUS_LIST_CREDENTIAL],
        "issuer": issuer,
        "validFrom": format_xsd_datetime(valid_from),
    }
    if valid_until is not None:
        document["validUntil"] = format_xsd_datetime(valid_until)
    document["credentialSubject"] = subject
    return document


def check_status(
    entry: BitstringStatusListEntry,
    verified_list: Mapping[str, Any],
    *,
    minimum_entries: int = MINIMUM_NUMBER_OF_ENTRIES,
    limits: Limits = DEFAULT_LIMITS,
) -> StatusResult:
    """Run the Validate Algorithm (section 3.2) on a status list credential already verified."""
    if verified_list.get("id") != entry.status_list_credential:
        raise ValidationError("status list credential id does not match statusListCredential")
    types = verified_list.get("type")
    if not isinstance(types, list) or TYPE_BITSTRING_STATUS_LIST_CREDENTIAL not in types:
        raise MalformedInput("status list credential is not a BitstringStatusListCredential")
    subject = verified_list.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("type") != TYPE_BITSTRING_STATUS_LIST:
        raise MalformedInput("status list credentialSubject is not a BitstringStatusList")
    purposes = subject.get("statusPurpose")
    purposes = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purposes, list) or entry.status_purpose not in purposes:
        # STATUS_VERIFICATION_ERROR
        raise ValidationError("status purpose does not match the status list")
    bits = Bitstring.decode(subject.get("encodedList"), entry.status_size, limits)
    if bits.entries < minimum_entries:
        # STATUS_LIST_LENGTH_ERROR
        raise ValidationError(f"status list has fewer than {minimum_entries} entries")
    status = bits.get(entry.status_list_index)
    message = None
    if entry.status_messages:
        wanted = status
        for item in entry.status_messages:
            try:
                value = int(item.status, 16)
            except ValueError:
                continue
            if value == wanted:
                message = item.message
                break
    return StatusResult(status, entry.status_purpose, status == 0, message)


def require_not_revoked(result: StatusResult) -> None:
    """Raise ``Revoked`` when a revocation or suspension status is set."""
    if not result.valid and result.purpose in ("revocation", "suspension"):
        raise Revoked(f"credential status is set ({result.purpose})")


__all__ = [
    "MINIMUM_NUMBER_OF_ENTRIES",
    "STATUS_PURPOSES",
    "TYPE_BITSTRING_STATUS_LIST",
    "TYPE_BITSTRING_STATUS_LIST_CREDENTIAL",
    "TYPE_BITSTRING_STATUS_LIST_ENTRY",
    "Bitstring",
    "BitstringStatusListEntry",
    "StatusMessage",
    "StatusResult",
    "build_status_list_credential",
    "check_status",
    "parse_status_entry",
    "require_not_revoked",
]

"""The Token Status List byte array: bits per entry, ZLIB compression, JSON and CBOR forms.

Entries are packed from the least significant bit of each byte upwards (draft section
"Compressed Byte Array", step 3): with ``bits`` = 2, entry 0 is bits 0-1 of byte 0.
Decompression is bounded before it runs, so a small ``lst`` cannot expand into gigabytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from specs.encoding import b64url_decode, b64url_encode
from specs.errors import LimitExceeded, MalformedInput, ValidationError
from specs.limits import DEFAULT_LIMITS, Limits
from specs.status_list.constants import (
    ALLOWED_BITS,
    MEMBER_AGGREGATION_URI,
    MEMBER_BITS,
    MEMBER_LST,
)


def _check_bits(bits: object, error: type[MalformedInput] | type[ValidationError]) -> int:
    if isinstance(bits, bool) or not isinstance(bits, int) or bits not in ALLOWED_BITS:
        raise error(f"'bits' must be one of 1, 2, 4 or 8, got {bits!r}", claim_path=["bits"])
    return bits


def decompress_bounded(data: bytes, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Inflate a ZLIB stream (RFC 1950) of at most ``limits.max_status_list_bytes`` output."""
    maximum = limits.max_status_list_bytes
    inflater = zlib.decompressobj(wbits=15)  # 15: ZLIB header required, raw DEFLATE rejected
    try:
        out = inflater.decompress(data, maximum + 1)
    except zlib.error as exc:
        raise MalformedInput(f"status list is not a valid ZLIB stream: {exc}") from exc
    if len(out) > maximum or inflater.unconsumed_tail:
        raise LimitExceeded(f"status list decompresses to more than {maximum} bytes")
    if not inflater.eof:
        raise MalformedInput("status list ZLIB stream is truncated")
    if inflater.unused_data:
        raise MalformedInput("status list has trailing data after the ZLIB stream")
    return out


class StatusList:
    """A mutable status list: ``size`` entries of ``bits`` bits each, all VALID at first."""

    __slots__ = ("_bits", "_data", "aggregation_uri")

    def __init__(self, bits: int, data: bytes | bytearray, aggregation_uri: str | None = None):
        self._bits = _check_bits(bits, ValidationError)
        self._data = bytearray(data)
        self.aggregation_uri = aggregation_uri

    @classmethod
    def new(cls, size: int, bits: int = 1, aggregation_uri: str | None = None) -> StatusList:
        """Create a list of at least ``size`` entries, every one VALID (0x00)."""
        _check_bits(bits, ValidationError)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValidationError(f"status list size must be a positive integer, got {size!r}")
        return cls(bits, bytes((size * bits + 7) // 8), aggregation_uri)

    @property
    def bits(self) -> int:
        """Bits per entry (1, 2, 4 or 8)."""
        return self._bits

    @property
    def size(self) -> int:
        """Number of entries the byte array holds."""
        return len(self._data) * 8 // self._bits

    @property
    def byte_array(self) -> bytes:
        """The uncompressed byte array (a copy)."""
        return bytes(self._data)

    def _locate(self, index: int) -> tuple[int, int]:
        if isinstance(index, bool) or not isinstance(index, int):
            raise MalformedInput(f"status list index must be an integer, got {index!r}")
        if not 0 <= index < self.size:
            # Draft section "Validation Rules", step 6: out of bounds MUST be rejected.
            raise ValidationError(f"index {index} is outside the status list (size {self.size})")
        bit_offset = index * self._bits
        return bit_offset // 8, bit_offset % 8

    def get(self, index: int) -> int:
        """Return the status value stored at ``index``."""
        byte, shift = self._locate(index)
        return (self._data[byte] >> shift) & ((1 << self._bits) - 1)

    def set(self, index: int, value: int) -> None:
        """Store ``value`` at ``index``; it must fit in ``bits`` bits."""
        mask = (1 << self._bits) - 1
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= mask:
            raise ValidationError(f"status value {value!r} does not fit in {self._bits} bit(s)")
        byte, shift = self._locate(index)
        self._data[byte] = (self._data[byte] & ~(mask << shift) & 0xFF) | (value << shift)

    def non_valid(self) -> dict[int, int]:
        """Return index -> status for every entry that is not VALID."""
        out: dict[int, int] = {}
        per_byte = 8 // self._bits
        for byte_index, byte in enumerate(self._data):
            if byte:
                for slot in range(per_byte):
                    value = (byte >> (slot * self._bits)) & ((1 << self._bits) - 1)
                    if value:
                        out[byte_index * per_byte + slot] = value
        return out

    def compressed(self) -> bytes:
        """Return the byte array compressed with DEFLATE in the ZLIB format, level 9."""
        # The draft RECOMMENDS the highest compression level available.
        return zlib.compress(bytes(self._data), 9)

    def encode_lst(self) -> str:
        """Return the base64url ``lst`` value of the JSON encoding."""
        return b64url_encode(self.compressed())

    def to_json(self) -> dict[str, Any]:
        """Return the JSON ``StatusList`` object (draft section "Status List in JSON Format")."""
        out: dict[str, Any] = {MEMBER_BITS: self._bits, MEMBER_LST: self.encode_lst()}
        if self.aggregation_uri is not None:
            out[MEMBER_AGGREGATION_URI] = self.aggregation_uri
        return out

    def to_cbor_map(self) -> dict[str, Any]:
        """Return the CBOR ``StatusList`` map with ``lst`` as a byte string."""
        out: dict[str, Any] = {MEMBER_BITS: self._bits, MEMBER_LST: self.compressed()}
        if self.aggregation_uri is not None:
            out[MEMBER_AGGREGATION_URI] = self.aggregation_uri
        return out

    @classmethod
    def decode(
        cls,
        bits: object,
        compressed: bytes,
        *,
        aggregation_uri: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> StatusList:
        """Decompress a ZLIB byte array into a list, within the size and entry limits."""
        checked_bits = _check_bits(bits, MalformedInput)
        data = decompress_bounded(compressed, limits)
        if not data:
            raise MalformedInput("status list byte array is empty")
        if len(data) * 8 // checked_bits > limits.max_status_list_entries:
            raise LimitExceeded(
                f"status list holds more than {limits.max_status_list_entries} entries"
            )
        return cls(checked_bits, data, aggregation_uri)

    @classmethod
    def from_json(cls, value: object, limits: Limits = DEFAULT_LIMITS) -> StatusList:
        """Parse the JSON ``StatusList`` object (``bits``, base64url ``lst``)."""
        if not isinstance(value, Mapping):
            raise MalformedInput("'status_list' must be a JSON object", claim_path=["status_list"])
        lst = value.get(MEMBER_LST)
        if not isinstance(lst, str):
            raise MalformedInput("'lst' must be a base64url string", claim_path=["lst"])
        if len(lst) > limits.max_token_bytes:
            raise LimitExceeded("'lst' is longer than the token size limit", claim_path=["lst"])
        return cls.decode(
            value.get(MEMBER_BITS),
            b64url_decode(lst, what="status list 'lst'"),
            aggregation_uri=_aggregation_uri(value),
            limits=limits,
        )

    @classmethod
    def from_cbor_map(cls, value: object, limits: Limits = DEFAULT_LIMITS) -> StatusList:
        """Parse the CBOR ``StatusList`` map (``bits``, byte-string ``lst``)."""
        if not isinstance(value, Mapping):
            raise MalformedInput("status list must be a CBOR map", claim_path=["status_list"])
        lst = value.get(MEMBER_LST)
        if not isinstance(lst, bytes):
            raise MalformedInput("'lst' must be a CBOR byte string", claim_path=["lst"])
        return cls.decode(
            value.get(MEMBER_BITS),
            lst,
            aggregation_uri=_aggregation_uri(value),
            limits=limits,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusList):
            return NotImplemented
        return (self._bits, self._data, self.aggregation_uri) == (
            other._bits,
            other._data,
            other.aggregation_uri,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StatusList(bits={self._bits}, size={self.size})"


def _aggregation_uri(value: Mapping[str, Any]) -> str | None:
    uri = value.get(MEMBER_AGGREGATION_URI)
    if uri is not None and not isinstance(uri, str):
        raise MalformedInput("'aggregation_uri' must be a string", claim_path=["aggregation_uri"])
    return uri

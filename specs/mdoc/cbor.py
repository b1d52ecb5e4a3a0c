"""Strict CBOR for mdoc (RFC 8949 over cbor2): bounded decoding and deterministic encoding.

Decoding rejects what ISO 18013-5 never needs and an attacker might use: indefinite
lengths, duplicate map keys, map keys other than integers and text, tags other than
``tdate`` (0), embedded CBOR (24), ``full-date`` (1004) and the COSE message tags (17, 18),
simple values other than false/true/null, trailing bytes, oversize strings and deep nesting.
A fresh ``CBORDecoder`` is made for every message.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import cbor2

from specs.errors import HonninError, LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.constants import (
    TAG_COSE_MAC0,
    TAG_COSE_SIGN1,
    TAG_ENCODED_CBOR,
    TAG_FULL_DATE,
    TAG_TDATE,
)

# Tags cbor2 interprets on its own (found by probing cbor2 6.x); each is overridden so that
# nothing but the tags above ever gets a meaning.
_CBOR2_BUILTIN_TAGS = (
    1, 2, 3, 4, 5, 25, 28, 29, 30, 35, 36, 37, 52, 54, 100, 256, 258, 260, 261, 43000, 55799,
)  # fmt: skip
_TDATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class EncodedCBOR:
    """A data item embedded as ``#6.24(bstr .cbor X)``, kept as the exact bytes received."""

    data: bytes

    def tagged(self) -> bytes:
        """Return the encoding of the tag-24 item itself (what digests and signatures cover)."""
        return encode_cbor(self)


@dataclass(frozen=True, slots=True)
class COSETagged:
    """A COSE message that arrived with its RFC 9052 tag (17 or 18)."""

    tag: int
    value: Any


class _Rejected(Exception):
    def __init__(self, error: HonninError) -> None:
        self.error = error


def parse_tdate(text: object) -> datetime:
    """Parse an ISO 18013-5 ``tdate`` (RFC 3339 in UTC, no fraction of seconds, section 8.1)."""
    if not isinstance(text, str):
        raise MalformedInput("tdate must be a text string")
    match = _TDATE.match(text)
    if match is None:
        raise MalformedInput(f"tdate {text[:40]!r} is not YYYY-MM-DDThh:mm:ssZ")
    try:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise MalformedInput(f"tdate {text!r} is not a valid time") from exc


def parse_full_date(text: object) -> date:
    """Parse an RFC 8943 ``full-date`` (YYYY-MM-DD)."""
    if not isinstance(text, str):
        raise MalformedInput("full-date must be a text string")
    match = _FULL_DATE.match(text)
    if match is None:
        raise MalformedInput(f"full-date {text[:40]!r} is not YYYY-MM-DD")
    try:
        year, month, day = (int(g) for g in match.groups())
        return date(year, month, day)
    except ValueError as exc:
        raise MalformedInput(f"full-date {text!r} is not a valid date") from exc


def _semantic(tag: int) -> Any:
    def decode(value: Any, immutable: bool) -> Any:
        try:
            if tag == TAG_TDATE:
                return parse_tdate(value)
            if tag == TAG_FULL_DATE:
                return parse_full_date(value)
            if tag == TAG_ENCODED_CBOR:
                if not isinstance(value, bytes):
                    raise MalformedInput("tag 24 must enclose a byte string")
                return EncodedCBOR(value)
        except HonninError as exc:
            raise _Rejected(exc) from None
        raise _Rejected(MalformedInput(f"CBOR tag {tag} is not allowed in an mdoc"))

    return decode


def _thaw(value: Any) -> Any:
    # cbor2 hands tag contents over as immutable containers; mdoc code works on list/dict.
    if isinstance(value, (tuple, list)):
        return [_thaw(member) for member in value]
    if isinstance(value, Mapping):
        return {key: _thaw(member) for key, member in value.items()}
    return value


def _tag_hook(tag: cbor2.CBORTag, immutable: bool) -> Any:
    if tag.tag in (TAG_COSE_SIGN1, TAG_COSE_MAC0):
        return COSETagged(tag.tag, _thaw(tag.value))
    raise _Rejected(MalformedInput(f"CBOR tag {tag.tag} is not allowed in an mdoc"))


_SEMANTIC_DECODERS = {
    tag: _semantic(tag)
    for tag in (*_CBOR2_BUILTIN_TAGS, TAG_TDATE, TAG_FULL_DATE, TAG_ENCODED_CBOR)
}


_SCALARS = frozenset({int, bool, float, date, datetime, type(None)})


def _check_tree(value: Any, limits: Limits) -> None:
    """Check types, map keys and string sizes of a decoded tree (iteratively: no recursion)."""
    max_string = limits.max_cbor_string_bytes
    stack = [value]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is bytes or kind is str:
            if len(item) > max_string:
                raise LimitExceeded(f"CBOR string of {len(item)} bytes exceeds {max_string}")
        elif kind in _SCALARS:
            continue
        elif kind is dict:
            for key in item:
                key_kind = type(key)
                if key_kind is str:
                    if len(key) > max_string:
                        raise LimitExceeded(f"CBOR map key longer than {max_string}")
                elif key_kind is not int:
                    raise MalformedInput("CBOR map keys must be integers or text strings")
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind is EncodedCBOR:
            push(item.data)
        elif kind is COSETagged:
            push(item.value)
        else:
            raise MalformedInput(f"CBOR item of type {kind.__name__} is not allowed")


def decode_cbor(data: bytes, *, what: str = "CBOR", limits: Limits = DEFAULT_LIMITS) -> Any:
    """Decode exactly one CBOR data item strictly (see the module docstring for what is refused)."""
    if not isinstance(data, (bytes, bytearray)):
        raise MalformedInput(f"{what} must be bytes")
    if len(data) > limits.max_cbor_bytes:
        raise LimitExceeded(f"{what} is larger than {limits.max_cbor_bytes} bytes")
    if not data:
        raise MalformedInput(f"{what} is empty")
    stream = io.BytesIO(data)
    decoder = cbor2.CBORDecoder(
        stream,
        tag_hook=_tag_hook,
        semantic_decoders=_SEMANTIC_DECODERS,
        max_depth=limits.max_cbor_depth,
        allow_indefinite=False,
        allow_duplicate_keys=False,
    )
    try:
        value = decoder.decode()
    except _Rejected as exc:
        raise exc.error from None
    except RecursionError:
        raise LimitExceeded(f"{what} nests deeper than {limits.max_cbor_depth}") from None
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, MemoryError) as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, _Rejected):
            raise cause.error from None
        message = str(exc)
        if "depth" in message:
            raise LimitExceeded(f"{what} nests deeper than {limits.max_cbor_depth}") from None
        raise MalformedInput(f"{what} is not valid CBOR: {message[:200]}") from None
    if stream.tell() != len(data):
        raise MalformedInput(f"{what} has {len(data) - stream.tell()} trailing bytes")
    _check_tree(value, limits)
    return value


def _to_cbor_tree(value: Any) -> Any:
    if isinstance(value, EncodedCBOR):
        return cbor2.CBORTag(TAG_ENCODED_CBOR, value.data)
    if isinstance(value, COSETagged):
        return cbor2.CBORTag(value.tag, _to_cbor_tree(value.value))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise MalformedInput("tdate needs an aware datetime")
        utc = value.astimezone(UTC).replace(microsecond=0)
        return cbor2.CBORTag(TAG_TDATE, utc.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if isinstance(value, date):
        return cbor2.CBORTag(TAG_FULL_DATE, value.isoformat())
    if isinstance(value, Mapping):
        return {key: _to_cbor_tree(member) for key, member in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_cbor_tree(member) for member in value]
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    raise MalformedInput(f"cannot encode {type(value).__name__} as mdoc CBOR")


def _head(major: int, length: int) -> bytes:
    # RFC 8949 section 3: the shortest head for a major type and argument.
    if length < 24:
        return bytes([major << 5 | length])
    for size, marker in ((1, 24), (2, 25), (4, 26), (8, 27)):
        if length < 1 << (8 * size):
            return bytes([major << 5 | marker]) + length.to_bytes(size, "big")
    raise MalformedInput("CBOR length out of range")


def encode_cbor(value: Any) -> bytes:
    """Encode deterministically (RFC 8949 section 4.2: definite lengths, sorted map keys).

    ``datetime`` becomes ``tdate`` (tag 0, whole seconds, ``Z``), ``date`` becomes
    ``full-date`` (tag 1004), ``EncodedCBOR`` becomes tag 24.
    """
    if type(value) is EncodedCBOR:
        # Hot path (digests, signatures): tag 24 head + byte string head + the bytes.
        return b"\xd8\x18" + _head(2, len(value.data)) + value.data
    try:
        return cbor2.dumps(_to_cbor_tree(value), canonical=True)
    except (cbor2.CBOREncodeError, ValueError, TypeError) as exc:
        raise MalformedInput(f"cannot encode as CBOR: {exc}") from None


def embed(value: Any) -> EncodedCBOR:
    """Encode ``value`` and wrap it for tag 24 embedding."""
    return EncodedCBOR(encode_cbor(value))


def unembed(item: object, *, what: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Decode a tag-24 embedded item strictly; raise when ``item`` is not one."""
    if not isinstance(item, EncodedCBOR):
        raise MalformedInput(f"{what} must be embedded CBOR (tag 24)")
    return decode_cbor(item.data, what=what, limits=limits)

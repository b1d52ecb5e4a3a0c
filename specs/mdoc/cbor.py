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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

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
# ASCII digits only, matched against the whole text (``$`` would also allow a final newline).
_TDATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


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


_Moment = TypeVar("_Moment", date, datetime)


def _parse_iso(
    text: object,
    name: str,
    pattern: re.Pattern[str],
    form: str,
    parse: Callable[[str], _Moment],
    kind: str,
) -> _Moment:
    if type(text) is not str:
        raise MalformedInput(f"{name} must be a text string")
    if pattern.fullmatch(text) is None:
        raise MalformedInput(f"{name} {text[:40]!r} is not {form}")
    try:
        return parse(text)
    except ValueError as exc:
        raise MalformedInput(f"{name} {text!r} is not a valid {kind}") from exc


def parse_tdate(text: object) -> datetime:
    """Parse an ISO 18013-5 ``tdate`` (RFC 3339 in UTC, no fraction of seconds, section 8.1)."""
    # The pattern admits only YYYY-MM-DDThh:mm:ssZ, which fromisoformat reads as UTC.
    return _parse_iso(text, "tdate", _TDATE, "YYYY-MM-DDThh:mm:ssZ", datetime.fromisoformat, "time")


def parse_full_date(text: object) -> date:
    """Parse an RFC 8943 ``full-date`` (YYYY-MM-DD)."""
    return _parse_iso(text, "full-date", _FULL_DATE, "YYYY-MM-DD", date.fromisoformat, "date")


# One small callback per tag: cbor2 calls these from its decoder, so each is kept lean.
def _decode_tdate(value: Any, immutable: bool) -> datetime:
    # parse_tdate's usual case inline (every MSO holds three); the rest goes to it.
    if type(value) is str and _TDATE.fullmatch(value) is not None:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass  # parse_tdate words the refusal
    try:
        return parse_tdate(value)
    except HonninError as exc:
        raise _Rejected(exc) from None


def _decode_full_date(value: Any, immutable: bool) -> date:
    try:
        return parse_full_date(value)
    except HonninError as exc:
        raise _Rejected(exc) from None


def _decode_encoded_cbor(value: Any, immutable: bool) -> EncodedCBOR:
    if type(value) is not bytes:
        raise _Rejected(MalformedInput("tag 24 must enclose a byte string"))
    return EncodedCBOR(value)


def _refuse(tag: int) -> Any:
    def decode(value: Any, immutable: bool) -> Any:
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


_SEMANTIC_DECODERS: dict[int, Any] = {tag: _refuse(tag) for tag in _CBOR2_BUILTIN_TAGS}
_SEMANTIC_DECODERS[TAG_TDATE] = _decode_tdate
_SEMANTIC_DECODERS[TAG_FULL_DATE] = _decode_full_date
_SEMANTIC_DECODERS[TAG_ENCODED_CBOR] = _decode_encoded_cbor

_SCALARS = frozenset({int, bool, float, date, datetime, type(None)})
# An EncodedCBOR holds a byte string, so for shapes it is a leaf too.
_LEAVES = _SCALARS | {bytes, str, EncodedCBOR}
_KEY_KINDS = frozenset({str, int})


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


def _check_shapes(value: Any) -> None:
    """``_check_tree`` minus string sizes, for input too short to hold an oversize string."""
    stack = [value]
    pop, push, extend = stack.pop, stack.append, stack.extend
    leaves, key_kinds = _LEAVES, _KEY_KINDS
    while stack:
        item = pop()
        kind = type(item)
        if kind in leaves:
            continue
        # A container of leaves only cannot fail: its members are not pushed (the type sets
        # are gathered in C), which leaves the order, and so the first refusal, unchanged.
        if kind is dict:
            if not key_kinds.issuperset(map(type, item)):
                raise MalformedInput("CBOR map keys must be integers or text strings")
            members = item.values()
            if not leaves.issuperset(map(type, members)):
                extend(members)
        elif kind is list:
            if not leaves.issuperset(map(type, item)):
                extend(item)
        elif kind is COSETagged:
            push(item.value)
        else:
            raise MalformedInput(f"CBOR item of type {kind.__name__} is not allowed")


def _strict_decoder(stream: io.BytesIO, limits: Limits) -> cbor2.CBORDecoder:
    # A fresh decoder for one message (or one sequence read in one call), never reused.
    return cbor2.CBORDecoder(
        stream,
        tag_hook=_tag_hook,
        semantic_decoders=_SEMANTIC_DECODERS,
        max_depth=limits.max_cbor_depth,
        allow_indefinite=False,
        allow_duplicate_keys=False,
    )


def decode_cbor(data: bytes, *, what: str = "CBOR", limits: Limits = DEFAULT_LIMITS) -> Any:
    """Decode exactly one CBOR data item strictly (see the module docstring for what is refused)."""
    if not isinstance(data, (bytes, bytearray)):
        raise MalformedInput(f"{what} must be bytes")
    if len(data) > limits.max_cbor_bytes:
        raise LimitExceeded(f"{what} is larger than {limits.max_cbor_bytes} bytes")
    if not data:
        raise MalformedInput(f"{what} is empty")
    stream = io.BytesIO(data)
    decoder = _strict_decoder(stream, limits)
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
    if len(data) <= limits.max_cbor_string_bytes:
        # No string inside can be longer than the whole input: only the shapes need checking.
        _check_shapes(value)
    else:
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


def cbor_head(major: int, length: int) -> bytes:
    """Return the shortest head for a major type and argument (RFC 8949 section 3)."""
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
        return b"\xd8\x18" + cbor_head(2, len(value.data)) + value.data
    try:
        return cbor2.dumps(_to_cbor_tree(value), canonical=True)
    except (cbor2.CBOREncodeError, ValueError, TypeError) as exc:
        raise MalformedInput(f"cannot encode as CBOR: {exc}") from None


def embed(value: Any) -> EncodedCBOR:
    """Encode ``value`` and wrap it for tag 24 embedding."""
    return EncodedCBOR(encode_cbor(value))


def unwrap_encoded_cbor(data: bytes, *, what: str = "CBOR", limits: Limits = DEFAULT_LIMITS) -> Any:
    """Decode ``data`` strictly, like ``decode_cbor``; a lone tag-24 item is read from its heads.

    Most of such an item is its byte string, which needs no decoding: when ``data`` is
    exactly ``#6.24(bstr)`` (shortest tag head, definite length covering the rest) within the
    limits, the content is returned as ``EncodedCBOR`` without running a decoder. Anything
    else goes through ``decode_cbor`` and gets its verdict and wording.
    """
    size = len(data)
    if type(data) is bytes and 2 < size <= limits.max_cbor_bytes and data[:2] == b"\xd8\x18":
        initial = data[2]
        if initial >> 5 == 2:  # major type 2, byte string
            argument = initial & 0x1F
            start = 3
            if argument < 24:
                length = argument
            elif argument <= 27:
                start = 3 + (1 << (argument - 24))
                length = int.from_bytes(data[3:start], "big")
            else:
                length = -1  # indefinite or reserved: decode_cbor refuses it
            if start + length == size and start <= size and length <= limits.max_cbor_string_bytes:
                return EncodedCBOR(data[start:])
    return decode_cbor(data, what=what, limits=limits)


# The same decoders minus tag 24: cbor2 then builds ``CBORTag(24, value)`` itself, with no
# Python call per item (see ``decode_keeping_tag24``).
_OUTER_DECODERS = {
    tag: decode for tag, decode in _SEMANTIC_DECODERS.items() if tag != TAG_ENCODED_CBOR
}
_OUTER_LEAVES = _SCALARS | {bytes, str}


def decode_keeping_tag24(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Any | None:
    """Decode like ``decode_cbor``, but leave tag-24 items as ``cbor2.CBORTag(24, bytes)``.

    Returns ``None`` instead of raising, and also whenever the input is off the common case
    (a COSE tag or any other tag but 24, input longer than a string may be, or a message
    that is just null): the caller then uses ``decode_cbor``, which gives the verdict and
    its wording. When a tree comes
    back, ``decode_cbor`` accepts ``data`` and returns the same tree with each
    ``CBORTag(24, b)`` as ``EncodedCBOR(b)``.
    """
    size = len(data) if type(data) is bytes else 0
    if not 0 < size <= min(limits.max_cbor_bytes, limits.max_cbor_string_bytes):
        return None
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(
            stream,
            semantic_decoders=_OUTER_DECODERS,
            max_depth=limits.max_cbor_depth,
            allow_indefinite=False,
            allow_duplicate_keys=False,
        ).decode()
    except Exception:  # decode_cbor gives the verdict
        return None
    if stream.tell() != size:
        return None
    # _check_shapes with CBORTag(24, bytes) as the only tag; no string can be oversize here.
    stack = [value]
    pop, extend = stack.pop, stack.extend
    leaves, key_kinds = _OUTER_LEAVES, _KEY_KINDS
    tag_type = cbor2.CBORTag
    while stack:
        item = pop()
        kind = type(item)
        if kind in leaves:
            continue
        if kind is dict:
            if not key_kinds.issuperset(map(type, item)):
                return None
            members = item.values()
            if not leaves.issuperset(map(type, members)):
                extend(members)
        elif kind is list:
            if not leaves.issuperset(map(type, item)):
                extend(item)
        elif kind is not tag_type or item.tag != TAG_ENCODED_CBOR or type(item.value) is not bytes:
            return None
    return value


def decode_sequence(parts: Sequence[bytes], *, limits: Limits = DEFAULT_LIMITS) -> list[Any] | None:
    """``[decode_cbor(part) for part in parts]`` with one decoder, or ``None`` to say "ask it".

    One decoder, made for this call, reads the parts' concatenation; after each part it must
    stand exactly at that part's own end (so no part lends bytes to or borrows them from the
    next), and one shape check covers them all. That needs every part non-empty and no
    longer than a string may be; anything else, or any failure, gives ``None``, and the
    caller decodes part by part for the verdict and its wording.
    """
    limit = min(limits.max_cbor_bytes, limits.max_cbor_string_bytes)
    for part in parts:
        if type(part) is not bytes or not 0 < len(part) <= limit:
            return None
    stream = io.BytesIO(b"".join(parts))
    decoder = _strict_decoder(stream, limits)
    values = []
    end = 0
    tell, decode = stream.tell, decoder.decode
    try:
        for part in parts:
            end += len(part)
            values.append(decode())
            if tell() != end:
                return None
        _check_shapes(values)
    except Exception:  # decode_cbor gives the verdict
        return None
    return values


def unembed_items(
    items: Sequence[object], *, what: str, limits: Limits = DEFAULT_LIMITS
) -> list[Any]:
    """Decode the tag-24 items of one message strictly: ``[unembed(item) for item in items]``.

    The usual case takes one decoder for them all (``decode_sequence``); anything else, or
    any failure, is handed to ``unembed`` item by item, which gives the verdict and its wording.
    """
    parts = [item.data for item in items if isinstance(item, EncodedCBOR)]
    if len(parts) == len(items):
        values = decode_sequence(parts, limits=limits)
        if values is not None:
            return values
    return [unembed(item, what=what, limits=limits) for item in items]


def unembed(item: object, *, what: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Decode a tag-24 embedded item strictly; raise when ``item`` is not one."""
    if not isinstance(item, EncodedCBOR):
        raise MalformedInput(f"{what} must be embedded CBOR (tag 24)")
    return decode_cbor(item.data, what=what, limits=limits)

"""Strict encodings shared by every format: base64url without padding and bounded JSON."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from specs.errors import LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def b64url_encode(data: bytes) -> str:
    """Encode bytes as base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes, *, what: str = "value") -> bytes:
    """Decode unpadded base64url, rejecting padding, other alphabets and non-canonical tails."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError as exc:
            raise MalformedInput(f"{what} is not ASCII base64url") from exc
    if not isinstance(text, str) or not _B64URL.match(text):
        raise MalformedInput(f"{what} is not base64url (RFC 4648 section 5, no padding)")
    if len(text) % 4 == 1:
        raise MalformedInput(f"{what} has an impossible base64url length")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedInput(f"{what} is not valid base64url") from exc
    # Reject non-canonical encodings (stray bits in the last character).
    if b64url_encode(raw) != text:
        raise MalformedInput(f"{what} is not canonical base64url")
    return raw


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedInput(f"duplicate JSON member name {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise MalformedInput(f"JSON constant {name} is not allowed")


def parse_json(data: str | bytes, *, what: str = "JSON", limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parse JSON strictly: UTF-8, no duplicate names, no NaN/Infinity, bounded size and depth."""
    if len(data) > limits.max_json_bytes:
        raise LimitExceeded(f"{what} is larger than {limits.max_json_bytes} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedInput(f"{what} is not UTF-8") from exc
    # Bound nesting before the recursive decoder sees the text: drop strings, then count
    # brackets (both steps run in C; only brackets reach the Python loop).
    if limits.max_json_depth < len(data):
        depth = 0
        for bracket in _BRACKETS.findall(_STRINGS.sub("", data)):
            depth = depth + 1 if bracket in "[{" else depth - 1
            if depth > limits.max_json_depth:
                raise LimitExceeded(f"{what} nests deeper than {limits.max_json_depth}")
    try:
        value = json.loads(
            data, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except MalformedInput:
        raise
    except (ValueError, RecursionError) as exc:
        raise MalformedInput(f"{what} is not valid JSON: {exc}") from exc
    return value


def parse_json_object(
    data: str | bytes, *, what: str = "JSON", limits: Limits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """Parse strict JSON that must be an object."""
    value = parse_json(data, what=what, limits=limits)
    if not isinstance(value, dict):
        raise MalformedInput(f"{what} is not a JSON object")
    return value


def dump_json_compact(value: Any) -> str:
    """Serialise JSON compactly with UTF-8 characters kept (no ASCII escaping)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


__all__ = [
    "b64url_decode",
    "b64url_encode",
    "dump_json_compact",
    "parse_json",
    "parse_json_object",
]

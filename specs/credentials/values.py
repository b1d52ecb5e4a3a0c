"""Value rules of claims: each states its JSON Schema and checks a JSON value the same way.

A rule checks only what its JSON Schema fragment also expresses, so the schema and the
model agree field by field; rules JSON Schema cannot state (check digits, consistency
between fields) live in the credential type's own ``rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

# JSON Schema ``pattern`` is an ECMA-262 regex matched with search semantics; Python's ``$``
# also matches before a trailing newline, ECMA's does not. Ending with ``(?![\s\S])`` (no
# character follows) means the same thing in both engines.
_END = r"(?![\s\S])"

# Full-width katakana ァ (U+30A1) .. ヶ (U+30F6), the prolonged sound mark ー (U+30FC) and the
# ideographic space (U+3000) between family and given name. Not half-width kana, not hiragana.
KANA_CHARS = "\u30a1-\u30f6\u30fc\u3000"
KANA_PATTERN = f"^[{KANA_CHARS}]+{_END}"
DATE_PATTERN = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}{_END}"
# Text fields: no control characters (C0, DEL, C1); line breaks only where ``multiline``.
_TEXT_BODY = r"[^\u0000-\u001f\u007f-\u009f]"
_MULTILINE_BODY = r"[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]"

MAX_AMOUNT = 99_999_999_999  # 11 digits of yen: wider than any box of the official form
MAX_COUNT = 99


class ValueRule(Protocol):
    """What a claim value must be, as JSON Schema and as a Python check."""

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema (draft 2020-12) fragment of the value."""
        ...

    def problem(self, value: object) -> str | None:
        """Return the broken rule in English, or None when ``value`` is acceptable."""
        ...

    def load(self, value: Any) -> Any:
        """Convert an accepted JSON value to its model value."""
        ...

    def dump(self, value: Any) -> Any:
        """Convert a model value to its JSON value."""
        ...


def _is_int(value: object) -> bool:
    # bool is an int in Python but a distinct type in JSON.
    return isinstance(value, int) and not isinstance(value, bool)


class _AsIs:
    """A rule whose JSON value is its model value: loaded and dumped unchanged."""

    __slots__ = ()

    def load(self, value: Any) -> Any:
        """Return the value unchanged."""
        return value

    def dump(self, value: Any) -> Any:
        """Return the value unchanged."""
        return value


class _String(_AsIs):
    """A string within length bounds that matches a pattern; a subclass states the three."""

    __slots__ = ()

    def _lengths(self) -> tuple[int | None, int | None]:
        # (minLength, maxLength) of the schema; None where the rule states none.
        return None, None

    def _pattern(self) -> str:
        raise NotImplementedError

    def _mismatch(self) -> str:
        # What a string that misses the pattern must be (or must not contain).
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema fragment."""
        low, high = self._lengths()
        out: dict[str, Any] = {"type": "string"}
        if low is not None:
            out["minLength"] = low
        if high is not None:
            out["maxLength"] = high
        out["pattern"] = self._pattern()
        return out

    def problem(self, value: object) -> str | None:
        """Return the broken rule, or None."""
        if not isinstance(value, str):
            return "must be a string"
        low, high = self._lengths()
        if high is not None and not (low or 0) <= len(value) <= high:
            if low is None:
                return f"must be at most {high} characters long"
            return f"must be {low} to {high} characters long"
        if not re.search(self._pattern(), value):
            return self._mismatch()
        return None


@dataclass(frozen=True, slots=True)
class Text(_String):
    """A string of 1..``max_length`` characters without control characters."""

    max_length: int = 200
    multiline: bool = False

    def _lengths(self) -> tuple[int | None, int | None]:
        return 1, self.max_length

    def _pattern(self) -> str:
        body = _MULTILINE_BODY if self.multiline else _TEXT_BODY
        return f"^{body}+{_END}"

    def _mismatch(self) -> str:
        return "must not contain control characters" + ("" if self.multiline else " or line breaks")


@dataclass(frozen=True, slots=True)
class Pattern(_String):
    """A string matching a fixed format, e.g. ``^[0-9]{13}$`` for a corporate number."""

    body: str
    description: str

    def _pattern(self) -> str:
        return f"^{self.body}{_END}"

    def _mismatch(self) -> str:
        return f"must be {self.description}"


@dataclass(frozen=True, slots=True)
class Kana(_String):
    """Full-width katakana, the prolonged sound mark and the ideographic space only."""

    max_length: int = 100

    def _lengths(self) -> tuple[int | None, int | None]:
        return None, self.max_length

    def _pattern(self) -> str:
        return KANA_PATTERN

    def _mismatch(self) -> str:
        return (
            "must be full-width katakana only (全角カタカナ; ー and the full-width space allowed)"
        )


@dataclass(frozen=True, slots=True)
class Date:
    """A calendar date as ``YYYY-MM-DD`` (RFC 3339 full-date), loaded as ``datetime.date``."""

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema fragment."""
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}

    def problem(self, value: object) -> str | None:
        """Return the broken rule, or None."""
        if not isinstance(value, str) or not re.search(DATE_PATTERN, value):
            return "must be a date written YYYY-MM-DD"
        try:
            date.fromisoformat(value)
        except ValueError:
            return "must be a date that exists in the calendar"
        return None

    def load(self, value: Any) -> Any:
        """Return the ``datetime.date``."""
        return date.fromisoformat(value)

    def dump(self, value: Any) -> Any:
        """Return the ISO date string."""
        return value.isoformat()


@dataclass(frozen=True, slots=True)
class Integer:
    """A JSON integer within ``[minimum, maximum]`` (never a float, never a boolean)."""

    minimum: int
    maximum: int
    unit: str = ""

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema fragment."""
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}

    def problem(self, value: object) -> str | None:
        """Return the broken rule, or None."""
        # JSON Schema counts 1.0 as an integer; a value of yen is never written as a float.
        if not _is_int(value) or isinstance(value, float):
            what = f"an integer number of {self.unit}" if self.unit else "an integer"
            return f"must be {what} (not a fraction, string or boolean)"
        assert isinstance(value, int)
        if not self.minimum <= value <= self.maximum:
            return f"must be between {self.minimum} and {self.maximum}"
        return None

    def load(self, value: Any) -> Any:
        """Return the int."""
        return int(value)

    def dump(self, value: Any) -> Any:
        """Return the int."""
        return value


def Amount() -> Integer:  # noqa: N802 - reads as a type in claim declarations
    """An amount of integer yen, never negative."""
    return Integer(0, MAX_AMOUNT, "yen")


def Count() -> Integer:  # noqa: N802 - reads as a type in claim declarations
    """A number of people."""
    return Integer(0, MAX_COUNT, "people")


@dataclass(frozen=True, slots=True)
class Flag(_AsIs):
    """A JSON boolean."""

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema fragment."""
        return {"type": "boolean"}

    def problem(self, value: object) -> str | None:
        """Return the broken rule, or None."""
        return None if isinstance(value, bool) else "must be true or false"


@dataclass(frozen=True, slots=True)
class Choice(_AsIs):
    """One of a fixed set of strings."""

    values: tuple[str, ...]

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema fragment."""
        return {"type": "string", "enum": list(self.values)}

    def problem(self, value: object) -> str | None:
        """Return the broken rule, or None."""
        if not isinstance(value, str) or value not in self.values:
            return "must be one of " + ", ".join(self.values)
        return None


@dataclass(frozen=True, slots=True)
class ChoiceList:
    """A non-empty list of distinct strings from a fixed set, loaded as a tuple."""

    values: tuple[str, ...]

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema fragment."""
        return {
            "type": "array",
            "items": {"type": "string", "enum": list(self.values)},
            "minItems": 1,
            "maxItems": len(self.values),
            "uniqueItems": True,
        }

    def problem(self, value: object) -> str | None:
        """Return the broken rule, or None."""
        if not isinstance(value, list) or not value:
            return "must be a non-empty list"
        if any(not isinstance(v, str) or v not in self.values for v in value):
            return "must list only " + ", ".join(self.values)
        if len(set(value)) != len(value):
            return "must not list an item twice"
        return None

    def load(self, value: Any) -> Any:
        """Return a tuple."""
        return tuple(value)

    def dump(self, value: Any) -> Any:
        """Return a list."""
        return list(value)


__all__ = [
    "DATE_PATTERN",
    "KANA_PATTERN",
    "MAX_AMOUNT",
    "Amount",
    "Choice",
    "ChoiceList",
    "Count",
    "Date",
    "Flag",
    "Integer",
    "Kana",
    "Pattern",
    "Text",
    "ValueRule",
]

"""Disclosures (RFC 9901 section 4.2): salted claim name/value arrays and their digests."""

from __future__ import annotations

import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from specs.encoding import b64url_encode
from specs.errors import LimitExceeded, MalformedInput, Unsupported
from specs.limits import DEFAULT_LIMITS, Limits
from specs.sd_jwt.constants import RESERVED_CLAIM_NAMES, SD_ALGS
from specs.sd_jwt.strict_json import PADDING, TO_STANDARD, loads


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One disclosure: its encoded form, salt, claim name (None for array elements), value, digest."""

    encoded: str
    salt: str
    name: str | None
    value: Any
    digest: str

    @property
    def is_array_element(self) -> bool:
        """True for a two-element disclosure of an array element (RFC 9901 section 4.2.2)."""
        return self.name is None


# The __init__ of a frozen dataclass sets each field through object.__setattr__, which costs
# about as much as the rest of building a disclosure; the parser below fills the slots
# through their descriptors instead: the same fields, the same frozen instance afterwards.
_SLOT_SETTERS = tuple(getattr(Disclosure, name).__set__ for name in Disclosure.__slots__)


def _new_disclosure(
    encoded: str, salt: str, name: str | None, value: Any, hashed: str
) -> Disclosure:
    made: Disclosure = object.__new__(Disclosure)
    set_encoded, set_salt, set_name, set_value, set_digest = _SLOT_SETTERS
    set_encoded(made, encoded)
    set_salt(made, salt)
    set_name(made, name)
    set_value(made, value)
    set_digest(made, hashed)
    return made


_HASHES = {name: getattr(hashlib, algorithm) for name, algorithm in SD_ALGS.items()}
# base64 to base64url (RFC 4648 section 5); digests are ASCII, so this works on bytes.
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def hash_name(sd_alg: str) -> str:
    """Return the hashlib name of an ``_sd_alg`` value, or raise ``Unsupported``."""
    try:
        return SD_ALGS[sd_alg]
    except (KeyError, TypeError):
        raise Unsupported(f"_sd_alg {sd_alg!r} is not supported") from None


def _hash_constructor(sd_alg: str) -> Any:
    try:
        return _HASHES[sd_alg]
    except (KeyError, TypeError):
        raise Unsupported(f"_sd_alg {sd_alg!r} is not supported") from None


def _b64url_digest(constructor: Any, ascii_bytes: bytes) -> str:
    return (
        binascii.b2a_base64(constructor(ascii_bytes).digest(), newline=False)
        .rstrip(b"=")
        .translate(_TO_URLSAFE)
        .decode("ascii")
    )


def digest(encoded: str, sd_alg: str = "sha-256") -> str:
    """Return the base64url digest over an ASCII string (RFC 9901 section 4.2.3)."""
    return _b64url_digest(_hash_constructor(sd_alg), encoded.encode("ascii"))


def make_disclosure(salt: str, name: str | None, value: Any, sd_alg: str = "sha-256") -> Disclosure:
    """Create a disclosure for a claim (``name`` given) or an array element (``name`` None)."""
    if name is not None and name in RESERVED_CLAIM_NAMES:
        raise MalformedInput(f"claim name {name!r} cannot be selectively disclosed")
    content: list[Any] = [salt, value] if name is None else [salt, name, value]
    # The RFC's examples and the reference implementation serialise the array with Python's
    # default separators and ASCII escapes; using the same form lets vectors round-trip.
    try:
        text = json.dumps(content, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise MalformedInput(f"claim value is not JSON: {exc}") from exc
    encoded = b64url_encode(text.encode("utf-8"))
    return Disclosure(encoded, salt, name, value, digest(encoded, sd_alg))


def parse_disclosure(
    encoded: str, sd_alg: str = "sha-256", *, limits: Limits = DEFAULT_LIMITS
) -> Disclosure:
    """Decode one disclosure and compute its digest; raise ``MalformedInput`` on bad shape."""
    return parse_disclosures((encoded,), sd_alg, limits=limits)[0]


def parse_disclosures(
    encoded: Iterable[str], sd_alg: str = "sha-256", *, limits: Limits = DEFAULT_LIMITS
) -> list[Disclosure]:
    """Decode disclosures in order and compute their digests (one ``parse_disclosure`` each)."""
    constructor = _hash_constructor(sd_alg)
    max_length = limits.max_token_bytes
    a2b, b2a = binascii.a2b_base64, binascii.b2a_base64
    out: list[Disclosure] = []
    # The steps of b64url_decode_ascii and _b64url_digest, inlined: this loop runs once per
    # disclosure on every verification.
    for text in encoded:
        if not isinstance(text, str) or not text:
            raise MalformedInput("disclosure must be a non-empty string")
        if len(text) > max_length:
            raise LimitExceeded(f"disclosure is longer than {max_length} characters")
        try:
            raw = text.encode("ascii")
            plain = a2b(raw.translate(TO_STANDARD) + PADDING[len(raw) & 3], strict_mode=True)
        except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
            raise MalformedInput(
                "disclosure is not valid base64url (RFC 4648 section 5, no padding)"
            ) from None
        content = loads(plain, what="disclosure", limits=limits)
        if type(content) is not list or len(content) not in (2, 3):
            raise MalformedInput("disclosure must be a JSON array of two or three elements")
        salt = content[0]
        if not isinstance(salt, str):
            raise MalformedInput("disclosure salt must be a string")
        # RFC 9901 section 4.2.3: the digest is over the disclosure exactly as received.
        hashed = (
            b2a(constructor(raw).digest(), newline=False)
            .rstrip(b"=")
            .translate(_TO_URLSAFE)
            .decode("ascii")
        )
        if len(content) == 2:
            out.append(_new_disclosure(text, salt, None, content[1], hashed))
            continue
        name = content[1]
        if not isinstance(name, str):
            raise MalformedInput("disclosure claim name must be a string")
        if name in RESERVED_CLAIM_NAMES:
            raise MalformedInput(f"disclosure uses the reserved claim name {name!r}")
        out.append(_new_disclosure(text, salt, name, content[2], hashed))
    return out

"""Disclosures (RFC 9901 section 4.2): salted claim name/value arrays and their digests."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from specs.encoding import b64url_encode
from specs.errors import LimitExceeded, MalformedInput, Unsupported
from specs.limits import DEFAULT_LIMITS, Limits
from specs.sd_jwt.constants import RESERVED_CLAIM_NAMES, SD_ALGS
from specs.sd_jwt.strict_json import b64url_decode, loads


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


_HASHES = {name: getattr(hashlib, algorithm) for name, algorithm in SD_ALGS.items()}


def hash_name(sd_alg: str) -> str:
    """Return the hashlib name of an ``_sd_alg`` value, or raise ``Unsupported``."""
    try:
        return SD_ALGS[sd_alg]
    except (KeyError, TypeError):
        raise Unsupported(f"_sd_alg {sd_alg!r} is not supported") from None


def digest(encoded: str, sd_alg: str = "sha-256") -> str:
    """Return the base64url digest over an ASCII string (RFC 9901 section 4.2.3)."""
    constructor = _HASHES.get(sd_alg)
    if constructor is None:
        hash_name(sd_alg)
        raise Unsupported(f"_sd_alg {sd_alg!r} is not supported")
    return b64url_encode(constructor(encoded.encode("ascii")).digest())


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
    if not isinstance(encoded, str) or not encoded:
        raise MalformedInput("disclosure must be a non-empty string")
    if len(encoded) > limits.max_token_bytes:
        raise LimitExceeded(f"disclosure is longer than {limits.max_token_bytes} characters")
    content = loads(b64url_decode(encoded, what="disclosure"), what="disclosure", limits=limits)
    if not isinstance(content, list) or len(content) not in (2, 3):
        raise MalformedInput("disclosure must be a JSON array of two or three elements")
    salt = content[0]
    if not isinstance(salt, str):
        raise MalformedInput("disclosure salt must be a string")
    if len(content) == 2:
        return Disclosure(encoded, salt, None, content[1], digest(encoded, sd_alg))
    name = content[1]
    if not isinstance(name, str):
        raise MalformedInput("disclosure claim name must be a string")
    if name in RESERVED_CLAIM_NAMES:
        raise MalformedInput(f"disclosure uses the reserved claim name {name!r}")
    return Disclosure(encoded, salt, name, content[2], digest(encoded, sd_alg))

"""Canonical form of trust-list documents: RFC 8785 JSON Canonicalization Scheme (JCS)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785

from specs.errors import MalformedInput


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """Serialise ``document`` in RFC 8785 canonical form (UTF-8 bytes)."""
    try:
        return rfc8785.dumps(dict(document))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise MalformedInput(f"document cannot be canonicalised (RFC 8785): {exc}") from exc


def canonical_digest(document: Mapping[str, Any]) -> str:
    """Return the SHA-256 of the canonical form, as lowercase hex."""
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def token_digest(token: str) -> str:
    """Return the SHA-256 of a signed list (its compact JWS text), as lowercase hex."""
    return hashlib.sha256(token.encode("ascii", errors="strict")).hexdigest()

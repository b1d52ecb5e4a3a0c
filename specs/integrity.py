"""Subresource Integrity strings (W3C SRI), as used by SD-JWT VC ``vct#integrity``."""

from __future__ import annotations

import base64
import hashlib
import hmac

from specs.errors import DigestMismatch, MalformedInput, Unsupported

_SRI_HASHES = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}


def integrity(data: bytes, alg: str = "sha256") -> str:
    """Return the SRI string ``<alg>-<base64 digest>`` of ``data``."""
    if alg not in _SRI_HASHES:
        raise Unsupported(f"integrity algorithm {alg!r} is not supported")
    return f"{alg}-" + base64.b64encode(hashlib.new(alg, data).digest()).decode("ascii")


def check_integrity(data: bytes, expected: str) -> None:
    """Raise ``DigestMismatch`` unless ``data`` matches one of the SRI values in ``expected``."""
    if not isinstance(expected, str) or not expected.strip():
        raise MalformedInput("integrity value must be a non-empty string")
    supported = []
    for token in expected.split():
        alg, _, _ = token.partition("-")
        if alg in _SRI_HASHES:
            supported.append(token.split("?")[0])
    if not supported:
        raise Unsupported(f"no supported hash algorithm in integrity {expected!r}")
    for token in supported:
        alg = token.partition("-")[0]
        if hmac.compare_digest(integrity(data, alg), token):
            return
    raise DigestMismatch("content does not match its integrity value")

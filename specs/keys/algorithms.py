"""The JOSE/COSE signature algorithms honnin knows (RFC 7518, RFC 8037, RFC 9053)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes

from specs.errors import Unsupported


@dataclass(frozen=True, slots=True)
class Algorithm:
    """A signature algorithm: its JOSE name, COSE id, key type, curve and hash."""

    name: str
    cose_id: int
    kty: str
    crv: str | None
    hash_name: str | None
    signature_size: int | None

    def hash(self) -> hashes.HashAlgorithm:
        """Return a fresh ``cryptography`` hash object for this algorithm."""
        return _HASHES[self.hash_name or "sha256"]()


_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

ALGORITHMS: dict[str, Algorithm] = {
    "ES256": Algorithm("ES256", -7, "EC", "P-256", "sha256", 64),
    "ES384": Algorithm("ES384", -35, "EC", "P-384", "sha384", 96),
    "ES512": Algorithm("ES512", -36, "EC", "P-521", "sha512", 132),
    "EdDSA": Algorithm("EdDSA", -8, "OKP", "Ed25519", None, 64),
    "PS256": Algorithm("PS256", -37, "RSA", None, "sha256", None),
    "RS256": Algorithm("RS256", -257, "RSA", None, "sha256", None),
}

# The default allow-list: RS256 only when a caller names it (e.g. for card certificates).
DEFAULT_ALLOWED_ALGS: frozenset[str] = frozenset({"ES256", "ES384", "ES512", "EdDSA", "PS256"})


def algorithm(name: str) -> Algorithm:
    """Look up an algorithm by JOSE name, raising ``Unsupported`` for anything unknown."""
    try:
        return ALGORITHMS[name]
    except (KeyError, TypeError):
        raise Unsupported(f"signature algorithm {name!r} is not supported") from None


def algorithm_by_cose_id(cose_id: int) -> Algorithm:
    """Look up an algorithm by its COSE identifier."""
    for alg in ALGORITHMS.values():
        if alg.cose_id == cose_id:
            return alg
    raise Unsupported(f"COSE algorithm {cose_id!r} is not supported")

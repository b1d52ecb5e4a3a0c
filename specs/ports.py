"""Small protocols through which the outside world is injected: keys, time, randomness."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Signer(Protocol):
    """A handle that signs with a private key it never reveals."""

    @property
    def alg(self) -> str:
        """The JOSE algorithm name this signer produces (e.g. ``ES256``)."""
        ...

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The public key as a JWK dict (no private members)."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` and return the signature in JOSE encoding (raw r||s for ECDSA)."""
        ...


class Clock(Protocol):
    """A source of the current time."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...


class Random(Protocol):
    """A source of random bytes."""

    def bytes(self, n: int) -> bytes:
        """Return ``n`` random bytes."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved, for tests and deterministic replays."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        """Return the fixed time."""
        return self._at

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        from datetime import timedelta

        self._at = self._at + timedelta(seconds=seconds)


class SystemRandom:
    """Cryptographically secure randomness from the operating system."""

    def bytes(self, n: int) -> bytes:
        """Return ``n`` random bytes from ``secrets``."""
        return secrets.token_bytes(n)


class SeededRandom:
    """Deterministic, NOT secure randomness for tests: SHA-256 in counter mode over a seed."""

    def __init__(self, seed: bytes | str) -> None:
        self._seed = seed.encode() if isinstance(seed, str) else seed
        self._counter = 0

    def bytes(self, n: int) -> bytes:
        """Return the next ``n`` bytes of the stream."""
        import hashlib

        out = b""
        while len(out) < n:
            out += hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        return out[:n]

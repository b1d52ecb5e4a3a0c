"""What the issuer's protocol core needs from storage, as small Protocols, plus in-memory ones.

Services supply SQL-backed implementations. Each single-use step (redeeming a code,
counting a tx_code attempt, consuming a nonce) MUST be one atomic operation in the store:
the core never reads and then writes, so two replicas cannot both win a race.
The in-memory stores here are the reference behaviour and serve tests and demos.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OfferState:
    """The issuer's view of one Credential Offer and its pre-authorized code."""

    offer_id: str
    credential_configuration_ids: tuple[str, ...]
    tx_code_required: bool
    expires_at: datetime
    locked: bool = False
    redeemed_at: datetime | None = None
    tx_code_attempts: int = 0


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """What an access token allows: Credentials of the offer's configurations."""

    offer_id: str
    credential_configuration_ids: tuple[str, ...]
    expires_at: datetime
    client_id: str | None = None


class OfferStore(Protocol):
    """Offers, their pre-authorized codes and tx_codes, and the access tokens they yield."""

    def add_offer(self, offer: OfferState, *, code: str, tx_code: str | None) -> None:
        """Store a new offer under its pre-authorized code (store secrets hashed)."""
        ...

    def offer_by_code(self, code: str) -> OfferState | None:
        """Return the offer of a pre-authorized code, whatever its state."""
        ...

    def check_tx_code(self, offer_id: str, tx_code: str | None, max_attempts: int) -> bool:
        """Atomically count one attempt; True if it matches; lock the offer at the limit."""
        ...

    def redeem_code(
        self, code: str, now: datetime, *, token: str, token_expires_at: datetime
    ) -> AccessGrant | None:
        """Atomically mark the code redeemed (if unredeemed, unlocked and unexpired) AND store
        ``token`` (hashed) for its offer: both or neither. Return the grant, or None."""
        ...

    def access_grant(self, token: str, now: datetime) -> AccessGrant | None:
        """Return what an unexpired access token grants, or None."""
        ...


class NonceStore(Protocol):
    """``c_nonce`` values: issued with an expiry, consumed once."""

    def add_nonce(self, nonce: str, expires_at: datetime) -> None:
        """Store a fresh nonce (hashed)."""
        ...

    def consume(self, nonce: str, now: datetime) -> bool:
        """Atomically consume a nonce; False when unknown, already used or expired."""
        ...


class NotificationStore(Protocol):
    """Notification ids handed out with Credential Responses, and the events received."""

    def record_notification(self, notification_id: str, event: str) -> bool:
        """Record an event; False when the notification id is unknown."""
        ...


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


class InMemoryOfferStore:
    """Reference ``OfferStore`` in process memory (tests, demos); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offers: dict[bytes, OfferState] = {}
        self._by_id: dict[str, bytes] = {}
        self._tx_codes: dict[str, bytes | None] = {}
        self._tokens: dict[bytes, AccessGrant] = {}

    def add_offer(self, offer: OfferState, *, code: str, tx_code: str | None) -> None:
        """Store a new offer under its pre-authorized code."""
        with self._lock:
            key = _digest(code)
            if key in self._offers or offer.offer_id in self._by_id:
                raise ValueError("duplicate offer or code")
            self._offers[key] = offer
            self._by_id[offer.offer_id] = key
            self._tx_codes[offer.offer_id] = _digest(tx_code) if tx_code is not None else None

    def offer_by_code(self, code: str) -> OfferState | None:
        """Return the offer of a pre-authorized code."""
        with self._lock:
            return self._offers.get(_digest(code))

    def check_tx_code(self, offer_id: str, tx_code: str | None, max_attempts: int) -> bool:
        """Count one attempt, compare in constant time, lock at ``max_attempts`` failures."""
        with self._lock:
            key = self._by_id.get(offer_id)
            if key is None:
                return False
            offer = self._offers[key]
            if offer.locked:
                return False
            attempts = offer.tx_code_attempts + 1
            expected = self._tx_codes[offer_id]
            ok = expected is None or (
                tx_code is not None and hmac.compare_digest(expected, _digest(tx_code))
            )
            self._offers[key] = replace(
                offer, tx_code_attempts=attempts, locked=not ok and attempts >= max_attempts
            )
            return ok

    def redeem_code(
        self, code: str, now: datetime, *, token: str, token_expires_at: datetime
    ) -> AccessGrant | None:
        """Mark the code redeemed exactly once and store its access token, under one lock."""
        with self._lock:
            key = _digest(code)
            offer = self._offers.get(key)
            if offer is None or offer.locked or offer.redeemed_at is not None:
                return None
            if offer.expires_at <= now:
                return None
            grant = AccessGrant(
                offer_id=offer.offer_id,
                credential_configuration_ids=offer.credential_configuration_ids,
                expires_at=token_expires_at,
            )
            self._tokens[_digest(token)] = grant
            self._offers[key] = replace(offer, redeemed_at=now)
            return grant

    def access_grant(self, token: str, now: datetime) -> AccessGrant | None:
        """Return the grant of an unexpired token."""
        with self._lock:
            grant = self._tokens.get(_digest(token))
        if grant is None or grant.expires_at <= now:
            return None
        return grant


class InMemoryNonceStore:
    """Reference ``NonceStore`` in process memory; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nonces: dict[bytes, datetime] = {}

    def add_nonce(self, nonce: str, expires_at: datetime) -> None:
        """Store a fresh nonce."""
        with self._lock:
            self._nonces[_digest(nonce)] = expires_at

    def consume(self, nonce: str, now: datetime) -> bool:
        """Consume a nonce once; expired ones are dropped."""
        with self._lock:
            expires_at = self._nonces.pop(_digest(nonce), None)
        return expires_at is not None and expires_at > now


class InMemoryNotificationStore:
    """Reference ``NotificationStore``: registered ids and the events received for them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: dict[str, list[str]] = {}

    def register(self, notification_id: str) -> None:
        """Remember a notification id handed out with a Credential Response."""
        with self._lock:
            self.events.setdefault(notification_id, [])

    def record_notification(self, notification_id: str, event: str) -> bool:
        """Record an event for a known notification id."""
        with self._lock:
            if notification_id not in self.events:
                return False
            self.events[notification_id].append(event)
            return True

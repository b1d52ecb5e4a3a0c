"""Fetching Token Status Lists over HTTP with a cache and a staleness policy.

draft-ietf-oauth-status-list section 8 ("Validation Rules") and 13.7 (caching): a
list is re-fetched once its ``ttl`` (or our refresh interval) has passed; when the
issuer cannot be reached a cached copy stays usable only up to ``max_age_seconds``
after it was fetched, and a token issued longer ago than that is refused as stale.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from specs.errors import HonninError, LimitExceeded, StaleData
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Clock
from specs.status_list import MEDIA_TYPE_STATUSLIST_JWT, VerifiedStatusList

DEFAULT_REFRESH_SECONDS = 300


@dataclass(frozen=True, slots=True)
class CachedStatusList:
    """A verified status list and when it was fetched."""

    verified: VerifiedStatusList
    fetched_at: datetime
    key_id: str


Verify = Callable[[str, datetime], VerifiedStatusList]
"""Verifies a fetched token (signature, sub, times) given the time it was fetched."""


class StatusListCache:
    """Status lists by URI: fetched over ``client``, verified by the caller, kept while fresh."""

    def __init__(
        self,
        client: httpx.Client,
        clock: Clock,
        *,
        max_age_seconds: int,
        refresh_seconds: int = DEFAULT_REFRESH_SECONDS,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self._client = client
        self._clock = clock
        self._max_age = timedelta(seconds=max_age_seconds)
        self._refresh = timedelta(seconds=refresh_seconds)
        self._limits = limits
        self._lock = threading.Lock()
        self._entries: dict[str, CachedStatusList] = {}
        self.fetches = 0

    def _due(self, entry: CachedStatusList, now: datetime) -> bool:
        ttl = entry.verified.ttl
        interval = min(self._refresh, timedelta(seconds=ttl)) if ttl else self._refresh
        return now >= entry.fetched_at + interval

    def _fetch(self, uri: str) -> str:
        self.fetches += 1
        try:
            response = self._client.get(uri, headers={"Accept": MEDIA_TYPE_STATUSLIST_JWT})
        except httpx.HTTPError as exc:
            raise StaleData(f"status list {uri} could not be fetched: {exc}") from exc
        if response.status_code != 200:
            raise StaleData(f"status list {uri} answered HTTP {response.status_code}")
        if len(response.content) > self._limits.max_token_bytes:
            raise LimitExceeded(f"status list {uri} is larger than {self._limits.max_token_bytes}")
        return response.text.strip()

    def get(self, uri: str, key_id: str, verify: Verify) -> VerifiedStatusList:
        """Return the verified list at ``uri``, fetching when due; raise ``StaleData`` if too old."""
        now = self._clock.now()
        with self._lock:
            entry = self._entries.get(uri)
        if entry is not None and entry.key_id == key_id and not self._due(entry, now):
            return entry.verified
        try:
            token = self._fetch(uri)
            verified = verify(token, now)
        except HonninError:
            # Keep serving the last good copy within the staleness bound (section 13.7).
            if (
                entry is not None
                and entry.key_id == key_id
                and now - entry.fetched_at <= self._max_age
            ):
                return entry.verified
            raise
        with self._lock:
            # Two requests may refresh one list at once: a fetch that started earlier (and
            # may predate a revocation) never replaces the copy of a later one.
            current = self._entries.get(uri)
            if current is None or current.key_id != key_id or current.fetched_at <= now:
                self._entries[uri] = CachedStatusList(
                    verified=verified, fetched_at=now, key_id=key_id
                )
        return verified

    def clear(self) -> None:
        """Forget every cached list."""
        with self._lock:
            self._entries.clear()


__all__ = ["CachedStatusList", "StatusListCache"]

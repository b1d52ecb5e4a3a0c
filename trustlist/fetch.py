"""Fetching a published trust list with caching, freshness, rollback and log consistency.

``accept`` is the sans-IO core: given the bytes fetched and what was accepted before, it
returns the new state or raises. ``TrustListFetcher`` is the httpx adapter around it: it
sends ``If-None-Match``, and when the network or the new list fails it keeps the last good
list (if that is still fresh enough) and says so in the returned status.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import httpx
from cryptography import x509
from pydantic import BaseModel, ConfigDict

from specs.encoding import parse_json_object
from specs.errors import HonninError, LimitExceeded, MalformedInput, NotFound
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Clock
from specs.trustlist.log import LogHead, check_extends, check_list_logged, verify_log
from specs.trustlist.signature import VerifiedTrustList, jws_limits, verify_trust_list
from trustlist.freshness import FreshnessPolicy, check_freshness, check_rollback


class FetcherState(BaseModel):
    """What a client remembers between fetches (a stored record)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    last_sequence_number: int | None = None
    last_digest: str | None = None
    last_good_token: str | None = None
    etag: str | None = None
    log_size: int = 0
    log_head_hash: str | None = None


class StateStore(Protocol):
    """Where a fetcher keeps its state."""

    def load(self) -> FetcherState:
        """Return the saved state (empty at first)."""
        ...

    def save(self, state: FetcherState) -> None:
        """Persist ``state``."""
        ...


class MemoryStateStore:
    """State kept in memory (tests, short-lived processes)."""

    def __init__(self, state: FetcherState | None = None) -> None:
        self.state = state or FetcherState()

    def load(self) -> FetcherState:
        """Return the state."""
        return self.state

    def save(self, state: FetcherState) -> None:
        """Replace the state."""
        self.state = state


class FileStateStore:
    """State kept in a JSON file, replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> FetcherState:
        """Read the state file (empty state when missing)."""
        if not self.path.exists():
            return FetcherState()
        return FetcherState.model_validate(parse_json_object(self.path.read_bytes()))

    def save(self, state: FetcherState) -> None:
        """Write the state file atomically."""
        from trustlist.transparency import write_atomic

        write_atomic(self.path, state.model_dump_json().encode("utf-8"))


@dataclass(frozen=True, slots=True)
class FetchStatus:
    """The list in force after a fetch, where it came from, and any warning."""

    verified: VerifiedTrustList
    source: str  # "network", "not_modified" or "last_good"
    warning: str | None = None
    error: HonninError | None = None


def accept(
    token: str,
    log_document: dict[str, Any] | None,
    state: FetcherState,
    anchors: Sequence[x509.Certificate],
    at: datetime,
    *,
    policy: FreshnessPolicy,
    etag: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[VerifiedTrustList, FetcherState, str | None]:
    """Verify a fetched list (and log) against the remembered state; return the new state."""
    verified = verify_trust_list(token, anchors, at, limits=limits)
    warning = check_freshness(verified.trust_list, at, policy)
    check_rollback(
        verified.trust_list, verified.digest, state.last_sequence_number, state.last_digest
    )
    log_size, log_hash = state.log_size, state.log_head_hash
    if log_document is not None:
        log = verify_log(log_document, anchors, at, limits=limits)
        previous = LogHead(state.log_size, state.log_head_hash) if state.log_head_hash else None
        check_extends(previous, log)
        check_list_logged(
            log, list_digest=verified.digest, sequence_number=verified.trust_list.sequence_number
        )
        log_size, log_hash = log.head.size, log.head.head_hash
    new_state = FetcherState(
        last_sequence_number=verified.trust_list.sequence_number,
        last_digest=verified.digest,
        last_good_token=verified.token,
        etag=etag,
        log_size=log_size,
        log_head_hash=log_hash,
    )
    return verified, new_state, warning


class TrustListFetcher:
    """Fetches a trust list (and its transparency log) over HTTP with caching."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        list_url: str,
        anchors: Sequence[x509.Certificate],
        clock: Clock,
        store: StateStore,
        *,
        log_url: str | None = None,
        policy: FreshnessPolicy | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self._client = client
        self._list_url = list_url
        self._log_url = log_url
        self._anchors = list(anchors)
        self._clock = clock
        self._store = store
        self._policy = policy or FreshnessPolicy()
        self._limits = limits

    async def _get(self, url: str, headers: dict[str, str], max_bytes: int) -> httpx.Response:
        response = await self._client.get(url, headers=headers)
        if len(response.content) > max_bytes:
            raise LimitExceeded(f"{url} returned more than {max_bytes} bytes")
        return response

    async def fetch(self, *, fallback: bool = True) -> FetchStatus:
        """Fetch, verify and accept the current list; fall back to the last good one on failure."""
        state = self._store.load()
        at = self._clock.now()
        try:
            return await self._fetch(state, at)
        except (HonninError, httpx.HTTPError) as exc:
            if not fallback or state.last_good_token is None:
                raise
            # Keep the last good list, but only while it is itself fresh enough.
            verified = verify_trust_list(
                state.last_good_token, self._anchors, at, limits=self._limits
            )
            stale = check_freshness(verified.trust_list, at, self._policy)
            reason = f"{exc} [{exc.code}]" if isinstance(exc, HonninError) else f"network: {exc}"
            warning = (
                f"fetch failed ({reason}); keeping last good list "
                f"{verified.trust_list.sequence_number}"
            )
            if stale:
                warning += f"; {stale}"
            return FetchStatus(
                verified=verified,
                source="last_good",
                warning=warning,
                error=exc if isinstance(exc, HonninError) else None,
            )

    async def _fetch(self, state: FetcherState, at: datetime) -> FetchStatus:
        big = jws_limits(self._limits)
        headers = {}
        if state.etag and state.last_good_token:
            headers["If-None-Match"] = state.etag
        response = await self._get(self._list_url, headers, big.max_token_bytes)
        if response.status_code == 304 and state.last_good_token:
            token, source = state.last_good_token, "not_modified"
        elif response.status_code == 200:
            token, source = response.text, "network"
        elif response.status_code == 404:
            raise NotFound(f"{self._list_url} returned 404")
        else:
            raise httpx.HTTPStatusError(
                f"{self._list_url} returned {response.status_code}",
                request=response.request,
                response=response,
            )
        log_document = None
        if self._log_url is not None:
            log_response = await self._get(self._log_url, {}, big.max_json_bytes)
            if log_response.status_code != 200:
                raise httpx.HTTPStatusError(
                    f"{self._log_url} returned {log_response.status_code}",
                    request=log_response.request,
                    response=log_response,
                )
            try:
                log_document = parse_json_object(log_response.content, what="log", limits=big)
            except json.JSONDecodeError as exc:  # pragma: no cover - parse_json wraps these
                raise MalformedInput("log is not JSON") from exc
        verified, new_state, warning = accept(
            token,
            log_document,
            state,
            self._anchors,
            at,
            policy=self._policy,
            etag=response.headers.get("etag") or state.etag,
            limits=self._limits,
        )
        self._store.save(new_state)
        return FetchStatus(verified=verified, source=source, warning=warning)

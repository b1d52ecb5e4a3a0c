"""The verifier's copy of the signed trust list: loaded from a file or URL, verified, cached.

Only ``trustlist.evaluation`` may be imported from the trust-list role, so loading is
done here over ``specs.trustlist.verify_trust_list`` with the pinned operator anchors.
A list older than the newest one accepted under the same operator anchors is refused
(``specs.trustlist.rollback``); the newest accepted is kept in the verifier database, so a
restart does not forget it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import httpx
from cryptography import x509

from specs.errors import HonninError, MalformedInput, StaleData
from specs.keys.x509 import load_pem_certificates
from specs.ports import Clock
from specs.trustlist import (
    AcceptedTrustList,
    TrustList,
    anchor_scope,
    remember_accepted,
    verify_trust_list,
)

# A fetched list is re-read after this long even if it has not changed on disk.
RELOAD_SECONDS = 300
# After a failed reload the last good list is served and the source is tried again only
# after this long: a broken or hostile source must not cost every verification a fetch.
RETRY_SECONDS = 30
MAX_TRUST_LIST_BYTES = 4 * 1024 * 1024


def trust_list_reader(location: str, http: httpx.Client | None = None) -> Callable[[], str]:
    """Return a function that reads the signed list from a file path or an http(s) URL."""
    if "://" in location:

        def fetch() -> str:
            client = http or httpx.Client(timeout=10)
            response = client.get(location)
            if response.status_code != 200:
                raise StaleData(f"trust list fetch from {location} answered {response.status_code}")
            if len(response.content) > MAX_TRUST_LIST_BYTES:
                raise MalformedInput("the trust list is larger than the verifier accepts")
            return response.text

        return fetch

    path = Path(location)

    def read() -> str:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise MalformedInput(f"cannot read the trust list {path}: {exc}") from exc
        if len(data) > MAX_TRUST_LIST_BYTES:
            raise MalformedInput("the trust list is larger than the verifier accepts")
        return data.decode("ascii", errors="replace")

    return read


def load_anchors(path: Path) -> list[x509.Certificate]:
    """Read the pinned trust-list operator certificates (PEM)."""
    try:
        return load_pem_certificates(path.read_bytes())
    except OSError as exc:
        raise MalformedInput(f"cannot read the trust-list anchor {path}: {exc}") from exc


_RETRY = timedelta(seconds=RETRY_SECONDS)


class AcceptedTrustListStore(Protocol):
    """Where the newest accepted trust list is remembered (``VerifierRepository`` in service)."""

    def accepted_trust_list(self) -> AcceptedTrustList | None:
        """Return the newest list accepted so far, if any."""
        ...

    def replace_accepted_trust_list(
        self, expected: AcceptedTrustList | None, new: AcceptedTrustList, at: datetime
    ) -> bool:
        """Store ``new`` if ``expected`` is still what is stored; False otherwise."""
        ...


class InMemoryAcceptedTrustListStore:
    """The newest accepted list kept in memory only (tests, a source without a database)."""

    def __init__(self, accepted: AcceptedTrustList | None = None) -> None:
        self.accepted = accepted

    def accepted_trust_list(self) -> AcceptedTrustList | None:
        """Return the newest list accepted so far, if any."""
        return self.accepted

    def replace_accepted_trust_list(
        self, expected: AcceptedTrustList | None, new: AcceptedTrustList, at: datetime
    ) -> bool:
        """Store ``new`` if ``expected`` is still what is stored; False otherwise."""
        if self.accepted != expected:
            return False
        self.accepted = new
        return True


class TrustListSource:
    """The current verified trust list; re-read periodically, never older than its next update.

    A re-read list numbered below the newest one accepted, or a different list under the
    same number, is refused with ``Rollback`` (a mirror or attacker replaying a validly signed
    older list, e.g. from before an issuer was withdrawn); the last good list is served
    meanwhile while it is fresh, as on any other failed reload. The newest accepted list is
    kept in ``accepted`` (the verifier database in ``VerifierService``), so a restart refuses
    an older list too. There is no override: the operator must keep sequence numbers
    increasing with every list it publishes (ETSI TS 119 612 5.3.2, TS 119 602 6.3.2); a
    list republished under a reset number is refused until its number passes the old one.

    The numbers count per operator, so the remembered list is scoped to ``anchors``
    (``anchor_scope``): after the administrator points verifier.toml at another operator's
    list and anchor, the first list verified under the new anchors is accepted whatever its
    number and replaces the remembered one (also on switching back: re-pointing is an
    explicit act of the administrator). Replicas sharing a database must share anchors.
    """

    def __init__(
        self,
        read: Callable[[], str],
        anchors: Sequence[x509.Certificate],
        clock: Clock,
        *,
        reload_seconds: int = RELOAD_SECONDS,
        accepted: AcceptedTrustListStore | None = None,
    ) -> None:
        self._read = read
        self._anchors = list(anchors)
        self._scope = anchor_scope(self._anchors)
        self._clock = clock
        self._reload = timedelta(seconds=reload_seconds)
        self._accepted = accepted or InMemoryAcceptedTrustListStore()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._list: TrustList | None = None
        self._loaded_at: datetime | None = None
        self._failed_at: datetime | None = None

    def current(self) -> TrustList:
        """Return the verified list, reloading it when due; keep the last good one on failure."""
        now = self._clock.now()
        with self._lock:
            due = (
                self._loaded_at is None
                or self._list is None
                or (
                    now - self._loaded_at >= self._reload
                    and (self._failed_at is None or now - self._failed_at >= _RETRY)
                )
            )
            if due:
                try:
                    token = self._read().strip()
                    if token != self._token or self._list is None:
                        verified = verify_trust_list(token, self._anchors, now)
                        self._remember(verified.trust_list.sequence_number, verified.digest, now)
                        self._list = verified.trust_list
                        self._token = token
                    self._loaded_at = now
                    self._failed_at = None
                except HonninError:
                    if self._list is None:
                        raise
                    self._failed_at = now
            assert self._list is not None
            if now > self._list.scheme.next_update:
                raise StaleData(
                    "the trust list is past its next update "
                    f"({self._list.scheme.next_update.isoformat()}) and no newer one was found"
                )
            return self._list

    def _remember(self, sequence_number: int, digest: str, now: datetime) -> None:
        # Another replica may accept a newer list between our read and our write.
        remember_accepted(
            sequence_number,
            digest,
            scope=self._scope,
            read=self._accepted.accepted_trust_list,
            replace=lambda last, new: self._accepted.replace_accepted_trust_list(last, new, now),
        )

    def refresh(self) -> None:
        """Force the next ``current`` call to re-read the list."""
        with self._lock:
            self._list = None
            self._token = None


__all__ = [
    "AcceptedTrustListStore",
    "InMemoryAcceptedTrustListStore",
    "TrustListSource",
    "load_anchors",
    "trust_list_reader",
]

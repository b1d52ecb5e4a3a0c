"""The verifier's copy of the signed trust list: loaded from a file or URL, verified, cached.

Only ``trustlist.evaluation`` may be imported from the trust-list role, so loading is
done here over ``specs.trustlist.verify_trust_list`` with the pinned operator anchors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509

from specs.errors import HonninError, MalformedInput, StaleData
from specs.keys.x509 import load_pem_certificates
from specs.ports import Clock
from specs.trustlist import TrustList, verify_trust_list

# A fetched list is re-read after this long even if it has not changed on disk.
RELOAD_SECONDS = 300
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


class TrustListSource:
    """The current verified trust list; re-read periodically, never older than its next update."""

    def __init__(
        self,
        read: Callable[[], str],
        anchors: Sequence[x509.Certificate],
        clock: Clock,
        *,
        reload_seconds: int = RELOAD_SECONDS,
    ) -> None:
        self._read = read
        self._anchors = list(anchors)
        self._clock = clock
        self._reload = timedelta(seconds=reload_seconds)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._list: TrustList | None = None
        self._loaded_at: datetime | None = None

    def current(self) -> TrustList:
        """Return the verified list, reloading it when due; keep the last good one on failure."""
        now = self._clock.now()
        with self._lock:
            due = (
                self._loaded_at is None
                or self._list is None
                or now - self._loaded_at >= self._reload
            )
            if due:
                try:
                    token = self._read().strip()
                    if token != self._token or self._list is None:
                        self._list = verify_trust_list(token, self._anchors, now).trust_list
                        self._token = token
                    self._loaded_at = now
                except HonninError:
                    if self._list is None:
                        raise
            assert self._list is not None
            if now > self._list.scheme.next_update:
                raise StaleData(
                    "the trust list is past its next update "
                    f"({self._list.scheme.next_update.isoformat()}) and no newer one was found"
                )
            return self._list

    def refresh(self) -> None:
        """Force the next ``current`` call to re-read the list."""
        with self._lock:
            self._list = None
            self._token = None


__all__ = ["TrustListSource", "load_anchors", "trust_list_reader"]

"""Freshness and rollback rules for accepting a verified trust list (pure decisions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from specs.errors import NotYetValid, StaleData
from specs.trustlist.model import TrustList
from specs.trustlist.rollback import check_not_rolled_back


@dataclass(frozen=True, slots=True)
class FreshnessPolicy:
    """How stale a list may be (past ``next_update``) and how far ahead its issue time."""

    grace: timedelta = timedelta(hours=24)
    clock_skew: timedelta = timedelta(minutes=5)


def check_freshness(trust_list: TrustList, at: datetime, policy: FreshnessPolicy) -> str | None:
    """Refuse a list past ``next_update`` + grace (``StaleData``); return a warning within grace."""
    scheme = trust_list.scheme
    if scheme.issued_at > at + policy.clock_skew:
        raise NotYetValid(f"trust list is issued in the future ({scheme.issued_at.isoformat()})")
    if at > scheme.next_update + policy.grace:
        raise StaleData(
            f"trust list {scheme.sequence_number} was due for update at "
            f"{scheme.next_update.isoformat()}; the grace of {policy.grace} is over"
        )
    if at > scheme.next_update:
        return (
            f"trust list {scheme.sequence_number} is past its next update "
            f"{scheme.next_update.isoformat()} (within grace)"
        )
    return None


def check_rollback(
    trust_list: TrustList, digest: str, last_sequence: int | None, last_digest: str | None
) -> None:
    """Never accept a lower sequence number, nor a different list under the same number."""
    check_not_rolled_back(trust_list.sequence_number, digest, last_sequence, last_digest)

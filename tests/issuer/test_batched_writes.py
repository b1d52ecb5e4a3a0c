"""One transaction per batch: the access token and the batch's status slots are stored
together, or not at all (real SQLite and PostgreSQL, two engines as two replicas)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
from sqlalchemy import Engine

from issuer.database import make_engine
from issuer.storage import CredentialRecord, IssuerRepository
from specs.errors import PolicyViolation

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _setup(repo: IssuerRepository, offer_id: str = "o1", token: str = "t1") -> None:
    repo.add_offer(
        offer_id=offer_id,
        configuration_id="withholding-slip-sd-jwt",
        claims={"year": 2026},
        code=f"code-{offer_id}",
        tx_code=None,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
    )
    repo.add_access_token(token, offer_id, NOW + timedelta(minutes=5))


def _records(offer_id: str, indices: list[int], prefix: str) -> list[CredentialRecord]:
    return [
        CredentialRecord(f"{prefix}{i}", offer_id, "cfg", "L1", i, 0, "th", None, None, NOW, None)
        for i in indices
    ]


def test_token_and_batch_commit_together(engine: Engine) -> None:
    repo = IssuerRepository(engine)
    _setup(repo)
    assert repo.add_credentials(_records("o1", [1, 2, 3, 4], "a"), access_token="t1", now=NOW)
    assert repo.used_status_indices("L1") == {1, 2, 3, 4}
    # The token is spent: a second batch stores nothing.
    with pytest.raises(PolicyViolation):
        repo.add_credentials(_records("o1", [5, 6], "b"), access_token="t1", now=NOW)
    assert repo.used_status_indices("L1") == {1, 2, 3, 4}


def test_a_taken_slot_stores_nothing_and_leaves_the_token_unused(engine: Engine) -> None:
    repo = IssuerRepository(engine)
    _setup(repo)
    _setup(repo, "o2", "t2")
    assert repo.add_credentials(_records("o2", [9], "x"))
    assert not repo.add_credentials(_records("o1", [7, 8, 9], "a"), access_token="t1", now=NOW)
    assert repo.used_status_indices("L1") == {9}
    # Nothing of the failed batch was written and the token can still be used (a retry).
    assert repo.add_credentials(_records("o1", [7, 8, 10], "a"), access_token="t1", now=NOW)
    assert repo.used_status_indices("L1") == {7, 8, 9, 10}


def test_unknown_expired_or_foreign_token_stores_nothing(engine: Engine) -> None:
    repo = IssuerRepository(engine)
    _setup(repo)
    _setup(repo, "o2", "t2")
    with pytest.raises(PolicyViolation):
        repo.add_credentials(_records("o1", [1], "a"), access_token="nope", now=NOW)
    with pytest.raises(PolicyViolation):
        repo.add_credentials(
            _records("o1", [1], "a"), access_token="t1", now=NOW + timedelta(minutes=6)
        )
    with pytest.raises(PolicyViolation):  # t2 belongs to o2
        repo.add_credentials(_records("o1", [1], "a"), access_token="t2", now=NOW)
    assert repo.used_status_indices("L1") == set()
    assert repo.add_credentials(_records("o1", [1], "a"), access_token="t1", now=NOW)  # unused


def test_two_replicas_racing_one_token_store_exactly_one_batch(database_url: str) -> None:
    engines = [make_engine(database_url), make_engine(database_url)]
    repos = [IssuerRepository(e) for e in engines]
    _setup(repos[0])
    racers = 8
    barrier = Barrier(racers)

    def race(i: int) -> bool:
        barrier.wait()
        try:
            return repos[i % 2].add_credentials(
                _records("o1", [10 * i + k for k in range(4)], f"r{i}-"),
                access_token="t1",
                now=NOW,
            )
        except PolicyViolation:
            return False

    try:
        with ThreadPoolExecutor(racers) as pool:
            results = list(pool.map(race, range(racers)))
        assert sum(results) == 1
        assert len(repos[0].used_status_indices("L1")) == 4
    finally:
        for e in engines:
            e.dispose()

"""The issuer repository on real SQLite and PostgreSQL: single-use values stay single-use."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
from sqlalchemy import Engine

from issuer.database import make_engine
from issuer.storage import CredentialRecord, IssuerRepository, OfferRecord
from specs.errors import NotFound, PolicyViolation

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _offer(
    repo: IssuerRepository,
    offer_id: str = "o1",
    *,
    code: str = "code-1",
    tx: str | None = "1234",
    key: str | None = None,
) -> bool:
    return repo.add_offer(
        offer_id=offer_id,
        configuration_id="withholding-slip-sd-jwt",
        claims={"year": 2026},
        code=code,
        tx_code=tx,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
        import_key=key,
    )


def test_offer_round_trip_and_idempotent_import(engine: Engine) -> None:
    repo = IssuerRepository(engine)
    assert _offer(repo, key="payroll:2026:E001")
    assert not _offer(repo, "o2", code="code-2", key="payroll:2026:E001")
    offer = repo.offer("o1")
    assert offer.claims == {"year": 2026}
    assert offer.tx_code_required
    with pytest.raises(NotFound):
        repo.offer("nope")


def _redeem(
    repo: IssuerRepository, code: str, now: datetime, token: str = "token-1"
) -> OfferRecord | None:
    return repo.redeem_code(code, now, token=token, token_expires_at=now + timedelta(minutes=5))


def test_code_redeems_once_and_not_after_expiry(engine: Engine) -> None:
    repo = IssuerRepository(engine)
    _offer(repo)
    assert _redeem(repo, "code-1", NOW) is not None
    assert _redeem(repo, "code-1", NOW, "token-2") is None
    _offer(repo, "o2", code="code-2")
    assert _redeem(repo, "code-2", NOW + timedelta(minutes=11)) is None


def test_tx_code_attempts_lock_the_offer(engine: Engine) -> None:
    repo = IssuerRepository(engine)
    _offer(repo)
    assert not repo.check_tx_code("o1", "0000", max_attempts=3)
    assert not repo.check_tx_code("o1", "1111", max_attempts=3)
    assert not repo.check_tx_code("o1", "2222", max_attempts=3)
    assert repo.offer("o1").locked
    assert not repo.check_tx_code("o1", "1234", max_attempts=3)  # even the right code, now
    assert _redeem(repo, "code-1", NOW) is None


def test_nonce_and_token_single_use(engine: Engine) -> None:
    repo = IssuerRepository(engine)
    _offer(repo)
    repo.add_nonce("n1", NOW + timedelta(minutes=5))
    assert repo.consume_nonce("n1", NOW)
    assert not repo.consume_nonce("n1", NOW)
    assert not repo.consume_nonce("unknown", NOW)
    repo.add_nonce("n2", NOW)
    assert not repo.consume_nonce("n2", NOW + timedelta(seconds=1))
    repo.add_access_token("t1", "o1", NOW + timedelta(minutes=5))
    # Production consumes an access token only while storing its batch (add_credentials).
    assert repo.add_credentials([], access_token="t1", now=NOW)
    with pytest.raises(PolicyViolation):
        repo.add_credentials([], access_token="t1", now=NOW)


def test_status_slot_unique(engine: Engine) -> None:
    repo = IssuerRepository(engine)
    _offer(repo)
    record = CredentialRecord("c1", "o1", "cfg", "L1", 7, 0, "thumb", "n1", None, NOW, None)
    assert repo.add_credential(record)
    assert not repo.add_credential(
        CredentialRecord("c2", "o1", "cfg", "L1", 7, 0, "t", None, None, NOW, None)
    )
    assert repo.suspend("o1") == ["c1"]
    assert repo.statuses("L1") == {7: 2}
    assert repo.used_status_indices("L1") == {7}
    assert repo.record_notification("n1", "credential_accepted")
    assert not repo.record_notification("n-unknown", "credential_accepted")


def test_concurrent_redemptions_across_two_instances(database_url: str) -> None:
    """Two engines (as two service replicas) race 32 redemptions of one code: exactly one wins."""
    engines = [make_engine(database_url), make_engine(database_url)]
    repos = [IssuerRepository(e) for e in engines]
    _offer(repos[0])
    for i in range(8):
        repos[0].add_nonce(f"shared-{i}", NOW + timedelta(minutes=5))
    racers = 16
    barrier = Barrier(racers)

    def redeem(i: int) -> tuple[bool, int]:
        barrier.wait()
        repo = repos[i % 2]
        won_code = _redeem(repo, "code-1", NOW, f"token-{i}") is not None
        won_nonces = sum(repo.consume_nonce(f"shared-{n}", NOW) for n in range(8))
        return won_code, won_nonces

    try:
        with ThreadPoolExecutor(racers) as pool:
            results = list(pool.map(redeem, range(racers)))
    finally:
        for e in engines:
            e.dispose()
    assert sum(code for code, _ in results) == 1
    assert sum(n for _, n in results) == 8


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    """Alembic's head schema is exactly what ``issuer.storage`` declares (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from issuer.storage import metadata

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_name": lambda name, kind, _parent: (
                    kind != "table" or name in metadata.tables
                )
            },
        )
        diff = compare_metadata(context, metadata)
    assert diff == []

"""The verifier repository on real SQLite and PostgreSQL: one response per transaction."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError

from specs.errors import NotFound
from verifier.database import make_engine
from verifier.storage import AuditEntry, VerifierRepository

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
# SQLAlchemy wraps the JSON encoder's TypeError for SQLite; psycopg raises it as is.
_NOT_JSON = (StatementError, TypeError)


def _tx(
    repo: VerifierRepository,
    tid: str = "t1",
    state: str = "s1",
    audit: AuditEntry | None = None,
) -> None:
    repo.add_transaction(
        transaction_id=tid,
        state=state,
        nonce="n-" + tid,
        purpose="year-end-adjustment",
        request={"dcql_query": {}},
        session_hash=None,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=5),
        audit=audit,
    )


def test_response_claimed_once_and_not_after_expiry(engine: Engine) -> None:
    repo = VerifierRepository(engine)
    _tx(repo)
    claimed = repo.claim_response("s1", NOW)
    assert claimed is not None
    assert claimed.nonce == "n-t1"
    assert repo.claim_response("s1", NOW) is None
    _tx(repo, "t2", "s2")
    assert repo.claim_response("s2", NOW + timedelta(minutes=6)) is None
    assert repo.claim_response("unknown", NOW) is None
    with pytest.raises(NotFound):
        repo.transaction("nope")


def test_finish_audit_and_purge(engine: Engine) -> None:
    repo = VerifierRepository(engine)
    _tx(repo)
    assert repo.mark_request_fetched("t1", NOW)
    assert not repo.mark_request_fetched("t1", NOW)
    repo.finish("t1", "verified", {"claims": {"payment_amount": 1}})
    repo.audit(
        at=NOW,
        transaction_id="t1",
        event="received",
        purpose="year-end-adjustment",
        detail={"items": 1},
    )
    assert repo.transaction("t1").outcome == "verified"
    assert len(repo.audit_records("t1")) == 1
    assert repo.purge(NOW + timedelta(days=1)) == 1
    assert repo.audit_records() == []
    with pytest.raises(NotFound):
        repo.transaction("t1")


def test_result_and_its_audit_record_are_written_together(engine: Engine) -> None:
    repo = VerifierRepository(engine)
    _tx(repo)
    assert repo.claim_response("s1", NOW) is not None
    # An audit record that cannot be stored (not JSON) takes the result down with it.
    broken = AuditEntry(at=NOW, event="response_received", purpose="p", detail={"x": object()})
    with pytest.raises(_NOT_JSON):
        repo.finish("t1", "verified", {"claims": {}}, audit=broken)
    assert repo.transaction("t1").outcome == "processing"
    assert repo.transaction("t1").result is None
    assert repo.audit_records("t1") == []
    entry = AuditEntry(at=NOW, event="response_received", purpose="p", detail={"items": 1})
    repo.finish("t1", "verified", {"claims": {}}, audit=entry)
    assert repo.transaction("t1").outcome == "verified"
    assert [r["event"] for r in repo.audit_records("t1")] == ["response_received"]


def test_creation_and_first_fetch_are_audited_atomically(engine: Engine) -> None:
    repo = VerifierRepository(engine)
    _tx(repo, audit=AuditEntry(at=NOW, event="request_created", purpose="p", detail={}))
    fetched = AuditEntry(at=NOW, event="request_fetched", purpose="p", detail={})
    assert repo.mark_request_fetched("t1", NOW, audit=fetched)
    assert not repo.mark_request_fetched("t1", NOW, audit=fetched)  # only the first counts
    assert [r["event"] for r in repo.audit_records("t1")] == ["request_created", "request_fetched"]
    with pytest.raises(_NOT_JSON):
        _tx(
            repo,
            "t2",
            "s2",
            audit=AuditEntry(at=NOW, event="request_created", purpose="p", detail={"x": {1, 2}}),
        )
    with pytest.raises(NotFound):
        repo.transaction("t2")


def test_two_replicas_never_accept_one_response_twice(database_url: str) -> None:
    engines = [make_engine(database_url), make_engine(database_url)]
    repos = [VerifierRepository(e) for e in engines]
    for n in range(4):
        _tx(repos[0], f"t{n}", f"s{n}")
    racers = 16
    barrier = Barrier(racers)

    def respond(i: int) -> int:
        barrier.wait()
        return sum(repos[i % 2].claim_response(f"s{n}", NOW) is not None for n in range(4))

    try:
        with ThreadPoolExecutor(racers) as pool:
            wins = sum(pool.map(respond, range(racers)))
    finally:
        for e in engines:
            e.dispose()
    assert wins == 4


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from verifier.storage import metadata

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_name": lambda name, kind, _p: kind != "table" or name in metadata.tables
            },
        )
        assert compare_metadata(context, metadata) == []

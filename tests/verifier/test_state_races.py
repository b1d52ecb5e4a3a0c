"""A poller reading a transaction while another replica verifies its response.

Two services on one database (SQLite and PostgreSQL) play the replica that claimed the
response and the HR desk polling it. What the poller sees as final (anything outside
``IN_PROGRESS``) must stay the transaction's outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from specs.errors import Expired
from specs.keys import SoftwareSigner
from specs.openid4vp import PresentationContext
from verifier.database import make_engine
from verifier.service import IN_PROGRESS, VerifierService
from verifier.storage import VerifierRepository

from .conftest import World, holder_answer, wallet_verify

HOLDER = SoftwareSigner.generate("ES256")
PURPOSE = "year-end-adjustment"


@pytest.fixture
def engines(database_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one migrated database: two replicas."""
    first, second = make_engine(database_url), make_engine(database_url)
    yield first, second
    first.dispose()
    second.dispose()


def _answered(
    world: World, replica: VerifierService, after: float = 0
) -> tuple[str, dict[str, str]]:
    """A transaction and the wallet's answer to it made ``after`` seconds (not sent yet)."""
    created = replica.create_request(PURPOSE, None)
    world.clock.advance(after)
    token = replica.request_object(created.transaction_id)
    verified = wallet_verify(world, created.request_link, token)
    post = holder_answer(world, verified, world.credential(HOLDER), HOLDER)
    return created.transaction_id, dict(post.form)


def _while_verifying(replica: VerifierService, during: Callable[[], None]) -> None:
    """Run ``during`` once, after the response was claimed and before its result is stored."""
    real = replica.pipeline.verifier

    def verifier(log: Any) -> Callable[[PresentationContext], Any]:
        inner = real(log)

        def verify(context: PresentationContext) -> Any:
            out = inner(context)
            during()
            return out

        return verify

    replica.pipeline.verifier = verifier  # type: ignore[method-assign]


def test_a_slow_verification_is_not_reported_expired_and_then_verified(
    world: World, engines: tuple[Engine, Engine]
) -> None:
    replica = world.service(engine=engines[0])
    desk = world.service(engine=engines[1])
    # The wallet answers 5 s before the transaction ends.
    tid, form = _answered(world, replica, after=replica.settings.transaction_ttl_seconds - 5)
    seen: list[str] = []

    def poll_after_the_lifetime() -> None:
        # Its checks (status list, trust list) take 10 s, past the transaction's end,
        # while the HR desk polls.
        world.clock.advance(10)
        seen.append(desk.result(tid, None)["outcome"])

    _while_verifying(replica, poll_after_the_lifetime)
    replica.accept(form)
    result = desk.result(tid, None)
    final = result["outcome"]
    assert final == "verified", result.get("reason")
    assert seen[0] in IN_PROGRESS or seen[0] == final, (seen, final)


def test_a_claim_given_up_as_expired_stays_expired(
    world: World, engines: tuple[Engine, Engine]
) -> None:
    """A replica stuck in verification past every deadline: the desk reports 'expired',
    and the stuck replica's late result does not turn it into another outcome."""
    replica = world.service(engine=engines[0])
    desk = world.service(engine=engines[1])
    tid, form = _answered(world, replica)
    seen: list[str] = []

    def stuck() -> None:
        world.clock.advance(10 * replica.settings.transaction_ttl_seconds)
        seen.append(desk.result(tid, None)["outcome"])

    _while_verifying(replica, stuck)
    with pytest.raises(Expired):
        replica.accept(form)
    assert seen == ["expired"]
    assert desk.result(tid, None)["outcome"] == "expired"
    record = VerifierRepository(engines[1]).transaction(tid)
    assert record.outcome == "expired"


def test_a_slow_status_list_fetch_does_not_replace_a_newer_one(world: World) -> None:
    """Two requests refresh one status list; the one that fetched first (the list before a
    revocation) finishes last. The cache must keep the newer list."""
    from datetime import timedelta

    import httpx

    from specs.status_list import StatusList, VerifiedStatusList
    from verifier.status import StatusListCache

    uri = "https://issuer-a.example/status/1"
    served = iter(["before-revocation", "after-revocation"])
    http = httpx.Client(
        transport=httpx.MockTransport(lambda _: httpx.Response(200, text=next(served)))
    )
    cache = StatusListCache(http, world.clock, max_age_seconds=3600)

    def parsed(token: str, now: Any) -> VerifiedStatusList:
        bits = StatusList.new(16, 1)
        if token == "after-revocation":
            bits.set(3, 1)
        return VerifiedStatusList(bits, uri, int(now.timestamp()), None, None, {}, {})

    def slow(token: str, now: Any) -> VerifiedStatusList:
        # While the first request still verifies the older list, a later one fetches anew.
        world.clock.advance(timedelta(seconds=30).total_seconds())
        newer = cache.get(uri, "k", parsed)
        assert newer.status(3) == 1
        return parsed(token, now)

    assert cache.get(uri, "k", slow).status(3) == 0  # what the first request saw
    assert cache.get(uri, "k", parsed).status(3) == 1, "the older list replaced the newer"
    http.close()


def test_a_claim_given_up_as_expired_is_audited_once(
    world: World, engines: tuple[Engine, Engine]
) -> None:
    """Giving up a claim is a state change like any other: it leaves one audit record
    (``response_expired``), and the stuck replica's late result adds none."""
    replica = world.service(engine=engines[0])
    desk = world.service(engine=engines[1])
    tid, form = _answered(world, replica)

    def stuck() -> None:
        world.clock.advance(10 * replica.settings.transaction_ttl_seconds)
        assert desk.result(tid, None)["outcome"] == "expired"
        assert desk.result(tid, None)["outcome"] == "expired"  # polled again: no new record

    _while_verifying(replica, stuck)
    with pytest.raises(Expired):
        replica.accept(form)
    records = VerifierRepository(engines[1]).audit_records(tid)
    assert [r["event"] for r in records] == [
        "request_created",
        "request_fetched",
        "response_expired",
    ]
    expired = records[-1]
    assert expired["purpose"] == PURPOSE
    assert expired["detail"]["outcome"] == "expired"
    assert expired["detail"]["deadline_seconds"] == replica.settings.transaction_ttl_seconds
    assert expired["detail"]["claimed_at"] is not None


def test_a_claim_is_not_given_up_without_its_audit_record(engines: tuple[Engine, Engine]) -> None:
    """The expired outcome and its audit record are one database transaction."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy.exc import StatementError

    from verifier.storage import AuditEntry

    now = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    repo = VerifierRepository(engines[0])
    repo.add_transaction(
        transaction_id="t1",
        state="s1",
        nonce="n1",
        purpose=PURPOSE,
        request={},
        session_hash=None,
        created_at=now,
        expires_at=now + timedelta(minutes=5),
    )
    assert repo.claim_response("s1", now) is not None
    later = now + timedelta(hours=1)
    expired = {"transaction_id": "t1", "purpose": PURPOSE, "outcome": "expired"}
    broken = AuditEntry(at=later, event="response_expired", purpose=PURPOSE, detail={"x": {1}})
    with pytest.raises((StatementError, TypeError)):  # the JSON column refuses a set
        repo.expire_claim("t1", later, expired, audit=broken)
    assert repo.transaction("t1").outcome == "processing"
    assert repo.audit_records("t1") == []
    entry = AuditEntry(at=later, event="response_expired", purpose=PURPOSE, detail={})
    assert repo.expire_claim("t1", later, expired, audit=entry)
    assert not repo.expire_claim("t1", later, expired, audit=entry)  # given up once
    assert repo.transaction("t1").outcome == "expired"
    assert [r["event"] for r in repo.audit_records("t1")] == ["response_expired"]

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

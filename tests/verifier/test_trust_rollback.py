"""The verifier never goes back to an older trust list (ETSI TS 119 612 5.3.2, TS 119 602 6.3.2).

List 1 grants employer A; list 2 withdraws it. A mirror or attacker that puts the validly
signed list 1 back (its next update not yet passed) must not bring employer A back: not in
a running verifier, not after a restart on the same database, not through another replica.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Engine

from specs.errors import Rollback
from specs.keys import SoftwareSigner
from specs.trustlist import (
    AcceptedTrustList,
    TrustList,
    anchor_scope,
    sign_trust_list,
    token_digest,
)
from specs.trustlist import constants as c
from specs.trustlist.model import format_time
from tests.support.certificates import certify
from verifier.database import make_engine
from verifier.storage import VerifierRepository
from verifier.trust import (
    RELOAD_SECONDS,
    AcceptedTrustListStore,
    InMemoryAcceptedTrustListStore,
    TrustListSource,
)

from .conftest import NOW, T0, World


@dataclass(frozen=True)
class Operator:
    """A trust-list operator: its signing key, certificate and the PEM file of its anchor."""

    signer: SoftwareSigner
    cert: x509.Certificate
    anchor: Path


@pytest.fixture
def second_operator(world: World) -> Operator:
    """Another operator, whose own list numbering is far behind the first one's."""
    key = certify("Second Trust List Operator", not_before=T0, days=3650, serial_number=98)
    anchor = world.tmp / "second-operator.pem"
    anchor.write_bytes(key.certificate.public_bytes(serialization.Encoding.PEM))
    return Operator(key.signer, key.certificate, anchor)


def signed_list(
    world: World,
    sequence_number: int,
    *,
    withdraw_a: bool = False,
    operator: Operator | None = None,
) -> str:
    """The deployment's trust list under ``sequence_number``; optionally employer A withdrawn,
    optionally signed by another ``operator``."""
    document = world.document()
    document[c.LIST_AND_SCHEME_INFORMATION][c.SEQUENCE_NUMBER] = sequence_number
    if withdraw_a:
        document[c.ISSUERS][0][c.STATUS_HISTORY].append(
            {c.STATUS: c.STATUS_WITHDRAWN, c.STATUS_STARTING_TIME: format_time(NOW)}
        )
    if operator is None:
        return sign_trust_list(document, world.operator, [world.operator_cert])
    return sign_trust_list(document, operator.signer, [operator.cert])


def employer_a_status(trust_list: TrustList) -> str:
    """Employer A's current status in ``trust_list``."""
    entry = next(e for e in trust_list.issuers if e.entity_id == "employer-a")
    return entry.history.changes[-1].status


class Mirror:
    """Where the verifier reads the list: whatever token was put there last."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.reads = 0

    def read(self) -> str:
        """Return the token now served."""
        self.reads += 1
        return self.token


def source(
    world: World,
    mirror: Mirror,
    accepted: AcceptedTrustListStore | None = None,
    *,
    operator: Operator | None = None,
) -> TrustListSource:
    """A trust-list source over ``mirror`` with the deployment's (or ``operator``'s) anchor."""
    anchor = world.operator_cert if operator is None else operator.cert
    return TrustListSource(mirror.read, [anchor], world.clock, accepted=accepted)


def scope_of(world: World, operator: Operator | None = None) -> str:
    """The anchor scope of the deployment's (or ``operator``'s) anchor."""
    return anchor_scope([world.operator_cert if operator is None else operator.cert])


# --- one verifier, in memory ---


def test_an_older_list_is_refused_and_the_last_good_one_served(world: World) -> None:
    old, new = signed_list(world, 1), signed_list(world, 2, withdraw_a=True)
    mirror = Mirror(new)
    trust = source(world, mirror)
    assert employer_a_status(trust.current()) == c.STATUS_WITHDRAWN
    mirror.token = old  # replayed; its next update is still ahead
    world.clock.advance(RELOAD_SECONDS)
    served = trust.current()
    assert mirror.reads == 2  # it did re-read the list ...
    assert served.sequence_number == 2  # ... and kept serving the last good one
    assert employer_a_status(served) == c.STATUS_WITHDRAWN
    trust.refresh()  # without a last good list the refusal shows
    with pytest.raises(Rollback, match="older than the accepted 2"):
        trust.current()


def test_another_list_under_the_same_number_is_refused(world: World) -> None:
    mirror = Mirror(signed_list(world, 2, withdraw_a=True))
    trust = source(world, mirror)
    trust.current()
    mirror.token = signed_list(world, 2)  # same number, employer A granted again
    world.clock.advance(RELOAD_SECONDS)
    assert employer_a_status(trust.current()) == c.STATUS_WITHDRAWN
    trust.refresh()
    with pytest.raises(Rollback, match="differs from the one accepted under the same number"):
        trust.current()


def test_a_newer_list_is_accepted_and_remembered(world: World) -> None:
    mirror = Mirror(signed_list(world, 1))
    accepted = InMemoryAcceptedTrustListStore()
    trust = source(world, mirror, accepted)
    assert employer_a_status(trust.current()) == c.STATUS_GRANTED
    mirror.token = signed_list(world, 2, withdraw_a=True)
    world.clock.advance(RELOAD_SECONDS)
    assert employer_a_status(trust.current()) == c.STATUS_WITHDRAWN
    assert accepted.accepted == AcceptedTrustList(2, token_digest(mirror.token), scope_of(world))


# --- restarts and replicas on one database (SQLite and PostgreSQL) ---


@pytest.fixture
def engines(database_url: str) -> Iterator[Callable[[], Engine]]:
    """Engines on one migrated database: one per verifier process."""
    made: list[Engine] = []

    def engine() -> Engine:
        made.append(make_engine(database_url))
        return made[-1]

    yield engine
    for e in made:
        e.dispose()


def test_a_restarted_verifier_refuses_an_older_list(
    world: World, engines: Callable[[], Engine]
) -> None:
    old, new = signed_list(world, 1), signed_list(world, 2, withdraw_a=True)
    world.trust_list_path.write_text(new + "\n", encoding="ascii")
    running = world.service(engine=engines())
    assert employer_a_status(running.trust.current()) == c.STATUS_WITHDRAWN
    world.trust_list_path.write_text(old + "\n", encoding="ascii")
    world.clock.advance(RELOAD_SECONDS)
    assert running.trust.current().sequence_number == 2  # the running one keeps list 2
    restarted = world.service(engine=engines())
    with pytest.raises(Rollback, match="older than the accepted 2"):
        restarted.trust.current()
    assert restarted.repository.accepted_trust_list() == AcceptedTrustList(
        2, token_digest(new), scope_of(world)
    )
    # The operator publishes list 3: accepted.
    world.trust_list_path.write_text(signed_list(world, 3, withdraw_a=True), encoding="ascii")
    assert restarted.trust.current().sequence_number == 3


def test_a_restarted_verifier_refuses_another_list_under_the_same_number(
    world: World, engines: Callable[[], Engine]
) -> None:
    world.trust_list_path.write_text(signed_list(world, 2, withdraw_a=True), encoding="ascii")
    world.service(engine=engines()).trust.current()
    world.trust_list_path.write_text(signed_list(world, 2), encoding="ascii")
    with pytest.raises(Rollback, match="differs"):
        world.service(engine=engines()).trust.current()


class WriteInterleaved:
    """A repository that runs ``before_first_write`` just before its first compare-and-swap."""

    def __init__(self, repository: VerifierRepository, before_first_write: Callable[[], None]):
        self.repository = repository
        self.before_first_write: Callable[[], None] | None = before_first_write

    def accepted_trust_list(self) -> AcceptedTrustList | None:
        """Read through."""
        return self.repository.accepted_trust_list()

    def replace_accepted_trust_list(
        self, expected: AcceptedTrustList | None, new: AcceptedTrustList, at: datetime
    ) -> bool:
        """Let the other replica write first, then write through."""
        if self.before_first_write is not None:
            step, self.before_first_write = self.before_first_write, None
            step()
        return self.repository.replace_accepted_trust_list(expected, new, at)


def test_a_replica_never_overwrites_a_newer_list_another_replica_accepted(
    world: World, engines: Callable[[], Engine]
) -> None:
    first_mirror = Mirror(signed_list(world, 1))
    first = source(world, first_mirror, VerifierRepository(engines()))
    first.current()
    lagging_mirror = Mirror(signed_list(world, 2))
    list_3 = signed_list(world, 3, withdraw_a=True)

    def first_accepts_list_3() -> None:
        first_mirror.token = list_3
        first.refresh()
        assert first.current().sequence_number == 3

    # The second replica read list 1 as accepted and checks list 2 against it; the first
    # replica accepts list 3 before the second one writes: list 2 is then refused.
    second_store = VerifierRepository(engines())
    second = source(world, lagging_mirror, WriteInterleaved(second_store, first_accepts_list_3))
    with pytest.raises(Rollback, match="older than the accepted 3"):
        second.current()
    assert second_store.accepted_trust_list() == AcceptedTrustList(
        3, token_digest(list_3), scope_of(world)
    )
    world.clock.advance(timedelta(days=1).total_seconds())
    lagging_mirror.token = list_3
    assert second.current().sequence_number == 3


# --- the administrator points the verifier at another operator's list ---


def test_another_operators_lower_numbered_list_is_accepted_after_re_pointing(
    world: World, second_operator: Operator
) -> None:
    """The mark follows the configured anchors: the second operator's list 2 after the first
    one's list 7, then the first operator's list 5 after switching back (re-pointing is an
    explicit act of the administrator, so the first mark is not kept); under one set of
    anchors an older list is still refused."""
    accepted = InMemoryAcceptedTrustListStore()
    first = source(world, Mirror(signed_list(world, 7, withdraw_a=True)), accepted)
    assert first.current().sequence_number == 7
    theirs = signed_list(world, 2, operator=second_operator)
    second = source(world, Mirror(theirs), accepted, operator=second_operator)
    assert second.current().sequence_number == 2
    assert accepted.accepted == AcceptedTrustList(
        2, token_digest(theirs), scope_of(world, second_operator)
    )
    back = Mirror(signed_list(world, 5))
    again = source(world, back, accepted)
    assert employer_a_status(again.current()) == c.STATUS_GRANTED
    assert accepted.accepted == AcceptedTrustList(5, token_digest(back.token), scope_of(world))
    back.token = signed_list(world, 4)  # same anchors: the rule is unchanged
    again.refresh()
    with pytest.raises(Rollback, match="older than the accepted 5"):
        again.current()


def test_a_restarted_verifier_re_pointed_at_another_operator_accepts_its_list(
    world: World, second_operator: Operator, engines: Callable[[], Engine]
) -> None:
    """verifier.toml changed (``trust_list`` and ``trust_list_anchor``) between restarts."""
    world.trust_list_path.write_text(signed_list(world, 7, withdraw_a=True), encoding="ascii")
    assert world.service(engine=engines()).trust.current().sequence_number == 7
    theirs_path = world.tmp / "second-trustlist.jws"
    theirs = signed_list(world, 2, operator=second_operator)
    theirs_path.write_text(theirs, encoding="ascii")
    re_pointed = world.service(
        engine=engines(),
        trust_list=str(theirs_path),
        trust_list_anchor=second_operator.anchor,
    )
    assert re_pointed.trust.current().sequence_number == 2
    assert re_pointed.repository.accepted_trust_list() == AcceptedTrustList(
        2, token_digest(theirs), scope_of(world, second_operator)
    )
    # Back to the first operator (verifier.toml as provisioned) with a list older than 7.
    list_5 = signed_list(world, 5)
    world.trust_list_path.write_text(list_5, encoding="ascii")
    back = world.service(engine=engines())
    assert back.trust.current().sequence_number == 5
    assert back.repository.accepted_trust_list() == AcceptedTrustList(
        5, token_digest(list_5), scope_of(world)
    )
    # Same anchors after a restart: an older list is refused as before.
    world.trust_list_path.write_text(signed_list(world, 4), encoding="ascii")
    with pytest.raises(Rollback, match="older than the accepted 5"):
        world.service(engine=engines()).trust.current()


def test_the_compare_and_swap_includes_the_scope(
    world: World, second_operator: Operator, engines: Callable[[], Engine]
) -> None:
    """A write that expects the same number and digest under another scope writes nothing."""
    store = VerifierRepository(engines())
    stored = AcceptedTrustList(3, "d" * 64, scope_of(world))
    assert store.replace_accepted_trust_list(None, stored, NOW)
    elsewhere = AcceptedTrustList(3, "d" * 64, scope_of(world, second_operator))
    new = AcceptedTrustList(1, "e" * 64, scope_of(world, second_operator))
    assert not store.replace_accepted_trust_list(elsewhere, new, NOW)
    assert store.accepted_trust_list() == stored
    assert store.replace_accepted_trust_list(stored, new, NOW)
    assert store.accepted_trust_list() == new

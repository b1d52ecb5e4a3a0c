"""Revocation against an issuance in flight, on SQLite and PostgreSQL.

An offer moves: created -> code redeemed (access token out) -> credentials stored. Revoking
must work in every one of these states, including the one between the Token Response and
the Credential Request, and while another replica is signing or storing the batch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from honnin_issuer_test_support import make_settings, slip_claims
from sqlalchemy import event, text

from issuer.service import IssuerDeps, IssuerService
from specs.errors import HonninError
from specs.keys import SoftwareSigner
from specs.openid4vci import parse_offer_link
from specs.openid4vci.wallet import build_token_request
from specs.ports import Signer
from specs.status_list import STATUS_INVALID, STATUS_SUSPENDED, STATUS_VALID


@pytest.fixture
def service(
    tmp_path: Path, database_url: str, make_deps: Callable[..., IssuerDeps]
) -> Iterator[IssuerService]:
    service = IssuerService(make_settings(tmp_path, database_url), make_deps())
    yield service
    service.close()


def _redeemed(service: IssuerService) -> tuple[str, str]:
    """An offer whose code the wallet redeemed: (offer id, access token)."""
    issued, _ = service.create_offer("withholding-slip", slip_claims())
    link = parse_offer_link(issued.offer_uri)
    assert link.offer is not None
    token = service.token(build_token_request(link.offer, tx_code=issued.tx_code))
    return issued.offer_id, token.access_token


def _keys(count: int) -> list[dict[str, Any]]:
    return [SoftwareSigner.generate("ES256").public_jwk for _ in range(count)]


def _no_valid_credential(service: IssuerService, offer_id: str) -> None:
    statuses = [c.status for c in service.repository.credentials_of_offer(offer_id)]
    assert STATUS_VALID not in statuses, statuses


def test_revoking_between_token_and_credential_request_stops_the_issuance(
    service: IssuerService,
) -> None:
    offer_id, token = _redeemed(service)
    service.revoke(offer_id)  # nothing issued yet: the access token is still out there
    offer = service.repository.offer(offer_id)
    with pytest.raises(HonninError):
        service.issue_batch(offer, _keys(2), now=service.clock.now(), access_token=token)
    _no_valid_credential(service, offer_id)


class _OperatorActsWhileSigning:
    """A signer during whose first signature an operator changes the offer (``act``)."""

    def __init__(self, real: Signer, act: Callable[[], object]) -> None:
        self._real = real
        self._act: Callable[[], object] | None = act
        self.acted: list[object] = []

    @property
    def alg(self) -> str:
        return self._real.alg

    @property
    def public_jwk(self) -> dict[str, Any]:
        return self._real.public_jwk

    def sign(self, data: bytes) -> bytes:
        if self._act is not None:
            act, self._act = self._act, None
            self.acted.append(act())
        return self._real.sign(data)


def test_revoking_while_the_batch_is_signed_stops_the_issuance(service: IssuerService) -> None:
    offer_id, token = _redeemed(service)
    offer = service.repository.offer(offer_id)
    real = service.signer
    service.signer = _OperatorActsWhileSigning(real, lambda: service.revoke(offer_id))
    with pytest.raises(HonninError):
        service.issue_batch(offer, _keys(2), now=service.clock.now(), access_token=token)
    _no_valid_credential(service, offer_id)


# PostgreSQL only: SQLite serialises writers, so the storing transaction holds the lock.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_revoking_while_the_batch_is_stored_revokes_it(
    service: IssuerService, database_url: str, make_deps: Callable[..., IssuerDeps], tmp_path: Path
) -> None:
    """Two replicas on PostgreSQL: replica 1 has consumed the token and is inserting the
    batch when replica 2 revokes. Either the batch is refused or it ends up revoked."""
    assert database_url.startswith("postgresql")
    other = IssuerService(make_settings(tmp_path / "replica-2", database_url), make_deps())
    offer_id, token = _redeemed(service)
    offer = service.repository.offer(offer_id)
    engine = service.repository.engine
    revoker: list[threading.Thread] = []
    failures: list[BaseException] = []

    def revoke() -> None:
        try:
            other.revoke(offer_id)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    def revoke_before_insert(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if revoker or not statement.lstrip().upper().startswith("INSERT INTO ISSUER_CREDENTIALS"):
            return
        thread = threading.Thread(target=revoke)
        revoker.append(thread)
        thread.start()
        # Let replica 2 run until it waits on a lock replica 1 holds, or is done. Each poll
        # is its own transaction: PostgreSQL keeps one pg_stat_activity snapshot per
        # transaction, so polling inside one would never see replica 2 start waiting.
        deadline = time.monotonic() + 60
        while thread.is_alive():
            with other.repository.engine.connect() as watcher:
                waiting = watcher.execute(
                    text(
                        "select count(*) from pg_stat_activity"
                        " where wait_event_type = 'Lock' and pid <> pg_backend_pid()"
                        " and query ilike '%issuer_%'"
                    )
                ).scalar()
            if waiting:
                break
            assert time.monotonic() < deadline, "replica 2 neither finished nor waited"
            thread.join(0.01)

    event.listen(engine, "before_cursor_execute", revoke_before_insert)
    try:
        try:
            service.issue_batch(offer, _keys(2), now=service.clock.now(), access_token=token)
        except HonninError:
            pass  # refused because the offer was revoked first: also right
        finally:
            event.remove(engine, "before_cursor_execute", revoke_before_insert)
        for thread in revoker:
            thread.join()
        assert not failures, failures
        assert revoker, "the batch was never stored"
        statuses = [c.status for c in service.repository.credentials_of_offer(offer_id)]
        assert all(s == STATUS_INVALID for s in statuses), statuses
    finally:
        other.close()


# --- suspend and resume against an issuance in flight ---
#
# SUSPENDED (0x02) is temporary: a suspended offer stays usable and what it issues while
# suspended is stored suspended; resume makes every credential of the offer valid again.


def _statuses(service: IssuerService, offer_id: str) -> list[int]:
    return [c.status for c in service.repository.credentials_of_offer(offer_id)]


def test_suspending_between_token_and_credential_request_issues_suspended(
    service: IssuerService,
) -> None:
    offer_id, token = _redeemed(service)
    change = service.suspend(offer_id)  # nothing issued yet: the access token is still out
    assert change.credential_ids == ()
    assert change.status == STATUS_SUSPENDED
    offer = service.repository.offer(offer_id)
    issued = service.issue_batch(offer, _keys(2), now=service.clock.now(), access_token=token)
    assert len(issued) == 2
    assert _statuses(service, offer_id) == [STATUS_SUSPENDED] * 2
    resumed = service.resume(offer_id)
    assert len(resumed.credential_ids) == 2
    assert _statuses(service, offer_id) == [STATUS_VALID] * 2


def test_suspending_while_the_batch_is_signed_suspends_it(service: IssuerService) -> None:
    offer_id, token = _redeemed(service)
    offer = service.repository.offer(offer_id)
    real = service.signer
    service.signer = signer = _OperatorActsWhileSigning(real, lambda: service.suspend(offer_id))
    service.issue_batch(offer, _keys(2), now=service.clock.now(), access_token=token)
    assert signer.acted, "the operator never suspended"
    assert _statuses(service, offer_id) == [STATUS_SUSPENDED] * 2


def test_resuming_while_the_batch_is_signed_issues_it_valid(service: IssuerService) -> None:
    offer_id, token = _redeemed(service)
    service.suspend(offer_id)
    offer = service.repository.offer(offer_id)
    real = service.signer
    service.signer = signer = _OperatorActsWhileSigning(real, lambda: service.resume(offer_id))
    service.issue_batch(offer, _keys(2), now=service.clock.now(), access_token=token)
    assert signer.acted, "the operator never resumed"
    assert _statuses(service, offer_id) == [STATUS_VALID] * 2


def _while_the_batch_is_stored(
    service: IssuerService,
    other: IssuerService,
    act: Callable[[], object],
    offer_id: str,
    token: str,
) -> bool:
    """Replica 1 stores the batch of ``offer_id``; once it has consumed ``token`` and is
    inserting, replica 2 runs ``act`` until ``act`` waits on a lock replica 1 holds.
    Returns whether ``act`` waited (else it finished while replica 1 was inserting)."""
    engine = service.repository.engine
    offer = service.repository.offer(offer_id)
    runner: list[threading.Thread] = []
    failures: list[BaseException] = []
    waited: list[bool] = []

    def run() -> None:
        try:
            act()
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    def act_before_insert(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if runner or not statement.lstrip().upper().startswith("INSERT INTO ISSUER_CREDENTIALS"):
            return
        storing = conn.connection.dbapi_connection.info.backend_pid  # replica 1's session
        thread = threading.Thread(target=run)
        runner.append(thread)
        thread.start()
        # Each poll is its own transaction: PostgreSQL keeps one pg_stat_activity snapshot
        # per transaction. At most 6000 polls of 10 ms: a minute, then the test fails.
        for _ in range(6000):
            if not thread.is_alive():
                return
            with other.repository.engine.connect() as watcher:
                waiting = watcher.execute(
                    text(
                        "select count(*) from pg_stat_activity"
                        " where :storing = any(pg_blocking_pids(pid))"
                    ),
                    {"storing": storing},
                ).scalar()
            if waiting:
                waited.append(True)
                return
            thread.join(0.01)
        raise AssertionError("replica 2 neither finished nor waited on replica 1's lock")

    event.listen(engine, "before_cursor_execute", act_before_insert)
    try:
        service.issue_batch(offer, _keys(2), now=service.clock.now(), access_token=token)
    finally:
        event.remove(engine, "before_cursor_execute", act_before_insert)
        for thread in runner:
            thread.join()
    assert not failures, failures
    assert runner, "the batch was never stored"
    return bool(waited)


# PostgreSQL only: SQLite serialises writers, so the storing transaction holds the lock.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize(
    ("suspended_first", "act", "expected"),
    [(False, "suspend", STATUS_SUSPENDED), (True, "resume", STATUS_VALID)],
)
def test_suspend_or_resume_while_the_batch_is_stored_covers_it(
    service: IssuerService,
    database_url: str,
    make_deps: Callable[..., IssuerDeps],
    tmp_path: Path,
    suspended_first: bool,
    act: str,
    expected: int,
) -> None:
    """Two replicas on PostgreSQL: replica 2 suspends (or resumes) while replica 1 is
    inserting the batch; the batch ends up with the status replica 2 set."""
    assert database_url.startswith("postgresql")
    other = IssuerService(make_settings(tmp_path / "replica-2", database_url), make_deps())
    try:
        offer_id, token = _redeemed(service)
        if suspended_first:
            service.suspend(offer_id)
        waited = _while_the_batch_is_stored(
            service, other, lambda: getattr(other, act)(offer_id), offer_id, token
        )
        assert waited, f"{act} did not wait for the batch's offer row lock"
        assert _statuses(service, offer_id) == [expected] * 2
    finally:
        other.close()

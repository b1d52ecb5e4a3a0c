"""What suspending an offer means, before and after its credentials are issued.

SUSPENDED (0x02) is temporary (draft-ietf-oauth-status-list, "Status Types Values"): the
offer stays usable, the credentials it issues while suspended are stored suspended, and
``resume`` makes every credential of the offer valid. Revocation is final and wins. Real
SQLite and PostgreSQL; the wallet goes through the HTTP endpoints.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from honnin_issuer_test_support import ADMIN_TOKEN, ISSUER_URL, make_settings, slip_claims
from honnin_issuer_test_wallet_side import WalletSide
from sqlalchemy import text

from issuer.app import create_app
from issuer.database import MIGRATIONS, make_engine
from issuer.service import IssuerDeps, IssuerService
from issuer.storage import IssuerRepository
from specs.errors import NotFound, PolicyViolation
from specs.keys import SoftwareSigner
from specs.ports import FixedClock
from specs.status_list import STATUS_INVALID, STATUS_SUSPENDED, STATUS_VALID

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
async def client(
    tmp_path: Path, database_url: str, make_deps: Callable[..., IssuerDeps]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(tmp_path, database_url), make_deps())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://issuer.example") as c:
        c.app = app  # type: ignore[attr-defined]
        yield c
    app.state.service.close()


def _service(client: httpx.AsyncClient) -> IssuerService:
    service: IssuerService = client.app.state.service  # type: ignore[attr-defined]
    return service


async def _offer(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(
        f"{ISSUER_URL}/admin/offers",
        json={"type": "withholding-slip", "claims": slip_claims()},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _admin(client: httpx.AsyncClient, offer_id: str, action: str) -> httpx.Response:
    return await client.post(f"{ISSUER_URL}/admin/credentials/{offer_id}/{action}", headers=ADMIN)


def _statuses(service: IssuerService, offer_id: str) -> list[int]:
    return [c.status for c in service.repository.credentials_of_offer(offer_id)]


@pytest.mark.anyio
async def test_an_offer_suspended_before_issuance_issues_suspended_credentials(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    offer = await _offer(client)
    suspended = await _admin(client, offer["offer_id"], "suspend")
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["credential_ids"] == []
    assert suspended.json()["status"] == STATUS_SUSPENDED
    assert suspended.json()["offer_locked"] is False  # the offer stays usable
    received = await WalletSide(client, clock).receive(offer["offer_uri"], offer["tx_code"], keys=2)
    assert len(received.credentials) == 2
    service = _service(client)
    records = service.repository.credentials_of_offer(offer["offer_id"])
    assert [r.status for r in records] == [STATUS_SUSPENDED] * 2
    listed = service.repository.statuses(records[0].status_list)
    assert {listed[r.status_index] for r in records} == {STATUS_SUSPENDED}
    resumed = await _admin(client, offer["offer_id"], "resume")
    assert resumed.status_code == 200, resumed.text
    assert sorted(resumed.json()["credential_ids"]) == sorted(r.id for r in records)
    assert _statuses(service, offer["offer_id"]) == [STATUS_VALID] * 2
    assert (await _admin(client, offer["offer_id"], "resume")).status_code == 409  # lifted


@pytest.mark.anyio
async def test_a_resumed_offer_issues_valid_credentials(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    offer = await _offer(client)
    assert (await _admin(client, offer["offer_id"], "suspend")).status_code == 200
    resumed = await _admin(client, offer["offer_id"], "resume")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["credential_ids"] == []
    await WalletSide(client, clock).receive(offer["offer_uri"], offer["tx_code"], keys=2)
    assert _statuses(_service(client), offer["offer_id"]) == [STATUS_VALID] * 2


def test_suspend_is_idempotent_and_revocation_wins(
    tmp_path: Path, database_url: str, make_deps: Callable[..., IssuerDeps]
) -> None:
    service = IssuerService(make_settings(tmp_path, database_url), make_deps())
    try:
        issued, _ = service.create_offer("withholding-slip", slip_claims())
        offer = service.repository.offer(issued.offer_id)
        service.issue_batch(offer, [_key(), _key()], now=service.clock.now())
        first = service.suspend(issued.offer_id)
        assert len(first.credential_ids) == 2
        assert service.suspend(first.credential_ids[0]).credential_ids == first.credential_ids
        service.revoke(issued.offer_id)
        assert _statuses(service, issued.offer_id) == [STATUS_INVALID] * 2
        with pytest.raises(PolicyViolation):
            service.resume(issued.offer_id)  # a revocation is not lifted by resume
        with pytest.raises(PolicyViolation):
            service.suspend(issued.offer_id)
        assert _statuses(service, issued.offer_id) == [STATUS_INVALID] * 2
        with pytest.raises(NotFound):
            service.suspend("no-such-offer")
        with pytest.raises(NotFound):
            service.resume("no-such-offer")
    finally:
        service.close()


def _key() -> dict[str, Any]:
    return SoftwareSigner.generate("ES256").public_jwk


def test_the_migration_leaves_existing_offers_not_suspended(database_url: str) -> None:
    """Upgrading a database from revision 0001: every stored offer is not suspended."""
    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:  # the fixture migrated to head: back to 0001
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "insert into issuer_offers (id, configuration_id, claims, code_hash,"
                    " tx_code_attempts, locked, created_at, expires_at, by_reference)"
                    " values ('o1', 'withholding-slip-sd-jwt', '{}', 'h', 0, false,"
                    " '2026-07-01 09:00:00', '2026-07-01 09:10:00', false)"
                )
            )
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert IssuerRepository(engine).offer("o1").suspended is False
    finally:
        engine.dispose()

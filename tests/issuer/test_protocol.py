"""The issuer over HTTP in-process (httpx ASGITransport), on SQLite and PostgreSQL.

Every test runs twice through the ``database_url`` fixture. Wallet requests are built with
the wallet half of ``specs.openid4vci`` (tests/issuer/wallet_side.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from honnin_issuer_test_support import ADMIN_TOKEN, ISSUER_URL, make_settings, slip_claims
from honnin_issuer_test_wallet_side import WalletSide

from issuer.app import create_app
from issuer.service import IssuerDeps, IssuerService
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.errors import HonninError
from specs.integrity import check_integrity
from specs.keys import SoftwareSigner
from specs.openid4vci.wallet import build_credential_request, parse_token_response
from specs.ports import FixedClock
from specs.sd_jwt import KeyBindingCheck, present
from specs.sd_jwt_vc import X5cIssuerKeys, verify_sd_jwt_vc
from specs.status_list import STATUS_INVALID, STATUS_SUSPENDED, STATUS_VALID, verify_status_list_jwt

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def app_factory(
    tmp_path: Path, database_url: str, make_deps: Callable[..., IssuerDeps]
) -> Callable[..., FastAPI]:
    def build(settings_overrides: dict[str, Any] | None = None, **deps: Any) -> FastAPI:
        settings = make_settings(tmp_path, database_url, **(settings_overrides or {}))
        return create_app(settings, make_deps(**deps))

    return build


@pytest.fixture
async def client(app_factory: Callable[..., FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    app = app_factory()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://issuer.example") as c:
        c.app = app  # type: ignore[attr-defined]
        yield c
    app.state.service.close()


def service_of(client: httpx.AsyncClient) -> IssuerService:
    service: IssuerService = client.app.state.service  # type: ignore[attr-defined]
    return service


async def new_offer(
    client: httpx.AsyncClient, *, claims: dict[str, Any] | None = None, by_reference: bool = False
) -> dict[str, Any]:
    response = await client.post(
        f"{ISSUER_URL}/admin/offers",
        json={
            "type": "withholding-slip",
            "claims": claims or slip_claims(),
            "by_reference": by_reference,
        },
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_metadata_well_known_paths(client: httpx.AsyncClient) -> None:
    meta = (await client.get("/.well-known/openid-credential-issuer/employer-a")).json()
    assert meta["credential_issuer"] == ISSUER_URL
    assert meta["credential_endpoint"] == f"{ISSUER_URL}/credential"
    assert meta["batch_credential_issuance"] == {"batch_size": 4}
    assert {d["locale"] for d in meta["display"]} == {"ja-JP", "en-US"}
    config = meta["credential_configurations_supported"]["withholding-slip-sd-jwt"]
    assert config["format"] == "dc+sd-jwt"
    assert config["vct"] == WITHHOLDING_SLIP_V1.vct
    assert "employment-certificate-sd-jwt" in meta["credential_configurations_supported"]
    assert "key_attestations_required" not in config["proof_types_supported"]["jwt"]
    asm = (await client.get("/.well-known/oauth-authorization-server/employer-a")).json()
    assert asm["token_endpoint"] == f"{ISSUER_URL}/token"
    served = await client.get(f"{ISSUER_URL}/type-metadata/withholding-slip/1")
    assert served.content == WITHHOLDING_SLIP_V1.metadata_bytes()
    assert (await client.get(f"{ISSUER_URL}/type-metadata/nothing/1")).status_code == 404


@pytest.mark.parametrize("by_reference", [False, True])
async def test_full_flow_batch_status_and_notification(
    client: httpx.AsyncClient, clock: FixedClock, issuer_key: Any, by_reference: bool
) -> None:
    offer = await new_offer(client, by_reference=by_reference)
    assert offer["offer_uri"].startswith("openid-credential-offer://?credential_offer")
    assert offer["tx_code"] not in offer["offer_uri"]
    assert len(offer["tx_code"]) == 6
    assert offer["tx_code"].isdigit()
    wallet = WalletSide(client, clock)
    received = await wallet.receive(offer["offer_uri"], offer["tx_code"], keys=4)
    assert len(received.credentials) == 4
    assert len(set(received.credentials)) == 4

    _, cert = issuer_key
    served_metadata = (await client.get(f"{ISSUER_URL}/type-metadata/withholding-slip/1")).content
    indices = set()
    for credential, signer in zip(received.credentials, received.signers, strict=True):
        presentation = present(
            credential,
            [("payment_amount",), ("recipient", "name")],
            holder_signer=signer,
            aud="https://employer-b.example",
            nonce="n-1",
            clock=clock,
        )
        result = verify_sd_jwt_vc(
            presentation,
            issuer_keys=X5cIssuerKeys([cert]),
            clock=clock,
            key_binding=KeyBindingCheck(aud="https://employer-b.example", nonce="n-1"),
        )
        assert result.vct == WITHHOLDING_SLIP_V1.vct
        assert result.iss == ISSUER_URL
        assert result.cnf_jwk is not None
        assert result.cnf_jwk["x"] == signer.public_jwk["x"]
        assert "payment_amount" in result.payload
        assert "withheld_tax" not in result.payload
        check_integrity(served_metadata, result.payload["vct#integrity"])
        assert result.status is not None
        assert result.status.uri == f"{ISSUER_URL}/status-lists/1"
        indices.add(result.status.idx)
    assert len(indices) == 4

    status_token = await client.get(f"{ISSUER_URL}/status-lists/1")
    assert status_token.headers["content-type"].startswith("application/statuslist+jwt")
    verified = verify_status_list_jwt(
        status_token.text,
        cert.public_key(),
        expected_uri=f"{ISSUER_URL}/status-lists/1",
        clock=clock,
    )
    assert verified.ttl == 3600
    assert all(verified.status(i) == STATUS_VALID for i in indices)

    note = await wallet.notify(received)
    assert note.status_code == 204
    records = service_of(client).repository.credentials_of_offer(offer["offer_id"])
    assert {r.notification_event for r in records} == {"credential_accepted"}

    # Suspend, resume and revoke by the admin API: the status list follows.
    for action, expected in (
        ("suspend", STATUS_SUSPENDED),
        ("resume", STATUS_VALID),
        ("revoke", STATUS_INVALID),
    ):
        changed = await client.post(
            f"{ISSUER_URL}/admin/credentials/{records[0].id}/{action}", headers=ADMIN
        )
        assert changed.status_code == 200, changed.text
        assert len(changed.json()["credential_ids"]) == 4
        token = (await client.get(f"{ISSUER_URL}/status-lists/1")).text
        listed = verify_status_list_jwt(
            token, cert.public_key(), expected_uri=f"{ISSUER_URL}/status-lists/1", clock=clock
        )
        assert {listed.status(i) for i in indices} == {expected}


async def test_reissue_revokes_old_and_offers_corrected(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    offer = await new_offer(client)
    wallet = WalletSide(client, clock)
    await wallet.receive(offer["offer_uri"], offer["tx_code"], keys=2)
    corrected = slip_claims()
    corrected["withheld_tax"] = corrected["withheld_tax"] + 100
    response = await client.post(
        f"{ISSUER_URL}/admin/credentials/{offer['offer_id']}/reissue",
        json={"claims": corrected},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["revoked"]["status"] == STATUS_INVALID
    service = service_of(client)
    old = service.repository.credentials_of_offer(offer["offer_id"])
    assert {c.status for c in old} == {STATUS_INVALID}
    assert {c.superseded_by for c in old} == {body["offer_id"]}
    new_offer_record = service.repository.offer(body["offer_id"])
    assert new_offer_record.replaces_credential_id == offer["offer_id"]
    received = await wallet.receive(body["offer_uri"], body["tx_code"], keys=1)
    assert (await wallet.notify(received)).status_code == 204
    new = service.repository.credentials_of_offer(body["offer_id"])
    assert [c.notification_event for c in new] == ["credential_accepted"]


async def test_admin_api_requires_the_token(client: httpx.AsyncClient) -> None:
    body = {"type": "withholding-slip", "claims": slip_claims()}
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {ADMIN_TOKEN}"},
    ):
        response = await client.post(f"{ISSUER_URL}/admin/offers", json=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
        assert response.headers["www-authenticate"].startswith("Bearer")
    revoke = await client.post(f"{ISSUER_URL}/admin/credentials/x/revoke")
    assert revoke.status_code == 401


async def test_admin_api_validation_errors(client: httpx.AsyncClient) -> None:
    bad = slip_claims()
    bad["payment_amount"] = -5
    response = await client.post(f"{ISSUER_URL}/admin/offers", json={"claims": bad}, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["claim_path"] == ["payment_amount"]
    unknown = await client.post(
        f"{ISSUER_URL}/admin/offers",
        json={"type": "graduation-certificate", "claims": {}},
        headers=ADMIN,
    )
    assert unknown.status_code == 404
    missing = await client.post(f"{ISSUER_URL}/admin/credentials/nope/revoke", headers=ADMIN)
    assert missing.status_code == 404
    offer = await new_offer(client)
    not_suspended = await client.post(
        f"{ISSUER_URL}/admin/credentials/{offer['offer_id']}/resume", headers=ADMIN
    )
    assert not_suspended.status_code == 409
    await client.post(f"{ISSUER_URL}/admin/credentials/{offer['offer_id']}/revoke", headers=ADMIN)
    revoked = await client.post(
        f"{ISSUER_URL}/admin/credentials/{offer['offer_id']}/suspend", headers=ADMIN
    )
    assert revoked.status_code == 409


async def test_idempotent_admin_offer(client: httpx.AsyncClient) -> None:
    body = {"claims": slip_claims(), "import_key": "payroll-2026-E001"}
    first = await client.post(f"{ISSUER_URL}/admin/offers", json=body, headers=ADMIN)
    second = await client.post(f"{ISSUER_URL}/admin/offers", json=body, headers=ADMIN)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["offer_id"] == first.json()["offer_id"]
    assert second.json()["created"] is False
    assert second.json()["tx_code"] is None


async def test_revoked_offer_cannot_be_redeemed(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    offer = await new_offer(client, by_reference=True)
    revoked = await client.post(
        f"{ISSUER_URL}/admin/credentials/{offer['offer_id']}/revoke", headers=ADMIN
    )
    assert revoked.json()["offer_locked"] is True
    wallet = WalletSide(client, clock)
    with pytest.raises(httpx.HTTPStatusError):
        await wallet.offer(offer["offer_uri"])


async def test_one_offer_one_batch(client: httpx.AsyncClient, clock: FixedClock) -> None:
    offer = await new_offer(client)
    wallet = WalletSide(client, clock)
    received = await wallet.receive(offer["offer_uri"], offer["tx_code"], keys=1)
    nonce = await wallet.nonce(received.metadata)
    request = build_credential_request(
        "withholding-slip-sd-jwt",
        wallet.proofs(received.metadata, [SoftwareSigner.generate("ES256")], nonce),
    )
    again = await wallet.credential_response(
        received.metadata, received.access_token, request.to_json()
    )
    assert again.status_code == 400
    assert again.json()["error"] == "credential_request_denied"


async def test_token_response_shape(client: httpx.AsyncClient, clock: FixedClock) -> None:
    offer = await new_offer(client)
    wallet = WalletSide(client, clock)
    parsed = await wallet.offer(offer["offer_uri"])
    response = await wallet.token_response(parsed, offer["tx_code"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    token = parse_token_response(response.content)
    assert token.token_type == "Bearer"
    assert token.expires_in == 900


def test_service_errors_are_honnin_errors(
    tmp_path: Path, make_deps: Callable[..., IssuerDeps]
) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    service = IssuerService(settings, make_deps())
    with pytest.raises(HonninError):
        service.create_offer("withholding-slip", {"tax_year": "nope"})
    with pytest.raises(HonninError):
        service.status_list_token("99")
    service.close()

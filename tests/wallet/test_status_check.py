"""The wallet checks its credentials against the issuer's status lists (``wallet.credential_status``).

The issuer is the real issuer role (``init_issuer`` + ``issuer.create_app``, as in
``test_receipt_checks``); its clerk revokes, suspends and resumes through the admin API.
What the wallet fetches can be changed on the way by a transport that rewrites or refuses
status list responses. A revoked or suspended credential is no longer offered to the
verifier, and the wallet says why; a list that fails verification changes nothing stored.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from specs.encoding import b64url_decode, b64url_encode
from specs.errors import InvalidSignature, MalformedInput, NotFound, ValidationError
from specs.ports import FixedClock
from specs.status_list import StatusList, sign_status_list_jwt
from wallet.credential_status import StatusReport, check_credential_statuses, check_fetchable
from wallet.holder import Wallet
from wallet.presenting import deliver, fetch_request, prepare, refuse, verify_incoming
from wallet.transport import WalletHttp

from .conftest import VERIFIER_ORIGIN, Pki, VerifierPeer, make_verifier
from .test_receipt_checks import (
    ISSUER_URL,
    LDP,
    MDOC,
    SD_JWT,
    Deployment,
    deploy,
    make_wallet,
    offer,
    trust_files,
)

Rewrite = Callable[[httpx.Request, httpx.Response, bytes], httpx.Response]


@dataclass
class StatusNetwork(httpx.AsyncBaseTransport):
    """The issuer's origin; status list responses counted and optionally rewritten or refused."""

    app: FastAPI
    rewrite: Rewrite | None = None
    fetched: Counter[str] = field(default_factory=Counter)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward to the issuer app; pass status list replies through ``rewrite``."""
        response = await httpx.ASGITransport(app=self.app).handle_async_request(request)
        if "status-lists" not in request.url.path:
            return response
        self.fetched[request.url.path] += 1
        body = await response.aread()
        if self.rewrite is None:
            return httpx.Response(response.status_code, headers=response.headers, content=body)
        return self.rewrite(request, response, body)


def run_status(wallet: Wallet, network: StatusNetwork) -> StatusReport:
    """One ``wallet status`` run over ``network``."""

    async def main() -> StatusReport:
        async with httpx.AsyncClient(mounts={ISSUER_URL: network}) as client:
            return await check_credential_statuses(wallet, WalletHttp(client))

    return asyncio.run(main())


def admin(
    deployment: Deployment,
    offer_id: str,
    action: str,
    *,
    body: dict[str, Any] | None = None,
    expect: int = 200,
) -> dict[str, Any]:
    """The issuer's clerk revokes, suspends, resumes or reissues an offer (admin API)."""

    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=deployment.app)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.post(
                f"{ISSUER_URL}/admin/credentials/{offer_id}/{action}",
                json=body,
                headers={"Authorization": f"Bearer {deployment.admin_token}"},
            )

    reply = asyncio.run(main())
    assert reply.status_code == expect, reply.text
    return dict(reply.json())


def take(wallet: Wallet, deployment: Deployment, made: Mapping[str, Any]) -> None:
    """The wallet receives the credentials of an offer the issuer made."""

    async def main() -> None:
        from wallet.receiving import receive

        async with httpx.AsyncClient(mounts={ISSUER_URL: StatusNetwork(deployment.app)}) as c:
            await receive(wallet, WalletHttp(c), made["offer_uri"], tx_code=made["tx_code"])

    asyncio.run(main())


def receive_offer(wallet: Wallet, deployment: Deployment, credential_format: str) -> str:
    """Receive one credential from a fresh offer; return the offer id."""
    made = offer(deployment, credential_format)
    take(wallet, deployment, made)
    return str(made["offer_id"])


@pytest.fixture
def issuer(tmp_path: Path, clock: FixedClock) -> Iterator[Deployment]:
    """Issuer R: a real deployment."""
    deployment = deploy(tmp_path / "issuer-r", clock, seed="issuer-r")
    try:
        yield deployment
    finally:
        deployment.app.state.service.close()


@pytest.fixture
def wallet(tmp_path: Path, clock: FixedClock, pki: Pki, issuer: Deployment) -> Iterator[Wallet]:
    """A wallet whose trust list names issuer R for the slip and employer B as a verifier."""
    made = make_wallet(
        tmp_path / "listing", clock, trust_files(tmp_path / "list-r", pki, issuer.cert)
    )
    try:
        yield made
    finally:
        made.close()


def ask(wallet: Wallet, verifier: VerifierPeer, deployment: Deployment) -> object:
    """Employer B asks for the slip: the pending presentation, or the error ``prepare`` raised."""
    link = verifier.ask()

    async def main() -> object:
        mounts = {ISSUER_URL: StatusNetwork(deployment.app)}
        mounts_v = {VERIFIER_ORIGIN: httpx.ASGITransport(app=verifier.app)}
        async with httpx.AsyncClient(mounts={**mounts, **mounts_v}) as client:
            http = WalletHttp(client)
            request_link, request_object = await fetch_request(http, link)
            trust = wallet.trust_list()
            verified = verify_incoming(wallet, request_link, request_object, trust)
            try:
                return prepare(wallet, verified, trust)
            except NotFound as exc:
                outcome = refuse(wallet, verified, exc, trust)
                await deliver(wallet, http, outcome)
                return exc, outcome

    return asyncio.run(main())


def only(report: StatusReport) -> tuple[str, str | None]:
    """The (recorded status, issuer status) of the one credential of a report."""
    (item,) = report.credentials
    assert item.error is None, item.error
    return item.credential.status, item.issuer_status


# --- revoke, suspend, resume ---


@pytest.mark.parametrize("credential_format", [SD_JWT, MDOC, LDP])
def test_revoked_credential_reads_revoked(
    wallet: Wallet, issuer: Deployment, credential_format: str
) -> None:
    offer_id = receive_offer(wallet, issuer, credential_format)
    assert only(run_status(wallet, StatusNetwork(issuer.app))) == ("valid", "valid")

    admin(issuer, offer_id, "revoke")
    report = run_status(wallet, StatusNetwork(issuer.app))
    assert only(report) == ("revoked", "revoked")
    (stored,) = wallet.store.credentials()
    assert stored.status == "revoked"
    assert stored.extra["status_check"]["checked_at"] == report.checked_at.isoformat()
    assert stored.extra["status_check"]["instances"] == 4


def test_revoked_credential_is_not_offered(
    wallet: Wallet, issuer: Deployment, pki: Pki, clock: FixedClock
) -> None:
    offer_id = receive_offer(wallet, issuer, SD_JWT)
    verifier = make_verifier(pki, clock)
    assert not isinstance(ask(wallet, verifier, issuer), tuple)  # offered while valid

    admin(issuer, offer_id, "revoke")
    run_status(wallet, StatusNetwork(issuer.app))
    refused = ask(wallet, verifier, issuer)
    assert isinstance(refused, tuple)
    error, outcome = refused
    assert type(error) is NotFound
    assert "its issuer revoked it" in error.detail
    # The person is told why; the verifier's error says nothing of what the wallet holds.
    assert "revoked" in outcome.message
    wallet_error = verifier.results[-1].wallet_error
    assert wallet_error is not None
    assert wallet_error.to_payload()["error"] == "access_denied"
    assert "revoked" not in str(wallet_error.to_payload())


def test_suspend_then_resume(
    wallet: Wallet, issuer: Deployment, pki: Pki, clock: FixedClock
) -> None:
    offer_id = receive_offer(wallet, issuer, SD_JWT)
    verifier = make_verifier(pki, clock)

    admin(issuer, offer_id, "suspend")
    assert only(run_status(wallet, StatusNetwork(issuer.app))) == ("suspended", "suspended")
    refused = ask(wallet, verifier, issuer)
    assert isinstance(refused, tuple)
    assert "its issuer suspended it" in refused[0].detail

    admin(issuer, offer_id, "resume")
    assert only(run_status(wallet, StatusNetwork(issuer.app))) == ("valid", "valid")
    assert not isinstance(ask(wallet, verifier, issuer), tuple)


def test_credential_issued_while_suspended_reads_suspended(
    wallet: Wallet, issuer: Deployment
) -> None:
    made = offer(issuer, SD_JWT)
    admin(issuer, str(made["offer_id"]), "suspend")
    take(wallet, issuer, made)
    assert wallet.store.credentials()[0].status == "valid"  # nothing known before a check
    assert only(run_status(wallet, StatusNetwork(issuer.app))) == ("suspended", "suspended")


def test_superseded_stays_superseded(wallet: Wallet, issuer: Deployment) -> None:
    offer_id = receive_offer(wallet, issuer, SD_JWT)
    made = admin(issuer, offer_id, "reissue", body={}, expect=201)
    take(wallet, issuer, made)
    report = run_status(wallet, StatusNetwork(issuer.app))
    old, new = report.credentials
    # The local mark stays; what the issuer's list says is recorded beside it.
    assert (old.credential.status, old.issuer_status) == ("superseded", "revoked")
    assert old.credential.extra["status_check"]["status"] == "revoked"
    assert (new.credential.status, new.issuer_status) == ("valid", "valid")


def test_a_correction_supersedes_a_credential_already_found_revoked(
    wallet: Wallet, issuer: Deployment
) -> None:
    offer_id = receive_offer(wallet, issuer, SD_JWT)
    made = admin(issuer, offer_id, "reissue", body={}, expect=201)
    # The person checks statuses before taking the correction: the old one reads revoked.
    assert only(run_status(wallet, StatusNetwork(issuer.app))) == ("revoked", "revoked")
    take(wallet, issuer, made)
    old, new = sorted(wallet.store.credentials(), key=lambda c: c.status != "superseded")
    assert old.status == "superseded"
    assert old.extra["superseded_by"] == new.id
    assert new.status == "valid"


# --- one fetch per list; failures ---


def test_each_list_is_fetched_once_per_run(wallet: Wallet, issuer: Deployment) -> None:
    receive_offer(wallet, issuer, SD_JWT)
    receive_offer(wallet, issuer, SD_JWT)
    receive_offer(wallet, issuer, MDOC)
    network = StatusNetwork(issuer.app)
    report = run_status(wallet, network)
    assert [c.issuer_status for c in report.credentials] == ["valid"] * 3
    # 12 instances, three credentials, two formats: one list, fetched once.
    assert dict(network.fetched) == {"/status-lists/1": 1}
    assert [item.uri for item in report.lists] == [f"{ISSUER_URL}/status-lists/1"]


def _flip_signature(
    request: httpx.Request, response: httpx.Response, body: bytes
) -> httpx.Response:
    head, payload, signature = body.decode().strip().split(".")
    raw = bytearray(b64url_decode(signature))
    raw[5] ^= 0x01
    tampered = f"{head}.{payload}.{b64url_encode(bytes(raw))}".encode()
    return httpx.Response(200, headers=response.headers, content=tampered)


def _other_subject(issuer: Deployment, clock: FixedClock) -> Rewrite:
    def rewrite(request: httpx.Request, response: httpx.Response, body: bytes) -> httpx.Response:
        # Validly signed by the issuer, all zeros (valid), but for another list.
        token = sign_status_list_jwt(
            StatusList.new(1024, 1),
            issuer.signer,
            uri=f"{ISSUER_URL}/status-lists/2",
            clock=clock,
            expires_in=3600,
            ttl=300,
        )
        return httpx.Response(200, headers=response.headers, content=token.encode())

    return rewrite


@pytest.mark.parametrize(
    ("name", "error_class"), [("tampered", InvalidSignature), ("other_sub", ValidationError)]
)
def test_bad_status_list_is_refused_and_nothing_changes(
    wallet: Wallet, issuer: Deployment, clock: FixedClock, name: str, error_class: type
) -> None:
    offer_id = receive_offer(wallet, issuer, SD_JWT)
    run_status(wallet, StatusNetwork(issuer.app))
    (before,) = wallet.store.credentials()
    assert before.status == "valid"

    admin(issuer, offer_id, "revoke")
    rewrite = _flip_signature if name == "tampered" else _other_subject(issuer, clock)
    report = run_status(wallet, StatusNetwork(issuer.app, rewrite))
    (item,) = report.credentials
    assert type(item.error) is error_class
    assert report.failed
    (list_outcome,) = report.lists
    assert type(list_outcome.error) is error_class
    assert wallet.store.credentials() == [before]  # status and last check unchanged


def test_unreachable_list_is_reported_and_others_are_checked(
    wallet: Wallet, issuer: Deployment
) -> None:
    sd_offer = receive_offer(wallet, issuer, SD_JWT)
    ldp_offer = receive_offer(wallet, issuer, LDP)
    admin(issuer, sd_offer, "revoke")
    admin(issuer, ldp_offer, "revoke")

    def unavailable(
        request: httpx.Request, response: httpx.Response, body: bytes
    ) -> httpx.Response:
        if request.url.path.startswith("/status-lists/"):
            return httpx.Response(503, content=b"down for maintenance")
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    network = StatusNetwork(issuer.app, unavailable)
    sd_before = wallet.store.credentials()[0]  # superseded locally by the ldp_vc one
    report = run_status(wallet, network)
    sd_item, ldp_item = report.credentials
    assert type(sd_item.error) is NotFound
    assert "HTTP 503" in sd_item.error.detail
    assert sd_item.issuer_status is None
    assert ldp_item.error is None
    assert ldp_item.credential.status == "revoked"
    assert wallet.store.credentials() == [sd_before, ldp_item.credential]
    # The W3C credential points at a revocation and a suspension list; each fetched once.
    assert dict(network.fetched) == {
        "/status-lists/1": 1,
        "/w3c-status-lists/1/revocation": 1,
        "/w3c-status-lists/1/suspension": 1,
    }


def test_only_https_or_loopback_http_is_fetched() -> None:
    check_fetchable("https://issuer.example/status-lists/1")
    check_fetchable("http://127.0.0.1:8000/status-lists/1")
    with pytest.raises(MalformedInput):
        check_fetchable("http://issuer.example/status-lists/1")
    with pytest.raises(MalformedInput):
        check_fetchable("file:///etc/passwd")


# --- the web page ---


def test_page_button_checks_and_shows_status(wallet: Wallet, issuer: Deployment) -> None:
    from fastapi.testclient import TestClient

    from wallet.web import create_app

    offer_id = receive_offer(wallet, issuer, SD_JWT)
    admin(issuer, offer_id, "suspend")
    page = create_app(
        wallet, lambda: httpx.AsyncClient(mounts={ISSUER_URL: StatusNetwork(issuer.app)})
    )
    with TestClient(page) as client:
        before = client.get("/?lang=en").text
        assert '<td class="checked">never</td>' in before
        assert 'id="check-status"' in before
        after = client.post("/status?lang=en").text
    (stored,) = wallet.store.credentials()
    assert stored.status == "suspended"
    assert '<td class="status">suspended</td>' in after
    assert f'<td class="checked">{stored.extra["status_check"]["checked_at"]}</td>' in after
    assert "never which credential" in after

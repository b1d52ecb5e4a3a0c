"""The roles against each other, in one process: A's issuer, B's (and C's) verifier, the wallet.

Nothing here stands in for a role. Employer A runs ``issuer.create_app`` on a deployment made
by ``init_issuer``; employers B and C run ``verifier.create_app`` on deployments made by
``init_verifier``; the trust-list operator builds and signs the list with the ``trustlist``
role from source files (A for the withholding slip, B and C for the year-end-adjustment
items, the JPKI test card CA); the person uses the wallet core (``wallet.holder``,
``wallet.receiving``, ``wallet.presenting``). The wallet reaches A and B over
``httpx.ASGITransport`` routed by origin; B fetches A's status lists through a synchronous
bridge to the same in-process app, so a revocation at A is what B sees.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from honnin.sample_data import SampleData
from issuer.app import create_app as create_issuer_app
from issuer.provisioning import init_issuer
from issuer.service import IssuerDeps
from issuer.settings import load_settings as load_issuer_settings
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.errors import ClaimPath
from specs.openid4vp import VerifiedRequest, build_response
from specs.ports import FixedClock, SeededRandom, Signer, SystemRandom
from specs.trustlist import constants as c
from trustlist.build import ANCHOR_FILE, LIST_FILE, PUBLIC_DIR, publish
from trustlist.operator import create_operator
from trustlist.source import CATEGORY_DIRS, write_source_file
from verifier.app import create_app as create_verifier_app
from verifier.provisioning import init_verifier
from verifier.purposes import YEAR_END_ADJUSTMENT, purpose
from verifier.service import VerifierDeps
from verifier.settings import load_settings as load_verifier_settings
from wallet.holder import Wallet
from wallet.presenting import (
    Outcome,
    PendingPresentation,
    approve_all,
    deliver,
    fetch_request,
    prepare,
    respond,
    verify_incoming,
)
from wallet.receiving import CardBinding, Received, receive
from wallet.transport import WalletHttp

T = TypeVar("T")
ISSUER_URL = "https://issuer-a.example"
VERIFIER_URLS = {"b": "https://verifier-b.example", "c": "https://verifier-c.example"}
VERIFIER_NAMES = {
    "b": ("株式会社ビー", "B Corporation"),
    "c": ("株式会社シー", "C Corporation"),
}
PASSPHRASE = "integration wallet passphrase"
FAST_SCRYPT = 2**10
CARD_CA_ENTITY = "jpki-test-ca"


def year_end_items() -> list[list[str | int | None]]:
    """The slip items B's year-end-adjustment purpose asks for: what the list registers."""
    return [list(p) for p in purpose(YEAR_END_ADJUSTMENT).requested_paths]


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a fresh event loop in its own thread (safe from any caller)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class AsgiRouter(httpx.BaseTransport):
    """A synchronous httpx transport routing each origin to an in-process ASGI app.

    The verifier's status-list cache uses a synchronous ``httpx.Client``; this bridge lets
    it reach A's real issuer app, and records every URL it fetched.
    """

    _HOP = frozenset({"host", "content-length", "transfer-encoding", "content-encoding"})

    def __init__(self) -> None:
        self.apps: dict[str, FastAPI] = {}
        self.fetched: list[str] = []

    def mount(self, origin: str, app: FastAPI) -> None:
        """Serve ``origin`` (scheme://host[:port]) with ``app``."""
        self.apps[origin.rstrip("/")] = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request to the app of its origin."""
        origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
        app = self.apps.get(origin)
        if app is None:
            raise httpx.ConnectError(f"nothing serves {origin} in this test", request=request)
        self.fetched.append(str(request.url))
        body = request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in self._HOP}

        async def call() -> tuple[int, list[tuple[str, str]], bytes]:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
                reply = await client.request(
                    request.method, str(request.url), headers=headers, content=body
                )
                kept = [(k, v) for k, v in reply.headers.items() if k.lower() not in self._HOP]
                return reply.status_code, kept, reply.content

        status, reply_headers, content = run_async(call())
        return httpx.Response(status, headers=reply_headers, content=content, request=request)


@dataclass
class VerifierDeployment:
    """One verifier deployment (employer B or C) and what it needs to be driven."""

    key: str
    entity_id: str
    url: str
    client_id: str
    hr_token: str
    settings_path: Path
    app: FastAPI | None = None


@dataclass
class World:
    """A trust list, A's issuer, the verifiers and one wallet, reachable in-process."""

    tmp: Path
    clock: FixedClock
    trust_dir: Path
    issuer_settings_path: Path
    admin_token: str
    verifiers: dict[str, VerifierDeployment]
    wallet: Wallet
    router: AsgiRouter
    issuer_app: FastAPI
    slip_claims: dict[str, Any]
    card: CardBinding | None = None
    apps_to_close: list[FastAPI] = field(default_factory=list)

    @property
    def trust_list_path(self) -> Path:
        """The published, signed trust list."""
        return self.trust_dir / PUBLIC_DIR / LIST_FILE

    @property
    def anchor_path(self) -> Path:
        """The operator certificate every role pins."""
        return self.trust_dir / PUBLIC_DIR / ANCHOR_FILE

    def verifier_app(self, key: str) -> FastAPI:
        """The app of verifier ``key``."""
        app = self.verifiers[key].app
        assert app is not None
        return app

    def client(self) -> httpx.AsyncClient:
        """A fresh AsyncClient routing A's and every verifier's origin to its ASGI app."""
        mounts = {ISSUER_URL: httpx.ASGITransport(app=self.issuer_app)}
        for deployment in self.verifiers.values():
            if deployment.app is not None:
                mounts[deployment.url] = httpx.ASGITransport(app=deployment.app)
        return httpx.AsyncClient(mounts=mounts)

    def run(self, step: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
        """Run one async step with a client that is closed afterwards."""

        async def main() -> T:
            async with self.client() as client:
                return await step(client)

        return run_async(main())

    # --- employer A's payroll clerk: the issuer's admin API ---

    def admin(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """POST to A's admin API with the admin token; return status and JSON."""

        async def step(client: httpx.AsyncClient) -> tuple[int, Any]:
            reply = await client.post(
                f"{ISSUER_URL}/admin{path}",
                json=body or {},
                headers={"Authorization": f"Bearer {self.admin_token}"},
            )
            return reply.status_code, reply.json()

        return self.run(step)

    def offer(
        self, claims: dict[str, Any] | None = None, credential_format: str | None = None
    ) -> dict[str, Any]:
        """A creates an offer for the person's withholding slip (in A's default format, or
        ``credential_format``: ``mso_mdoc``, ``ldp_vc``)."""
        body: dict[str, Any] = {
            "type": WITHHOLDING_SLIP_V1.id,
            "claims": claims or self.slip_claims,
        }
        if credential_format is not None:
            body["format"] = credential_format
        status, reply = self.admin("/offers", body)
        assert status == 201, reply
        return dict(reply)

    def issuer_metadata(self) -> dict[str, Any]:
        """A's credential issuer metadata, as a wallet fetches it."""

        async def step(client: httpx.AsyncClient) -> dict[str, Any]:
            reply = await client.get(f"{ISSUER_URL}/.well-known/openid-credential-issuer")
            return dict(reply.json())

        return self.run(step)

    # --- employer B's HR desk: the verifier's JSON API ---

    def hr_request(self, key: str = "b", purpose_id: str = YEAR_END_ADJUSTMENT) -> dict[str, Any]:
        """The HR desk of verifier ``key`` starts a request; return link and transaction id."""
        deployment = self.verifiers[key]

        async def step(client: httpx.AsyncClient) -> tuple[int, Any]:
            reply = await client.post(
                f"{deployment.url}/hr/api/requests",
                json={"purpose": purpose_id},
                headers={"Authorization": f"Bearer {deployment.hr_token}"},
            )
            return reply.status_code, reply.json()

        status, body = self.run(step)
        assert status == 200, body
        return dict(body)

    def hr_result(self, key: str, transaction_id: str) -> dict[str, Any]:
        """What the HR desk of verifier ``key`` sees for a transaction."""
        deployment = self.verifiers[key]

        async def step(client: httpx.AsyncClient) -> tuple[int, Any]:
            reply = await client.get(
                f"{deployment.url}/hr/api/transactions/{transaction_id}",
                headers={"Authorization": f"Bearer {deployment.hr_token}"},
            )
            return reply.status_code, reply.json()

        status, body = self.run(step)
        assert status == 200, body
        return dict(body)

    # --- the person's wallet ---

    def receive(self, offer: dict[str, Any], batch_size: int | None = None) -> list[Received]:
        """The wallet redeems A's offer link with the tx_code from the other channel."""
        return self.run(
            lambda client: receive(
                self.wallet,
                WalletHttp(client),
                offer["offer_uri"],
                tx_code=offer["tx_code"],
                batch_size=batch_size,
                card=self.card,
            )
        )

    def pending(self, link: str) -> PendingPresentation:
        """The wallet fetches and verifies a request and builds the consent screens."""

        async def step(client: httpx.AsyncClient) -> PendingPresentation:
            request_link, request_object = await fetch_request(WalletHttp(client), link)
            trust = self.wallet.trust_list()
            verified: VerifiedRequest = verify_incoming(
                self.wallet, request_link, request_object, trust
            )
            return prepare(self.wallet, verified, trust)

        return self.run(step)

    def post_vp_token(self, pending: PendingPresentation, credential: Any) -> int:
        """Post a hand-made vp_token (one credential for the one query) as a wallet would;
        return the HTTP status."""
        (screen,) = pending.screens
        submission = build_response(pending.verified, {screen.query_id: [credential]})

        async def step(client: httpx.AsyncClient) -> int:
            reply = await WalletHttp(client).post_form(submission.response_uri, submission.form)
            return reply.status

        return self.run(step)

    def send(self, outcome: Outcome) -> dict[str, Any]:
        """The wallet posts its answer to the verifier and logs it."""
        return self.run(lambda client: deliver(self.wallet, WalletHttp(client), outcome))

    def present(
        self,
        link: str,
        approvals: Callable[[PendingPresentation], dict[str, Sequence[ClaimPath]]] = approve_all,
    ) -> tuple[PendingPresentation, Outcome, dict[str, Any]]:
        """Fetch, consent (``approvals`` stands for the person's taps), respond and deliver."""
        pending = self.pending(link)
        outcome = respond(self.wallet, pending, approvals(pending))
        return pending, outcome, self.send(outcome)

    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the wallet store and the services' databases."""
        self.wallet.close()
        for app in self.apps_to_close:
            app.state.service.close()
        for deployment in self.verifiers.values():
            if deployment.app is not None:
                deployment.app.state.service.deps.http.close()


def slip_claims(seed: int = 2026) -> dict[str, Any]:
    """Sato's withholding slip from A's payroll: he leaves on 30 June."""
    sample = SampleData(seed)
    employer = SampleData(1).employer()
    slip = sample.withholding_slip(sample.person(), employer, leave_date=date(2026, 6, 30))
    return WITHHOLDING_SLIP_V1.to_claims(slip)


@dataclass
class CardSetup:
    """A SoftHSM2 test card and its CA, for worlds whose wallet is card-bound."""

    signer: Signer
    chain: list[Any]
    ca_pem: bytes
    crl_pem: bytes


def _granted(clock: FixedClock) -> list[dict[str, str]]:
    start = clock.now() - timedelta(days=30)
    return [{"status": c.STATUS_GRANTED, "status_starting_time": start.isoformat()}]


def build_world(
    tmp: Path,
    clock: FixedClock,
    *,
    database_url: str | None = None,
    verifier_keys: Sequence[str] = ("b",),
    card: CardSetup | None = None,
    verifier_urls: dict[str, str] | None = None,
    registered_items: dict[str, list[list[str | int | None]]] | None = None,
    response_mode: str = "direct_post.jwt",
    seed: str = "wallet",
    extra_purposes: Sequence[str] = (),
) -> World:
    """Provision every role in ``tmp``, register them in a signed trust list, start the apps.

    ``database_url`` puts both services on that database (PostgreSQL); by default each
    keeps the SQLite file its ``init`` created.
    """
    urls = {**VERIFIER_URLS, **(verifier_urls or {})}
    trust_dir = tmp / "trust"
    operator = create_operator(
        trust_dir,
        common_name="honnin integration trust list operator",
        organization="honnin test operator",
        not_before=clock.now() - timedelta(days=60),
        random=SeededRandom("operator"),
    )
    anchor = tmp / "operator.pem"
    anchor.write_bytes(operator.chain[0].public_bytes(serialization.Encoding.PEM))
    trust_list = trust_dir / PUBLIC_DIR / LIST_FILE

    employer_a = SampleData(1).employer()
    issuer = init_issuer(
        tmp / "issuer-a",
        name_ja=employer_a.name,
        name_en="Employer A",
        url=ISSUER_URL,
        clock=FixedClock(clock.now() - timedelta(days=30)),
        random=SeededRandom("issuer-init"),
        credential_types=[WITHHOLDING_SLIP_V1.id],
    )
    verifiers: dict[str, VerifierDeployment] = {}
    for key in verifier_keys:
        name_ja, name_en = VERIFIER_NAMES[key]
        made = init_verifier(
            tmp / f"verifier-{key}",
            name_ja=name_ja,
            name_en=name_en,
            url=urls[key],
            trust_list=str(trust_list),
            trust_list_anchor=anchor,
            clock=FixedClock(clock.now() - timedelta(days=30)),
            random=SeededRandom(f"verifier-init-{key}"),
            response_mode=response_mode,
        )
        verifiers[key] = VerifierDeployment(
            key=key,
            entity_id=f"employer-{key}",
            url=urls[key],
            client_id=made.client_id,
            hr_token=made.hr_token,
            settings_path=made.settings_path,
        )

    # The operator's source files, then the signed list (the trustlist role's publish).
    write_source_file(
        trust_dir / "scheme.yaml",
        {
            "scheme_operator_name": {"ja": "本人トラストリスト(試験)", "en": "honnin test list"},
            "policy_or_legal_notice": "https://trust.honnin.example/policy",
            "distribution_points": ["https://trust.honnin.example/trustlist.jws"],
        },
    )
    write_source_file(
        trust_dir / CATEGORY_DIRS[c.ISSUERS] / "employer-a.yaml",
        {
            "entity_id": "employer-a",
            "legal_name": {"ja": employer_a.name, "en": "Employer A"},
            "corporate_number": employer_a.corporate_number,
            "certificate_files": [str(issuer.certificate_pem)],
            "credential_types": [WITHHOLDING_SLIP_V1.id],
            "status_history": _granted(clock),
        },
    )
    for n, (key, deployment) in enumerate(verifiers.items()):
        name_ja, name_en = VERIFIER_NAMES[key]
        items = (registered_items or {}).get(key, year_end_items())
        write_source_file(
            trust_dir / CATEGORY_DIRS[c.VERIFIERS] / f"{deployment.entity_id}.yaml",
            {
                "entity_id": deployment.entity_id,
                "legal_name": {"ja": name_ja, "en": name_en},
                "corporate_number": SampleData(10 + n).corporate_number(),
                "client_id": deployment.client_id,
                "certificate_files": [str(deployment.settings_path.parent / "access-cert.pem")],
                "intended_uses": [
                    {
                        "purpose_id": purpose_id,
                        "purpose": {"ja": "年末調整", "en": "year-end tax adjustment"},
                        "credentials": [
                            {"credential_type": WITHHOLDING_SLIP_V1.id, "claims": items}
                        ],
                    }
                    # extra_purposes: more purpose ids registered for the same items.
                    for purpose_id in (YEAR_END_ADJUSTMENT, *extra_purposes)
                ],
                "status_history": _granted(clock),
            },
        )
    crl_path: Path | None = None
    if card is not None:
        (tmp / "card-ca.pem").write_bytes(card.ca_pem)
        crl_path = tmp / "card-ca.crl"
        crl_path.write_bytes(card.crl_pem)
        write_source_file(
            trust_dir / CATEGORY_DIRS[c.CARD_CAS] / f"{CARD_CA_ENTITY}.yaml",
            {
                "entity_id": CARD_CA_ENTITY,
                "name": {"ja": "JPKI 試験用CA", "en": "JPKI test CA"},
                "certificate_files": [str(tmp / "card-ca.pem")],
                "status_history": _granted(clock),
            },
        )
    publish(trust_dir, clock)

    router = AsgiRouter()
    issuer_updates: dict[str, Any] = {}
    if database_url is not None:
        issuer_updates["database_url"] = database_url
    if card is not None:
        assert crl_path is not None
        issuer_updates.update(
            key_attestation_required=True,
            card_trust_list=trust_list,
            card_trust_list_anchors=anchor,
            card_crls=[crl_path],
        )
    issuer_settings = load_issuer_settings(issuer.settings_path).model_copy(update=issuer_updates)
    issuer_app = create_issuer_app(issuer_settings, IssuerDeps(clock=clock, rng=SystemRandom()))
    router.mount(ISSUER_URL, issuer_app)
    apps = [issuer_app]
    for deployment in verifiers.values():
        settings = load_verifier_settings(deployment.settings_path)
        if database_url is not None:
            settings = settings.model_copy(update={"database_url": database_url})
        deps = VerifierDeps(clock=clock, random=SystemRandom(), http=httpx.Client(transport=router))
        deployment.app = create_verifier_app(settings, deps)
        apps.append(deployment.app)

    wallet = Wallet.create(
        tmp / "wallet",
        PASSPHRASE,
        clock=clock,
        random=SeededRandom(seed),
        trust_list=trust_list,
        trust_list_anchor=anchor,
        card=card.signer if card is not None else None,
        scrypt_n=FAST_SCRYPT,
    )
    return World(
        tmp=tmp,
        clock=clock,
        trust_dir=trust_dir,
        issuer_settings_path=issuer.settings_path,
        admin_token=issuer.admin_token,
        verifiers=verifiers,
        wallet=wallet,
        router=router,
        issuer_app=issuer_app,
        slip_claims=slip_claims(),
        card=CardBinding(card.signer, card.chain) if card is not None else None,
        apps_to_close=apps,
    )


@pytest.fixture
def world(tmp_path: Path, clock: FixedClock) -> Iterator[World]:
    """A, B and a card-less wallet on SQLite."""
    with build_world(tmp_path, clock) as w:
        yield w


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def job_world(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[World]:
    """A, B and a wallet, with both services on SQLite files or on one PostgreSQL schema."""
    url = request.getfixturevalue("postgres_schema_url") if request.param == "postgres" else None
    with build_world(tmp_path, clock, database_url=url) as w:
        yield w


def assert_refused(result: dict[str, Any], check: str, code: str) -> None:
    """B's HR desk shows the transaction as failed at ``check`` with error ``code``."""
    assert result["outcome"] == "failed", result
    assert result["reason"]["check"] == check
    assert result["reason"]["code"] == code

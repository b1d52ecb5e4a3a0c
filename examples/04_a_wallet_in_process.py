"""04: A wallet in-process: receive a slip from employer A, answer employer B, read the log.

The wallet core (``wallet.holder``, ``wallet.receiving``, ``wallet.presenting``) is what
``honnin wallet`` and the wallet's web page are built on. Here it talks to the real issuer
and verifier apps (``issuer.app.create_app``, ``verifier.app.create_app``) running in this
process: ``httpx.ASGITransport`` routes each origin to its app, so there is no server and
no port, yet every byte crosses OpenID4VCI and OpenID4VP as it would over the network.
The trust-list operator registers A (withholding slip) and B (the year-end items, no My
Number) and signs the list that every role pins. Without a card the wallet keeps its keys
under its passphrase. Run: ``.venv/bin/python examples/04_a_wallet_in_process.py``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization

from honnin.sample_data import SampleData
from issuer.app import create_app as create_issuer_app
from issuer.provisioning import init_issuer
from issuer.service import IssuerDeps
from issuer.settings import load_settings as load_issuer_settings
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.ports import SystemClock, SystemRandom
from specs.trustlist import constants as c
from trustlist.build import LIST_FILE, PUBLIC_DIR, publish
from trustlist.operator import create_operator
from trustlist.source import CATEGORY_DIRS, write_source_file
from verifier.app import create_app as create_verifier_app
from verifier.provisioning import init_verifier
from verifier.purposes import YEAR_END_ADJUSTMENT, purpose
from verifier.service import VerifierDeps
from verifier.settings import load_settings as load_verifier_settings
from wallet.holder import Wallet
from wallet.presenting import (
    approve_all,
    deliver,
    fetch_request,
    prepare,
    respond,
    verify_incoming,
)
from wallet.receiving import receive
from wallet.transport import WalletHttp

ISSUER_URL = "https://issuer-a.example"
VERIFIER_URL = "https://verifier-b.example"
PASSPHRASE = "example wallet passphrase"  # noqa: S105 - a throwaway example wallet
FAST_SCRYPT = 2**12  # an example; `honnin wallet init` uses 2**15


class SyncAppTransport(httpx.BaseTransport):
    """B's status-list fetches are synchronous: run each against A's app on its own loop."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.apps = apps

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` to the app serving its origin."""
        app = self.apps[f"{request.url.scheme}://{request.url.host}"]

        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport) as client:
                reply = await client.request(request.method, str(request.url))
                return httpx.Response(reply.status_code, content=reply.content)

        # The caller may already be inside an event loop (B's app answering the wallet).
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, call()).result()


def setup(workdir: Path) -> dict[str, Any]:
    """The operator, A and B provision themselves; the operator registers A and B and signs."""
    clock, random = SystemClock(), SystemRandom()
    since = (clock.now() - timedelta(days=1)).isoformat()
    trust = workdir / "trust"
    operator = create_operator(
        trust, common_name="example trust list", organization="honnin example",
        not_before=clock.now() - timedelta(days=1), random=random,
    )  # fmt: skip
    anchor = workdir / "operator.pem"
    anchor.write_bytes(operator.chain[0].public_bytes(serialization.Encoding.PEM))
    trust_list = trust / PUBLIC_DIR / LIST_FILE
    employer_a = SampleData(1).employer()
    issuer = init_issuer(
        workdir / "issuer-a", name_ja=employer_a.name, name_en="Employer A", url=ISSUER_URL,
        clock=clock, random=random, credential_types=[WITHHOLDING_SLIP_V1.id],
    )  # fmt: skip
    verifier = init_verifier(
        workdir / "verifier-b", name_ja="株式会社ビー", name_en="Employer B", url=VERIFIER_URL,
        trust_list=str(trust_list), trust_list_anchor=anchor, clock=clock, random=random,
    )  # fmt: skip

    write_source_file(
        trust / "scheme.yaml",
        {
            "scheme_operator_name": {"ja": "例のトラストリスト", "en": "example trust list"},
            "policy_or_legal_notice": "https://trust.honnin.example/policy",
            "distribution_points": ["https://trust.honnin.example/trustlist.jws"],
        },
    )
    write_source_file(
        trust / CATEGORY_DIRS[c.ISSUERS] / "employer-a.yaml",
        {
            "entity_id": "employer-a",
            "legal_name": {"ja": employer_a.name, "en": "Employer A"},
            "corporate_number": employer_a.corporate_number,
            "certificate_files": [str(issuer.certificate_pem)],
            "credential_types": [WITHHOLDING_SLIP_V1.id],
            "status_history": [{"status": c.STATUS_GRANTED, "status_starting_time": since}],
        },
    )
    items = [list(p) for p in purpose(YEAR_END_ADJUSTMENT).requested_paths]
    write_source_file(
        trust / CATEGORY_DIRS[c.VERIFIERS] / "employer-b.yaml",
        {
            "entity_id": "employer-b",
            "legal_name": {"ja": "株式会社ビー", "en": "Employer B"},
            "corporate_number": SampleData(2).corporate_number(),
            "client_id": verifier.client_id,
            "certificate_files": [str(verifier.settings_path.parent / "access-cert.pem")],
            "intended_uses": [
                {
                    "purpose_id": YEAR_END_ADJUSTMENT,
                    "purpose": {"ja": "年末調整", "en": "year-end tax adjustment"},
                    "credentials": [{"credential_type": WITHHOLDING_SLIP_V1.id, "claims": items}],
                }
            ],
            "status_history": [{"status": c.STATUS_GRANTED, "status_starting_time": since}],
        },
    )
    publish(trust, clock)

    issuer_app = create_issuer_app(
        load_issuer_settings(issuer.settings_path), IssuerDeps(clock=clock, rng=random)
    )
    status_http = httpx.Client(transport=SyncAppTransport({ISSUER_URL: issuer_app}))
    verifier_app = create_verifier_app(
        load_verifier_settings(verifier.settings_path),
        VerifierDeps(clock=clock, random=random, http=status_http),
    )
    wallet = Wallet.create(
        workdir / "wallet", PASSPHRASE, clock=clock, random=random,
        trust_list=trust_list, trust_list_anchor=anchor, language="en", scrypt_n=FAST_SCRYPT,
    )  # fmt: skip
    return {
        "wallet": wallet,
        "apps": {ISSUER_URL: issuer_app, VERIFIER_URL: verifier_app},
        "admin_token": issuer.admin_token,
        "hr_token": verifier.hr_token,
        "status_http": status_http,
    }


async def story(world: dict[str, Any]) -> None:
    """A offers, the wallet receives; B asks, the wallet answers; B reads its result."""
    wallet: Wallet = world["wallet"]
    mounts = {url: httpx.ASGITransport(app=app) for url, app in world["apps"].items()}
    async with httpx.AsyncClient(mounts=mounts) as client:
        http = WalletHttp(client)

        # A's payroll clerk creates an offer for Sato's slip (admin API).
        sample = SampleData(2026)
        slip = sample.withholding_slip(
            sample.person(), SampleData(1).employer(), leave_date=date(2026, 6, 30)
        )
        reply = await client.post(
            f"{ISSUER_URL}/admin/offers",
            json={"type": WITHHOLDING_SLIP_V1.id, "claims": WITHHOLDING_SLIP_V1.to_claims(slip)},
            headers={"Authorization": f"Bearer {world['admin_token']}"},
        )
        offer = reply.raise_for_status().json()

        # The wallet redeems the link with the tx_code that came by letter (OpenID4VCI).
        (received,) = await receive(wallet, http, offer["offer_uri"], tx_code=offer["tx_code"])
        print(f"received {received.credential.type_id}: {received.instances} instances")

        # B's HR desk asks for the year-end items (OpenID4VP request by reference).
        reply = await client.post(
            f"{VERIFIER_URL}/hr/api/requests",
            json={"purpose": YEAR_END_ADJUSTMENT},
            headers={"Authorization": f"Bearer {world['hr_token']}"},
        )
        request = reply.raise_for_status().json()

        # The wallet verifies the request against the trust list and builds the consent screen.
        request_link, request_object = await fetch_request(http, request["request_link"])
        trust = wallet.trust_list()
        verified = verify_incoming(wallet, request_link, request_object, trust)
        pending = prepare(wallet, verified, trust)
        print(f"consent screen: {pending.verifier_name} asks, for {pending.purpose!r}")
        for screen in pending.screens:
            for item in screen.screen.items:
                print(f"  {item.label}: {item.status.value}")

        # The person agrees to every item the wallet may share; only those leave it.
        outcome = respond(wallet, pending, approve_all(pending))
        await deliver(wallet, http, outcome)
        print(outcome.message)

        reply = await client.get(
            f"{VERIFIER_URL}/hr/api/transactions/{request['transaction_id']}",
            headers={"Authorization": f"Bearer {world['hr_token']}"},
        )
        result = reply.raise_for_status().json()
        print(f"B's result: {result['outcome']}, {len(result['claims'])} items")
        print(f"  leave date: {result['claims'].get('mid_year_change/date')}")
        print(
            f"  failed checks: {[c['name'] for c in result['checks'] if c['outcome'] != 'passed']}"
        )


def main() -> None:
    """Provision everything in a temporary folder, run the story, show the disclosure log."""
    with tempfile.TemporaryDirectory(prefix="honnin-example-04-") as folder:
        world = setup(Path(folder))
        wallet: Wallet = world["wallet"]
        try:
            asyncio.run(story(world))
            for entry in wallet.store.log():
                e = entry.entry
                items = [i for cred in e["credentials"] for i in cred["items"]]
                print(f"log #{entry.seq}: {e['outcome']} to {e['verifier']}: {len(items)} items")
            print(f"disclosure log intact: {wallet.store.verify_log()} entries")
        finally:
            wallet.close()
            world["status_http"].close()
            for app in world["apps"].values():
                app.state.service.close()


if __name__ == "__main__":
    main()

"""The issue's negative cases over HTTP, each with its exact OpenID4VCI wire error code.

Replayed code, wrong tx_code, locked offer, expired nonce, proof for another issuer, proof
with a key not attested, oversize request, malformed JSON, unknown configuration id; plus
the two-replica race on one PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from honnin_issuer_test_support import ADMIN_TOKEN, ISSUER_URL, make_settings, slip_claims
from honnin_issuer_test_wallet_side import WalletSide

from honnin.testcard import JpkiTestCa
from issuer.app import create_app
from issuer.attestation import CardKeyAttestationVerifier
from issuer.service import IssuerDeps
from specs.key_attestation import build_key_attestation_claims, sign_key_attestation
from specs.keys import SoftwareSigner
from specs.openid4vci import Proofs, build_jwt_proof
from specs.openid4vci.wallet import build_credential_request, build_token_request
from specs.ports import FixedClock
from specs.trustlist import CardCaEntry, LocalizedName, SchemeInformation, StatusHistory, TrustList
from specs.trustlist.model import StatusChange

pytestmark = pytest.mark.anyio
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CONFIG = "withholding-slip-sd-jwt"


@pytest.fixture
def app_factory(
    tmp_path: Path, database_url: str, make_deps: Callable[..., IssuerDeps]
) -> Callable[..., FastAPI]:
    def build(settings_overrides: dict[str, Any] | None = None, **deps: Any) -> FastAPI:
        settings = make_settings(tmp_path, database_url, **(settings_overrides or {}))
        return create_app(settings, make_deps(**deps))

    return build


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://issuer.example"
    )


@pytest.fixture
async def client(app_factory: Callable[..., FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    app = app_factory()
    async with await _client(app) as c:
        yield c
    app.state.service.close()


async def offer_for(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(
        f"{ISSUER_URL}/admin/offers", json={"claims": slip_claims()}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def token_for(client: httpx.AsyncClient, clock: FixedClock) -> tuple[WalletSide, Any, str]:
    offer = await offer_for(client)
    wallet = WalletSide(client, clock)
    parsed = await wallet.offer(offer["offer_uri"])
    metadata = await wallet.metadata(ISSUER_URL)
    response = await wallet.token_response(parsed, offer["tx_code"])
    assert response.status_code == 200
    return wallet, metadata, response.json()["access_token"]


def assert_wire(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


async def test_replayed_code(client: httpx.AsyncClient, clock: FixedClock) -> None:
    offer = await offer_for(client)
    wallet = WalletSide(client, clock)
    parsed = await wallet.offer(offer["offer_uri"])
    assert (await wallet.token_response(parsed, offer["tx_code"])).status_code == 200
    assert_wire(await wallet.token_response(parsed, offer["tx_code"]), 400, "invalid_grant")


async def test_wrong_tx_code_then_locked(client: httpx.AsyncClient, clock: FixedClock) -> None:
    offer = await offer_for(client)
    wallet = WalletSide(client, clock)
    parsed = await wallet.offer(offer["offer_uri"])
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    for _ in range(5):  # tx_code_max_attempts
        assert_wire(await wallet.token_response(parsed, wrong), 400, "invalid_grant")
    # Locked now: even the right tx_code fails.
    assert_wire(await wallet.token_response(parsed, offer["tx_code"]), 400, "invalid_grant")


async def test_missing_tx_code_and_bad_grant(client: httpx.AsyncClient, clock: FixedClock) -> None:
    offer = await offer_for(client)
    wallet = WalletSide(client, clock)
    parsed = await wallet.offer(offer["offer_uri"])
    form = build_token_request(parsed, tx_code=offer["tx_code"])
    del form["tx_code"]
    assert_wire(await client.post(f"{ISSUER_URL}/token", data=form), 400, "invalid_request")
    form["grant_type"] = "authorization_code"
    assert_wire(await client.post(f"{ISSUER_URL}/token", data=form), 400, "unsupported_grant_type")
    repeated = "grant_type=a&grant_type=b"
    response = await client.post(
        f"{ISSUER_URL}/token",
        content=repeated,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_wire(response, 400, "invalid_request")
    assert_wire(await client.post(f"{ISSUER_URL}/token", json=form), 400, "invalid_request")
    unknown = {**form, "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code"}
    unknown["pre-authorized_code"] = "not-a-code"
    assert_wire(await client.post(f"{ISSUER_URL}/token", data=unknown), 400, "invalid_grant")


async def test_expired_nonce(client: httpx.AsyncClient, clock: FixedClock) -> None:
    wallet, metadata, token = await token_for(client, clock)
    nonce = await wallet.nonce(metadata)
    clock.advance(301)  # nonce_ttl_seconds is 300; the proof itself is fresh
    request = build_credential_request(
        CONFIG, wallet.proofs(metadata, [SoftwareSigner.generate("ES256")], nonce)
    )
    response = await wallet.credential_response(metadata, token, request.to_json())
    assert_wire(response, 400, "invalid_nonce")


async def test_replayed_nonce(client: httpx.AsyncClient, clock: FixedClock) -> None:
    wallet, metadata, token = await token_for(client, clock)
    nonce = await wallet.nonce(metadata)
    # A proof whose c_nonce was never issued: rejected before anything is signed.
    request = build_credential_request(
        CONFIG, wallet.proofs(metadata, [SoftwareSigner.generate("ES256")], nonce + "x")
    )
    assert_wire(
        await wallet.credential_response(metadata, token, request.to_json()), 400, "invalid_nonce"
    )


async def test_proof_for_another_issuer(client: httpx.AsyncClient, clock: FixedClock) -> None:
    wallet, metadata, token = await token_for(client, clock)
    nonce = await wallet.nonce(metadata)
    proof = build_jwt_proof(
        SoftwareSigner.generate("ES256"),
        audience="https://other-issuer.example",
        clock=clock,
        nonce=nonce,
    )
    request = build_credential_request(CONFIG, Proofs(jwt=[proof]))
    response = await wallet.credential_response(metadata, token, request.to_json())
    assert_wire(response, 400, "invalid_proof")


async def test_stale_proof_and_missing_nonce(client: httpx.AsyncClient, clock: FixedClock) -> None:
    wallet, metadata, token = await token_for(client, clock)
    nonce = await wallet.nonce(metadata)
    old = FixedClock(clock.now() - timedelta(seconds=600))
    proof = build_jwt_proof(
        SoftwareSigner.generate("ES256"), audience=ISSUER_URL, clock=old, nonce=nonce
    )
    response = await wallet.credential_response(
        metadata, token, build_credential_request(CONFIG, Proofs(jwt=[proof])).to_json()
    )
    assert_wire(response, 400, "invalid_proof")
    no_nonce = build_jwt_proof(SoftwareSigner.generate("ES256"), audience=ISSUER_URL, clock=clock)
    response = await wallet.credential_response(
        metadata, token, build_credential_request(CONFIG, Proofs(jwt=[no_nonce])).to_json()
    )
    assert_wire(response, 400, "invalid_proof")


async def test_oversize_and_malformed_requests(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    wallet, metadata, token = await token_for(client, clock)
    big = b'{"credential_configuration_id": "' + b"a" * (600 * 1024) + b'"}'
    assert_wire(
        await wallet.credential_response(metadata, token, big), 400, "invalid_credential_request"
    )
    assert_wire(
        await wallet.credential_response(metadata, token, b'{"credential_configuration_id": '),
        400,
        "invalid_credential_request",
    )
    duplicate = b'{"credential_configuration_id": "a", "credential_configuration_id": "b"}'
    assert_wire(
        await wallet.credential_response(metadata, token, duplicate),
        400,
        "invalid_credential_request",
    )
    big_form = "grant_type=" + "a" * (600 * 1024)
    response = await client.post(
        f"{ISSUER_URL}/token",
        content=big_form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_wire(response, 400, "invalid_request")


async def test_unknown_configuration_and_bad_token(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    wallet, metadata, token = await token_for(client, clock)
    nonce = await wallet.nonce(metadata)
    proofs = wallet.proofs(metadata, [SoftwareSigner.generate("ES256")], nonce)
    unknown = build_credential_request("no-such-configuration", proofs)
    assert_wire(
        await wallet.credential_response(metadata, token, unknown.to_json()),
        400,
        "unknown_credential_configuration",
    )
    # A configuration the issuer supports but this offer does not cover.
    other = build_credential_request("employment-certificate-sd-jwt", proofs)
    assert_wire(
        await wallet.credential_response(metadata, token, other.to_json()),
        400,
        "credential_request_denied",
    )
    valid = build_credential_request(CONFIG, proofs).to_json()
    assert_wire(await wallet.credential_response(metadata, "wrong", valid), 401, "invalid_token")
    response = await client.post(metadata.credential_endpoint, json=valid)
    assert_wire(response, 401, "invalid_token")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_batch_larger_than_allowed(client: httpx.AsyncClient, clock: FixedClock) -> None:
    wallet, metadata, token = await token_for(client, clock)
    nonce = await wallet.nonce(metadata)
    signers = [SoftwareSigner.generate("ES256") for _ in range(5)]
    request = build_credential_request(CONFIG, wallet.proofs(metadata, signers, nonce))
    assert_wire(
        await wallet.credential_response(metadata, token, request.to_json()),
        400,
        "invalid_credential_request",
    )


async def test_notification_unknown_id(client: httpx.AsyncClient, clock: FixedClock) -> None:
    _, metadata, token = await token_for(client, clock)
    assert metadata.notification_endpoint is not None
    response = await client.post(
        metadata.notification_endpoint,
        json={"notification_id": "nope", "event": "credential_accepted"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_wire(response, 400, "invalid_notification_id")
    response = await client.post(
        metadata.notification_endpoint,
        json={"notification_id": "nope", "event": "bogus"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_wire(response, 400, "invalid_notification_request")


# --- key attestation required (card CAs from the trust list) ---


def _trust_list(ca_cert: x509.Certificate, at: Any) -> TrustList:
    return TrustList(
        scheme=SchemeInformation(
            version=1,
            sequence_number=1,
            lote_type="honnin",
            operator_name=LocalizedName(ja="運営者", en="Operator"),
            territory="JP",
            policy_uri="https://trust.example/policy",
            issued_at=at - timedelta(days=1),
            next_update=at + timedelta(days=30),
            distribution_points=(),
        ),
        issuers=(),
        verifiers=(),
        card_cas=(
            CardCaEntry(
                entity_id="jpki-test-ca",
                name=LocalizedName(ja="テストCA", en="Test CA"),
                certificates=(ca_cert,),
                crl_distribution_points=(),
                history=StatusHistory((StatusChange("granted", at - timedelta(days=365)),)),
            ),
        ),
        status_list_providers=(),
        document={},
    )


@pytest.fixture
async def attested(
    app_factory: Callable[..., FastAPI], clock: FixedClock
) -> AsyncIterator[tuple[httpx.AsyncClient, SoftwareSigner, x509.Certificate]]:
    now = clock.now()
    ca = JpkiTestCa.create(now - timedelta(days=100))
    card_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    card_cert = ca.issue_user_certificate(
        card_key.public_key(), serial=7001, not_before=now - timedelta(days=30)
    )
    crl = ca.issue_crl(now - timedelta(hours=1))
    trust = _trust_list(ca.certificate, now)
    verifier = CardKeyAttestationVerifier(lambda: trust, lambda: [crl], clock=clock)
    app = app_factory({"key_attestation_required": True}, key_attestation_verifier=verifier)
    async with await _client(app) as c:
        yield c, SoftwareSigner(card_key, "RS256"), card_cert
    app.state.service.close()


async def test_key_attestation_required(
    attested: tuple[httpx.AsyncClient, SoftwareSigner, x509.Certificate], clock: FixedClock
) -> None:
    client, card, card_cert = attested
    meta = (await client.get("/.well-known/openid-credential-issuer/employer-a")).json()
    config = meta["credential_configurations_supported"][CONFIG]["proof_types_supported"]
    assert config["jwt"]["key_attestations_required"] == {}
    assert "attestation" in config

    # A plain jwt proof without attestation: refused.
    wallet, metadata, token = await token_for(client, clock)
    nonce = await wallet.nonce(metadata)
    plain = build_credential_request(
        CONFIG, wallet.proofs(metadata, [SoftwareSigner.generate("ES256")], nonce)
    )
    assert_wire(
        await wallet.credential_response(metadata, token, plain.to_json()), 400, "invalid_proof"
    )

    # A jwt proof signed by a key the card did not attest: refused.
    keys = [SoftwareSigner.generate("ES256") for _ in range(3)]
    nonce = await wallet.nonce(metadata)
    claims = build_key_attestation_claims([k.public_jwk for k in keys], nonce=nonce, clock=clock)
    attestation = sign_key_attestation(claims, card, [card_cert])
    stranger = build_jwt_proof(
        SoftwareSigner.generate("ES256"),
        audience=ISSUER_URL,
        clock=clock,
        nonce=nonce,
        key_attestation=attestation,
    )
    response = await wallet.credential_response(
        metadata, token, build_credential_request(CONFIG, Proofs(jwt=[stranger])).to_json()
    )
    assert_wire(response, 400, "invalid_proof")

    # One attestation proof covering a batch of three keys: three credentials, one per key.
    proofs = Proofs(attestation=[attestation])
    response = await wallet.credential_response(
        metadata, token, build_credential_request(CONFIG, proofs).to_json()
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["credentials"]) == 3

    # The same attestation again (its nonce is consumed): invalid_nonce.
    _, metadata2, token2 = await token_for(client, clock)
    response = await wallet.credential_response(
        metadata2, token2, build_credential_request(CONFIG, proofs).to_json()
    )
    assert_wire(response, 400, "invalid_nonce")


# --- two replicas, one PostgreSQL: exactly one redemption wins ---


@pytest.mark.postgres
async def test_two_replicas_race_on_postgres(
    tmp_path: Path,
    postgres_schema_url: str,
    make_deps: Callable[..., IssuerDeps],
    clock: FixedClock,
) -> None:
    settings = make_settings(tmp_path, postgres_schema_url)
    replicas = [create_app(settings, make_deps()) for _ in range(2)]
    clients = [await _client(app) for app in replicas]
    try:
        offer = await offer_for(clients[0])
        wallet = WalletSide(clients[0], clock)
        parsed = await wallet.offer(offer["offer_uri"])
        form = build_token_request(parsed, tx_code=offer["tx_code"])
        attempts = 24
        responses = await asyncio.gather(
            *(clients[i % 2].post(f"{ISSUER_URL}/token", data=form) for i in range(attempts))
        )
        codes = sorted(r.status_code for r in responses)
        assert codes.count(200) == 1, codes
        assert all(r.json()["error"] == "invalid_grant" for r in responses if r.status_code != 200)
        token = next(r.json()["access_token"] for r in responses if r.status_code == 200)

        # Many credential requests with one nonce across both replicas: exactly one issues.
        metadata = await wallet.metadata(ISSUER_URL)
        nonce = await wallet.nonce(metadata)
        bodies = [
            build_credential_request(
                CONFIG, wallet.proofs(metadata, [SoftwareSigner.generate("ES256")], nonce)
            ).to_json()
            for _ in range(12)
        ]
        results = await asyncio.gather(
            *(
                clients[i % 2].post(
                    metadata.credential_endpoint,
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                )
                for i, body in enumerate(bodies)
            )
        )
        assert [r.status_code for r in results].count(200) == 1
        assert {r.json()["error"] for r in results if r.status_code != 200} == {"invalid_nonce"}
    finally:
        for c in clients:
            await c.aclose()
        for app in replicas:
            app.state.service.close()

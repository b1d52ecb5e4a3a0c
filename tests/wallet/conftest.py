"""Real in-process peers for the wallet: an OpenID4VCI issuer and an OpenID4VP verifier.

Both are small FastAPI apps around the sans-IO cores of ``specs.openid4vci`` and
``specs.openid4vp`` (real signatures, real stores), reached through ``httpx.ASGITransport``.
The trust list is signed by a test operator and registers employer B as a verifier.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from honnin.sample_data import SampleData
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.dcql import Presented, parse_dcql_query
from specs.errors import HonninError
from specs.keys import SoftwareSigner, thumbprint
from specs.keys.x509 import encode_x5c
from specs.openid4vci import (
    CredentialIssuerCore,
    CredentialIssuerMetadata,
    InMemoryNonceStore,
    InMemoryNotificationStore,
    InMemoryOfferStore,
    TxCode,
    parse_message,
    wire_error,
)
from specs.openid4vci.errors import Endpoint
from specs.openid4vp import (
    InMemoryTransactionStore,
    PresentationContext,
    PresentationResult,
    VerifiedPresentation,
    VerifierCore,
)
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import KeyBindingCheck
from specs.sd_jwt_vc.credential import issue_sd_jwt_vc, verify_sd_jwt_vc
from specs.sd_jwt_vc.issuer_keys import StaticIssuerKey
from specs.trustlist import constants as c
from specs.trustlist.model import format_time
from specs.trustlist.signature import sign_trust_list
from tests.support.certificates import certify
from wallet.holder import Wallet
from wallet.transport import WalletHttp

T = TypeVar("T")
ISSUER = "https://issuer.a.example.jp"
VERIFIER_DNS = "verifier.b.example.jp"
VERIFIER_CLIENT_ID = f"x509_san_dns:{VERIFIER_DNS}"
VERIFIER_ORIGIN = f"https://{VERIFIER_DNS}"
EVIL_DNS = "evil.example.jp"
CONFIG_ID = "withholding-slip"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
FAST_SCRYPT = 2**10
PASSPHRASE = "correct horse battery"
ENC_KEY = {
    "kty": "EC",
    "crv": "P-256",
    "kid": "enc-1",
    "x": "YO4epjifD-KWeq1sL2tNmm36BhXnkJ0He-WqMYrp9Fk",
    "y": "Hekpm0zfK7C-YccH5iBjcIXgf6YdUvNUac_0At55Okk",
    "d": "Et-3ce0omz8_TuZ96Df9lp0GAaaDoUnDe6X-CRO7Aww",
}
SLIP_QUERY = {
    "credentials": [
        {
            "id": "slip",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [WITHHOLDING_SLIP_V1.vct]},
            "claims": [
                {"path": ["payment_amount"]},
                {"path": ["withheld_tax"]},
                {"path": ["recipient", "address"]},
            ],
        }
    ]
}


def _corporate_number(base: str) -> str:
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return str(9 - total % 9) + base


def access_party(dns: str, serial: int) -> tuple[SoftwareSigner, x509.Certificate]:
    """A verifier access key with a self-signed certificate naming ``dns``."""
    access = certify(f"{dns} access", not_before=T0, days=3650, serial_number=serial, san_dns=[dns])
    return access.signer, access.certificate


def issuer_party(url: str, serial: int) -> tuple[SoftwareSigner, x509.Certificate]:
    """An issuer key with a self-signed certificate naming ``url`` (SD-JWT VC ``x5c``)."""
    issuer = certify(
        f"{url} issuer", not_before=T0, days=3650, serial_number=serial, san_uris=[url]
    )
    return issuer.signer, issuer.certificate


@dataclass
class Pki:
    """The keys of the test world."""

    operator: SoftwareSigner
    operator_cert: x509.Certificate
    issuer_key: SoftwareSigner
    issuer_cert: x509.Certificate
    verifier_key: SoftwareSigner
    verifier_cert: x509.Certificate
    evil_key: SoftwareSigner
    evil_cert: x509.Certificate


@pytest.fixture(scope="session")
def pki() -> Pki:
    operator, operator_cert = access_party("trust.example.jp", 10)
    verifier_key, verifier_cert = access_party(VERIFIER_DNS, 11)
    evil_key, evil_cert = access_party(EVIL_DNS, 12)
    issuer_key, issuer_cert = issuer_party(ISSUER, 13)
    return Pki(
        operator,
        operator_cert,
        issuer_key,
        issuer_cert,
        verifier_key,
        verifier_cert,
        evil_key,
        evil_cert,
    )


def trust_document(pki: Pki) -> dict[str, Any]:
    """A trust list: employer B may ask for four slip items for the year-end adjustment."""
    history = [{c.STATUS: c.STATUS_GRANTED, c.STATUS_STARTING_TIME: format_time(T0)}]
    return {
        c.LIST_AND_SCHEME_INFORMATION: {
            c.VERSION: c.LOTE_VERSION_IDENTIFIER,
            c.SEQUENCE_NUMBER: 1,
            c.TYPE: c.LOTE_TYPE,
            c.OPERATOR_NAME: {"ja": "本人トラストリスト運営者", "en": "honnin trust list operator"},
            c.TERRITORY: "JP",
            c.POLICY: "https://trust.example.jp/policy",
            c.ISSUE_TIME: format_time(datetime(2026, 6, 30, tzinfo=UTC)),
            c.NEXT_UPDATE: format_time(datetime(2026, 12, 30, tzinfo=UTC)),
            c.DISTRIBUTION_POINTS: ["https://trust.example.jp/trustlist.jws"],
        },
        c.ISSUERS: [
            {
                c.ENTITY_ID: "employer-a",
                c.LEGAL_NAME: {"ja": "株式会社エー", "en": "A Corporation"},
                c.CORPORATE_NUMBER: _corporate_number("234567890123"),
                c.DIGITAL_IDENTITY: {
                    c.JWKS: [pki.issuer_key.public_jwk],
                    c.X509_CERTIFICATES: encode_x5c([pki.issuer_cert]),
                },
                c.CREDENTIAL_TYPES: [WITHHOLDING_SLIP_V1.id],
                c.STATUS_HISTORY: history,
            }
        ],
        c.VERIFIERS: [
            {
                c.ENTITY_ID: "employer-b",
                c.LEGAL_NAME: {"ja": "株式会社ビー", "en": "B Corporation"},
                c.CORPORATE_NUMBER: _corporate_number("456789012345"),
                c.CLIENT_ID: VERIFIER_CLIENT_ID,
                c.ACCESS_CERTIFICATES: encode_x5c([pki.verifier_cert]),
                c.INTENDED_USES: [
                    {
                        c.PURPOSE_ID: "year_end_tax_adjustment",
                        c.PURPOSE: {"ja": "年末調整", "en": "year-end tax adjustment"},
                        c.CREDENTIALS: [
                            {
                                c.CREDENTIAL_TYPE: WITHHOLDING_SLIP_V1.id,
                                c.CLAIMS: [
                                    ["payment_amount"],
                                    ["withheld_tax"],
                                    ["recipient", "address"],
                                    ["recipient", "name"],
                                ],
                            }
                        ],
                    }
                ],
                c.MY_NUMBER_LEGAL_BASIS: None,
                c.STATUS_HISTORY: history,
            }
        ],
        c.CARD_CAS: [],
        c.STATUS_LIST_PROVIDERS: [],
    }


@pytest.fixture
def trust_files(tmp_path: Path, pki: Pki) -> tuple[Path, Path]:
    """The signed trust list file and the operator's PEM anchor."""
    token = sign_trust_list(trust_document(pki), pki.operator, [pki.operator_cert])
    listed = tmp_path / "trustlist.jws"
    listed.write_text(token, encoding="ascii")
    anchor = tmp_path / "operator.pem"
    anchor.write_bytes(pki.operator_cert.public_bytes(serialization.Encoding.PEM))
    return listed, anchor


# --- the issuer peer ---


def issuer_metadata(batch_size: int = 4) -> CredentialIssuerMetadata:
    """Credential Issuer Metadata for the withholding slip in dc+sd-jwt."""
    return parse_message(
        CredentialIssuerMetadata,
        {
            "credential_issuer": ISSUER,
            "credential_endpoint": f"{ISSUER}/credential",
            "nonce_endpoint": f"{ISSUER}/nonce",
            "notification_endpoint": f"{ISSUER}/notification",
            "batch_credential_issuance": {"batch_size": batch_size},
            "display": [
                {"name": "株式会社エー", "locale": "ja"},
                {"name": "A Corporation", "locale": "en"},
            ],
            "credential_configurations_supported": {
                CONFIG_ID: {
                    "format": "dc+sd-jwt",
                    "vct": WITHHOLDING_SLIP_V1.vct,
                    "credential_signing_alg_values_supported": ["ES256"],
                    "cryptographic_binding_methods_supported": ["jwk"],
                    "proof_types_supported": {
                        "jwt": {"proof_signing_alg_values_supported": ["ES256"]}
                    },
                    "credential_metadata": {
                        "display": [
                            {"name": "給与所得の源泉徴収票", "locale": "ja"},
                            {"name": "Withholding slip", "locale": "en"},
                        ]
                    },
                }
            },
        },
    )


@dataclass
class IssuerPeer:
    """The issuer app and what it saw."""

    core: CredentialIssuerCore
    signer: SoftwareSigner
    clock: FixedClock
    # The issuer certificate chain sent as x5c (None: the key is named by its thumbprint as kid).
    x5c: list[str] | None = None
    app: FastAPI = field(init=False)
    notifications: list[str] = field(default_factory=list)
    slip_claims: dict[str, Any] = field(default_factory=dict)

    def offer(self, *, tx: bool = True) -> tuple[str, str | None]:
        """A fresh offer link and its tx_code."""
        created = self.core.create_offer([CONFIG_ID], tx_code=TxCode() if tx else None)
        return created.link(), created.tx_code


def make_issuer(pki: Pki, clock: FixedClock, seed: int = 7) -> IssuerPeer:
    """Build the issuer peer for one sample person's slip."""
    notes = InMemoryNotificationStore()
    core = CredentialIssuerCore(
        issuer_metadata(),
        offers=InMemoryOfferStore(),
        nonces=InMemoryNonceStore(),
        notifications=notes,
        clock=clock,
        rng=SeededRandom(f"issuer-{seed}"),
    )
    peer = IssuerPeer(core, pki.issuer_key, clock, x5c=encode_x5c([pki.issuer_cert]))
    sample = SampleData(seed)
    slip = sample.withholding_slip(sample.person(), sample.employer())
    peer.slip_claims = WITHHOLDING_SLIP_V1.to_claims(slip)
    app = FastAPI()
    rng = SeededRandom(f"issuer-sd-{seed}")

    def fail(exc: HonninError, endpoint: Endpoint) -> JSONResponse:
        error = wire_error(exc, endpoint)
        return JSONResponse(error.body(), status_code=error.status)

    @app.get("/.well-known/openid-credential-issuer")
    def metadata() -> Any:
        return core.metadata.to_json()

    @app.get("/.well-known/oauth-authorization-server")
    def as_metadata() -> Any:
        return {"issuer": ISSUER, "token_endpoint": f"{ISSUER}/token"}

    @app.post("/token")
    async def token(request: Request) -> Any:
        form = dict(await request.form())
        try:
            return core.token(form).to_json()
        except HonninError as exc:
            return fail(exc, Endpoint.TOKEN)

    @app.post("/nonce")
    def nonce() -> Any:
        return core.nonce().to_json()

    def bearer(request: Request) -> str | None:
        value = request.headers.get("authorization", "")
        return value[7:] if value.startswith("Bearer ") else None

    @app.post("/credential")
    async def credential(request: Request) -> Any:
        try:
            decision = core.credential(bearer(request), await request.body())
        except HonninError as exc:
            return fail(exc, Endpoint.CREDENTIAL)
        marked = WITHHOLDING_SLIP_V1.mark_disclosable(peer.slip_claims)
        issued = [
            issue_sd_jwt_vc(
                marked,
                peer.signer,
                vct=WITHHOLDING_SLIP_V1.vct,
                clock=clock,
                random=rng,
                iss=ISSUER,
                holder_jwk=key,
                x5c=peer.x5c,
                kid=None if peer.x5c else thumbprint(peer.signer.public_jwk),
            )
            for key in decision.holder_keys
        ]
        if decision.notification_id is not None:
            notes.register(decision.notification_id)
        return decision.response(issued).to_json()

    @app.post("/notification")
    async def notification(request: Request) -> Response:
        try:
            note = core.notification(bearer(request), await request.body())
        except HonninError as exc:
            return fail(exc, Endpoint.NOTIFICATION)
        peer.notifications.append(note.event)
        return Response(status_code=204)

    peer.app = app
    return peer


# --- the verifier peer ---


@dataclass
class VerifierPeer:
    """The verifier app, its transactions and the results it recorded."""

    core: VerifierCore
    app: FastAPI = field(init=False)
    results: list[PresentationResult] = field(default_factory=list)
    pseudonyms: list[str] = field(default_factory=list)
    request_objects: dict[str, str] = field(default_factory=dict)

    def ask(self, query: dict[str, Any] = SLIP_QUERY) -> str:
        """Create a transaction and return its openid4vp:// link (by reference)."""
        transaction = self.core.create_transaction(parse_dcql_query(query))
        self.request_objects[transaction.id] = self.core.request_object(transaction)
        return self.core.request_link(f"{VERIFIER_ORIGIN}/request/{transaction.id}")


def make_verifier(
    pki: Pki,
    clock: FixedClock,
    *,
    mode: str = "direct_post.jwt",
    signer: SoftwareSigner | None = None,
    cert: x509.Certificate | None = None,
    client_id: str = VERIFIER_CLIENT_ID,
    response_uri: str = f"{VERIFIER_ORIGIN}/response",
) -> VerifierPeer:
    """Build the verifier peer (employer B unless another key and certificate are given)."""
    peer_ref: list[VerifierPeer] = []

    def sd_jwt_vc(context: PresentationContext) -> VerifiedPresentation:
        assert isinstance(context.presentation, str)
        result = verify_sd_jwt_vc(
            context.presentation,
            issuer_keys=StaticIssuerKey(pki.issuer_key.public_jwk, iss=ISSUER),
            clock=clock,
            key_binding=KeyBindingCheck(aud=context.client_id, nonce=context.nonce),
            require_key_binding=True,
        )
        assert result.key_binding is not None
        peer_ref[0].pseudonyms.append(str(result.key_binding.get("pseudonym")))
        return VerifiedPresentation(
            presented=Presented(format="dc+sd-jwt", claims=result.payload, vcts=(result.vct,)),
            issuer=result.iss,
        )

    core = VerifierCore(
        client_id=client_id,
        response_uri=response_uri,
        signer=signer or pki.verifier_key,
        chain=[cert or pki.verifier_cert],
        store=InMemoryTransactionStore(),
        clock=clock,
        random=SeededRandom("verifier"),
        verifiers={"dc+sd-jwt": sd_jwt_vc},
        encryption_key=ENC_KEY,
        response_mode=mode,
    )
    peer = VerifierPeer(core)
    peer_ref.append(peer)
    app = FastAPI()

    @app.get("/request/{transaction_id}")
    def request_object(transaction_id: str) -> Response:
        return PlainTextResponse(
            peer.request_objects[transaction_id], media_type="application/oauth-authz-req+jwt"
        )

    @app.post("/response")
    async def response(request: Request) -> Any:
        form = {k: str(v) for k, v in (await request.form()).items()}
        peer.results.append(core.accept_response(form))
        return {}

    peer.app = app
    return peer


@dataclass
class World:
    """A wallet with an issuer and a verifier, reachable over httpx in-process."""

    wallet: Wallet
    issuer: IssuerPeer
    verifier: VerifierPeer
    clock: FixedClock

    def client(self) -> httpx.AsyncClient:
        """A fresh AsyncClient routing each peer's origin to its ASGI app."""
        return make_client((ISSUER, self.issuer.app), (VERIFIER_ORIGIN, self.verifier.app))

    def run(self, step: Callable[[WalletHttp], Awaitable[T]]) -> T:
        """Run one async wallet step with a client that is closed afterwards."""

        async def main() -> T:
            async with self.client() as client:
                return await step(WalletHttp(client))

        return asyncio.run(main())


def make_client(*apps: tuple[str, FastAPI]) -> httpx.AsyncClient:
    """One AsyncClient routing each origin to its in-process ASGI app."""
    mounts = {origin: httpx.ASGITransport(app=app) for origin, app in apps}
    return httpx.AsyncClient(mounts=mounts)


def new_wallet(home: Path, clock: FixedClock, trust: tuple[Path, Path], seed: str = "w") -> Wallet:
    """A card-less wallet with fast scrypt for tests."""
    return Wallet.create(
        home,
        PASSPHRASE,
        clock=clock,
        random=SeededRandom(seed),
        trust_list=trust[0],
        trust_list_anchor=trust[1],
        scrypt_n=FAST_SCRYPT,
    )


@pytest.fixture
def world(
    tmp_path: Path, pki: Pki, clock: FixedClock, trust_files: tuple[Path, Path]
) -> Iterator[World]:
    """A fresh wallet, issuer and verifier (direct_post.jwt)."""
    wallet = new_wallet(tmp_path / "home", clock, trust_files)
    try:
        yield World(wallet, make_issuer(pki, clock), make_verifier(pki, clock), clock)
    finally:
        wallet.close()

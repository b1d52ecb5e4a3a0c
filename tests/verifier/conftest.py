"""Verifier test fixtures: databases on both backends, and a whole world around the verifier.

The world: a trust-list operator, issuers (authorised, withdrawn, not authorised for the
slip), a status-list endpoint served in-process, a verifier provisioned with
``init_verifier`` and registered in the signed trust list, and a holder that answers
requests with the holder half of ``specs.openid4vp`` and ``specs.sd_jwt.present``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from honnin.sample_data import SampleData
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.keys import SoftwareSigner
from specs.keys.x509 import encode_x5c
from specs.openid4vp import (
    ResponseSubmission,
    VerifiedRequest,
    build_response,
    parse_request_link,
    verify_request,
)
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import create_kb_jwt, parse, present
from specs.sd_jwt_vc import StatusListReference, issue_sd_jwt_vc
from specs.status_list import StatusList, sign_status_list_jwt
from specs.trustlist import constants as c
from specs.trustlist import format_time, sign_trust_list
from tests.support.certificates import certify
from verifier.database import make_engine, migrate
from verifier.provisioning import init_verifier
from verifier.purposes import SLIP_QUERY_ID, YEAR_END_ADJUSTMENT, purpose
from verifier.service import VerifierDeps, VerifierService
from verifier.settings import load_settings

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
VERIFIER_URL = "http://127.0.0.1:8700"
STATUS_URI = "https://issuer-a.example/status/1"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'verifier.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the migrated database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def corporate_number(base: str) -> str:
    """A 13-digit corporate number with a correct check digit for 12 base digits."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return str(9 - total % 9) + base


@dataclass
class Issuer:
    """An issuer: its signing key, self-signed certificate and the URL in ``iss``."""

    entity_id: str
    url: str
    signer: SoftwareSigner
    cert: x509.Certificate


def make_issuer(entity_id: str, url: str) -> Issuer:
    issuer = certify(
        entity_id,
        not_before=T0,
        days=3650,
        serial_number=int(hashlib.sha256(entity_id.encode()).hexdigest()[:12], 16),
        san_uris=[url],
    )
    return Issuer(entity_id, url, issuer.signer, issuer.certificate)


def _history(*changes: tuple[str, datetime]) -> list[dict[str, str]]:
    return [{c.STATUS: s, c.STATUS_STARTING_TIME: format_time(t)} for s, t in changes]


@dataclass
class StatusServer:
    """An issuer's status-list endpoint, served in-process (a test stands in for the issuer app)."""

    issuer: Issuer
    clock: FixedClock
    status_list: StatusList = field(default_factory=lambda: StatusList.new(1024, bits=1))
    issued_at: datetime | None = None
    down: bool = False
    hits: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/status/1")
        def status() -> Response:
            self.hits += 1
            if self.down:
                return Response("unavailable", status_code=503)
            clock = FixedClock(self.issued_at or self.clock.now())
            token = sign_status_list_jwt(
                self.status_list, self.issuer.signer, uri=STATUS_URI, clock=clock, ttl=60
            )
            return Response(token, media_type="application/statuslist+jwt")

        return app


@dataclass
class World:
    """Everything around one verifier deployment."""

    tmp: Path
    clock: FixedClock
    operator: SoftwareSigner
    operator_cert: x509.Certificate
    issuer: Issuer
    withdrawn: Issuer
    other: Issuer
    status: StatusServer
    http: TestClient
    settings_path: Path
    hr_token: str
    client_id: str
    access_cert: x509.Certificate
    trust_list_path: Path
    registered_claims: list[list[str]] | None = None
    next_update: datetime = NOW + timedelta(days=29)
    sample: SampleData = field(default_factory=lambda: SampleData(seed=7))
    # The number of the list last published: each publish takes the next one, as an
    # operator must (the verifier refuses an older list or another one under the same number).
    sequence_number: int = 0

    def document(self) -> dict[str, Any]:
        granted = (c.STATUS_GRANTED, T0)
        issuer_entry = {
            c.ENTITY_ID: "employer-a",
            c.LEGAL_NAME: {"ja": "株式会社エー", "en": "A Corporation"},
            c.CORPORATE_NUMBER: corporate_number("234567890123"),
            c.DIGITAL_IDENTITY: {c.X509_CERTIFICATES: encode_x5c([self.issuer.cert])},
            c.CREDENTIAL_TYPES: [WITHHOLDING_SLIP_V1.vct],
            c.STATUS_HISTORY: _history(granted),
        }
        withdrawn_entry = {
            c.ENTITY_ID: "employer-w",
            c.LEGAL_NAME: {"ja": "株式会社ダブリュー", "en": "W Corporation"},
            c.CORPORATE_NUMBER: corporate_number("345678901234"),
            c.DIGITAL_IDENTITY: {c.X509_CERTIFICATES: encode_x5c([self.withdrawn.cert])},
            c.CREDENTIAL_TYPES: [WITHHOLDING_SLIP_V1.id],
            c.STATUS_HISTORY: _history(granted, (c.STATUS_WITHDRAWN, NOW - timedelta(days=30))),
        }
        other_entry = {
            c.ENTITY_ID: "school-x",
            c.LEGAL_NAME: {"ja": "学校法人エックス", "en": "X School"},
            c.CORPORATE_NUMBER: corporate_number("456789012345"),
            c.DIGITAL_IDENTITY: {c.X509_CERTIFICATES: encode_x5c([self.other.cert])},
            c.CREDENTIAL_TYPES: ["enrollment-certificate"],
            c.STATUS_HISTORY: _history(granted),
        }
        claims = self.registered_claims or [
            [str(p) for p in path] for path in purpose(YEAR_END_ADJUSTMENT).requested_paths
        ]
        verifier_entry = {
            c.ENTITY_ID: "employer-b",
            c.LEGAL_NAME: {"ja": "株式会社ビー", "en": "B Corporation"},
            c.CORPORATE_NUMBER: corporate_number("567890123456"),
            c.CLIENT_ID: self.client_id,
            c.ACCESS_CERTIFICATES: encode_x5c([self.access_cert]),
            c.INTENDED_USES: [
                {
                    c.PURPOSE_ID: YEAR_END_ADJUSTMENT,
                    c.PURPOSE: {"ja": "年末調整", "en": "year-end tax adjustment"},
                    c.CREDENTIALS: [{c.CREDENTIAL_TYPE: WITHHOLDING_SLIP_V1.vct, c.CLAIMS: claims}],
                }
            ],
            c.MY_NUMBER_LEGAL_BASIS: None,
            c.STATUS_HISTORY: _history(granted),
        }
        return {
            c.LIST_AND_SCHEME_INFORMATION: {
                c.VERSION: c.LOTE_VERSION_IDENTIFIER,
                c.SEQUENCE_NUMBER: max(self.sequence_number, 1),
                c.TYPE: c.LOTE_TYPE,
                c.OPERATOR_NAME: {"ja": "本人トラストリスト運営者", "en": "honnin operator"},
                c.TERRITORY: "JP",
                c.POLICY: "https://trust.example.jp/policy",
                c.ISSUE_TIME: format_time(NOW - timedelta(days=1)),
                c.NEXT_UPDATE: format_time(self.next_update),
                c.DISTRIBUTION_POINTS: ["https://trust.example.jp/trustlist.jws"],
            },
            c.ISSUERS: [issuer_entry, withdrawn_entry, other_entry],
            c.VERIFIERS: [verifier_entry],
            c.CARD_CAS: [],
            c.STATUS_LIST_PROVIDERS: [],
        }

    def publish(self) -> None:
        """Sign the trust list under the next sequence number and write it where the verifier
        reads it."""
        self.sequence_number += 1
        token = sign_trust_list(self.document(), self.operator, [self.operator_cert])
        self.trust_list_path.write_text(token + "\n", encoding="ascii")

    def service(self, engine: Engine | None = None, **settings: Any) -> VerifierService:
        """A service on the deployment's settings (optionally another database engine)."""
        loaded = load_settings(self.settings_path)
        if settings:
            loaded = loaded.model_copy(update=settings)
        deps = VerifierDeps(
            clock=self.clock,
            random=SeededRandom(f"v-{id(engine)}-{settings}"),
            http=self.http,
            engine=engine,
        )
        return VerifierService(loaded, deps)

    def slip_claims(self, leave: bool = True) -> dict[str, Any]:
        person = self.sample.person()
        employer = self.sample.employer()
        slip = self.sample.withholding_slip(
            person, employer, tax_year=2026, leave_date=date(2026, 6, 30) if leave else None
        )
        return WITHHOLDING_SLIP_V1.to_claims(slip)

    def credential(
        self,
        holder: SoftwareSigner,
        *,
        issuer: Issuer | None = None,
        claims: dict[str, Any] | None = None,
        status_idx: int | None = 3,
        expires_in: int = 400 * 86400,
        issued_at: datetime | None = None,
    ) -> str:
        """Issue a withholding slip SD-JWT VC bound to ``holder``."""
        issuer = issuer or self.issuer
        data = claims if claims is not None else self.slip_claims()
        return issue_sd_jwt_vc(
            WITHHOLDING_SLIP_V1.mark_disclosable(data),
            issuer.signer,
            vct=WITHHOLDING_SLIP_V1.vct,
            iss=issuer.url,
            clock=FixedClock(issued_at or self.clock.now() - timedelta(days=1)),
            random=SeededRandom("issue"),
            holder_jwk=holder.public_jwk,
            expires_in=expires_in,
            status=StatusListReference(status_idx, STATUS_URI) if status_idx is not None else None,
            x5c=encode_x5c([issuer.cert]),
        )


def wallet_verify(world: World, link: str, request_object: str) -> VerifiedRequest:
    """The holder checks the request against the verifier's registered access certificate."""
    return verify_request(
        parse_request_link(link), request_object, anchors=[world.access_cert], clock=world.clock
    )


SLIP_PATHS: tuple[tuple[str, ...], ...] = tuple(
    tuple(str(p) for p in path) for path in purpose(YEAR_END_ADJUSTMENT).requested_paths
)


def holder_answer(
    world: World,
    verified: VerifiedRequest,
    credential: str,
    holder: SoftwareSigner,
    *,
    paths: Sequence[Sequence[str]] | None = None,
    aud: str | None = None,
    nonce: str | None = None,
    pseudonym: str | None = None,
) -> ResponseSubmission:
    """Present the requested items (only those the slip has) with key binding and build the POST."""
    request = verified.request
    claims = parse(credential)
    from specs.sd_jwt_vc import unverified_sd_jwt_vc_claims

    full = unverified_sd_jwt_vc_claims(claims.compact())
    wanted = [p for p in (paths if paths is not None else SLIP_PATHS) if _has(full, p)]
    aud = aud or request.client_id
    nonce = nonce or request.nonce
    if pseudonym is None:
        presentation = present(
            credential, wanted, holder_signer=holder, aud=aud, nonce=nonce, clock=world.clock
        )
    else:
        bare = present(credential, wanted)
        kb = create_kb_jwt(
            bare,
            holder,
            aud=aud,
            nonce=nonce,
            clock=world.clock,
            extra_claims={"pseudonym": pseudonym},
        )
        presentation = bare + kb
    return build_response(verified, {SLIP_QUERY_ID: [presentation]})


def _has(claims: dict[str, Any], path: Sequence[str]) -> bool:
    node: Any = claims
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


@pytest.fixture
def world(tmp_path: Path, clock: FixedClock) -> Iterator[World]:
    """A verifier deployment (SQLite) registered in a signed trust list, with issuers around it."""
    w = build_world(tmp_path, clock)
    yield w
    w.http.close()


def build_world(tmp_path: Path, clock: FixedClock) -> World:
    """Create the world in ``tmp_path`` (also used by bench/verification.py)."""
    operator_key = certify("Trust List Operator", not_before=T0, days=3650, serial_number=99)
    operator, operator_cert = operator_key.signer, operator_key.certificate
    anchor = tmp_path / "operator.pem"
    anchor.write_bytes(operator_cert.public_bytes(serialization.Encoding.PEM))
    trust_list_path = tmp_path / "trustlist.jws"
    trust_list_path.write_text("placeholder\n", encoding="ascii")
    deployment = init_verifier(
        tmp_path / "verifier",
        name_ja="株式会社ビー",
        name_en="B Corporation",
        url=VERIFIER_URL,
        trust_list=str(trust_list_path),
        clock=clock,
        random=SeededRandom("init"),
        trust_list_anchor=anchor,
    )
    access_cert = x509.load_pem_x509_certificate(deployment.access_certificate.read_bytes())
    issuer = make_issuer("employer-a", "https://issuer-a.example")
    status = StatusServer(issuer=issuer, clock=clock)
    http = TestClient(status.app(), base_url="https://issuer-a.example")
    w = World(
        tmp=tmp_path,
        clock=clock,
        operator=operator,
        operator_cert=operator_cert,
        issuer=issuer,
        withdrawn=make_issuer("employer-w", "https://issuer-w.example"),
        other=make_issuer("school-x", "https://school-x.example"),
        status=status,
        http=http,
        settings_path=deployment.settings_path,
        hr_token=deployment.hr_token,
        client_id=deployment.client_id,
        access_cert=access_cert,
        trust_list_path=trust_list_path,
    )
    w.publish()
    return w

"""The verifier's application layer: purposes to requests, responses to stored results.

It composes the sans-IO ``specs.openid4vp.VerifierCore`` with the repository (transactions
claimed once across replicas), the trust list, the status-list cache and the pipeline.
The web app and the CLI are thin adapters over ``VerifierService``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from sqlalchemy import Engine

from specs.errors import Expired, HonninError, MalformedInput, NotFound, PolicyViolation
from specs.keys import SoftwareSigner
from specs.keys.x509 import load_pem_certificates
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vp import (
    PresentationResult,
    Transaction,
    VerifierCore,
    parse_authorization_request,
    x509_hash,
)
from specs.openid4vp.constants import PREFIX_X509_HASH, PREFIX_X509_SAN_DNS
from specs.openid4vp.request import dns_names
from specs.ports import Clock, Random, SystemClock, SystemRandom
from trustlist.evaluation import check_request, verifier_permissions
from verifier.database import make_engine, migrate
from verifier.mdoc_verification import MDOC_VP_FORMATS, MdocPipeline, result_path
from verifier.pipeline import (
    FAILED,
    NOT_RUN,
    PASSED,
    STEPS,
    PipelineSettings,
    SdJwtVcPipeline,
    StepLog,
    StepOutcome,
)
from verifier.purposes import Purpose, over_asking, purpose
from verifier.settings import VerifierSettings
from verifier.status import StatusListCache
from verifier.storage import (
    IN_PROGRESS,
    OUTCOME_EXPIRED,
    OUTCOME_PENDING,
    OUTCOME_PROCESSING,
    AuditEntry,
    TransactionRecord,
    VerifierRepository,
)
from verifier.trust import TrustListSource, load_anchors, trust_list_reader
from verifier.w3c_verification import VP_FORMAT_LDP_VC, LdpVcPipeline, ldp_result_path

REQUEST_PATH = "/openid4vp/request"
RESPONSE_PATH = "/openid4vp/response"
OUTCOME_VERIFIED = "verified"
OUTCOME_FAILED = "failed"
OUTCOME_WALLET_ERROR = "wallet_error"
DCQL_STEP = "dcql_satisfied"


def client_id_for(base_url: str, certificate: x509.Certificate) -> str:
    """Choose the Client Identifier (OpenID4VP 1.0 section 5.9.3) for a deployment.

    ``x509_san_dns:<host>`` when the URL host is a DNS name in the access certificate;
    otherwise ``x509_hash:`` (loopback and IP deployments have no DNS name to match).
    """
    host = urlsplit(base_url).hostname or ""
    try:
        ipaddress.ip_address(host)
        is_ip = True
    except ValueError:
        is_ip = False
    if not is_ip and host != "localhost" and host in dns_names(certificate):
        return f"{PREFIX_X509_SAN_DNS}:{host}"
    return f"{PREFIX_X509_HASH}:{x509_hash(certificate)}"


@dataclass
class VerifierDeps:
    """The world the service talks to; tests pass fixed clocks and in-process transports."""

    clock: Clock = field(default_factory=SystemClock)
    random: Random = field(default_factory=SystemRandom)
    # Fetches status lists (and the trust list when it is a URL).
    http: httpx.Client | None = None
    # Returns the signed trust list text; default reads settings.trust_list.
    trust_list: Callable[[], str] | None = None
    engine: Engine | None = None
    limits: Limits = DEFAULT_LIMITS
    # Bring the schema to the newest revision at start, as the issuer does; a deployment
    # moved to PostgreSQL otherwise starts on an empty schema (init migrates only SQLite).
    migrate: bool = True


@dataclass(frozen=True, slots=True)
class CreatedRequest:
    """A new presentation request: what a wallet needs to start."""

    transaction_id: str
    request_link: str
    request_uri: str
    expires_at: datetime


class _CaptureStore:
    """Holds the one transaction ``VerifierCore.create_transaction`` puts, for the caller to store."""

    def __init__(self) -> None:
        self.transaction: Transaction | None = None

    def put(self, transaction: Transaction) -> None:
        self.transaction = transaction

    def by_id(self, transaction_id: str) -> Transaction:
        raise NotFound("not stored yet")

    def by_state(self, state: str) -> Transaction:
        raise NotFound("not stored yet")

    def claim(self, transaction_id: str) -> bool:
        return False


def _transaction(record: TransactionRecord, limits: Limits) -> Transaction:
    return Transaction(
        id=record.id,
        state=record.state,
        nonce=record.nonce,
        request=parse_authorization_request(record.request, limits),
        created_at=record.created_at,
        expires_at=record.expires_at,
    )


class RepositoryTransactionStore:
    """``specs.openid4vp.TransactionStore`` over the database: claims are single-use across replicas."""

    def __init__(self, repository: VerifierRepository, clock: Clock, limits: Limits) -> None:
        self._repository = repository
        self._clock = clock
        self._limits = limits

    def put(self, transaction: Transaction) -> None:
        """Transactions are stored by ``VerifierService`` with their purpose and session."""
        raise MalformedInput("use VerifierService.create_request to store a transaction")

    def by_id(self, transaction_id: str) -> Transaction:
        """Return a transaction by id."""
        return _transaction(self._repository.transaction(transaction_id), self._limits)

    def by_state(self, state: str) -> Transaction:
        """Return the transaction a response's ``state`` names."""
        record = self._repository.transaction_by_state(state)
        if record is None:
            raise NotFound("no transaction has this state")
        return _transaction(record, self._limits)

    def claim(self, transaction_id: str) -> bool:
        """Claim the response slot once (one conditional UPDATE)."""
        return self._repository.claim(transaction_id, self._clock.now())


def _outcome_of_check(check: Any) -> StepOutcome:
    return StepOutcome(
        name=check.name,
        outcome=PASSED if check.ok else FAILED,
        code=check.code,
        detail=check.detail,
        query_id=check.query_id,
    )


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(item, f"{prefix}/{key}" if prefix else str(key), out)
    else:
        out[prefix] = value


class VerifierService:
    """Creates requests, serves request objects, accepts responses, reports and purges results."""

    def __init__(self, settings: VerifierSettings, deps: VerifierDeps | None = None) -> None:
        deps = deps or VerifierDeps()
        self.settings = settings
        self.deps = deps
        self.clock = deps.clock
        self.limits = deps.limits
        self.signer = SoftwareSigner.from_jwk(_read_json(settings.access_key))
        self.chain = load_pem_certificates(settings.access_certificate.read_bytes())
        self.encryption_key = _read_json(settings.encryption_key)
        self.client_id = client_id_for(settings.url, self.chain[0])
        self.response_uri = settings.url + RESPONSE_PATH
        self.engine = deps.engine or make_engine(settings.database_url)
        if deps.migrate:
            migrate(self.engine)
        self.repository = VerifierRepository(self.engine)
        self.http = deps.http or httpx.Client(timeout=10, follow_redirects=False)
        read = deps.trust_list or trust_list_reader(settings.trust_list, self.http)
        anchor = settings.trust_list_anchor
        if anchor is None:
            raise MalformedInput(
                "verifier.toml has no trust_list_anchor (the trust-list operator's certificate)"
            )
        self.trust = TrustListSource(
            read, load_anchors(anchor), deps.clock, accepted=self.repository
        )
        self.status_lists = StatusListCache(
            self.http,
            deps.clock,
            max_age_seconds=settings.status_list_max_age_seconds,
            limits=deps.limits,
        )
        self.pipeline = SdJwtVcPipeline(
            trust_list=self.trust.current,
            status_lists=self.status_lists,
            clock=deps.clock,
            settings=PipelineSettings(
                kb_max_age_seconds=settings.kb_max_age_seconds,
                status_max_age_seconds=settings.status_list_max_age_seconds,
                limits=deps.limits,
            ),
        )
        self.mdoc_pipeline = MdocPipeline(
            sd_jwt=self.pipeline,
            trust_list=self.trust.current,
            settings=PipelineSettings(
                kb_max_age_seconds=settings.kb_max_age_seconds,
                status_max_age_seconds=settings.status_list_max_age_seconds,
                limits=deps.limits,
            ),
        )
        self.w3c_pipeline = LdpVcPipeline(
            trust_list=self.trust.current,
            http=self.http,
            clock=deps.clock,
            settings=PipelineSettings(
                kb_max_age_seconds=settings.kb_max_age_seconds,
                status_max_age_seconds=settings.status_list_max_age_seconds,
                limits=deps.limits,
            ),
        )
        self._store = RepositoryTransactionStore(self.repository, deps.clock, deps.limits)

    def _core(self, store: Any, verifiers: Mapping[str, Any]) -> VerifierCore:
        return VerifierCore(
            client_id=self.client_id,
            response_uri=self.response_uri,
            signer=self.signer,
            chain=self.chain,
            store=store,
            clock=self.clock,
            random=self.deps.random,
            verifiers=verifiers,
            encryption_key=self.encryption_key,
            response_mode=self.settings.response_mode,
            vp_formats_supported={
                "dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"]},
                **MDOC_VP_FORMATS,
                "ldp_vc": VP_FORMAT_LDP_VC,
            },
            ttl_seconds=self.settings.transaction_ttl_seconds,
            limits=self.limits,
        )

    # --- requests ---

    def check_registration(self, chosen: Purpose) -> None:
        """Raise unless the trust list registers us for this purpose and every item it asks."""
        trust_list = self.trust.current()
        permissions = verifier_permissions(
            trust_list,
            purpose_id=chosen.id,
            at=self.clock.now(),
            client_id=self.client_id,
            access_certificate=self.chain[0],
        )
        ctype = chosen.credential_type
        key = ctype.vct if ctype.vct in permissions.allowed_claims else ctype.id
        check_request(permissions, {key: chosen.requested_paths})

    def create_request(
        self,
        purpose_id: str,
        session_hash: str | None,
        *,
        also_request: Sequence[Sequence[str | int | None]] = (),
    ) -> CreatedRequest:
        """Create a transaction for a purpose and return the link a wallet opens.

        ``also_request`` adds claim paths beyond the trust-list registration, unchecked: only
        for testing how wallets refuse them (the purpose's own items are still checked).
        """
        chosen = purpose(purpose_id)
        self.check_registration(chosen)
        over_asked = [list(p) for p in also_request]
        chosen = over_asking(chosen, also_request)
        capture = _CaptureStore()
        core = self._core(capture, {})
        core.create_transaction(chosen.query)
        transaction = capture.transaction
        assert transaction is not None
        self.repository.add_transaction(
            transaction_id=transaction.id,
            state=transaction.state,
            nonce=transaction.nonce,
            purpose=chosen.id,
            request=transaction.request.to_claims(),
            session_hash=session_hash,
            created_at=transaction.created_at,
            expires_at=transaction.expires_at,
            audit=AuditEntry(
                at=transaction.created_at,
                event="request_created",
                purpose=chosen.id,
                detail={
                    "items": ["/".join(map(str, p)) for p in chosen.requested_paths],
                    **({"beyond_registration": over_asked} if over_asked else {}),
                },
            ),
        )
        request_uri = f"{self.settings.url}{REQUEST_PATH}/{transaction.id}"
        return CreatedRequest(
            transaction_id=transaction.id,
            request_link=core.request_link(request_uri),
            request_uri=request_uri,
            expires_at=transaction.expires_at,
        )

    def request_object(self, transaction_id: str, wallet_nonce: str | None = None) -> str:
        """Return the signed Request Object served at a transaction's request_uri."""
        record = self.repository.transaction(transaction_id)
        if record.responded_at is not None:
            raise NotFound("this request was already answered")
        core = self._core(self._store, {})
        token = core.request_object(_transaction(record, self.limits), wallet_nonce=wallet_nonce)
        now = self.clock.now()
        self.repository.mark_request_fetched(
            transaction_id,
            now,
            audit=AuditEntry(at=now, event="request_fetched", purpose=record.purpose, detail={}),
        )
        return token

    # --- responses ---

    def accept(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Process what a wallet POSTed; return the stored result. Raises if no transaction fits."""
        log = StepLog()
        core = self._core(
            self._store,
            {
                "dc+sd-jwt": self.pipeline.verifier(log),
                "mso_mdoc": self.mdoc_pipeline.verifier(log),
                "ldp_vc": self.w3c_pipeline.verifier(log),
            },
        )
        result = core.accept_response(form)
        record = self.repository.transaction(result.transaction_id)
        stored = self._result_json(record, result, log)
        finished = self.repository.finish(
            record.id,
            stored["outcome"],
            stored,
            audit=AuditEntry(
                at=self.clock.now(),
                event="response_received",
                purpose=record.purpose,
                detail={
                    "outcome": stored["outcome"],
                    "reason": stored.get("reason"),
                    "items": sorted(stored["claims"]),
                    "issuer": (stored.get("issuer") or {}).get("entity_id"),
                    "encrypted": result.encrypted,
                },
            ),
        )
        if not finished:
            # The HR desk already reported this transaction expired (see ``result``).
            raise Expired("the response's verification outlasted its deadline; nothing stored")
        return stored

    def _result_json(
        self, record: TransactionRecord, result: PresentationResult, log: StepLog
    ) -> dict[str, Any]:
        checks: list[StepOutcome] = []
        inserted = False
        for check in result.checks:
            if check.name == "presentation":
                if not inserted:
                    checks.extend(log.outcomes)
                    inserted = True
                continue
            checks.append(_outcome_of_check(check))
        if not inserted:
            checks.extend(log.outcomes)
        names = {c.name for c in checks}
        # The result lists every check, including the ones a failure kept from running.
        for step in (*STEPS, DCQL_STEP):
            if step not in names:
                checks.append(StepOutcome(step, NOT_RUN))
        claims: dict[str, Any] = {}
        issuer = None
        pseudonym = None
        for query_id, items in result.claims.items():
            for index, item in enumerate(items):
                for path, value in item.items():
                    _flatten(value, "/".join(map(str, result_path(ldp_result_path(path)))), claims)
                details = result.presentations[query_id][index].details
                issuer = issuer or details.get("issuer")
                pseudonym = pseudonym or details.get("pseudonym")
        out: dict[str, Any] = {
            "transaction_id": record.id,
            "purpose": record.purpose,
            "received_at": self.clock.now().isoformat(),
            "checks": [c.to_json() for c in checks],
            "claims": claims,
        }
        if result.ok:
            out["outcome"] = OUTCOME_VERIFIED
            out["issuer"] = issuer
            out["pseudonym"] = pseudonym
        elif result.wallet_error is not None:
            out["outcome"] = OUTCOME_WALLET_ERROR
            out["reason"] = result.wallet_error.to_payload()
        else:
            failed = next(c for c in checks if c.outcome == FAILED)
            out["outcome"] = OUTCOME_FAILED
            out["reason"] = {"check": failed.name, "code": failed.code, "detail": failed.detail}
        return out

    # --- results ---

    def result(self, transaction_id: str, session_hash: str | None) -> dict[str, Any]:
        """Return a transaction's state and result; only to the session that created it.

        ``session_hash`` None means the operator (CLI with database access).
        """
        record = self.repository.transaction(transaction_id)
        if session_hash is not None and record.session_hash != session_hash:
            raise NotFound(f"no transaction {transaction_id!r}")
        if record.result is not None:
            return dict(record.result)
        now = self.clock.now()
        summary = {"transaction_id": record.id, "purpose": record.purpose}
        if record.outcome == OUTCOME_PENDING:
            # No response came in time (a late one is still stored as failed: transaction_fresh).
            return {
                **summary,
                "outcome": OUTCOME_EXPIRED if now > record.expires_at else OUTCOME_PENDING,
            }
        if record.outcome == OUTCOME_PROCESSING:
            # A response claimed in time gets the transaction's lifetime again to be verified
            # (a status-list or trust-list fetch may be slow); after that the claim is given
            # up, once and for all: the stored 'expired' keeps a late result from replacing it.
            deadline = timedelta(seconds=self.settings.transaction_ttl_seconds)
            expired = {**summary, "outcome": OUTCOME_EXPIRED}
            audit = AuditEntry(
                at=now,
                event="response_expired",
                purpose=record.purpose,
                detail={
                    "outcome": OUTCOME_EXPIRED,
                    "claimed_at": None
                    if record.responded_at is None
                    else record.responded_at.isoformat(),
                    "deadline_seconds": self.settings.transaction_ttl_seconds,
                },
            )
            if self.repository.expire_claim(record.id, now - deadline, expired, audit=audit):
                return expired
            record = self.repository.transaction(transaction_id)
            if record.result is not None:
                return dict(record.result)
        return {**summary, "outcome": record.outcome}

    def verified_result(self, transaction_id: str, session_hash: str | None) -> dict[str, Any]:
        """Return a result that can go to payroll, or raise ``PolicyViolation``."""
        result = self.result(transaction_id, session_hash)
        if result.get("outcome") != OUTCOME_VERIFIED:
            raise PolicyViolation(
                f"transaction {transaction_id} is {result.get('outcome')!r}, not verified"
            )
        return result

    # --- retention ---

    def purge(self) -> int:
        """Delete every transaction and audit record older than the retention period."""
        cutoff = self.clock.now() - timedelta(days=self.settings.retention_days)
        return self.repository.purge(cutoff)

    def close(self) -> None:
        """Release the database engine (and the HTTP client when we created it)."""
        if self.deps.engine is None:
            self.engine.dispose()
        if self.deps.http is None:
            self.http.close()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MalformedInput(f"cannot read the JSON key file {path}: {exc}") from exc
    if not isinstance(value, dict):
        raise MalformedInput(f"{path} is not a JSON object")
    return value


def session_hash(session_id: str) -> str:
    """Return the stored form of an HR session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


__all__ = [
    "IN_PROGRESS",
    "OUTCOME_FAILED",
    "OUTCOME_PENDING",
    "OUTCOME_PROCESSING",
    "OUTCOME_VERIFIED",
    "OUTCOME_WALLET_ERROR",
    "CreatedRequest",
    "HonninError",
    "RepositoryTransactionStore",
    "VerifierDeps",
    "VerifierService",
    "client_id_for",
    "session_hash",
]

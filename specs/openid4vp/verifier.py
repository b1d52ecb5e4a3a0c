"""The verifier's sans-IO OpenID4VP core: transactions, request objects, response acceptance.

``VerifierCore`` creates a transaction (``nonce``, ``state`` and transaction id from the
injected ``Random``), signs its Request Object, and accepts what arrives at the Response
URI (plain ``direct_post`` or encrypted ``direct_post.jwt``). Each transaction is claimed
once through the injected ``TransactionStore`` before anything else is checked, so a
replayed response is refused even across replicas sharing a store. Every presentation goes
to the format-specific verifier the caller injected; the result lists every check with its
outcome (OpenID4VP 1.0 section 8.6), never a bare yes/no.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from cryptography import x509

from specs.dcql.matching import Presented, check_presentation, requested_values
from specs.dcql.query import CredentialQuery, DcqlQuery
from specs.encoding import b64url_encode
from specs.errors import (
    Expired,
    HonninError,
    MalformedInput,
    NotFound,
    PolicyViolation,
    Replay,
    Unsupported,
)
from specs.keys.jwk import strip_private
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vp.constants import RESPONSE_MODE_DIRECT_POST_JWT, RESPONSE_MODES
from specs.openid4vp.handover import session_transcript_for
from specs.openid4vp.request import (
    AuthorizationRequest,
    ClientMetadata,
    build_request_link,
    sign_request_object,
)
from specs.openid4vp.response import (
    AuthorizationResponse,
    ErrorResponse,
    Presentation,
    parse_response_form,
)
from specs.ports import Clock, Random, Signer


@dataclass(frozen=True, slots=True)
class Transaction:
    """One presentation request and what its response must match."""

    id: str
    state: str
    nonce: str
    request: AuthorizationRequest
    created_at: datetime
    expires_at: datetime


class TransactionStore(Protocol):
    """Where transactions live; ``claim`` must succeed once per transaction, even across replicas."""

    def put(self, transaction: Transaction) -> None:
        """Store a new transaction."""
        ...

    def by_id(self, transaction_id: str) -> Transaction:
        """Return a transaction by id or raise ``NotFound``."""
        ...

    def by_state(self, state: str) -> Transaction:
        """Return a transaction by its ``state`` or raise ``NotFound``."""
        ...

    def claim(self, transaction_id: str) -> bool:
        """Mark the transaction answered; return False when it already was."""
        ...


class InMemoryTransactionStore:
    """A ``TransactionStore`` in process memory (tests, single-process demos)."""

    def __init__(self) -> None:
        self._by_id: dict[str, Transaction] = {}
        self._state_index: dict[str, str] = {}
        self._claimed: set[str] = set()

    def put(self, transaction: Transaction) -> None:
        """Store a new transaction."""
        if transaction.id in self._by_id or transaction.state in self._state_index:
            raise Replay("transaction id or state already in use")
        self._by_id[transaction.id] = transaction
        self._state_index[transaction.state] = transaction.id

    def by_id(self, transaction_id: str) -> Transaction:
        """Return a transaction by id."""
        try:
            return self._by_id[transaction_id]
        except KeyError:
            raise NotFound("no such transaction") from None

    def by_state(self, state: str) -> Transaction:
        """Return a transaction by state."""
        try:
            return self._by_id[self._state_index[state]]
        except KeyError:
            raise NotFound("no transaction has this state") from None

    def claim(self, transaction_id: str) -> bool:
        """Mark the transaction answered once."""
        if transaction_id in self._claimed:
            return False
        self._claimed.add(transaction_id)
        return True


@dataclass(frozen=True, slots=True)
class PresentationContext:
    """What a format verifier must bind a presentation to (section 14.1.2)."""

    query: CredentialQuery
    presentation: Presentation
    client_id: str
    nonce: str
    response_uri: str
    session_transcript: bytes
    now: datetime


@dataclass(frozen=True, slots=True)
class VerifiedPresentation:
    """What a format verifier returns: the credential as DCQL sees it, and issuer details."""

    presented: Presented
    issuer: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


PresentationVerifier = Callable[[PresentationContext], VerifiedPresentation]
"""Verifies one presentation (signature, validity, status, holder binding with the
context's ``client_id`` and ``nonce``); raises a ``HonninError`` on any failure."""


@dataclass(frozen=True, slots=True)
class Check:
    """One check and its outcome."""

    name: str
    ok: bool
    code: str | None = None
    detail: str | None = None
    query_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready description."""
        out: dict[str, Any] = {"name": self.name, "ok": self.ok}
        for key in ("code", "detail", "query_id"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class PresentationResult:
    """The outcome of one response: every check, the accepted presentations, any wallet error."""

    transaction_id: str
    ok: bool
    checks: tuple[Check, ...]
    presentations: Mapping[str, tuple[VerifiedPresentation, ...]]
    claims: Mapping[str, tuple[Mapping[tuple[str | int, ...], Any], ...]]
    wallet_error: ErrorResponse | None = None
    encrypted: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready summary (claims keyed by path joined with '/')."""
        out: dict[str, Any] = {
            "transaction_id": self.transaction_id,
            "ok": self.ok,
            "checks": [c.to_json() for c in self.checks],
            "claims": {
                q: [{"/".join(map(str, p)): v for p, v in item.items()} for item in items]
                for q, items in self.claims.items()
            },
        }
        if self.wallet_error is not None:
            out["wallet_error"] = self.wallet_error.to_payload()
        return out


def _failed(name: str, exc: HonninError, query_id: str | None = None) -> Check:
    return Check(name=name, ok=False, code=exc.code, detail=str(exc), query_id=query_id)


class VerifierCore:
    """The verifier's protocol logic with the world (store, clock, randomness, keys) injected."""

    def __init__(
        self,
        *,
        client_id: str,
        response_uri: str,
        signer: Signer,
        chain: Sequence[x509.Certificate],
        store: TransactionStore,
        clock: Clock,
        random: Random,
        verifiers: Mapping[str, PresentationVerifier],
        encryption_key: Mapping[str, Any] | None = None,
        response_mode: str = RESPONSE_MODE_DIRECT_POST_JWT,
        vp_formats_supported: Mapping[str, Any] | None = None,
        encrypted_response_enc_values_supported: Sequence[str] | None = None,
        ttl_seconds: int = 600,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        if response_mode not in RESPONSE_MODES:
            raise Unsupported(f"response_mode {response_mode!r} is not supported")
        if response_mode == RESPONSE_MODE_DIRECT_POST_JWT and encryption_key is None:
            raise MalformedInput("direct_post.jwt needs an encryption key")
        self.client_id = client_id
        self.response_uri = response_uri
        self._signer = signer
        self._chain = tuple(chain)
        self._store = store
        self._clock = clock
        self._random = random
        self._verifiers = dict(verifiers)
        self._encryption_key = dict(encryption_key) if encryption_key is not None else None
        self.response_mode = response_mode
        self._formats = dict(vp_formats_supported or {f: {} for f in verifiers})
        self._enc_values = (
            tuple(encrypted_response_enc_values_supported)
            if encrypted_response_enc_values_supported
            else None
        )
        self._ttl = ttl_seconds
        self._limits = limits

    def _token(self, size: int = 16) -> str:
        # 128 bits or more, base64url: URL-safe as section 5.2 requires for nonce and state.
        return b64url_encode(self._random.bytes(size))

    def _metadata(self) -> ClientMetadata:
        jwks: tuple[Mapping[str, Any], ...] = ()
        if self._encryption_key is not None:
            public = strip_private(self._encryption_key)
            public.setdefault("use", "enc")
            public.setdefault("alg", "ECDH-ES")
            jwks = (public,)
        return ClientMetadata(
            jwks=jwks,
            vp_formats_supported=self._formats,
            encrypted_response_enc_values_supported=self._enc_values,
        )

    def create_transaction(self, query: DcqlQuery) -> Transaction:
        """Create and store a transaction for ``query`` with a fresh nonce and state."""
        now = self._clock.now()
        request = AuthorizationRequest(
            client_id=self.client_id,
            response_uri=self.response_uri,
            nonce=self._token(),
            state=self._token(),
            dcql_query=query,
            response_mode=self.response_mode,
            client_metadata=self._metadata(),
        )
        assert request.state is not None
        transaction = Transaction(
            id=self._token(),
            state=request.state,
            nonce=request.nonce,
            request=request,
            created_at=now,
            expires_at=now + timedelta(seconds=self._ttl),
        )
        self._store.put(transaction)
        return transaction

    def request_object(self, transaction: Transaction, *, wallet_nonce: str | None = None) -> str:
        """Return the signed Request Object for a transaction (served at its request_uri)."""
        if self._clock.now() > transaction.expires_at:
            raise Expired("the transaction has expired")
        request = transaction.request
        if wallet_nonce is not None:
            request = replace(request, wallet_nonce=wallet_nonce)
        return sign_request_object(request, self._signer, self._chain, clock=self._clock)

    def request_link(self, request_uri: str, *, request_uri_method: str | None = None) -> str:
        """Return the ``openid4vp://`` link for a transaction's request_uri."""
        return build_request_link(
            self.client_id, request_uri, request_uri_method=request_uri_method
        )

    def accept_response(self, form: Mapping[str, str]) -> PresentationResult:
        """Process a POST to the Response URI; raise only when no transaction can be named.

        Raises ``NotFound`` (no such state), ``Replay`` (already answered) or
        ``MalformedInput``/``LimitExceeded``/``InvalidSignature`` (undecryptable);
        everything after the transaction is claimed is reported as checks.
        """
        keys = self._encryption_key
        response, encrypted = parse_response_form(form, decryption_keys=keys, limits=self._limits)
        if response.state is None:
            raise MalformedInput("the response carries no state")
        transaction = self._store.by_state(response.state)
        if not self._store.claim(transaction.id):
            raise Replay("this transaction was already answered")
        checks: list[Check] = [Check(name="transaction_single_use", ok=True)]
        now = self._clock.now()
        if now > transaction.expires_at:
            checks.append(_failed("transaction_fresh", Expired("the transaction has expired")))
            return self._result(transaction, checks, encrypted=encrypted)
        checks.append(Check(name="transaction_fresh", ok=True))
        if isinstance(response, ErrorResponse):
            checks.append(
                Check(
                    name="wallet_response",
                    ok=False,
                    code=response.error,
                    detail=response.error_description,
                )
            )
            return self._result(transaction, checks, wallet_error=response, encrypted=encrypted)
        wanted_encryption = transaction.request.response_mode == RESPONSE_MODE_DIRECT_POST_JWT
        if wanted_encryption and not encrypted:
            exc = PolicyViolation("direct_post.jwt was requested but the vp_token came unencrypted")
            checks.append(_failed("response_encrypted", exc))
            return self._result(transaction, checks, encrypted=encrypted)
        if wanted_encryption:
            checks.append(Check(name="response_encrypted", ok=True))
        return self._verify_token(transaction, response, checks, encrypted, now)

    def _verify_token(
        self,
        transaction: Transaction,
        response: AuthorizationResponse,
        checks: list[Check],
        encrypted: bool,
        now: datetime,
    ) -> PresentationResult:
        query = transaction.request.dcql_query
        transcript = session_transcript_for(transaction.request)
        accepted: dict[str, list[VerifiedPresentation]] = {}
        for query_id, items in response.vp_token.items():
            try:
                credential_query = query.credential(query_id)
            except KeyError:
                exc = PolicyViolation(f"vp_token names unknown Credential Query {query_id!r}")
                checks.append(_failed("vp_token_shape", exc, query_id))
                continue
            verifier = self._verifiers.get(credential_query.format)
            for item in items:
                try:
                    if verifier is None:
                        raise Unsupported(f"no verifier for format {credential_query.format!r}")
                    verified = verifier(
                        PresentationContext(
                            query=credential_query,
                            presentation=item,
                            client_id=transaction.request.client_id,
                            nonce=transaction.nonce,
                            response_uri=transaction.request.response_uri,
                            session_transcript=transcript,
                            now=now,
                        )
                    )
                except HonninError as exc:
                    # Section 8.6: a presentation failing its checks is discarded.
                    checks.append(_failed("presentation", exc, query_id))
                    continue
                checks.append(Check(name="presentation", ok=True, query_id=query_id))
                accepted.setdefault(query_id, []).append(verified)
        presented = {q: [v.presented for v in items] for q, items in accepted.items()}
        try:
            check_presentation(query, presented)
        except HonninError as exc:
            checks.append(_failed("dcql_satisfied", exc))
            return self._result(transaction, checks, encrypted=encrypted)
        checks.append(Check(name="dcql_satisfied", ok=True))
        claims = {
            q: tuple(requested_values(query.credential(q), v.presented) for v in items)
            for q, items in accepted.items()
        }
        return PresentationResult(
            transaction_id=transaction.id,
            ok=True,
            checks=tuple(checks),
            presentations={q: tuple(v) for q, v in accepted.items()},
            claims=claims,
            encrypted=encrypted,
        )

    @staticmethod
    def _result(
        transaction: Transaction,
        checks: list[Check],
        *,
        wallet_error: ErrorResponse | None = None,
        encrypted: bool = False,
    ) -> PresentationResult:
        return PresentationResult(
            transaction_id=transaction.id,
            ok=False,
            checks=tuple(checks),
            presentations={},
            claims={},
            wallet_error=wallet_error,
            encrypted=encrypted,
        )


__all__ = [
    "Check",
    "InMemoryTransactionStore",
    "PresentationContext",
    "PresentationResult",
    "PresentationVerifier",
    "Transaction",
    "TransactionStore",
    "VerifiedPresentation",
    "VerifierCore",
]

"""The verification pipeline for one SD-JWT VC presentation, each step with its own outcome.

Steps, in order (a failed step stops the rest, which are reported as not run):

1. ``well_formed``: the presentation parses within the limits.
2. ``issuer_trusted``: the trust list names the signing key's owner as an issuer of this
   credential type, judged at the credential's issuance time (a later withdrawal does not
   void earlier credentials; a withdrawal before issuance does).
3. ``signature``: the issuer signature (with its ``x5c`` chain) and every disclosure digest.
4. ``validity``: ``exp``/``nbf``/``iat`` of the credential.
5. ``status``: the Token Status List, fetched with caching and a staleness bound.
6. ``key_binding``: the KB-JWT signed by the ``cnf`` key, ``aud`` = our client_id, the
   transaction's ``nonce``, ``iat`` within the window (RFC 9901 section 7.3).
7. ``schema``: the disclosed claims hold values the credential type's schema allows.

DCQL satisfaction is checked afterwards over all presentations by ``specs.openid4vp``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from specs.credentials import check_corporate_number, credential_type_by_vct
from specs.credentials.definition import CredentialType
from specs.dcql import Presented
from specs.dcql.constants import FORMAT_DC_SD_JWT
from specs.errors import (
    Expired,
    HonninError,
    MalformedInput,
    NotYetValid,
    PolicyViolation,
    StaleData,
    UntrustedIssuer,
    ValidationError,
)
from specs.keys import PublicKey
from specs.keys.jwk import public_key_from_jwk, thumbprint
from specs.keys.x509 import parse_x5c
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vp import PresentationContext, VerifiedPresentation
from specs.ports import Clock, FixedClock
from specs.sd_jwt import KeyBindingCheck, VerifiedSdJwt, verify_kb_jwt
from specs.sd_jwt.key_binding import public_key_from_cnf
from specs.sd_jwt.verification import UnverifiedSdJwt, unverified_sd_jwt, verify_parsed
from specs.sd_jwt_vc import (
    CertificateNames,
    StatusListReference,
    certificate_names,
    check_iss_matches_names,
)
from specs.sd_jwt_vc.constants import ACCEPTED_TYPS, STATUS, TYP_DC_SD_JWT, VCT
from specs.sd_jwt_vc.credential import check_vc_claims
from specs.status_list import (
    StatusReference,
    VerifiedStatusList,
    require_valid,
    verify_status_list_jwt,
)
from specs.trustlist import IssuerEntry, TrustList
from trustlist.evaluation import (
    IssuerChainCache,
    WithdrawalPolicy,
    authorize_issuer,
    status_list_trust,
)
from verifier.status import StatusListCache

STEP_WELL_FORMED = "well_formed"
STEP_ISSUER_TRUSTED = "issuer_trusted"
STEP_SIGNATURE = "signature"
STEP_VALIDITY = "validity"
STEP_STATUS = "status"
STEP_KEY_BINDING = "key_binding"
STEP_SCHEMA = "schema"
STEPS = (
    STEP_WELL_FORMED,
    STEP_ISSUER_TRUSTED,
    STEP_SIGNATURE,
    STEP_VALIDITY,
    STEP_STATUS,
    STEP_KEY_BINDING,
    STEP_SCHEMA,
)

PASSED = "passed"
FAILED = "failed"
NOT_RUN = "not_run"

# Registered claims of an SD-JWT VC: not part of the credential type's own claims.
_REGISTERED = frozenset(
    {"iss", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", "sub"}
)


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """One step of the pipeline and how it went."""

    name: str
    outcome: str
    code: str | None = None
    detail: str | None = None
    query_id: str | None = None
    claim_path: tuple[str | int | None, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready description."""
        out: dict[str, Any] = {"name": self.name, "outcome": self.outcome}
        for key in ("code", "detail", "query_id"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.claim_path is not None:
            out["claim_path"] = list(self.claim_path)
        return out


# A frozen dataclass's __init__ sets each field through object.__setattr__, which costs more
# than the rest of recording a step; passed outcomes (seven per presentation) are built by
# filling the slots through their descriptors: the same fields, the same frozen instance.
_OUTCOME_SETTERS = tuple(getattr(StepOutcome, name).__set__ for name in StepOutcome.__slots__)


def _passed_outcome(name: str, detail: str | None, query_id: str | None) -> StepOutcome:
    made: StepOutcome = object.__new__(StepOutcome)
    set_name, set_outcome, set_code, set_detail, set_query_id, set_claim_path = _OUTCOME_SETTERS
    set_name(made, name)
    set_outcome(made, PASSED)
    set_code(made, None)
    set_detail(made, detail)
    set_query_id(made, query_id)
    set_claim_path(made, None)
    return made


@dataclass
class StepLog:
    """Collects step outcomes of every presentation in one response."""

    outcomes: list[StepOutcome] = field(default_factory=list)

    def passed(self, name: str, query_id: str | None, detail: str | None = None) -> None:
        """Record a passed step."""
        self.outcomes.append(_passed_outcome(name, detail, query_id))

    def failed(self, name: str, exc: HonninError, query_id: str | None) -> None:
        """Record a failed step and mark every later step as not run."""
        path = tuple(exc.claim_path) if exc.claim_path else None
        self.outcomes.append(
            StepOutcome(name, FAILED, exc.code, exc.detail, query_id, claim_path=path)
        )
        for later in STEPS[STEPS.index(name) + 1 :]:
            self.outcomes.append(StepOutcome(later, NOT_RUN, query_id=query_id))


@dataclass(frozen=True, slots=True)
class PipelineSettings:
    """Policy knobs of the pipeline."""

    kb_max_age_seconds: int = 300
    status_max_age_seconds: int = 24 * 3600
    require_status: bool = False
    withdrawal_policy: WithdrawalPolicy = WithdrawalPolicy.AT_ISSUANCE
    limits: Limits = DEFAULT_LIMITS


@dataclass(frozen=True, slots=True)
class _Issuer:
    entry: IssuerEntry
    key: PublicKey
    key_id: str
    credential_type: CredentialType[Any]


@dataclass(frozen=True, slots=True)
class _Chain:
    """An ``x5c`` chain parsed once: certificates, the leaf's key, cache id and SAN names."""

    certificates: tuple[x509.Certificate, ...]
    key: PublicKey
    key_id: str
    names: CertificateNames


class _Failed(Exception):
    def __init__(self, step: str, exc: HonninError) -> None:
        super().__init__(step)
        self.step = step
        self.exc = exc


def _run(step: str, action: Callable[[], Any]) -> Any:
    try:
        return action()
    except HonninError as exc:
        raise _Failed(step, exc) from exc


class StepPipeline:
    """What every format's pipeline shares: run ``_steps``, record the failing step, raise."""

    def verifier(self, log: StepLog) -> Callable[[PresentationContext], VerifiedPresentation]:
        """Return a ``PresentationVerifier`` for ``specs.openid4vp`` that records into ``log``."""

        def verify(context: PresentationContext) -> VerifiedPresentation:
            return self.verify(context, log)

        return verify

    def verify(self, context: PresentationContext, log: StepLog) -> VerifiedPresentation:
        """Run every step; record outcomes in ``log``; raise the failing step's error."""
        query_id = context.query.id
        try:
            return self._steps(context, log, query_id)
        except _Failed as failure:
            log.failed(failure.step, failure.exc, query_id)
            raise failure.exc from None

    def _steps(
        self, context: PresentationContext, log: StepLog, query_id: str
    ) -> VerifiedPresentation:
        raise NotImplementedError


def _timestamp(value: Any, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedInput(f"the credential has no numeric {name!r}", claim_path=(name,))
    return datetime.fromtimestamp(value, UTC)


def _jwk_issuer(
    trust_list: TrustList, header: Mapping[str, Any]
) -> tuple[IssuerEntry, dict[str, Any]]:
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise UntrustedIssuer("the credential names its key neither by x5c nor by kid")
    found = trust_list.issuer_key(kid)
    if found is None:
        raise UntrustedIssuer(f"no issuer in the trust list has a key with kid {kid!r}")
    issuer, jwk = found
    return issuer, dict(jwk)


def _authorize(
    trust_list: TrustList,
    credential_type: CredentialType[Any],
    at: datetime,
    issued_at: datetime,
    policy: WithdrawalPolicy,
    **key: Any,
) -> IssuerEntry:
    # A trust list may name the type by its vct or by its short id (honnin trustlist add-issuer).
    try:
        decision = authorize_issuer(
            trust_list,
            credential_type=credential_type.vct,
            at=at,
            issued_at=issued_at,
            policy=policy,
            **key,
        )
    except PolicyViolation:
        decision = authorize_issuer(
            trust_list,
            credential_type=credential_type.id,
            at=at,
            issued_at=issued_at,
            policy=policy,
            **key,
        )
    return decision.issuer


def schema_problems(
    credential_type: CredentialType[Any], claims: Mapping[str, Any]
) -> list[ValidationError]:
    """Return what breaks the type's value rules among the claims present (absent ones are DCQL's)."""
    present = {k: v for k, v in claims.items() if k not in _REGISTERED}
    problems = []
    # A valid document (the usual case) is judged without building an error object for
    # every absent mandatory claim; only a broken one goes through field_problems.
    judged: list[ValidationError] | None = (
        [] if credential_type.present_claims_valid(present) else None
    )
    for problem in credential_type.field_problems(present) if judged is None else judged:
        path = tuple(problem.claim_path or ())
        node: Any = present
        for part in path:
            if not isinstance(node, Mapping) or part not in node:
                node = _MISSING
                break
            node = node[part]
        if node is _MISSING:
            continue
        problems.append(problem)
    payer = present.get("payer")
    if isinstance(payer, Mapping) and isinstance(payer.get("corporate_number"), str):
        try:
            check_corporate_number(payer["corporate_number"])
        except ValidationError as exc:
            problems.append(
                ValidationError(
                    f"Corporate number (法人番号): {exc.detail}",
                    claim_path=("payer", "corporate_number"),
                )
            )
    return problems


_MISSING = object()
_MAX_CACHED_CHAINS = 256


class SdJwtVcPipeline(StepPipeline):
    """Verifies ``dc+sd-jwt`` presentations step by step against the trust list."""

    def __init__(
        self,
        *,
        trust_list: Callable[[], TrustList],
        status_lists: StatusListCache,
        clock: Clock,
        settings: PipelineSettings = PipelineSettings(),
    ) -> None:
        self._trust_list = trust_list
        self._status_lists = status_lists
        self._clock = clock
        self._settings = settings
        self._chains: dict[tuple[str, ...], _Chain] = {}
        self._issuer_chains = IssuerChainCache()

    def _steps(
        self, context: PresentationContext, log: StepLog, query_id: str
    ) -> VerifiedPresentation:
        limits = self._settings.limits
        clock = FixedClock(context.now)
        presentation = context.presentation
        # One list for the whole presentation, so every step judges against the same version.
        trust_list = self._trust_list()

        def well_formed() -> UnverifiedSdJwt:
            if context.query.format != FORMAT_DC_SD_JWT:
                raise MalformedInput(f"format {context.query.format!r} is not dc+sd-jwt")
            # Header and payload NOT verified yet: the signature step checks the very bytes
            # they were decoded from, without decoding them again.
            return unverified_sd_jwt(presentation, limits=limits)

        unverified: UnverifiedSdJwt = _run(STEP_WELL_FORMED, well_formed)
        parsed, header, claimed = unverified.sd_jwt, unverified.header, unverified.payload
        assert claimed is not None
        log.passed(STEP_WELL_FORMED, query_id)
        issuer: _Issuer = _run(
            STEP_ISSUER_TRUSTED, lambda: self._issuer(trust_list, header, claimed, context.now)
        )
        log.passed(
            STEP_ISSUER_TRUSTED,
            query_id,
            f"{issuer.entry.legal_name.en} ({issuer.entry.legal_name.ja}) may issue "
            f"{issuer.credential_type.vct}",
        )
        # The SD-JWT without its KB-JWT: key binding is its own step, checked once below.
        sd_jwt_string = parsed.sd_jwt_string()
        try:
            result, status = self._credential(unverified, issuer, clock)
        except (Expired, NotYetValid) as exc:
            # verify() checks times only after the signature and every digest passed.
            log.passed(STEP_SIGNATURE, query_id)
            raise _Failed(STEP_VALIDITY, exc) from exc
        except HonninError as exc:
            raise _Failed(STEP_SIGNATURE, exc) from exc
        log.passed(STEP_SIGNATURE, query_id)
        log.passed(STEP_VALIDITY, query_id)
        status_detail = _run(
            STEP_STATUS, lambda: self._status(trust_list, status, issuer, context.now)
        )
        log.passed(STEP_STATUS, query_id, status_detail)
        check = KeyBindingCheck(
            aud=context.client_id,
            nonce=context.nonce,
            max_age_seconds=self._settings.kb_max_age_seconds,
        )

        def key_binding() -> dict[str, Any]:
            if parsed.kb_jwt is None:
                raise MalformedInput("the presentation has no KB-JWT (key binding is required)")
            return verify_kb_jwt(
                parsed.kb_jwt,
                public_key_from_cnf(result.issuer_payload),
                sd_jwt_string=sd_jwt_string,
                sd_alg=result.issuer_payload.get("_sd_alg", "sha-256"),
                clock=clock,
                check=check,
                limits=limits,
            )

        kb_payload = _run(STEP_KEY_BINDING, key_binding)
        log.passed(STEP_KEY_BINDING, query_id)
        payload = result.payload

        def schema() -> None:
            problems = schema_problems(issuer.credential_type, payload)
            if problems:
                raise problems[0]

        _run(STEP_SCHEMA, schema)
        log.passed(STEP_SCHEMA, query_id)
        pseudonym = kb_payload.get("pseudonym")
        vct = payload[VCT]
        return VerifiedPresentation(
            presented=Presented(
                format=FORMAT_DC_SD_JWT,
                claims=payload,
                vcts=(vct,),
                holder_binding=True,
            ),
            issuer=issuer.entry.entity_id,
            details={
                "issuer": {
                    "entity_id": issuer.entry.entity_id,
                    "name": {"ja": issuer.entry.legal_name.ja, "en": issuer.entry.legal_name.en},
                    "corporate_number": issuer.entry.corporate_number,
                },
                "vct": vct,
                "issued_at": payload.get("iat"),
                "pseudonym": pseudonym if isinstance(pseudonym, str) else None,
            },
        )

    def _credential(
        self, unverified: UnverifiedSdJwt, issuer: _Issuer, clock: Clock
    ) -> tuple[VerifiedSdJwt, StatusListReference | None]:
        # The SD-JWT VC rules of specs.sd_jwt_vc.verify_sd_jwt_vc over the already parsed
        # presentation: typ (draft section 3.2.1), RFC 9901 verification, claim rules, vct.
        # Key binding is its own step (below), so the KB-JWT is left out here.
        limits = self._settings.limits
        typ = unverified.header.get("typ")
        if typ not in ACCEPTED_TYPS:
            raise MalformedInput(f"'typ' must be {TYP_DC_SD_JWT!r}, got {typ!r}")
        result = verify_parsed(
            unverified.without_key_binding(),
            issuer.key,
            clock=clock,
            require_key_binding=False,
            limits=limits,
        )
        check_vc_claims(result)
        payload = result.payload
        if payload[VCT] != issuer.credential_type.vct:
            raise MalformedInput(f"credential type {payload[VCT]!r} is not accepted here")
        status = StatusListReference.from_claim(payload[STATUS]) if STATUS in payload else None
        return result, status

    def _chain(self, x5c: Any) -> _Chain:
        # Parsing certificates and loading the leaf's EC point cost as much as a signature
        # check; the same issuer chain comes with every credential, so keep it by its text.
        cache_key = tuple(x5c) if isinstance(x5c, list) else None
        if cache_key is not None and all(type(item) is str for item in cache_key):
            found = self._chains.get(cache_key)
            if found is not None:
                return found
        else:
            cache_key = None
        certificates = tuple(parse_x5c(x5c, self._settings.limits))
        leaf = certificates[0]
        chain = _Chain(
            certificates=certificates,
            key=leaf.public_key(),  # type: ignore[arg-type]
            key_id="x5c:" + leaf.fingerprint(leaf.signature_hash_algorithm or _sha256()).hex(),
            names=certificate_names(leaf),
        )
        if cache_key is not None:
            if len(self._chains) >= _MAX_CACHED_CHAINS:
                self._chains.clear()
            self._chains[cache_key] = chain
        return chain

    def _issuer(
        self,
        trust_list: TrustList,
        header: Mapping[str, Any],
        claimed: Mapping[str, Any],
        now: datetime,
    ) -> _Issuer:
        vct = claimed.get("vct")
        if not isinstance(vct, str):
            raise MalformedInput("the credential has no string 'vct'", claim_path=("vct",))
        try:
            credential_type = credential_type_by_vct(vct)
        except HonninError as exc:
            raise PolicyViolation(
                f"credential type {vct!r} is not one this verifier knows"
            ) from exc
        issued_at = _timestamp(claimed.get("iat"), "iat")
        policy = self._settings.withdrawal_policy
        if "x5c" in header:
            chain = self._chain(header["x5c"])
            entry = _authorize(
                trust_list,
                credential_type,
                now,
                issued_at,
                policy,
                chain=chain.certificates,
                chain_cache=self._issuer_chains,
            )
            if "iss" in claimed:
                check_iss_matches_names(claimed["iss"], chain.names)
            key: PublicKey = chain.key
            key_id = chain.key_id
        else:
            entry, jwk = _jwk_issuer(trust_list, header)
            entry = _authorize(trust_list, credential_type, now, issued_at, policy, jwk=jwk)
            key = public_key_from_jwk(jwk)
            key_id = "jwk:" + thumbprint(jwk)
        return _Issuer(entry=entry, key=key, key_id=key_id, credential_type=credential_type)

    def check_status(
        self,
        trust_list: TrustList,
        reference: StatusListReference,
        *,
        entry: IssuerEntry,
        key: PublicKey,
        key_id: str,
        credential_type: CredentialType[Any],
        now: datetime,
    ) -> str:
        """Check a status reference of another format (mdoc) with this pipeline's list cache."""
        issuer = _Issuer(entry=entry, key=key, key_id=key_id, credential_type=credential_type)
        return self._status(trust_list, reference, issuer, now)

    def _status(
        self,
        trust_list: TrustList,
        reference: StatusListReference | None,
        issuer: _Issuer,
        now: datetime,
    ) -> str:
        if reference is None:
            if self._settings.require_status:
                raise PolicyViolation("the credential carries no status list reference")
            return "the credential carries no status list reference"
        ref = StatusReference(idx=reference.idx, uri=reference.uri)
        key, key_id, signer = self._status_key(trust_list, ref.uri, issuer, now)

        def verify(token: str, fetched_at: datetime) -> VerifiedStatusList:
            return verify_status_list_jwt(
                token,
                key,
                expected_uri=ref.uri,
                clock=FixedClock(now),
                fetched_at=fetched_at,
                max_age=self._settings.status_max_age_seconds,
                limits=self._settings.limits,
            )

        status_list = self._status_lists.get(ref.uri, key_id, verify)
        if now.timestamp() - status_list.iat > self._settings.status_max_age_seconds:
            raise_stale(ref.uri, self._settings.status_max_age_seconds)
        require_valid(status_list.status(ref))
        return f"valid in {ref.uri} (index {ref.idx}, signed by {signer})"

    def _status_key(
        self, trust_list: TrustList, uri: str, issuer: _Issuer, now: datetime
    ) -> tuple[Any, str, str]:
        try:
            trust = status_list_trust(trust_list, uri, now)
        except (UntrustedIssuer, MalformedInput):
            # No provider registered for this URI: the credential's own issuer must sign it.
            return issuer.key, issuer.key_id, issuer.entry.entity_id
        if trust.jwks:
            jwk = dict(trust.jwks[0])
            return public_key_from_jwk(jwk), "jwk:" + thumbprint(jwk), trust.provider.entity_id
        cert = trust.certificates[0]
        return (
            cert.public_key(),
            "cert:" + cert.fingerprint(_sha256()).hex(),
            trust.provider.entity_id,
        )


def raise_stale(uri: str, max_age: int) -> None:
    """Raise ``StaleData`` for a status list older than the policy allows."""
    raise StaleData(f"the status list {uri} was issued more than {max_age} s ago")


def _sha256() -> hashes.HashAlgorithm:
    return hashes.SHA256()


__all__ = [
    "FAILED",
    "NOT_RUN",
    "PASSED",
    "STEPS",
    "PipelineSettings",
    "SdJwtVcPipeline",
    "StepLog",
    "StepOutcome",
    "schema_problems",
]

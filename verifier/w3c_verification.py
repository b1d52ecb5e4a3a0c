"""The verification pipeline for one ``ldp_vc`` presentation (W3C VC with Data Integrity).

The same steps, names and outcomes as ``verifier.pipeline`` for SD-JWT VC:

1. ``well_formed``: a Verifiable Presentation object holding exactly one VC (VCDM 2.0).
2. ``issuer_trusted``: the VC proof's ``did:jwk`` carries the issuer's ``x5c``; the chain
   must lead to a trust-list issuer of this type (judged at ``validFrom``) whose leaf
   certificate names the VC's ``issuer``, and the leaf key must be the did:jwk key.
3. ``signature``: the ``ecdsa-sd-2023`` derived proof, and that it reveals every
   mandatory member (issuer, type, validity, credentialSchema, credentialStatus and the
   holder's ``credentialSubject.id``).
4. ``validity``: ``validFrom``/``validUntil``.
5. ``status``: every BitstringStatusListEntry, its list credential fetched (cached within
   its ``ttl``, refused when older than the staleness bound) and verified
   (``ecdsa-rdfc-2019``, signed by the VC's issuer key).
6. ``key_binding``: the VP proof (``ecdsa-rdfc-2019``, ``authentication``) by the key of
   ``credentialSubject.id`` (= the VP ``holder``), ``challenge`` = the transaction nonce,
   ``domain`` = our client_id, ``created`` within the window (OpenID4VP 1.0 B.1.3.2).
7. ``schema``: the revealed claims hold values the credential type's schema allows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from specs.credentials import CredentialType
from specs.dcql import Presented
from specs.dcql.constants import FORMAT_LDP_VC
from specs.encoding import parse_json_object
from specs.errors import (
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    PolicyViolation,
    StaleData,
    UntrustedKey,
    ValidationError,
)
from specs.keys.x509 import parse_x5c
from specs.limits import Limits
from specs.openid4vp import PresentationContext, VerifiedPresentation
from specs.ports import Clock, FixedClock
from specs.sd_jwt_vc import check_iss_matches_certificate
from specs.status_list.bitstring import check_status, parse_status_entry, require_not_revoked
from specs.trustlist import TrustList
from specs.w3c_vc import (
    Credential,
    DocumentLoader,
    check_validity_period,
    ecdsa_rdfc_2019,
    ecdsa_sd_2023,
    parse_credential,
)
from specs.w3c_vc.constants import (
    CLAIM_CREDENTIAL_STATUS,
    CLAIM_CREDENTIAL_SUBJECT,
    CLAIM_HOLDER,
    CLAIM_TYPE,
    CLAIM_VERIFIABLE_CREDENTIAL,
    HONNIN_MANDATORY_POINTERS,
    HONNIN_VOCAB,
    MEDIA_TYPE_VC,
    PROOF_PURPOSE_AUTHENTICATION,
    TERM_PAIRWISE_PSEUDONYM,
    TYPE_VERIFIABLE_PRESENTATION,
)
from specs.w3c_vc.data_integrity import parse_xsd_datetime, split_proof
from specs.w3c_vc.did_jwk import resolve_did_jwk, unverified_did_jwk
from specs.w3c_vc.multikey import resolve_did_key
from specs.w3c_vc.vocabulary import credential_type_by_expanded_type, expanded_types
from trustlist.evaluation import IssuerChainCache
from verifier.pipeline import (
    STEP_ISSUER_TRUSTED,
    STEP_KEY_BINDING,
    STEP_SCHEMA,
    STEP_SIGNATURE,
    STEP_STATUS,
    STEP_VALIDITY,
    STEP_WELL_FORMED,
    PipelineSettings,
    StepLog,
    StepPipeline,
    _authorize,
    _run,
    schema_problems,
)

# What a derived credential must always reveal (the issuer's mandatory pointers).
REQUIRED_POINTERS: tuple[str, ...] = (
    *HONNIN_MANDATORY_POINTERS,
    "/" + CLAIM_CREDENTIAL_STATUS,
    f"/{CLAIM_CREDENTIAL_SUBJECT}/id",
)
DEFAULT_REFRESH_SECONDS = 300
VP_FORMAT_LDP_VC: dict[str, Any] = {
    # OpenID4VP 1.0 appendix B.1.3.2.1.
    "proof_type_values": ["DataIntegrityProof"],
    "cryptosuite_values": ["ecdsa-rdfc-2019", "ecdsa-sd-2023"],
}


@dataclass(frozen=True, slots=True)
class _Issuer:
    entity_id: str
    legal_name: Any
    corporate_number: str
    verification_method: str
    key: ec.EllipticCurvePublicKey
    credential_type: CredentialType[Any]


def _same_key(a: Any, b: Any) -> bool:
    def raw(key: Any) -> bytes:
        return bytes(key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))

    return (
        isinstance(a, ec.EllipticCurvePublicKey)
        and isinstance(b, ec.EllipticCurvePublicKey)
        and raw(a) == raw(b)
    )


class BitstringStatusLists:
    """Bitstring Status List credentials by URL: fetched, verified by the caller, kept while fresh."""

    def __init__(self, client: httpx.Client, *, max_age_seconds: int, limits: Limits) -> None:
        self._client = client
        self._max_age = timedelta(seconds=max_age_seconds)
        self._limits = limits
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[dict[str, Any], datetime, str]] = {}
        self.fetches = 0

    def get(
        self,
        url: str,
        key_id: str,
        verify: Callable[[dict[str, Any]], dict[str, Any]],
        now: datetime,
    ) -> dict[str, Any]:
        """Return the verified list credential at ``url`` (cached within its ``ttl``)."""
        with self._lock:
            entry = self._entries.get(url)
        if entry is not None and entry[2] == key_id:
            document, fetched_at, _ = entry
            ttl = document.get(CLAIM_CREDENTIAL_SUBJECT, {}).get("ttl")
            refresh = timedelta(seconds=DEFAULT_REFRESH_SECONDS)
            if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0:
                refresh = min(refresh, timedelta(milliseconds=ttl))
            if now < fetched_at + refresh:
                return document
        try:
            verified = verify(self._fetch(url))
        except HonninError:
            # The last good copy stays usable within the staleness bound.
            if entry is not None and entry[2] == key_id and now - entry[1] <= self._max_age:
                return entry[0]
            raise
        with self._lock:
            self._entries[url] = (verified, now, key_id)
        return verified

    def _fetch(self, url: str) -> dict[str, Any]:
        self.fetches += 1
        try:
            response = self._client.get(url, headers={"Accept": MEDIA_TYPE_VC})
        except httpx.HTTPError as exc:
            raise StaleData(f"status list {url} could not be fetched: {exc}") from exc
        if response.status_code != 200:
            raise StaleData(f"status list {url} answered HTTP {response.status_code}")
        if len(response.content) > self._limits.max_json_bytes:
            raise LimitExceeded(f"status list {url} is larger than {self._limits.max_json_bytes}")
        return parse_json_object(
            response.content, what="status list credential", limits=self._limits
        )


class LdpVcPipeline(StepPipeline):
    """Verifies ``ldp_vc`` presentations step by step against the trust list."""

    def __init__(
        self,
        *,
        trust_list: Callable[[], TrustList],
        http: httpx.Client,
        clock: Clock,
        settings: PipelineSettings | None = None,
    ) -> None:
        settings = settings or PipelineSettings()
        self._trust_list = trust_list
        self._clock = clock
        self._settings = settings
        self._loader = DocumentLoader()
        self._chains = IssuerChainCache()
        self.status_lists = BitstringStatusLists(
            http, max_age_seconds=settings.status_max_age_seconds, limits=settings.limits
        )

    # --- the steps ---

    def _steps(
        self, context: PresentationContext, log: StepLog, query_id: str
    ) -> VerifiedPresentation:
        clock = FixedClock(context.now)
        trust_list = self._trust_list()
        vp, vc, claimed = _run(STEP_WELL_FORMED, lambda: self._well_formed(context))
        log.passed(STEP_WELL_FORMED, query_id)
        issuer: _Issuer = _run(
            STEP_ISSUER_TRUSTED, lambda: self._issuer(trust_list, vc, claimed, context.now)
        )
        log.passed(
            STEP_ISSUER_TRUSTED,
            query_id,
            f"{issuer.legal_name.en} ({issuer.legal_name.ja}) may issue "
            f"{issuer.credential_type.vct}",
        )
        credential: Credential = _run(STEP_SIGNATURE, lambda: self._signature(vc, issuer))
        log.passed(STEP_SIGNATURE, query_id)
        _run(STEP_VALIDITY, lambda: check_validity_period(credential, clock))
        log.passed(STEP_VALIDITY, query_id)
        detail = _run(STEP_STATUS, lambda: self._status(credential, issuer, context.now))
        log.passed(STEP_STATUS, query_id, detail)
        _run(STEP_KEY_BINDING, lambda: self._key_binding(vp, credential, context, clock))
        log.passed(STEP_KEY_BINDING, query_id)
        subject = {k: v for k, v in credential.subjects[0].items() if k != "id"}

        def schema() -> None:
            problems = schema_problems(issuer.credential_type, subject)
            if problems:
                raise problems[0]

        _run(STEP_SCHEMA, schema)
        log.passed(STEP_SCHEMA, query_id)
        pseudonym = vp.get(TERM_PAIRWISE_PSEUDONYM)
        return VerifiedPresentation(
            presented=Presented(
                format=FORMAT_LDP_VC,
                claims={CLAIM_CREDENTIAL_SUBJECT: subject},
                types=expanded_types(issuer.credential_type),
                holder_binding=True,
            ),
            issuer=issuer.entity_id,
            details={
                "issuer": {
                    "entity_id": issuer.entity_id,
                    "name": {"ja": issuer.legal_name.ja, "en": issuer.legal_name.en},
                    "corporate_number": issuer.corporate_number,
                },
                "vct": issuer.credential_type.vct,
                "format": FORMAT_LDP_VC,
                "issued_at": credential.document.get("validFrom"),
                "pseudonym": pseudonym if isinstance(pseudonym, str) else None,
            },
        )

    def _well_formed(
        self, context: PresentationContext
    ) -> tuple[dict[str, Any], dict[str, Any], Credential]:
        if context.query.format != FORMAT_LDP_VC:
            raise MalformedInput(f"format {context.query.format!r} is not ldp_vc")
        vp = context.presentation
        if not isinstance(vp, dict):
            raise MalformedInput("an ldp_vc presentation is a Verifiable Presentation object")
        types = vp.get(CLAIM_TYPE)
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list) or TYPE_VERIFIABLE_PRESENTATION not in types:
            raise MalformedInput("the presentation is not a VerifiablePresentation")
        credentials = vp.get(CLAIM_VERIFIABLE_CREDENTIAL)
        if isinstance(credentials, dict):
            credentials = [credentials]
        if not isinstance(credentials, list) or len(credentials) != 1:
            raise MalformedInput("the presentation must hold exactly one verifiableCredential")
        vc = credentials[0]
        if not isinstance(vc, dict):
            raise MalformedInput("the verifiableCredential is not a JSON object")
        unsecured, _ = split_proof(vc)
        claimed = parse_credential(unsecured)
        if len(claimed.subjects) != 1:
            raise MalformedInput("the credential must have exactly one credentialSubject")
        return vp, vc, claimed

    def _issuer(
        self, trust_list: TrustList, vc: Mapping[str, Any], claimed: Credential, now: datetime
    ) -> _Issuer:
        _, proof = split_proof(vc)
        method = proof.get("verificationMethod")
        jwk = unverified_did_jwk(method, self._settings.limits)
        chain = parse_x5c(jwk.get("x5c"), self._settings.limits)
        leaf: x509.Certificate = chain[0]
        key = leaf.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise UntrustedKey("the issuer certificate key is not an EC key")
        if not _same_key(resolve_did_jwk(method), key):
            raise UntrustedKey("the did:jwk key is not the key of its x5c leaf certificate")
        ctype = None
        for name in claimed.types:
            ctype = credential_type_by_expanded_type(HONNIN_VOCAB + name)
            if ctype is not None:
                break
        if ctype is None:
            raise PolicyViolation(f"credential types {list(claimed.types)} are not known here")
        issued_at = claimed.valid_from or now
        entry = _authorize(
            trust_list,
            ctype,
            now,
            issued_at,
            self._settings.withdrawal_policy,
            chain=chain,
            chain_cache=self._chains,
        )
        check_iss_matches_certificate(claimed.issuer, leaf)
        return _Issuer(
            entity_id=entry.entity_id,
            legal_name=entry.legal_name,
            corporate_number=entry.corporate_number,
            verification_method=str(method),
            key=key,
            credential_type=ctype,
        )

    def _resolver(self, issuer: _Issuer) -> Callable[[str], ec.EllipticCurvePublicKey]:
        def resolve(method: str) -> ec.EllipticCurvePublicKey:
            if method != issuer.verification_method:
                raise UntrustedKey("the proof names another verification method than the issuer's")
            return issuer.key

        return resolve

    def _signature(self, vc: Mapping[str, Any], issuer: _Issuer) -> Credential:
        verified = ecdsa_sd_2023.verify_derived_proof(
            vc,
            loader=self._loader,
            key_resolver=self._resolver(issuer),
            required_pointers=REQUIRED_POINTERS,
            limits=self._settings.limits,
        )
        return parse_credential(verified.document)

    def _status(self, credential: Credential, issuer: _Issuer, now: datetime) -> str:
        if not credential.status:
            if self._settings.require_status:
                raise PolicyViolation("the credential carries no credentialStatus")
            return "the credential carries no credentialStatus"
        checked = []
        for raw in credential.status:
            entry = parse_status_entry(raw)

            def verify(
                document: dict[str, Any], url: str = entry.status_list_credential
            ) -> dict[str, Any]:
                verified = ecdsa_rdfc_2019.verify_proof(
                    document,
                    loader=self._loader,
                    key_resolver=self._resolver(issuer),
                    limits=self._settings.limits,
                )
                listed = parse_credential(verified.document)
                if listed.issuer != credential.issuer:
                    raise ValidationError(f"status list {url} is issued by someone else")
                check_validity_period(listed, FixedClock(now))
                return verified.document

            document = self.status_lists.get(
                entry.status_list_credential, issuer.verification_method, verify, now
            )
            require_not_revoked(check_status(entry, document, limits=self._settings.limits))
            checked.append(f"{entry.status_purpose} at {entry.status_list_credential}")
        return f"not set: {'; '.join(checked)} (index {parse_status_entry(credential.status[0]).status_list_index})"

    def _key_binding(
        self,
        vp: Mapping[str, Any],
        credential: Credential,
        context: PresentationContext,
        clock: Clock,
    ) -> None:
        holder = credential.subjects[0].get("id")
        if not isinstance(holder, str):
            raise MalformedInput("credentialSubject.id (the holder binding) is missing")
        if vp.get(CLAIM_HOLDER) != holder:
            raise ValidationError("the presentation holder is not the credential's subject")
        _, proof = split_proof(vp)
        method = proof.get("verificationMethod")
        if not isinstance(method, str) or method.partition("#")[0] != holder:
            raise InvalidSignature("the presentation is not signed by the credential's holder key")
        ecdsa_rdfc_2019.verify_proof(
            vp,
            loader=self._loader,
            key_resolver=resolve_did_key,
            proof_purpose=PROOF_PURPOSE_AUTHENTICATION,
            domain=context.client_id,
            challenge=context.nonce,
            clock=clock,
            limits=self._settings.limits,
        )
        if "created" not in proof:
            raise MalformedInput("the presentation proof has no created time")
        created = parse_xsd_datetime(proof["created"], "created")
        age = (context.now - created).total_seconds()
        if age > self._settings.kb_max_age_seconds or age < -60:
            raise ValidationError("the presentation proof was not created just now")


def ldp_result_path(path: Sequence[str | int]) -> tuple[str | int, ...]:
    """A claim path as the HR result shows it: ``ldp_vc`` paths without ``credentialSubject``.

    No credential type has a claim named ``credentialSubject``, so the prefix is only ever
    the VC root's subject member of an ``ldp_vc`` query path.
    """
    if len(path) > 1 and path[0] == CLAIM_CREDENTIAL_SUBJECT:
        return tuple(path[1:])
    return tuple(path)


__all__ = [
    "REQUIRED_POINTERS",
    "VP_FORMAT_LDP_VC",
    "BitstringStatusLists",
    "LdpVcPipeline",
    "ldp_result_path",
]

"""The issuer service: the OpenID4VCI core, storage, credential signing and status lists.

``IssuerService`` is what the HTTP adapter (``issuer.app``), the CLI and the bulk import
call. Protocol rules live in ``specs.openid4vci``; this module supplies the SQL stores, the
credential format (``dc+sd-jwt`` via ``specs.sd_jwt_vc`` with the types of
``specs.credentials``), random unused status-list indices and the administration steps
(revoke, suspend, resume, re-issue).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from cryptography import x509
from sqlalchemy import Engine

from issuer.attestation import CardKeyAttestationVerifier
from issuer.database import make_engine, migrate
from issuer.mdoc_issuance import (
    format_of,
    is_mdoc_configuration,
    issue_mdoc_batch,
    mdoc_configuration,
    mdoc_configuration_id,
)
from issuer.settings import IssuerSettings
from issuer.storage import CredentialRecord, IssuerRepository, OfferRecord
from issuer.stores import OfferWriter, SqlNonceStore, SqlNotificationStore, SqlOfferStore
from issuer.w3c_issuance import W3cIssuance, is_ldp_vc_configuration, ldp_vc_configuration_id
from specs.credentials import CredentialType, credential_type
from specs.credentials.constants import LOCALE_EN, LOCALE_JA
from specs.encoding import b64url_encode, parse_json_object
from specs.errors import LimitExceeded, MalformedInput, NotFound, PolicyViolation, Replay
from specs.keys import SoftwareSigner, thumbprint
from specs.keys.x509 import encode_x5c, load_crl
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vci import (
    AuthorizationServerMetadata,
    CredentialIssuerCore,
    CredentialIssuerMetadata,
    CredentialResponse,
    IssuerPolicy,
    KeyAttestationVerifier,
    NonceResponse,
    NotificationRequest,
    TokenResponse,
    TxCode,
    offer_link,
    offer_link_by_reference,
)
from specs.openid4vci.constants import (
    FORMAT_DC_SD_JWT,
    FORMAT_LDP_VC,
    GRANT_TYPE_PRE_AUTHORIZED_CODE,
    PROOF_TYPE_ATTESTATION,
    PROOF_TYPE_JWT,
    TX_CODE_INPUT_MODE_NUMERIC,
    WELL_KNOWN_CREDENTIAL_ISSUER,
    WELL_KNOWN_OAUTH_AUTHORIZATION_SERVER,
)
from specs.openid4vci.models import CredentialOffer
from specs.ports import Clock, Random, Signer, SystemClock, SystemRandom
from specs.sd_jwt_vc import StatusListReference
from specs.sd_jwt_vc.credential import SdJwtVcTemplate, prepare_sd_jwt_vc
from specs.status_list import (
    STATUS_INVALID,
    STATUS_SUSPENDED,
    STATUS_VALID,
    StatusList,
    allocate_index,
    sign_status_list_jwt,
)
from specs.trustlist import TrustList, verify_trust_list

# Paths under the issuer identifier (its path, if any, is the prefix).
TOKEN_PATH = "/token"  # noqa: S105 - a URL path
NONCE_PATH = "/nonce"
CREDENTIAL_PATH = "/credential"
NOTIFICATION_PATH = "/notification"
OFFER_PATH = "/credential-offer"
STATUS_LIST_PATH = "/status-lists"
TYPE_METADATA_PATH = "/type-metadata"
CONFIGURATION_SUFFIX = "-sd-jwt"
SECONDS_PER_DAY = 86_400
STATUS_LIST_TOKEN_LIFETIME = SECONDS_PER_DAY
TX_CODE_DESCRIPTION = (
    "別送の通知書に記載の数字を入力してください / "
    "Enter the digits printed in the letter we sent you separately"
)
_ALLOCATION_RETRIES = 8
T = TypeVar("T")


def configuration_id(type_id: str) -> str:
    """Return the Credential Configuration id of a credential type in ``dc+sd-jwt``."""
    return f"{type_id}{CONFIGURATION_SUFFIX}"


def _load_chain(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def load_signer(path: Path) -> SoftwareSigner:
    """Load the credential signing key (a private JWK file written by ``init``)."""
    return SoftwareSigner.from_jwk(parse_json_object(path.read_bytes(), what=str(path)))


def load_card_trust(
    settings: IssuerSettings, clock: Clock
) -> tuple[Callable[[], TrustList], Callable[[], list[x509.CertificateRevocationList]]] | None:
    """Load the signed trust list (card CAs) and card CRLs the settings name, if any."""
    if settings.card_trust_list is None:
        return None
    if settings.card_trust_list_anchors is None:
        raise MalformedInput("card_trust_list needs card_trust_list_anchors (operator PEM)")
    anchors = _load_chain(settings.card_trust_list_anchors)
    token = settings.card_trust_list.read_text(encoding="utf-8")
    trust_list = verify_trust_list(token, anchors, clock.now()).trust_list
    crls = [load_crl(path.read_bytes()) for path in settings.card_crls]
    return (lambda: trust_list), (lambda: crls)


@dataclass
class IssuerDeps:
    """What the service is given rather than builds: clock, randomness, keys, database."""

    clock: Clock = field(default_factory=SystemClock)
    rng: Random = field(default_factory=SystemRandom)
    signer: Signer | None = None
    certificate_chain: Sequence[x509.Certificate] | None = None
    engine: Engine | None = None
    key_attestation_verifier: KeyAttestationVerifier | None = None
    limits: Limits = DEFAULT_LIMITS
    migrate: bool = True


@dataclass(frozen=True, slots=True)
class IssuedOffer:
    """A created offer: its id, the link for the wallet and the tx_code for the other channel."""

    offer_id: str
    offer_uri: str
    tx_code: str | None
    configuration_id: str
    created: bool = True


@dataclass(frozen=True, slots=True)
class StatusChange:
    """The result of revoke/suspend/resume: the offer and the credential instances changed."""

    offer_id: str
    credential_ids: tuple[str, ...]
    status: int
    offer_locked: bool = False


def import_key_of(type_id: str, claims: Mapping[str, Any]) -> str:
    """Return a stable idempotency key for one person's credential of one type and claims."""
    canonical = json.dumps(
        {"type": type_id, "claims": claims},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return f"{type_id}:{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


class IssuerService:
    """One issuer deployment: metadata, offers, tokens, issuance, status lists, administration."""

    def __init__(self, settings: IssuerSettings, deps: IssuerDeps | None = None) -> None:
        deps = deps or IssuerDeps()
        self.settings = settings
        self.clock = deps.clock
        self.rng = deps.rng
        self.limits = deps.limits
        self.signer: Signer = deps.signer or load_signer(settings.signing_key)
        chain = deps.certificate_chain
        if chain is None:
            chain = _load_chain(settings.certificate_chain)
        self.x5c = encode_x5c(list(chain))
        self.engine = deps.engine or make_engine(settings.database_url)
        if deps.migrate:
            migrate(self.engine)
        self.repository = IssuerRepository(self.engine)
        verifier = deps.key_attestation_verifier
        if verifier is None:
            loaded = load_card_trust(settings, self.clock)
            if loaded is not None:
                verifier = CardKeyAttestationVerifier(*loaded, clock=self.clock, limits=self.limits)
        if settings.key_attestation_required and verifier is None:
            raise MalformedInput(
                "key_attestation_required needs card_trust_list (the card CAs) in the settings"
            )
        self.attestation_verifier = verifier
        self.url = settings.url.rstrip("/")
        self.path_prefix = urlsplit(self.url).path.rstrip("/")
        self.types: dict[str, CredentialType[Any]] = {}
        for type_id in settings.credential_types:
            self.types[configuration_id(type_id)] = credential_type(type_id)
            self.types[mdoc_configuration_id(type_id)] = credential_type(type_id)
            self.types[ldp_vc_configuration_id(type_id)] = credential_type(type_id)
        self.w3c = W3cIssuance(self)
        self.metadata = self._build_metadata()
        self.core = CredentialIssuerCore(
            self.metadata,
            offers=SqlOfferStore(self.repository),
            nonces=SqlNonceStore(self.repository),
            notifications=SqlNotificationStore(self.repository),
            clock=self.clock,
            rng=self.rng,
            key_attestation_verifier=verifier,
            policy=self.policy,
            limits=self.limits,
        )
        self._lock = threading.Lock()
        self._used: dict[str, set[int]] = {}
        self._current_list: str | None = None
        self._list_info: dict[str, tuple[int, int]] = {}
        self._integrity: dict[str, str] = {}

    # --- metadata (OpenID4VCI section 12) ---

    @property
    def policy(self) -> IssuerPolicy:
        """Lifetimes and limits of single-use values, from the settings."""
        s = self.settings
        return IssuerPolicy(
            pre_authorized_code_lifetime=min(s.code_ttl_seconds, s.offer_ttl_seconds),
            access_token_lifetime=s.access_token_ttl_seconds,
            nonce_lifetime=s.nonce_ttl_seconds,
            max_tx_code_attempts=s.tx_code_max_attempts,
            tx_code_length=s.tx_code_length,
            proof_max_age=s.proof_max_age_seconds,
        )

    def endpoint(self, path: str) -> str:
        """Return the absolute URL of one of the issuer's paths."""
        return f"{self.url}{path}"

    def _well_known(self, suffix: str) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}{suffix}{self.path_prefix}"

    @property
    def credential_issuer_metadata_url(self) -> str:
        """Where the Credential Issuer Metadata is served (section 12.2.2)."""
        return self._well_known(WELL_KNOWN_CREDENTIAL_ISSUER)

    @property
    def authorization_server_metadata_url(self) -> str:
        """Where the RFC 8414 metadata is served."""
        return self._well_known(WELL_KNOWN_OAUTH_AUTHORIZATION_SERVER)

    def type_metadata_url(self, ctype: CredentialType[Any]) -> str:
        """Where the SD-JWT VC Type Metadata of a type is served (exact bytes)."""
        return self.endpoint(f"{TYPE_METADATA_PATH}/{ctype.id}/{ctype.version}")

    def _configuration(self, ctype: CredentialType[Any]) -> dict[str, Any]:
        jwt_proof: dict[str, Any] = {"proof_signing_alg_values_supported": ["ES256"]}
        if self.settings.key_attestation_required:
            # Appendix F.1: an empty object means "a key attestation is required".
            jwt_proof["key_attestations_required"] = {}
        proof_types: dict[str, Any] = {PROOF_TYPE_JWT: jwt_proof}
        if self.attestation_verifier is not None:
            # The card signs key attestations with RS256 (specs.key_attestation profile).
            proof_types[PROOF_TYPE_ATTESTATION] = {
                "proof_signing_alg_values_supported": ["RS256"],
                **(
                    {"key_attestations_required": {}}
                    if "key_attestations_required" in jwt_proof
                    else {}
                ),
            }
        return {
            "format": FORMAT_DC_SD_JWT,
            "scope": ctype.id,
            "vct": ctype.vct,
            "cryptographic_binding_methods_supported": ["jwk"],
            "credential_signing_alg_values_supported": [self.signer.alg],
            "proof_types_supported": proof_types,
            "credential_metadata": {
                "display": [
                    {
                        "name": ctype.name_ja,
                        "locale": LOCALE_JA,
                        "description": ctype.description_ja,
                    },
                    {
                        "name": ctype.name_en,
                        "locale": LOCALE_EN,
                        "description": ctype.description_en,
                    },
                ],
                "claims": [
                    {
                        "path": list(info.path),
                        "mandatory": info.mandatory,
                        "display": [
                            {"name": info.ja, "locale": LOCALE_JA},
                            {"name": info.en, "locale": LOCALE_EN},
                        ],
                    }
                    for info in ctype.claims()
                ],
            },
        }

    def _configuration_of(self, config_id: str, ctype: CredentialType[Any]) -> dict[str, Any]:
        sd_jwt = self._configuration(ctype)
        if is_ldp_vc_configuration(config_id):
            return self.w3c.configuration(ctype, sd_jwt)
        if not is_mdoc_configuration(config_id):
            return sd_jwt
        return mdoc_configuration(
            ctype, signing_alg=self.signer.alg, proof_types=sd_jwt["proof_types_supported"]
        )

    def _build_metadata(self) -> CredentialIssuerMetadata:
        data: dict[str, Any] = {
            "credential_issuer": self.url,
            "credential_endpoint": self.endpoint(CREDENTIAL_PATH),
            "nonce_endpoint": self.endpoint(NONCE_PATH),
            "notification_endpoint": self.endpoint(NOTIFICATION_PATH),
            "display": [
                {"name": self.settings.name.ja, "locale": LOCALE_JA},
                {"name": self.settings.name.en, "locale": LOCALE_EN},
            ],
            "credential_configurations_supported": {
                config_id: self._configuration_of(config_id, ctype)
                for config_id, ctype in self.types.items()
            },
        }
        if self.settings.batch_size >= 2:
            data["batch_credential_issuance"] = {"batch_size": self.settings.batch_size}
        return CredentialIssuerMetadata.model_validate(data)

    def authorization_server_metadata(self) -> AuthorizationServerMetadata:
        """RFC 8414 metadata: this issuer is its own authorization server."""
        return AuthorizationServerMetadata.model_validate(
            {
                "issuer": self.url,
                "token_endpoint": self.endpoint(TOKEN_PATH),
                "grant_types_supported": [GRANT_TYPE_PRE_AUTHORIZED_CODE],
                "token_endpoint_auth_methods_supported": ["none"],
                "pre-authorized_grant_anonymous_access_supported": True,
            }
        )

    def type_metadata(self, type_id: str, version: int) -> bytes:
        """Return the exact Type Metadata bytes of a served type, or raise ``NotFound``."""
        for ctype in self.types.values():
            if ctype.id == type_id and ctype.version == version:
                return ctype.metadata_bytes()
        raise NotFound(f"no type metadata for {type_id}/{version}")

    # --- offers (section 4) ---

    def tx_code_spec(self) -> TxCode:
        """How the tx_code looks (never its value): numeric, the configured length."""
        return TxCode.model_validate(
            {
                "input_mode": TX_CODE_INPUT_MODE_NUMERIC,
                "length": self.settings.tx_code_length,
                "description": TX_CODE_DESCRIPTION,
            }
        )

    def _type_for(
        self, type_id: str, credential_format: str = FORMAT_DC_SD_JWT
    ) -> tuple[str, CredentialType[Any]]:
        config_id = (
            configuration_id(type_id)
            if credential_format == FORMAT_DC_SD_JWT
            else ldp_vc_configuration_id(type_id)
            if credential_format == FORMAT_LDP_VC
            else mdoc_configuration_id(type_id)
        )
        ctype = self.types.get(config_id)
        if ctype is None:
            raise NotFound(
                f"this issuer does not issue {type_id!r}; it issues "
                f"{', '.join(t.id for t in self.types.values())}",
                claim_path=["type"],
            )
        return config_id, ctype

    def normalise_claims(self, type_id: str, claims: object) -> dict[str, Any]:
        """Validate claims for a type and return them in their canonical JSON form."""
        _, ctype = self._type_for(type_id)
        return ctype.to_claims(ctype.parse(claims))

    def offer_uri(self, offer: CredentialOffer, code: str, *, by_reference: bool) -> str:
        """Return the ``openid-credential-offer://`` link, by value or by reference."""
        if by_reference:
            return offer_link_by_reference(self.endpoint(f"{OFFER_PATH}/{code}"))
        return offer_link(offer)

    def create_offer(
        self,
        type_id: str,
        claims: object,
        *,
        by_reference: bool = False,
        import_key: str | None = None,
        replaces_credential_id: str | None = None,
        defer: bool = False,
        credential_format: str = FORMAT_DC_SD_JWT,
    ) -> tuple[IssuedOffer, dict[str, Any] | None]:
        """Create an offer for one person; with ``defer`` return the row for a bulk insert.

        When ``import_key`` was imported before, nothing is created and ``created`` is False.
        """
        config_id, _ = self._type_for(type_id, credential_format)
        normalised = self.normalise_claims(type_id, claims)
        writer = OfferWriter(
            self.repository,
            claims=normalised,
            created_at=self.clock.now(),
            import_key=import_key,
            replaces_credential_id=replaces_credential_id,
            defer=defer,
        )
        core = CredentialIssuerCore(
            self.metadata,
            offers=writer,
            nonces=self.core.nonces,
            clock=self.clock,
            rng=self.rng,
            policy=self.policy,
            limits=self.limits,
        )
        created = core.create_offer([config_id], tx_code=self.tx_code_spec())
        if not defer and not writer.created:
            existing = self.repository.offer_by_import_key(import_key or "")
            offer_id = existing.id if existing is not None else created.offer_id
            return IssuedOffer(offer_id, "", None, config_id, created=False), None
        uri = self.offer_uri(created.offer, created.pre_authorized_code, by_reference=by_reference)
        issued = IssuedOffer(created.offer_id, uri, created.tx_code, config_id)
        return issued, writer.row

    def offer_by_reference(self, code: str) -> dict[str, Any]:
        """Return the Credential Offer object behind a ``credential_offer_uri``."""
        record = self.repository.offer_by_code(code)
        now = self.clock.now()
        if record is None or record.locked or record.redeemed_at is not None:
            raise NotFound("no such credential offer")
        if record.expires_at <= now:
            raise NotFound("the credential offer has expired")
        grant: dict[str, Any] = {"pre-authorized_code": code}
        if record.tx_code_required:
            grant["tx_code"] = self.tx_code_spec().to_json()
        offer = CredentialOffer.model_validate(
            {
                "credential_issuer": self.url,
                "credential_configuration_ids": [record.configuration_id],
                "grants": {GRANT_TYPE_PRE_AUTHORIZED_CODE: grant},
            }
        )
        return offer.to_json()

    # --- token, nonce, credential, notification (sections 6-8, 11) ---

    def token(self, form: Mapping[str, Any]) -> TokenResponse:
        """Token Endpoint: redeem a pre-authorized code (and tx_code) once."""
        return self.core.token(form)

    def nonce(self) -> NonceResponse:
        """Nonce Endpoint: a fresh single-use ``c_nonce``."""
        return self.core.nonce()

    def notification(self, access_token: str | None, body: bytes) -> NotificationRequest:
        """Notification Endpoint: record the wallet's event for a Credential Response."""
        return self.core.notification(access_token, body)

    def credential(self, access_token: str | None, body: bytes) -> CredentialResponse:
        """Credential Endpoint: verify the request and issue one credential per holder key."""
        decision = self.core.credential(access_token, body)
        # One offer yields one batch: the access token is consumed by the first success.
        if access_token is None:
            raise PolicyViolation("the credentials of this offer were already issued")
        offer = self.repository.offer(decision.offer_id)
        credentials = self.issue_batch(
            offer,
            decision.holder_keys,
            notification_id=decision.notification_id,
            now=self.clock.now(),
            access_token=access_token,
        )
        return decision.response(credentials)

    def prepare(self, offer: OfferRecord) -> SdJwtVcTemplate:
        """Mark and compile an offer's claims once for all the instances of its batch."""
        ctype = self.types.get(offer.configuration_id)
        if ctype is None:
            raise NotFound(f"configuration {offer.configuration_id!r} is not issued here")
        integrity = self._integrity.get(offer.configuration_id)
        if integrity is None:
            integrity = self._integrity[offer.configuration_id] = ctype.integrity()
        return prepare_sd_jwt_vc(
            ctype.mark_disclosable(offer.claims),
            vct=ctype.vct,
            vct_integrity=integrity,
            iss=self.url,
            expires_in=self.settings.credential_ttl_days * SECONDS_PER_DAY,
            x5c=self.x5c,
        )

    def issue_batch(
        self,
        offer: OfferRecord,
        holder_keys: Sequence[Mapping[str, Any]],
        *,
        now: datetime,
        notification_id: str | None = None,
        access_token: str | None = None,
    ) -> list[str]:
        """Sign one SD-JWT VC per holder key, then store the instances in one transaction.

        With ``access_token`` the token is consumed in that same transaction. Every instance
        gets its own status slot, salts, digests and signature (unlinkability).
        """
        if is_ldp_vc_configuration(offer.configuration_id):
            return self.w3c.issue_batch(  # type: ignore[return-value]
                offer,
                holder_keys,
                now=now,
                notification_id=notification_id,
                access_token=access_token,
            )
        if is_mdoc_configuration(offer.configuration_id):
            return self._issue_instances(
                offer,
                holder_keys,
                notification_id,
                now,
                lambda records: issue_mdoc_batch(self, offer, holder_keys, records),
                access_token=access_token,
            )
        template = self.prepare(offer)

        def sign(records: Sequence[CredentialRecord]) -> list[str]:
            return [
                template.issue(
                    self.signer,
                    clock=self.clock,
                    random=self.rng,
                    holder_jwk=key,
                    status=StatusListReference(
                        idx=record.status_index, uri=self.status_list_uri(record.status_list)
                    ),
                )
                for record, key in zip(records, holder_keys, strict=True)
            ]

        return self._issue_instances(
            offer, holder_keys, notification_id, now, sign, access_token=access_token
        )

    # --- status lists (draft-ietf-oauth-status-list) ---

    def status_list_uri(self, list_id: str) -> str:
        """Return the URI of a status list (the ``sub`` of its token)."""
        return self.endpoint(f"{STATUS_LIST_PATH}/{list_id}")

    def _list_for_allocation(self, now: datetime) -> str:
        if self._current_list is None:
            ids = self.repository.status_list_ids()
            if not ids:
                self.repository.ensure_status_list(
                    "1", self.settings.status_list_bits, self.settings.status_list_size, now
                )
                ids = self.repository.status_list_ids()
            self._current_list = max(ids, key=lambda i: (len(i), i))
        return self._current_list

    def _next_list(self, full: str, now: datetime) -> None:
        next_id = str(int(full) + 1) if full.isdigit() else f"{full}-2"
        self.repository.ensure_status_list(
            next_id, self.settings.status_list_bits, self.settings.status_list_size, now
        )
        self._current_list = next_id

    def _allocate_slots(self, count: int, now: datetime) -> tuple[str, list[int]]:
        """Pick ``count`` random unused indices of the current list (in memory, not stored)."""
        for _ in range(_ALLOCATION_RETRIES):
            with self._lock:
                list_id = self._list_for_allocation(now)
                # A status list's bits and size never change once created.
                info = self._list_info.get(list_id)
                if info is None:
                    info = self.repository.status_list(list_id)
                    assert info is not None
                    self._list_info[list_id] = info
                used = self._used.get(list_id)
                if used is None:
                    used = self.repository.used_status_indices(list_id)
                    self._used[list_id] = used
                picked: list[int] = []
                try:
                    for _ in range(count):
                        index = allocate_index(self.rng, info[1], used)
                        used.add(index)
                        picked.append(index)
                except LimitExceeded:
                    used.difference_update(picked)
                    self._next_list(list_id, now)
                    continue
                return list_id, picked
        raise Replay("could not allocate unused status list indices; try again")

    def _release_slots(self, list_id: str, picked: Sequence[int], *, stale: bool) -> None:
        with self._lock:
            if stale:
                # Another replica took one of these slots: forget the cache, reload on next use.
                self._used.pop(list_id, None)
            elif (used := self._used.get(list_id)) is not None:
                used.difference_update(picked)

    def _instance_records(
        self,
        offer: OfferRecord,
        keys: Sequence[Mapping[str, Any]],
        list_id: str,
        picked: Sequence[int],
        notification_id: str | None,
        now: datetime,
    ) -> list[CredentialRecord]:
        ids = self.rng.bytes(16 * len(keys))
        return [
            CredentialRecord(
                id=b64url_encode(ids[16 * i : 16 * i + 16]),
                offer_id=offer.id,
                configuration_id=offer.configuration_id,
                status_list=list_id,
                status_index=index,
                status=STATUS_VALID,
                holder_thumbprint=thumbprint(dict(key)),
                notification_id=notification_id,
                notification_event=None,
                issued_at=now,
                superseded_by=None,
            )
            for i, (index, key) in enumerate(zip(picked, keys, strict=True))
        ]

    def _issue_instances(
        self,
        offer: OfferRecord,
        keys: Sequence[Mapping[str, Any]],
        notification_id: str | None,
        now: datetime,
        sign: Callable[[Sequence[CredentialRecord]], list[T]],
        *,
        access_token: str | None = None,
    ) -> list[T]:
        """Allocate status slots, make the credentials with ``sign``, then store the records.

        The credentials are made before the one transaction that stores their records and
        consumes the access token: a credential that cannot be made (a holder key the format
        refuses, a signer that fails) leaves no record and the token unused for a retry.
        """
        if not keys:
            raise MalformedInput("no holder key to bind the credential to", claim_path=["proofs"])
        for _ in range(_ALLOCATION_RETRIES):
            list_id, picked = self._allocate_slots(len(keys), now)
            try:
                records = self._instance_records(offer, keys, list_id, picked, notification_id, now)
                issued = sign(records)
                stored = self.repository.add_credentials(
                    records, access_token=access_token, now=now
                )
            except BaseException:
                self._release_slots(list_id, picked, stale=False)
                raise
            if stored:
                return issued
            # Another replica took one of the slots: new slots, new credentials.
            self._release_slots(list_id, picked, stale=True)
        raise Replay("could not allocate unused status list indices; try again")

    def status_list_token(self, list_id: str) -> str:
        """Return the signed ``statuslist+jwt`` of a status list, with ``ttl``."""
        info = self.repository.status_list(list_id)
        if info is None:
            raise NotFound(f"no status list {list_id!r}")
        bits, size = info
        status_list = StatusList.new(size, bits)
        for index, status in self.repository.statuses(list_id).items():
            status_list.set(index, status)
        return sign_status_list_jwt(
            status_list,
            self.signer,
            uri=self.status_list_uri(list_id),
            clock=self.clock,
            expires_in=STATUS_LIST_TOKEN_LIFETIME,
            ttl=self.settings.status_list_ttl_seconds,
            issuer=self.url,
            header={"x5c": self.x5c},
        )

    # --- administration: revoke, suspend, resume, re-issue ---

    def _offer_id(self, ident: str) -> str:
        """An id names an offer or one credential instance; both mean the whole batch."""
        try:
            return self.repository.credential(ident).offer_id
        except NotFound:
            return ident

    def _resolve(self, ident: str) -> tuple[OfferRecord, list[CredentialRecord]]:
        """The offer an id names (see ``_offer_id``) and the credentials it issued."""
        offer = self.repository.offer(self._offer_id(ident))
        return offer, self.repository.credentials_of_offer(offer.id)

    def revoke(self, ident: str) -> StatusChange:
        """Revoke every instance of a credential and lock its offer.

        The offer is locked even when its code was redeemed: an access token still out there
        (a wallet between the Token Response and its Credential Request) must not get a
        valid credential of a revoked offer (``IssuerRepository.add_credentials`` refuses).
        """
        offer, instances = self._resolve(ident)
        ids = [c.id for c in instances]
        locked = self.repository.revoke(offer.id)
        return StatusChange(offer.id, tuple(ids), STATUS_INVALID, offer_locked=locked)

    def suspend(self, ident: str) -> StatusChange:
        """Suspend every instance of a credential, and those its offer issues later.

        SUSPENDED (0x02) is temporary (draft-ietf-oauth-status-list, section "Status Types
        Values"), so the offer stays usable: a wallet may still redeem it (OpenID4VCI 1.0,
        sections 6-8) and gets credentials that are suspended until ``resume``. The offer and
        every credential of it, including a batch stored at the same moment, change in one
        transaction (``IssuerRepository.suspend``). ``credential_ids`` is empty when nothing
        is issued yet.
        """
        offer_id = self._offer_id(ident)
        ids = self.repository.suspend(offer_id)
        return StatusChange(offer_id, tuple(ids), STATUS_SUSPENDED)

    def resume(self, ident: str) -> StatusChange:
        """Lift a suspension: suspended instances become valid, later ones are issued valid."""
        offer_id = self._offer_id(ident)
        ids = self.repository.resume(offer_id)
        return StatusChange(offer_id, tuple(ids), STATUS_VALID)

    def reissue(
        self, ident: str, claims: object | None = None, *, by_reference: bool = False
    ) -> tuple[IssuedOffer, StatusChange]:
        """Revoke a credential and create a new offer with corrected (or the same) claims.

        The claims are checked first; the revocation, the new offer and the superseded marks
        are then one transaction, so bad claims leave the old credential as it was.
        """
        offer, instances = self._resolve(ident)
        ctype = self.types.get(offer.configuration_id)
        if ctype is None:
            raise NotFound(f"configuration {offer.configuration_id!r} is no longer issued")
        issued, row = self.create_offer(
            ctype.id,
            offer.claims if claims is None else claims,
            by_reference=by_reference,
            replaces_credential_id=offer.id,
            credential_format=FORMAT_LDP_VC
            if is_ldp_vc_configuration(offer.configuration_id)
            else format_of(offer.configuration_id),
            defer=True,
        )
        assert row is not None
        ids = [c.id for c in instances]
        locked = self.repository.revoke(offer.id, replacement=row)
        return issued, StatusChange(offer.id, tuple(ids), STATUS_INVALID, offer_locked=locked)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

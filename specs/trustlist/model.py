"""The trust-list document model: frozen values parsed from a schema-valid JSON document.

Parsing checks what a schema cannot: times, chronological status histories, DER
certificates and public JWKs, unique entity ids, client ids, corporate numbers and keys,
and that no verifier may ask for a My Number without a registered legal basis.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from specs.credentials.check_digits import check_corporate_number
from specs.errors import HonninError, LimitExceeded, MalformedInput, ValidationError
from specs.keys.jwk import PRIVATE_MEMBERS, public_key_from_jwk, thumbprint
from specs.keys.x509 import load_der_certificate
from specs.limits import DEFAULT_LIMITS, Limits
from specs.trustlist import constants as c
from specs.trustlist.schema import validate_schema

ClaimPath = tuple[str | int | None, ...]
CorporateNumberCheck = Callable[[str], None]


def check_corporate_number_digits(number: str) -> None:
    """Check only the format of a corporate number (法人番号): 13 ASCII digits (lenient hook)."""
    if not (
        isinstance(number, str) and len(number) == 13 and number.isascii() and number.isdigit()
    ):
        raise ValidationError("corporate number must be 13 digits")


def parse_time(value: str, *, what: str = "time") -> datetime:
    """Parse an RFC 3339 UTC time of the form ``YYYY-MM-DDTHH:MM:SSZ``."""
    try:
        parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError) as exc:
        raise MalformedInput(f"{what} is not an RFC 3339 UTC time: {value!r}") from exc
    return parsed.replace(tzinfo=UTC)


def format_time(value: datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    if value.tzinfo is None:
        raise ValueError("format_time needs an aware datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class LocalizedName:
    """A name in Japanese and English."""

    ja: str
    en: str


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One entry of a status history: the status and when it started (TS 119 612 5.5.5)."""

    status: str
    since: datetime


@dataclass(frozen=True, slots=True)
class StatusHistory:
    """A chronological list of status changes of one trusted entity."""

    changes: tuple[StatusChange, ...]

    def status_at(self, at: datetime) -> str | None:
        """Return the status in force at ``at``, or ``None`` before the first entry."""
        current: str | None = None
        for change in self.changes:
            if change.since <= at:
                current = change.status
            else:
                break
        return current

    def withdrawn_since(self, at: datetime) -> datetime | None:
        """Return when the status in force at ``at`` began, if it is a withdrawal."""
        found: StatusChange | None = None
        for change in self.changes:
            if change.since <= at:
                found = change
        if found is not None and found.status == c.STATUS_WITHDRAWN:
            return found.since
        return None


@dataclass(frozen=True, slots=True)
class DigitalIdentity:
    """The keys of an entity: public JWKs (with their RFC 7638 thumbprints) and certificates."""

    jwks: tuple[Mapping[str, Any], ...]
    thumbprints: frozenset[str]
    certificates: tuple[x509.Certificate, ...]


@dataclass(frozen=True, slots=True)
class IssuerEntry:
    """A trusted issuer: who it is, its keys and which credential types it may issue."""

    entity_id: str
    legal_name: LocalizedName
    corporate_number: str
    identity: DigitalIdentity
    credential_types: frozenset[str]
    history: StatusHistory


@dataclass(frozen=True, slots=True)
class CredentialPermission:
    """The claims a verifier may request from one credential type."""

    credential_type: str
    claims: tuple[ClaimPath, ...]


@dataclass(frozen=True, slots=True)
class IntendedUse:
    """A registered purpose of a verifier and what it may request for it."""

    purpose_id: str
    purpose: LocalizedName
    credentials: tuple[CredentialPermission, ...]


@dataclass(frozen=True, slots=True)
class MyNumberLegalBasis:
    """The law and article that allow a verifier to receive a My Number (個人番号)."""

    law: str
    article: str


@dataclass(frozen=True, slots=True)
class VerifierEntry:
    """A registered verifier (relying party)."""

    entity_id: str
    legal_name: LocalizedName
    corporate_number: str
    client_id: str
    access_certificates: tuple[x509.Certificate, ...]
    intended_uses: tuple[IntendedUse, ...]
    my_number_legal_basis: MyNumberLegalBasis | None
    history: StatusHistory


@dataclass(frozen=True, slots=True)
class CardCaEntry:
    """A certification authority of the My Number Card (JPKI) and its CRL locations."""

    entity_id: str
    name: LocalizedName
    certificates: tuple[x509.Certificate, ...]
    crl_distribution_points: tuple[str, ...]
    history: StatusHistory


@dataclass(frozen=True, slots=True)
class StatusListProviderEntry:
    """A party whose keys sign status lists published under given URI prefixes."""

    entity_id: str
    name: LocalizedName
    uri_prefixes: tuple[str, ...]
    identity: DigitalIdentity
    history: StatusHistory


@dataclass(frozen=True, slots=True)
class SchemeInformation:
    """List and scheme information (TS 119 602 clause 6.3)."""

    version: int
    sequence_number: int
    lote_type: str
    operator_name: LocalizedName
    territory: str
    policy_uri: str
    issued_at: datetime
    next_update: datetime
    distribution_points: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrustList:
    """A parsed trust-list document (whether it was verified depends on who made it)."""

    scheme: SchemeInformation
    issuers: tuple[IssuerEntry, ...]
    verifiers: tuple[VerifierEntry, ...]
    card_cas: tuple[CardCaEntry, ...]
    status_list_providers: tuple[StatusListProviderEntry, ...]
    document: Mapping[str, Any]

    @property
    def sequence_number(self) -> int:
        """The list's sequence number (TS 119 602 6.3.2)."""
        return self.scheme.sequence_number

    def issuer_key(self, kid: str) -> tuple[IssuerEntry, Mapping[str, Any]] | None:
        """The first issuer with a listed JWK whose ``kid`` or RFC 7638 thumbprint is ``kid``."""
        for issuer in self.issuers:
            for jwk in issuer.identity.jwks:
                if jwk.get("kid") == kid or thumbprint(dict(jwk)) == kid:
                    return issuer, jwk
        return None


# --- parsing -------------------------------------------------------------------------------


def _name(value: Mapping[str, str]) -> LocalizedName:
    return LocalizedName(ja=value["ja"], en=value["en"])


def _history(items: Sequence[Mapping[str, str]], path: list[str | int]) -> StatusHistory:
    changes: list[StatusChange] = []
    for index, item in enumerate(items):
        since = parse_time(item[c.STATUS_STARTING_TIME], what="status_starting_time")
        if changes and since <= changes[-1].since:
            raise ValidationError(
                "status history must be strictly chronological", claim_path=[*path, index]
            )
        if changes and item[c.STATUS] == changes[-1].status:
            raise ValidationError(
                "status history repeats the same status", claim_path=[*path, index]
            )
        changes.append(StatusChange(status=item[c.STATUS], since=since))
    return StatusHistory(tuple(changes))


def _certificates(items: Iterable[str], path: list[str | int]) -> tuple[x509.Certificate, ...]:
    out = []
    for index, item in enumerate(items):
        try:
            der = base64.b64decode(item, validate=True)
        except ValueError as exc:
            raise MalformedInput("certificate is not base64", claim_path=[*path, index]) from exc
        try:
            out.append(load_der_certificate(der))
        except MalformedInput as exc:
            raise MalformedInput(exc.detail, claim_path=[*path, index]) from exc
    return tuple(out)


def _identity(value: Mapping[str, Any], path: list[str | int]) -> DigitalIdentity:
    jwks = tuple(value.get(c.JWKS, ()))
    prints = set()
    for index, jwk in enumerate(jwks):
        where = [*path, c.JWKS, index]
        if PRIVATE_MEMBERS & set(jwk):
            raise ValidationError(
                "a trust list must never carry private key members", claim_path=where
            )
        try:
            public_key_from_jwk(dict(jwk))
            prints.add(thumbprint(dict(jwk)))
        except HonninError as exc:
            raise MalformedInput(f"invalid JWK: {exc.detail}", claim_path=where) from exc
    if len(prints) != len(jwks):
        raise ValidationError("the same key is listed twice", claim_path=[*path, c.JWKS])
    certs = _certificates(value.get(c.X509_CERTIFICATES, ()), [*path, c.X509_CERTIFICATES])
    if not jwks and not certs:
        raise MalformedInput("an entity needs at least one key or certificate", claim_path=path)
    return DigitalIdentity(jwks=jwks, thumbprints=frozenset(prints), certificates=certs)


def _claim_paths(items: Sequence[Sequence[Any]]) -> tuple[ClaimPath, ...]:
    return tuple(tuple(path) for path in items)


def _mentions_my_number(path: ClaimPath) -> bool:
    return any(isinstance(p, str) and p in c.MY_NUMBER_CLAIMS for p in path)


def _verifier(item: Mapping[str, Any], path: list[str | int]) -> VerifierEntry:
    basis_value = item[c.MY_NUMBER_LEGAL_BASIS]
    basis = (
        MyNumberLegalBasis(law=basis_value[c.LAW], article=basis_value[c.ARTICLE])
        if basis_value is not None
        else None
    )
    uses: list[IntendedUse] = []
    for u_index, use in enumerate(item[c.INTENDED_USES]):
        where: list[str | int] = [*path, c.INTENDED_USES, u_index]
        if any(existing.purpose_id == use[c.PURPOSE_ID] for existing in uses):
            raise ValidationError("purpose registered twice", claim_path=[*where, c.PURPOSE_ID])
        permissions: list[CredentialPermission] = []
        for p_index, cred in enumerate(use[c.CREDENTIALS]):
            claims = _claim_paths(cred[c.CLAIMS])
            if any(p.credential_type == cred[c.CREDENTIAL_TYPE] for p in permissions):
                raise ValidationError(
                    "credential type listed twice for one purpose",
                    claim_path=[*where, c.CREDENTIALS, p_index],
                )
            if basis is None and any(_mentions_my_number(claim) for claim in claims):
                raise ValidationError(
                    "a verifier without a My Number legal basis may not be registered for it",
                    claim_path=[*where, c.CREDENTIALS, p_index, c.CLAIMS],
                )
            permissions.append(CredentialPermission(cred[c.CREDENTIAL_TYPE], claims))
        uses.append(IntendedUse(use[c.PURPOSE_ID], _name(use[c.PURPOSE]), tuple(permissions)))
    return VerifierEntry(
        entity_id=item[c.ENTITY_ID],
        legal_name=_name(item[c.LEGAL_NAME]),
        corporate_number=item[c.CORPORATE_NUMBER],
        client_id=item[c.CLIENT_ID],
        access_certificates=_certificates(
            item[c.ACCESS_CERTIFICATES], [*path, c.ACCESS_CERTIFICATES]
        ),
        intended_uses=tuple(uses),
        my_number_legal_basis=basis,
        history=_history(item[c.STATUS_HISTORY], [*path, c.STATUS_HISTORY]),
    )


def _unique(values: Iterable[tuple[object, list[str | int]]], what: str) -> None:
    seen: set[object] = set()
    for value, path in values:
        if value in seen:
            raise ValidationError(f"duplicate {what}: {value!r}", claim_path=path)
        seen.add(value)


def _cert_digest(cert: x509.Certificate) -> bytes:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()


def parse_trust_list(
    document: Mapping[str, Any],
    *,
    limits: Limits = DEFAULT_LIMITS,
    corporate_number_check: CorporateNumberCheck = check_corporate_number,
) -> TrustList:
    """Validate a trust-list JSON document (schema and consistency) and return its model."""
    validate_schema(document, limits)
    info = document[c.LIST_AND_SCHEME_INFORMATION]
    scheme = SchemeInformation(
        version=info[c.VERSION],
        sequence_number=info[c.SEQUENCE_NUMBER],
        lote_type=info[c.TYPE],
        operator_name=_name(info[c.OPERATOR_NAME]),
        territory=info[c.TERRITORY],
        policy_uri=info[c.POLICY],
        issued_at=parse_time(info[c.ISSUE_TIME], what=c.ISSUE_TIME),
        next_update=parse_time(info[c.NEXT_UPDATE], what=c.NEXT_UPDATE),
        distribution_points=tuple(info[c.DISTRIBUTION_POINTS]),
    )
    if scheme.next_update <= scheme.issued_at:
        raise ValidationError(
            "next_update must be after list_issue_date_time",
            claim_path=[c.LIST_AND_SCHEME_INFORMATION, c.NEXT_UPDATE],
        )
    total = sum(len(document[category]) for category in c.ENTITY_CATEGORIES)
    if total > limits.max_trust_list_entities:
        raise LimitExceeded(f"trust list has more than {limits.max_trust_list_entities} entities")

    for category in (c.ISSUERS, c.VERIFIERS):
        for index, item in enumerate(document[category]):
            try:
                corporate_number_check(item[c.CORPORATE_NUMBER])
            except HonninError as exc:
                raise ValidationError(
                    exc.detail, claim_path=[category, index, c.CORPORATE_NUMBER]
                ) from exc

    issuers = tuple(
        IssuerEntry(
            entity_id=item[c.ENTITY_ID],
            legal_name=_name(item[c.LEGAL_NAME]),
            corporate_number=item[c.CORPORATE_NUMBER],
            identity=_identity(item[c.DIGITAL_IDENTITY], [c.ISSUERS, i, c.DIGITAL_IDENTITY]),
            credential_types=frozenset(item[c.CREDENTIAL_TYPES]),
            history=_history(item[c.STATUS_HISTORY], [c.ISSUERS, i, c.STATUS_HISTORY]),
        )
        for i, item in enumerate(document[c.ISSUERS])
    )
    verifiers = tuple(
        _verifier(item, [c.VERIFIERS, i]) for i, item in enumerate(document[c.VERIFIERS])
    )
    card_cas = tuple(
        CardCaEntry(
            entity_id=item[c.ENTITY_ID],
            name=_name(item[c.NAME]),
            certificates=_certificates(
                item[c.X509_CERTIFICATES], [c.CARD_CAS, i, c.X509_CERTIFICATES]
            ),
            crl_distribution_points=tuple(item[c.CRL_DISTRIBUTION_POINTS]),
            history=_history(item[c.STATUS_HISTORY], [c.CARD_CAS, i, c.STATUS_HISTORY]),
        )
        for i, item in enumerate(document[c.CARD_CAS])
    )
    providers = tuple(
        StatusListProviderEntry(
            entity_id=item[c.ENTITY_ID],
            name=_name(item[c.NAME]),
            uri_prefixes=tuple(item[c.URI_PREFIXES]),
            identity=_identity(
                item[c.DIGITAL_IDENTITY], [c.STATUS_LIST_PROVIDERS, i, c.DIGITAL_IDENTITY]
            ),
            history=_history(
                item[c.STATUS_HISTORY], [c.STATUS_LIST_PROVIDERS, i, c.STATUS_HISTORY]
            ),
        )
        for i, item in enumerate(document[c.STATUS_LIST_PROVIDERS])
    )

    # Duplicates make evaluation ambiguous: one id, client id, number or key per entity.
    _unique(
        (
            (item[c.ENTITY_ID], [category, i, c.ENTITY_ID])
            for category in c.ENTITY_CATEGORIES
            for i, item in enumerate(document[category])
        ),
        "entity_id",
    )
    _unique(
        ((v.corporate_number, [c.ISSUERS, i, c.CORPORATE_NUMBER]) for i, v in enumerate(issuers)),
        "issuer corporate_number",
    )
    _unique(
        (
            (v.corporate_number, [c.VERIFIERS, i, c.CORPORATE_NUMBER])
            for i, v in enumerate(verifiers)
        ),
        "verifier corporate_number",
    )
    _unique(
        ((v.client_id, [c.VERIFIERS, i, c.CLIENT_ID]) for i, v in enumerate(verifiers)), "client_id"
    )
    _unique(
        (
            (tp, [category, i, c.DIGITAL_IDENTITY])
            for category, identities in (
                (c.ISSUERS, [e.identity for e in issuers]),
                (c.STATUS_LIST_PROVIDERS, [p.identity for p in providers]),
            )
            for i, identity in enumerate(identities)
            for tp in identity.thumbprints
        ),
        "key",
    )
    _unique(
        (
            (_cert_digest(cert), [c.ISSUERS, i, c.DIGITAL_IDENTITY])
            for i, e in enumerate(issuers)
            for cert in e.identity.certificates
        ),
        "issuer certificate",
    )
    _unique(
        (
            (_cert_digest(cert), [c.VERIFIERS, i, c.ACCESS_CERTIFICATES])
            for i, v in enumerate(verifiers)
            for cert in v.access_certificates
        ),
        "access certificate",
    )
    _unique(
        (
            (prefix, [c.STATUS_LIST_PROVIDERS, i, c.URI_PREFIXES])
            for i, p in enumerate(providers)
            for prefix in p.uri_prefixes
        ),
        "status list URI prefix",
    )
    return TrustList(
        scheme=scheme,
        issuers=issuers,
        verifiers=verifiers,
        card_cas=card_cas,
        status_list_providers=providers,
        document=document,
    )


def entity_index(document: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Map ``(category, entity_id)`` to each entity's JSON object (for diffs)."""
    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    for category in c.ENTITY_CATEGORIES:
        for item in document.get(category, ()):
            out[(category, item[c.ENTITY_ID])] = item
    return out

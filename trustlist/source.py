"""Source files of a trust list: one YAML or JSON file per entity, validated with pydantic.

Layout of an operator directory::

    scheme.yaml                      scheme information (operator name, territory, policy)
    operator/operator.jwk            the operator's private signing key (never published)
    operator/operator.pem            the operator's certificate (the anchor clients pin)
    issuers/<id>.yaml                one file per issuer
    verifiers/<id>.yaml              one file per verifier
    card_cas/<id>.yaml               one file per card CA
    status_list_providers/<id>.yaml  one file per status-list provider
    public/                          what ``sign`` publishes (list, log, versions)

Entity files use the member names of the document; keys and certificates may be given
inline (public JWKs, base64 DER) or as files next to the entity file (``jwk_files``,
``certificate_files`` in PEM).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from specs.errors import MalformedInput, ValidationError
from specs.keys.jwk import PRIVATE_MEMBERS
from specs.keys.x509 import load_pem_certificates
from specs.trustlist import constants as c
from specs.trustlist.model import format_time
from trustlist.transparency import write_atomic

SOURCE_SUFFIXES = (".yaml", ".yml", ".json")
CATEGORY_DIRS = {
    c.ISSUERS: "issuers",
    c.VERIFIERS: "verifiers",
    c.CARD_CAS: "card_cas",
    c.STATUS_LIST_PROVIDERS: "status_list_providers",
}
MAX_SOURCE_FILE_BYTES = 1024 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedNameSource(_Strict):
    """A name in Japanese and English."""

    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)


class StatusChangeSource(_Strict):
    """One status change: granted or withdrawn, and when."""

    status: str
    status_starting_time: datetime

    @field_validator("status")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in c.STATUSES:
            raise ValueError(f"status must be one of {c.STATUSES}")
        return value

    @field_validator("status_starting_time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("status_starting_time needs a time zone (use Z for UTC)")
        return value


class IdentitySource(_Strict):
    """Keys given inline or as files."""

    jwks: list[dict[str, Any]] = Field(default_factory=list)
    jwk_files: list[str] = Field(default_factory=list)
    x509_certificates: list[str] = Field(default_factory=list)
    certificate_files: list[str] = Field(default_factory=list)


class IssuerSource(IdentitySource):
    """Source of one issuer entry."""

    entity_id: str = Field(min_length=1, max_length=256)
    legal_name: LocalizedNameSource
    corporate_number: str
    credential_types: list[str] = Field(min_length=1)
    status_history: list[StatusChangeSource] = Field(min_length=1)


class CredentialPermissionSource(_Strict):
    """Claims a verifier may request from one credential type."""

    credential_type: str
    claims: list[list[str | int | None]] = Field(min_length=1)


class IntendedUseSource(_Strict):
    """One registered purpose of a verifier."""

    purpose_id: str
    purpose: LocalizedNameSource
    credentials: list[CredentialPermissionSource] = Field(min_length=1)


class LegalBasisSource(_Strict):
    """The law and article allowing a verifier to receive a My Number."""

    law: str = Field(min_length=1)
    article: str = Field(min_length=1)


class VerifierSource(_Strict):
    """Source of one verifier entry."""

    entity_id: str = Field(min_length=1, max_length=256)
    legal_name: LocalizedNameSource
    corporate_number: str
    client_id: str
    access_certificates: list[str] = Field(default_factory=list)
    certificate_files: list[str] = Field(default_factory=list)
    intended_uses: list[IntendedUseSource] = Field(min_length=1)
    my_number_legal_basis: LegalBasisSource | None = None
    status_history: list[StatusChangeSource] = Field(min_length=1)


class CardCaSource(_Strict):
    """Source of one card CA entry."""

    entity_id: str = Field(min_length=1, max_length=256)
    name: LocalizedNameSource
    x509_certificates: list[str] = Field(default_factory=list)
    certificate_files: list[str] = Field(default_factory=list)
    crl_distribution_points: list[str] = Field(default_factory=list)
    status_history: list[StatusChangeSource] = Field(min_length=1)


class StatusListProviderSource(IdentitySource):
    """Source of one status-list provider entry."""

    entity_id: str = Field(min_length=1, max_length=256)
    name: LocalizedNameSource
    uri_prefixes: list[str] = Field(min_length=1)
    status_history: list[StatusChangeSource] = Field(min_length=1)


class SchemeSource(_Strict):
    """Scheme information kept by the operator (``scheme.yaml``)."""

    scheme_operator_name: LocalizedNameSource
    scheme_territory: str = "JP"
    policy_or_legal_notice: str
    distribution_points: list[str] = Field(default_factory=list)
    next_update_days: int = Field(default=30, ge=1, le=366)


SOURCE_MODELS: dict[str, type[_Strict]] = {
    c.ISSUERS: IssuerSource,
    c.VERIFIERS: VerifierSource,
    c.CARD_CAS: CardCaSource,
    c.STATUS_LIST_PROVIDERS: StatusListProviderSource,
}


def read_source_file(path: Path) -> dict[str, Any]:
    """Read one YAML or JSON source file into a dict."""
    data = path.read_bytes()
    if len(data) > MAX_SOURCE_FILE_BYTES:
        raise MalformedInput(f"{path} is larger than {MAX_SOURCE_FILE_BYTES} bytes")
    try:
        if path.suffix == ".json":
            from specs.encoding import parse_json

            value = parse_json(data, what=str(path))
        else:
            value = yaml.safe_load(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MalformedInput(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(value, dict):
        raise MalformedInput(f"{path} must hold one object")
    return value


def write_source_file(path: Path, value: dict[str, Any]) -> None:
    """Write a source file as YAML (or JSON when the name ends in .json), atomically."""
    if path.suffix == ".json":
        text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    else:
        text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False)
    # Replaced, never rewritten in place: an interrupted --replace keeps the old entry.
    write_atomic(path, text.encode("utf-8"))


def _model(model: type[_Strict], value: dict[str, Any], path: Path) -> Any:
    try:
        return model.model_validate(value)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise MalformedInput(
            f"{path}: {first['msg']}", claim_path=[str(p) for p in first["loc"]]
        ) from None


def _pem_files(names: list[str], base: Path) -> list[str]:
    out = []
    for name in names:
        for cert in load_pem_certificates((base / name).read_bytes()):
            out.append(
                base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
            )
    return out


def _jwks(inline: list[dict[str, Any]], files: list[str], base: Path) -> list[dict[str, Any]]:
    jwks = list(inline)
    for name in files:
        from specs.encoding import parse_json_object

        jwks.append(parse_json_object((base / name).read_bytes(), what=name))
    for jwk in jwks:
        if PRIVATE_MEMBERS & set(jwk):
            raise ValidationError(
                "a source key carries private members; list only public keys "
                "(the operator's own key stays in operator/)"
            )
    return [
        {k: v for k, v in jwk.items() if k in {"kty", "crv", "x", "y", "n", "e", "kid"}}
        for jwk in jwks
    ]


def _history(changes: list[StatusChangeSource]) -> list[dict[str, str]]:
    return [
        {c.STATUS: ch.status, c.STATUS_STARTING_TIME: format_time(ch.status_starting_time)}
        for ch in changes
    ]


def _name(name: LocalizedNameSource) -> dict[str, str]:
    return {"ja": name.ja, "en": name.en}


def entity_document(category: str, value: dict[str, Any], path: Path) -> dict[str, Any]:
    """Turn one source file's content into the entity's JSON object in the list."""
    base = path.parent
    src = _model(SOURCE_MODELS[category], value, path)
    if isinstance(src, IssuerSource | StatusListProviderSource):
        identity: dict[str, Any] = {}
        jwks = _jwks(src.jwks, src.jwk_files, base)
        certs = [*src.x509_certificates, *_pem_files(src.certificate_files, base)]
        if jwks:
            identity[c.JWKS] = jwks
        if certs:
            identity[c.X509_CERTIFICATES] = certs
    if isinstance(src, IssuerSource):
        return {
            c.ENTITY_ID: src.entity_id,
            c.LEGAL_NAME: _name(src.legal_name),
            c.CORPORATE_NUMBER: src.corporate_number,
            c.DIGITAL_IDENTITY: identity,
            c.CREDENTIAL_TYPES: list(src.credential_types),
            c.STATUS_HISTORY: _history(src.status_history),
        }
    if isinstance(src, StatusListProviderSource):
        return {
            c.ENTITY_ID: src.entity_id,
            c.NAME: _name(src.name),
            c.URI_PREFIXES: list(src.uri_prefixes),
            c.DIGITAL_IDENTITY: identity,
            c.STATUS_HISTORY: _history(src.status_history),
        }
    if isinstance(src, VerifierSource):
        basis = src.my_number_legal_basis
        return {
            c.ENTITY_ID: src.entity_id,
            c.LEGAL_NAME: _name(src.legal_name),
            c.CORPORATE_NUMBER: src.corporate_number,
            c.CLIENT_ID: src.client_id,
            c.ACCESS_CERTIFICATES: [
                *src.access_certificates,
                *_pem_files(src.certificate_files, base),
            ],
            c.INTENDED_USES: [
                {
                    c.PURPOSE_ID: use.purpose_id,
                    c.PURPOSE: _name(use.purpose),
                    c.CREDENTIALS: [
                        {
                            c.CREDENTIAL_TYPE: p.credential_type,
                            c.CLAIMS: [list(x) for x in p.claims],
                        }
                        for p in use.credentials
                    ],
                }
                for use in src.intended_uses
            ],
            c.MY_NUMBER_LEGAL_BASIS: (
                {c.LAW: basis.law, c.ARTICLE: basis.article} if basis is not None else None
            ),
            c.STATUS_HISTORY: _history(src.status_history),
        }
    assert isinstance(src, CardCaSource)
    return {
        c.ENTITY_ID: src.entity_id,
        c.NAME: _name(src.name),
        c.X509_CERTIFICATES: [*src.x509_certificates, *_pem_files(src.certificate_files, base)],
        c.CRL_DISTRIBUTION_POINTS: list(src.crl_distribution_points),
        c.STATUS_HISTORY: _history(src.status_history),
    }


def source_files(directory: Path, category: str) -> list[Path]:
    """List the source files of one category, sorted by name."""
    folder = directory / CATEGORY_DIRS[category]
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in SOURCE_SUFFIXES and p.is_file())


def read_scheme(directory: Path) -> SchemeSource:
    """Read ``scheme.yaml`` (or ``scheme.json``) of an operator directory."""
    for name in ("scheme.yaml", "scheme.yml", "scheme.json"):
        path = directory / name
        if path.exists():
            result: SchemeSource = _model(SchemeSource, read_source_file(path), path)
            return result
    raise FileNotFoundError(2, "no scheme.yaml", str(directory / "scheme.yaml"))


def read_entities(directory: Path) -> dict[str, list[dict[str, Any]]]:
    """Read every entity source file into the list's four entity arrays."""
    return {
        category: [
            entity_document(category, read_source_file(path), path)
            for path in source_files(directory, category)
        ]
        for category in c.ENTITY_CATEGORIES
    }

"""The JSON Schema of a trust-list document, with the counts of ``Limits`` built in."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from specs.errors import LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.trustlist import constants as c

DATE_TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
HTTPS_URI_PATTERN = r"^https://[^\s/?#@]+(/[^\s#]*)?$"
_SHORT = 256
_TEXT = 2048


def _schema(limits: Limits) -> dict[str, Any]:
    string = {"type": "string", "minLength": 1, "maxLength": _SHORT}
    text = {"type": "string", "minLength": 1, "maxLength": _TEXT}
    uri = {"type": "string", "pattern": HTTPS_URI_PATTERN, "maxLength": _TEXT}
    time = {"type": "string", "pattern": DATE_TIME_PATTERN}
    localized = {
        "type": "object",
        "properties": {"ja": text, "en": text},
        "required": ["ja", "en"],
        "additionalProperties": False,
    }
    certificates = {
        "type": "array",
        "items": {"type": "string", "pattern": r"^[A-Za-z0-9+/]+={0,2}$", "maxLength": 65536},
        "maxItems": limits.max_trust_list_keys_per_entity,
    }
    jwks = {
        "type": "array",
        "items": {"type": "object", "maxProperties": 16},
        "maxItems": limits.max_trust_list_keys_per_entity,
    }
    identity = {
        "type": "object",
        "properties": {c.JWKS: jwks, c.X509_CERTIFICATES: certificates},
        "additionalProperties": False,
    }
    history = {
        "type": "array",
        "minItems": 1,
        "maxItems": limits.max_trust_list_history,
        "items": {
            "type": "object",
            "properties": {c.STATUS: {"enum": list(c.STATUSES)}, c.STATUS_STARTING_TIME: time},
            "required": [c.STATUS, c.STATUS_STARTING_TIME],
            "additionalProperties": False,
        },
    }
    corporate_number = {"type": "string", "pattern": r"^[0-9]{13}$"}
    path_element = {
        "anyOf": [
            {"type": "string", "minLength": 1, "maxLength": _SHORT},
            {"type": "integer", "minimum": 0, "maximum": 1_000_000},
            {"type": "null"},
        ]
    }
    claim_path = {"type": "array", "minItems": 1, "maxItems": 16, "items": path_element}
    credential_types = {
        "type": "array",
        "minItems": 1,
        "maxItems": limits.max_trust_list_purposes,
        "items": string,
    }
    issuer = {
        "type": "object",
        "properties": {
            c.ENTITY_ID: string,
            c.LEGAL_NAME: localized,
            c.CORPORATE_NUMBER: corporate_number,
            c.DIGITAL_IDENTITY: identity,
            c.CREDENTIAL_TYPES: credential_types,
            c.STATUS_HISTORY: history,
        },
        "required": [
            c.ENTITY_ID,
            c.LEGAL_NAME,
            c.CORPORATE_NUMBER,
            c.DIGITAL_IDENTITY,
            c.CREDENTIAL_TYPES,
            c.STATUS_HISTORY,
        ],
        "additionalProperties": False,
    }
    intended_use = {
        "type": "object",
        "properties": {
            c.PURPOSE_ID: string,
            c.PURPOSE: localized,
            c.CREDENTIALS: {
                "type": "array",
                "minItems": 1,
                "maxItems": limits.max_trust_list_purposes,
                "items": {
                    "type": "object",
                    "properties": {
                        c.CREDENTIAL_TYPE: string,
                        c.CLAIMS: {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": limits.max_trust_list_claims,
                            "items": claim_path,
                        },
                    },
                    "required": [c.CREDENTIAL_TYPE, c.CLAIMS],
                    "additionalProperties": False,
                },
            },
        },
        "required": [c.PURPOSE_ID, c.PURPOSE, c.CREDENTIALS],
        "additionalProperties": False,
    }
    verifier = {
        "type": "object",
        "properties": {
            c.ENTITY_ID: string,
            c.LEGAL_NAME: localized,
            c.CORPORATE_NUMBER: corporate_number,
            c.CLIENT_ID: string,
            c.ACCESS_CERTIFICATES: certificates,
            c.INTENDED_USES: {
                "type": "array",
                "minItems": 1,
                "maxItems": limits.max_trust_list_purposes,
                "items": intended_use,
            },
            c.MY_NUMBER_LEGAL_BASIS: {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {c.LAW: text, c.ARTICLE: text},
                        "required": [c.LAW, c.ARTICLE],
                        "additionalProperties": False,
                    },
                ]
            },
            c.STATUS_HISTORY: history,
        },
        "required": [
            c.ENTITY_ID,
            c.LEGAL_NAME,
            c.CORPORATE_NUMBER,
            c.CLIENT_ID,
            c.ACCESS_CERTIFICATES,
            c.INTENDED_USES,
            c.MY_NUMBER_LEGAL_BASIS,
            c.STATUS_HISTORY,
        ],
        "additionalProperties": False,
    }
    card_ca = {
        "type": "object",
        "properties": {
            c.ENTITY_ID: string,
            c.NAME: localized,
            c.X509_CERTIFICATES: {**certificates, "minItems": 1},
            c.CRL_DISTRIBUTION_POINTS: {
                "type": "array",
                "items": uri,
                "maxItems": limits.max_trust_list_keys_per_entity,
            },
            c.STATUS_HISTORY: history,
        },
        "required": [
            c.ENTITY_ID,
            c.NAME,
            c.X509_CERTIFICATES,
            c.CRL_DISTRIBUTION_POINTS,
            c.STATUS_HISTORY,
        ],
        "additionalProperties": False,
    }
    status_list_provider = {
        "type": "object",
        "properties": {
            c.ENTITY_ID: string,
            c.NAME: localized,
            c.URI_PREFIXES: {
                "type": "array",
                "minItems": 1,
                "maxItems": limits.max_trust_list_keys_per_entity,
                "items": {**uri, "pattern": r"^https://[^\s/?#@]+/([^\s?#]*/)?$"},
            },
            c.DIGITAL_IDENTITY: identity,
            c.STATUS_HISTORY: history,
        },
        "required": [c.ENTITY_ID, c.NAME, c.URI_PREFIXES, c.DIGITAL_IDENTITY, c.STATUS_HISTORY],
        "additionalProperties": False,
    }

    def entities(item: dict[str, Any]) -> dict[str, Any]:
        return {"type": "array", "items": item, "maxItems": limits.max_trust_list_entities}

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            c.LIST_AND_SCHEME_INFORMATION: {
                "type": "object",
                "properties": {
                    c.VERSION: {"const": c.LOTE_VERSION_IDENTIFIER},
                    c.SEQUENCE_NUMBER: {"type": "integer", "minimum": 1, "maximum": 2**53 - 1},
                    c.TYPE: {"const": c.LOTE_TYPE},
                    c.OPERATOR_NAME: localized,
                    c.TERRITORY: {"type": "string", "pattern": "^[A-Z]{2}$"},
                    c.POLICY: uri,
                    c.ISSUE_TIME: time,
                    c.NEXT_UPDATE: time,
                    c.DISTRIBUTION_POINTS: {"type": "array", "items": uri, "maxItems": 16},
                },
                "required": [
                    c.VERSION,
                    c.SEQUENCE_NUMBER,
                    c.TYPE,
                    c.OPERATOR_NAME,
                    c.TERRITORY,
                    c.POLICY,
                    c.ISSUE_TIME,
                    c.NEXT_UPDATE,
                    c.DISTRIBUTION_POINTS,
                ],
                "additionalProperties": False,
            },
            c.ISSUERS: entities(issuer),
            c.VERIFIERS: entities(verifier),
            c.CARD_CAS: entities(card_ca),
            c.STATUS_LIST_PROVIDERS: entities(status_list_provider),
        },
        "required": [c.LIST_AND_SCHEME_INFORMATION, *c.ENTITY_CATEGORIES],
        "additionalProperties": False,
    }


@lru_cache(maxsize=8)
def _validator(limits: Limits) -> Draft202012Validator:
    return Draft202012Validator(_schema(limits))


def trust_list_schema(limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a trust-list document."""
    return _schema(limits)


def validate_schema(document: object, limits: Limits = DEFAULT_LIMITS) -> None:
    """Check ``document`` against the schema; raise ``MalformedInput`` or ``LimitExceeded``."""
    error = next(iter(_validator(limits).iter_errors(document)), None)
    if error is None:
        return
    path = list(error.absolute_path)
    if error.validator in {"maxItems", "maxLength", "maxProperties"}:
        raise LimitExceeded(f"trust list exceeds a limit: {error.message[:200]}", claim_path=path)
    raise MalformedInput(
        f"trust list does not match its schema: {error.message[:200]}", claim_path=path
    )

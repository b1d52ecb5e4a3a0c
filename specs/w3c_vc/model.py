"""The VCDM 2.0 data model: build and check credentials (contexts, types, issuer, validity, ...)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from specs.errors import Expired, MalformedInput, NotYetValid
from specs.ports import Clock
from specs.w3c_vc.constants import (
    CLAIM_CONTEXT,
    CLAIM_CREDENTIAL_SCHEMA,
    CLAIM_CREDENTIAL_STATUS,
    CLAIM_CREDENTIAL_SUBJECT,
    CLAIM_ID,
    CLAIM_ISSUER,
    CLAIM_TYPE,
    CLAIM_VALID_FROM,
    CLAIM_VALID_UNTIL,
    CREDENTIALS_V2_CONTEXT,
    HONNIN_CREDENTIALS_V1_CONTEXT,
    HONNIN_MANDATORY_POINTERS,
    TYPE_VERIFIABLE_CREDENTIAL,
)
from specs.w3c_vc.data_integrity import format_xsd_datetime, parse_xsd_datetime
from specs.w3c_vc.selection import parse_pointer


@dataclass(frozen=True, slots=True)
class Credential:
    """A structurally valid VCDM 2.0 credential (no proof checked by this type)."""

    contexts: tuple[Any, ...]
    id: str | None
    types: tuple[str, ...]
    issuer: str
    valid_from: datetime | None
    valid_until: datetime | None
    subjects: tuple[dict[str, Any], ...]
    status: tuple[dict[str, Any], ...]
    schemas: tuple[dict[str, Any], ...]
    document: dict[str, Any]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_url(value: object) -> bool:
    return isinstance(value, str) and ":" in value and not value.startswith(":")


def _objects(document: Mapping[str, Any], name: str, required: bool) -> tuple[dict[str, Any], ...]:
    if name not in document:
        if required:
            raise MalformedInput(f"credential has no {name}", claim_path=[name])
        return ()
    items = _as_list(document[name])
    if not items or not all(isinstance(i, dict) for i in items):
        raise MalformedInput(f"{name} must be an object or array of objects", claim_path=[name])
    return tuple(items)


def parse_credential(document: Mapping[str, Any]) -> Credential:
    """Check the VCDM 2.0 structure of a credential (sections 4.3-4.11) and return its fields."""
    if not isinstance(document, Mapping):
        raise MalformedInput("credential is not a JSON object")
    contexts = _as_list(document.get(CLAIM_CONTEXT))
    if not contexts or contexts[0] != CREDENTIALS_V2_CONTEXT:
        raise MalformedInput(
            f"first @context must be {CREDENTIALS_V2_CONTEXT}", claim_path=[CLAIM_CONTEXT]
        )
    types = _as_list(document.get(CLAIM_TYPE))
    if not all(isinstance(t, str) for t in types) or TYPE_VERIFIABLE_CREDENTIAL not in types:
        raise MalformedInput(
            f"type must include {TYPE_VERIFIABLE_CREDENTIAL}", claim_path=[CLAIM_TYPE]
        )
    credential_id = document.get(CLAIM_ID)
    if credential_id is not None and not _is_url(credential_id):
        raise MalformedInput("id must be a URL", claim_path=[CLAIM_ID])
    issuer = document.get(CLAIM_ISSUER)
    issuer_id = issuer.get(CLAIM_ID) if isinstance(issuer, dict) else issuer
    if not _is_url(issuer_id):
        raise MalformedInput(
            "issuer must be a URL or an object with an id URL", claim_path=[CLAIM_ISSUER]
        )
    valid_from = (
        parse_xsd_datetime(document[CLAIM_VALID_FROM], CLAIM_VALID_FROM)
        if CLAIM_VALID_FROM in document
        else None
    )
    valid_until = (
        parse_xsd_datetime(document[CLAIM_VALID_UNTIL], CLAIM_VALID_UNTIL)
        if CLAIM_VALID_UNTIL in document
        else None
    )
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        raise MalformedInput("validUntil is before validFrom", claim_path=[CLAIM_VALID_UNTIL])
    subjects = _objects(document, CLAIM_CREDENTIAL_SUBJECT, required=True)
    status = _objects(document, CLAIM_CREDENTIAL_STATUS, required=False)
    schemas = _objects(document, CLAIM_CREDENTIAL_SCHEMA, required=False)
    for entry, name in [(s, CLAIM_CREDENTIAL_STATUS) for s in status] + [
        (s, CLAIM_CREDENTIAL_SCHEMA) for s in schemas
    ]:
        if not isinstance(entry.get(CLAIM_TYPE), str):
            raise MalformedInput(f"every {name} entry needs a type", claim_path=[name])
    for schema in schemas:
        if not _is_url(schema.get(CLAIM_ID)):
            raise MalformedInput(
                "credentialSchema needs an id URL", claim_path=[CLAIM_CREDENTIAL_SCHEMA]
            )
    return Credential(
        contexts=tuple(contexts),
        id=credential_id,
        types=tuple(types),
        issuer=str(issuer_id),
        valid_from=valid_from,
        valid_until=valid_until,
        subjects=subjects,
        status=status,
        schemas=schemas,
        document=copy.deepcopy(dict(document)),
    )


def check_validity_period(credential: Credential, clock: Clock, leeway_seconds: int = 0) -> None:
    """Raise ``NotYetValid``/``Expired`` outside validFrom..validUntil (VCDM 2.0 section 4.9)."""
    now = clock.now()
    leeway = timedelta(seconds=leeway_seconds)
    if credential.valid_from is not None and now + leeway < credential.valid_from:
        raise NotYetValid("credential is not valid yet", claim_path=[CLAIM_VALID_FROM])
    if credential.valid_until is not None and now - leeway >= credential.valid_until:
        raise Expired("credential has expired", claim_path=[CLAIM_VALID_UNTIL])


def build_credential(
    *,
    types: Sequence[str],
    issuer: str,
    subject: Mapping[str, Any],
    valid_from: datetime,
    valid_until: datetime | None = None,
    credential_id: str | None = None,
    status: Sequence[Mapping[str, Any]] = (),
    schema: Mapping[str, Any] | None = None,
    contexts: Sequence[str] = (HONNIN_CREDENTIALS_V1_CONTEXT,),
) -> dict[str, Any]:
    """Assemble an unsecured VCDM 2.0 credential document with the honnin context."""
    document: dict[str, Any] = {CLAIM_CONTEXT: [CREDENTIALS_V2_CONTEXT, *contexts]}
    if credential_id is not None:
        document[CLAIM_ID] = credential_id
    document[CLAIM_TYPE] = [
        TYPE_VERIFIABLE_CREDENTIAL,
        *[t for t in types if t != TYPE_VERIFIABLE_CREDENTIAL],
    ]
    document[CLAIM_ISSUER] = issuer
    document[CLAIM_VALID_FROM] = format_xsd_datetime(valid_from)
    if valid_until is not None:
        document[CLAIM_VALID_UNTIL] = format_xsd_datetime(valid_until)
    document[CLAIM_CREDENTIAL_SUBJECT] = copy.deepcopy(dict(subject))
    if status:
        entries = [copy.deepcopy(dict(s)) for s in status]
        document[CLAIM_CREDENTIAL_STATUS] = entries[0] if len(entries) == 1 else entries
    if schema is not None:
        document[CLAIM_CREDENTIAL_SCHEMA] = copy.deepcopy(dict(schema))
    parse_credential(document)
    return document


def honnin_mandatory_pointers(
    document: Mapping[str, Any], subject_fields: Sequence[str] = ()
) -> list[str]:
    """Return the honnin mandatory pointers present in ``document`` (issuer, type, validity, ...)."""
    pointers = [p for p in HONNIN_MANDATORY_POINTERS if str(parse_pointer(p)[0]) in document]
    if CLAIM_CREDENTIAL_STATUS in document:
        # The verifier must be able to check revocation, so status is never withheld.
        pointers.append("/" + CLAIM_CREDENTIAL_STATUS)
    subject = document.get(CLAIM_CREDENTIAL_SUBJECT)
    for field in subject_fields:
        if isinstance(subject, Mapping) and field in subject:
            pointers.append(f"/{CLAIM_CREDENTIAL_SUBJECT}/{field}")
    return pointers


__all__ = [
    "Credential",
    "build_credential",
    "check_validity_period",
    "honnin_mandatory_pointers",
    "parse_credential",
]

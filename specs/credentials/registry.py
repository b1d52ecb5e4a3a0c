"""The registry of honnin's credential types, keyed by short id and by ``vct``."""

from __future__ import annotations

from typing import Any

from specs.credentials.definition import CredentialType
from specs.credentials.education import ENROLLMENT_CERTIFICATE_V1, GRADUATION_CERTIFICATE_V1
from specs.credentials.employment import EMPLOYMENT_CERTIFICATE_V1, SEPARATION_CERTIFICATE_V1
from specs.credentials.social_insurance import (
    BASIC_PENSION_NUMBER_V1,
    EMPLOYMENT_INSURANCE_NUMBER_V1,
)
from specs.credentials.withholding_slip import WITHHOLDING_SLIP_V1
from specs.errors import NotFound

# The current version of each type, keyed by its short id.
CREDENTIAL_TYPES: dict[str, CredentialType[Any]] = {
    t.id: t
    for t in (
        WITHHOLDING_SLIP_V1,
        EMPLOYMENT_CERTIFICATE_V1,
        SEPARATION_CERTIFICATE_V1,
        EMPLOYMENT_INSURANCE_NUMBER_V1,
        BASIC_PENSION_NUMBER_V1,
        ENROLLMENT_CERTIFICATE_V1,
        GRADUATION_CERTIFICATE_V1,
    )
}


def credential_type(type_id: str) -> CredentialType[Any]:
    """Return the registered type with short id ``type_id`` or raise ``NotFound``."""
    try:
        return CREDENTIAL_TYPES[type_id]
    except KeyError:
        raise NotFound(
            f"unknown credential type {type_id!r}; known: {', '.join(sorted(CREDENTIAL_TYPES))}"
        ) from None


def credential_type_by_vct(vct: str) -> CredentialType[Any]:
    """Return the registered type whose ``vct`` is ``vct`` or raise ``NotFound``."""
    for t in CREDENTIAL_TYPES.values():
        if t.vct == vct:
            return t
    raise NotFound(f"no registered credential type has vct {vct!r}")


def type_metadata_documents() -> dict[str, bytes]:
    """Return the exact bytes to serve for each registered type's metadata, keyed by ``vct``."""
    return {t.vct: t.metadata_bytes() for t in CREDENTIAL_TYPES.values()}


__all__ = [
    "CREDENTIAL_TYPES",
    "credential_type",
    "credential_type_by_vct",
    "type_metadata_documents",
]

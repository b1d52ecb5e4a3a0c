"""The ``status`` claim of a Referenced Token (draft section "Referenced Token")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from specs.errors import MalformedInput, Revoked
from specs.status_list.constants import (
    CLAIM_STATUS,
    CLAIM_STATUS_LIST,
    MEMBER_IDX,
    MEMBER_URI,
    STATUS_INVALID,
    STATUS_SUSPENDED,
    STATUS_VALID,
)

# RFC 3986 section 3: a URI starts with a scheme followed by ":".
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
_MAX_URI = 2048


@dataclass(frozen=True, slots=True)
class StatusReference:
    """Where a Referenced Token's status lives: index ``idx`` in the list at ``uri``."""

    idx: int
    uri: str

    def to_claim(self) -> dict[str, Any]:
        """Return the JSON ``status`` claim value ``{"status_list": {"idx", "uri"}}``."""
        return {CLAIM_STATUS_LIST: {MEMBER_IDX: self.idx, MEMBER_URI: self.uri}}


def _reference(value: object, path: list[str | int | None]) -> StatusReference:
    if not isinstance(value, Mapping):
        raise MalformedInput("'status_list' must be an object", claim_path=path)
    idx = value.get(MEMBER_IDX)
    uri = value.get(MEMBER_URI)
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        raise MalformedInput("'idx' must be a non-negative integer", claim_path=[*path, "idx"])
    if not isinstance(uri, str) or len(uri) > _MAX_URI or not _URI.match(uri):
        raise MalformedInput("'uri' must be an absolute URI (RFC 3986)", claim_path=[*path, "uri"])
    return StatusReference(idx=idx, uri=uri)


def parse_status_claim(claims: Mapping[str, Any]) -> StatusReference:
    """Read ``status.status_list`` from a JWT claims set (validation rules, step 1)."""
    status = claims.get(CLAIM_STATUS)
    if not isinstance(status, Mapping):
        raise MalformedInput("the token has no 'status' object", claim_path=[CLAIM_STATUS])
    if CLAIM_STATUS_LIST not in status:
        raise MalformedInput(
            "'status' has no 'status_list' reference", claim_path=[CLAIM_STATUS, CLAIM_STATUS_LIST]
        )
    return _reference(status[CLAIM_STATUS_LIST], [CLAIM_STATUS, CLAIM_STATUS_LIST])


def parse_cbor_status(status: object) -> StatusReference:
    """Read the ``status_list`` entry of a CBOR ``Status`` map (CWT claim 65535 or mdoc)."""
    if not isinstance(status, Mapping) or CLAIM_STATUS_LIST not in status:
        raise MalformedInput("CBOR 'status' has no 'status_list'", claim_path=[CLAIM_STATUS])
    return _reference(status[CLAIM_STATUS_LIST], [CLAIM_STATUS, CLAIM_STATUS_LIST])


def require_valid(status: int) -> None:
    """Raise ``Revoked`` unless ``status`` is VALID (0x00)."""
    if status == STATUS_VALID:
        return
    if status == STATUS_INVALID:
        raise Revoked("the status list marks this token INVALID (revoked)")
    if status == STATUS_SUSPENDED:
        raise Revoked("the status list marks this token SUSPENDED")
    raise Revoked(f"the status list marks this token with non-valid status 0x{status:02x}")

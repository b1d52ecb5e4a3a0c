"""The ONE table from honnin errors to OpenID4VCI wire errors, per endpoint.

The protocol core raises ordinary ``HonninError`` subclasses. Which wire code a failure
becomes depends on the endpoint and, for a few classes, on where it happened (the first
element of ``claim_path``: ``"access_token"`` for bearer-token failures, ``"proofs"`` for
key proofs, ``"credential_identifier"`` and ``"credential_response_encryption"``). Rows are
tried in order; the first match wins. Nothing else in honnin turns errors into wire codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from specs.errors import (
    AudienceMismatch,
    Expired,
    HonninError,
    LimitExceeded,
    MalformedInput,
    NonceMismatch,
    NotFound,
    PolicyViolation,
    Replay,
    Unsupported,
    ValidationError,
)
from specs.openid4vci.constants import (
    ERROR_CREDENTIAL_REQUEST_DENIED,
    ERROR_INVALID_CREDENTIAL_REQUEST,
    ERROR_INVALID_ENCRYPTION_PARAMETERS,
    ERROR_INVALID_GRANT,
    ERROR_INVALID_NONCE,
    ERROR_INVALID_NOTIFICATION_ID,
    ERROR_INVALID_NOTIFICATION_REQUEST,
    ERROR_INVALID_PROOF,
    ERROR_INVALID_REQUEST,
    ERROR_INVALID_TOKEN,
    ERROR_INVALID_TRANSACTION_ID,
    ERROR_SERVER_ERROR,
    ERROR_UNKNOWN_CREDENTIAL_CONFIGURATION,
    ERROR_UNKNOWN_CREDENTIAL_IDENTIFIER,
    ERROR_UNSUPPORTED_GRANT_TYPE,
)
from specs.openid4vci.models import ErrorResponse


class Endpoint(StrEnum):
    """The endpoint whose error vocabulary applies."""

    TOKEN = "token"  # noqa: S105
    NONCE = "nonce"
    CREDENTIAL = "credential"
    DEFERRED_CREDENTIAL = "deferred_credential"
    NOTIFICATION = "notification"


@dataclass(frozen=True, slots=True)
class WireError:
    """An error as it goes on the wire: HTTP status, ``error`` and ``error_description``."""

    status: int
    error: str
    error_description: str | None = None

    def body(self) -> dict[str, Any]:
        """Return the JSON error response body."""
        return ErrorResponse(error=self.error, error_description=self.error_description).to_json()

    @property
    def headers(self) -> dict[str, str]:
        """Response headers: no caching; ``WWW-Authenticate`` for bearer-token errors."""
        out = {"Cache-Control": "no-store"}
        if self.status == 401:
            # RFC 6750 section 3.
            out["WWW-Authenticate"] = f'Bearer error="{self.error}"'
        return out


_ANY = None
# (endpoint or None for all, error class, claim_path head or None, HTTP status, wire code)
ERROR_TABLE: tuple[tuple[Endpoint | None, type[HonninError], str | None, int, str], ...] = (
    # RFC 6750 section 3.1: a missing, unknown or expired access token.
    (Endpoint.CREDENTIAL, HonninError, "access_token", 401, ERROR_INVALID_TOKEN),
    (Endpoint.DEFERRED_CREDENTIAL, HonninError, "access_token", 401, ERROR_INVALID_TOKEN),
    (Endpoint.NOTIFICATION, HonninError, "access_token", 401, ERROR_INVALID_TOKEN),
    # Section 6.3 (RFC 6749 section 5.2).
    (Endpoint.TOKEN, Unsupported, _ANY, 400, ERROR_UNSUPPORTED_GRANT_TYPE),
    (Endpoint.TOKEN, NotFound, _ANY, 400, ERROR_INVALID_GRANT),  # unknown code
    (Endpoint.TOKEN, Expired, _ANY, 400, ERROR_INVALID_GRANT),  # expired code
    (Endpoint.TOKEN, Replay, _ANY, 400, ERROR_INVALID_GRANT),  # code already redeemed
    (Endpoint.TOKEN, PolicyViolation, _ANY, 400, ERROR_INVALID_GRANT),  # offer locked
    (Endpoint.TOKEN, ValidationError, _ANY, 400, ERROR_INVALID_GRANT),  # wrong tx_code
    (Endpoint.TOKEN, MalformedInput, _ANY, 400, ERROR_INVALID_REQUEST),  # missing/extra tx_code
    # Section 8.3.1.2.
    (Endpoint.CREDENTIAL, NonceMismatch, _ANY, 400, ERROR_INVALID_NONCE),
    (
        Endpoint.CREDENTIAL,
        HonninError,
        "credential_response_encryption",
        400,
        ERROR_INVALID_ENCRYPTION_PARAMETERS,
    ),
    (
        Endpoint.CREDENTIAL,
        NotFound,
        "credential_identifier",
        400,
        ERROR_UNKNOWN_CREDENTIAL_IDENTIFIER,
    ),
    (
        Endpoint.CREDENTIAL,
        NotFound,
        "credential_configuration_id",
        400,
        ERROR_UNKNOWN_CREDENTIAL_CONFIGURATION,
    ),
    (Endpoint.CREDENTIAL, LimitExceeded, _ANY, 400, ERROR_INVALID_CREDENTIAL_REQUEST),
    (Endpoint.CREDENTIAL, HonninError, "proofs", 400, ERROR_INVALID_PROOF),
    (Endpoint.CREDENTIAL, PolicyViolation, _ANY, 400, ERROR_CREDENTIAL_REQUEST_DENIED),
    (Endpoint.CREDENTIAL, AudienceMismatch, _ANY, 400, ERROR_INVALID_PROOF),
    (Endpoint.CREDENTIAL, MalformedInput, _ANY, 400, ERROR_INVALID_CREDENTIAL_REQUEST),
    # Section 9.3.
    (Endpoint.DEFERRED_CREDENTIAL, NotFound, _ANY, 400, ERROR_INVALID_TRANSACTION_ID),
    (Endpoint.DEFERRED_CREDENTIAL, Replay, _ANY, 400, ERROR_INVALID_TRANSACTION_ID),
    (Endpoint.DEFERRED_CREDENTIAL, PolicyViolation, _ANY, 400, ERROR_CREDENTIAL_REQUEST_DENIED),
    # Section 11.3.
    (Endpoint.NOTIFICATION, NotFound, _ANY, 400, ERROR_INVALID_NOTIFICATION_ID),
    (Endpoint.NOTIFICATION, MalformedInput, _ANY, 400, ERROR_INVALID_NOTIFICATION_REQUEST),
)
"""Ordered rows: (endpoint, error class, claim_path head, HTTP status, wire error code)."""

# The code used when no row matches a HonninError at that endpoint.
FALLBACK: dict[Endpoint, str] = {
    Endpoint.TOKEN: ERROR_INVALID_REQUEST,
    Endpoint.NONCE: ERROR_INVALID_REQUEST,
    Endpoint.CREDENTIAL: ERROR_INVALID_CREDENTIAL_REQUEST,
    Endpoint.DEFERRED_CREDENTIAL: ERROR_INVALID_CREDENTIAL_REQUEST,
    Endpoint.NOTIFICATION: ERROR_INVALID_NOTIFICATION_REQUEST,
}


def _ascii_description(text: str) -> str:
    # Sections 8.3.1.2 / RFC 6749 5.2: %x20-21 / %x23-5B / %x5D-7E only.
    cleaned = "".join(ch if (0x20 <= ord(ch) <= 0x7E and ch not in '"\\') else "?" for ch in text)
    return cleaned[:500]


def wire_error(exc: BaseException, endpoint: Endpoint) -> WireError:
    """Map an exception raised at ``endpoint`` to its OpenID4VCI wire error."""
    if not isinstance(exc, HonninError):
        return WireError(500, ERROR_SERVER_ERROR, None)
    head = exc.claim_path[0] if exc.claim_path else None
    for row_endpoint, cls, claim_head, status, code in ERROR_TABLE:
        if row_endpoint is not None and row_endpoint != endpoint:
            continue
        if not isinstance(exc, cls):
            continue
        if claim_head is not None and claim_head != head:
            continue
        return WireError(status, code, _ascii_description(str(exc)))
    return WireError(400, FALLBACK[endpoint], _ascii_description(str(exc)))

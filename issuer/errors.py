"""The ONE place where the issuer turns errors into HTTP responses.

Protocol endpoints use the OpenID4VCI wire errors of ``specs.openid4vci.errors`` (the
table lives there, next to the core that raises). The admin API and the public resources
(offers by reference, status lists, type metadata) use the small table below.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import JSONResponse

from specs.errors import (
    HonninError,
    LimitExceeded,
    MalformedInput,
    NotFound,
    PolicyViolation,
    ValidationError,
)
from specs.openid4vci import Endpoint, wire_error

log = logging.getLogger("honnin.issuer")

# (error class, HTTP status, error code) for the admin API and the public resources.
ADMIN_ERRORS: tuple[tuple[type[HonninError], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (LimitExceeded, 413, "request_too_large"),
    (ValidationError, 400, "invalid_request"),
    (MalformedInput, 400, "invalid_request"),
    (PolicyViolation, 409, "conflict"),
)
ADMIN_UNAUTHORIZED = (401, "invalid_token")


def protocol_error(exc: BaseException, endpoint: Endpoint) -> JSONResponse:
    """Return the OpenID4VCI error response for an exception raised at ``endpoint``."""
    if not isinstance(exc, HonninError):
        log.exception("unexpected failure at the %s endpoint", endpoint.value, exc_info=exc)
    wire = wire_error(exc, endpoint)
    return JSONResponse(wire.body(), status_code=wire.status, headers=wire.headers)


def admin_error(exc: BaseException) -> JSONResponse:
    """Return the JSON error response of the admin API or a public resource."""
    headers = {"Cache-Control": "no-store"}
    if not isinstance(exc, HonninError):
        log.exception("unexpected failure in the admin API", exc_info=exc)
        return JSONResponse({"error": "server_error"}, status_code=500, headers=headers)
    status, code = 400, exc.code
    for cls, row_status, row_code in ADMIN_ERRORS:
        if isinstance(exc, cls):
            status, code = row_status, row_code
            break
    body: dict[str, Any] = {"error": code, "error_description": exc.detail}
    if exc.claim_path:
        body["claim_path"] = list(exc.claim_path)
    return JSONResponse(body, status_code=status, headers=headers)


def admin_unauthorized() -> JSONResponse:
    """Return 401 for a missing or wrong admin bearer token (RFC 6750 section 3)."""
    status, code = ADMIN_UNAUTHORIZED
    return JSONResponse(
        {"error": code, "error_description": "the admin API needs the admin bearer token"},
        status_code=status,
        headers={"Cache-Control": "no-store", "WWW-Authenticate": f'Bearer error="{code}"'},
    )

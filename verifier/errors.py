"""The one place where refusals become HTTP answers of the verifier service.

Response URI errors follow OpenID4VP 1.0 section 8.2 (an OAuth error object); the HR
desk's JSON API uses the same shape with honnin's stable error code added.
"""

from __future__ import annotations

from typing import Any

from specs.errors import (
    HonninError,
    LimitExceeded,
    NotFound,
    PolicyViolation,
    Replay,
    StaleData,
    UntrustedVerifier,
)
from specs.openid4vp.constants import ERROR_INVALID_REQUEST, ERROR_SERVER_ERROR


def http_status(exc: HonninError) -> int:
    """Return the HTTP status for a refusal."""
    if isinstance(exc, LimitExceeded):
        return 413
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Replay):
        return 409
    if isinstance(exc, PolicyViolation | UntrustedVerifier):
        return 409
    if isinstance(exc, StaleData):
        return 503
    return 400


def error_body(exc: HonninError) -> dict[str, Any]:
    """Return the JSON error object: ``error`` (OAuth), ``error_description`` and honnin's ``code``."""
    wire = ERROR_SERVER_ERROR if isinstance(exc, StaleData) else ERROR_INVALID_REQUEST
    body: dict[str, Any] = {"error": wire, "error_description": str(exc), "code": exc.code}
    if exc.claim_path:
        body["claim_path"] = list(exc.claim_path)
    return body


__all__ = ["error_body", "http_status"]

"""OpenID4VP 1.0 Authorization Responses: ``vp_token``, errors, encryption, the Response URI reply.

A response travels as ``application/x-www-form-urlencoded`` parameters to the Response
URI (section 8.2): ``vp_token`` (a JSON object keyed by Credential Query id, each value a
non-empty array of presentations, section 8.1) and ``state``, or ``error`` with
``error_description`` and ``state`` (section 8.5). With ``direct_post.jwt`` the same
parameters become the payload of a JWE sent as ``response`` (section 8.3.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from specs.encoding import dump_json_compact, parse_json, parse_json_object
from specs.errors import (
    AudienceMismatch,
    ConsentRequired,
    HonninError,
    LimitExceeded,
    MalformedInput,
    NotFound,
    PolicyViolation,
    Unsupported,
    UntrustedVerifier,
)
from specs.jose.jwe import decrypt_compact, encrypt_compact
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vp.constants import (
    ERROR_ACCESS_DENIED,
    ERROR_CODES,
    ERROR_INVALID_CLIENT,
    ERROR_INVALID_REQUEST,
    ERROR_INVALID_REQUEST_URI_METHOD,
    ERROR_INVALID_TRANSACTION_DATA,
    ERROR_VP_FORMATS_NOT_SUPPORTED,
    RESPONSE_MODE_DIRECT_POST_JWT,
)
from specs.openid4vp.request import AuthorizationRequest, check_endpoint_url

Presentation = str | dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuthorizationResponse:
    """A successful response: presentations keyed by Credential Query id, and ``state``."""

    vp_token: Mapping[str, tuple[Presentation, ...]]
    state: str | None = None

    def to_payload(self) -> dict[str, Any]:
        """Return the parameters as a JSON object (the JWE payload of section 8.3)."""
        out: dict[str, Any] = {"vp_token": {k: list(v) for k, v in self.vp_token.items()}}
        if self.state is not None:
            out["state"] = self.state
        return out

    def to_form(self) -> dict[str, str]:
        """Return the form parameters for ``direct_post`` (objects JSON-serialised)."""
        form = {"vp_token": dump_json_compact(self.to_payload()["vp_token"])}
        if self.state is not None:
            form["state"] = self.state
        return form


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """An Authorization Error Response (section 8.5, RFC 6749 section 4.1.2.1)."""

    error: str
    error_description: str | None = None
    state: str | None = None

    def to_payload(self) -> dict[str, Any]:
        """Return the parameters as a JSON object."""
        out: dict[str, Any] = {"error": self.error}
        if self.error_description is not None:
            out["error_description"] = self.error_description
        if self.state is not None:
            out["state"] = self.state
        return out

    def to_form(self) -> dict[str, str]:
        """Return the form parameters."""
        return {k: str(v) for k, v in self.to_payload().items()}


Response = AuthorizationResponse | ErrorResponse


def _ascii_printable(text: str) -> bool:
    # RFC 6749 section 4.1.2.1: error and error_description use %x20-21 / %x23-5B / %x5D-7E.
    return all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in text)


def error_response(
    error: str, description: str | None = None, state: str | None = None
) -> ErrorResponse:
    """Build an error response, checking the code and the description's character set."""
    if error not in ERROR_CODES:
        raise MalformedInput(f"{error!r} is not an OpenID4VP or OAuth error code")
    if description is not None and not _ascii_printable(description):
        description = "".join(c if _ascii_printable(c) else "?" for c in description)
    return ErrorResponse(error=error, error_description=description, state=state)


def error_code_for(exc: HonninError) -> str:
    """Map a refusal to its wire error code (section 8.5), the one place the wallet needs."""
    if isinstance(exc, ConsentRequired | PolicyViolation | NotFound):
        return ERROR_ACCESS_DENIED
    if isinstance(exc, UntrustedVerifier | AudienceMismatch):
        return ERROR_INVALID_CLIENT if "metadata" in exc.detail else ERROR_INVALID_REQUEST
    if isinstance(exc, Unsupported):
        if "request_uri_method" in exc.detail:
            return ERROR_INVALID_REQUEST_URI_METHOD
        if "transaction_data" in exc.detail:
            return ERROR_INVALID_TRANSACTION_DATA
        if "Credential Format" in exc.detail:
            return ERROR_VP_FORMATS_NOT_SUPPORTED
    return ERROR_INVALID_REQUEST


def _parse_vp_token(value: Any, limits: Limits) -> dict[str, tuple[Presentation, ...]]:
    if isinstance(value, str):
        value = parse_json(value, what="vp_token", limits=limits)
    if not isinstance(value, dict) or not value:
        raise MalformedInput("vp_token must be a non-empty JSON object keyed by query id")
    total = 0
    out: dict[str, tuple[Presentation, ...]] = {}
    for query_id, items in value.items():
        if not isinstance(items, list) or not items:
            raise MalformedInput("vp_token values must be non-empty arrays", claim_path=[query_id])
        for item in items:
            if not isinstance(item, str | dict):
                raise MalformedInput(
                    "presentations must be strings or objects", claim_path=[query_id]
                )
        total += len(items)
        if total > limits.max_vp_token_presentations:
            raise LimitExceeded(
                f"vp_token holds more than {limits.max_vp_token_presentations} presentations"
            )
        out[query_id] = tuple(items)
    return out


def _optional_str(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise MalformedInput(f"'{name}' must be a string")
    return value


def parse_response_payload(params: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> Response:
    """Parse response parameters (form values or a decrypted JWE payload)."""
    state = _optional_str(params, "state")
    if "error" in params:
        error = _optional_str(params, "error")
        if not error:
            raise MalformedInput("'error' must be a non-empty string")
        return ErrorResponse(
            error=error, error_description=_optional_str(params, "error_description"), state=state
        )
    if "vp_token" not in params:
        raise MalformedInput("the response has neither vp_token nor error")
    return AuthorizationResponse(vp_token=_parse_vp_token(params["vp_token"], limits), state=state)


def encrypt_response(response: Response, request: AuthorizationRequest) -> dict[str, str]:
    """Encrypt ``response`` to the verifier's key (section 8.3) and return the form."""
    if request.client_metadata is None:
        raise MalformedInput("the request has no client_metadata to encrypt to")
    metadata = request.client_metadata
    token = encrypt_compact(
        response.to_payload(), metadata.encryption_jwk(), enc=metadata.encryption_enc()
    )
    return {"response": token}


def decrypt_response(
    token: str,
    keys: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    allowed_encs: Sequence[str] = ("A128GCM", "A256GCM"),
    limits: Limits = DEFAULT_LIMITS,
) -> Response:
    """Decrypt a ``direct_post.jwt`` ``response`` parameter and parse its payload."""
    decrypted = decrypt_compact(token, keys, allowed_encs=allowed_encs, limits=limits)
    return parse_response_payload(decrypted.payload_json(limits), limits)


@dataclass(frozen=True, slots=True)
class ResponseSubmission:
    """What the wallet POSTs: the Response URI and the form parameters."""

    response_uri: str
    form: Mapping[str, str]


def submission(
    request: AuthorizationRequest, response: Response, *, encrypt: bool | None = None
) -> ResponseSubmission:
    """Return the POST for ``response``, encrypted when the request's mode asks for it.

    Error responses may go unencrypted (section 8.3.1) by passing ``encrypt=False``.
    """
    if encrypt is None:
        encrypt = request.response_mode == RESPONSE_MODE_DIRECT_POST_JWT
    form = encrypt_response(response, request) if encrypt else response.to_form()
    return ResponseSubmission(response_uri=request.response_uri, form=form)


def parse_response_form(
    form: Mapping[str, str],
    *,
    decryption_keys: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Response, bool]:
    """Parse what arrived at the Response URI; return the response and whether it was encrypted."""
    size = sum(len(k) + len(v) for k, v in form.items())
    if size > limits.max_request_bytes:
        raise LimitExceeded(f"the response is larger than {limits.max_request_bytes} bytes")
    if "response" in form:
        if decryption_keys is None:
            raise Unsupported("an encrypted response arrived but no decryption key is configured")
        return decrypt_response(form["response"], decryption_keys, limits=limits), True
    return parse_response_payload(form, limits), False


def response_endpoint_reply(redirect_uri: str | None = None) -> dict[str, str]:
    """Return the JSON body the Response URI answers with (section 8.2), 200 OK."""
    if redirect_uri is None:
        return {}
    check_endpoint_url(redirect_uri, "redirect_uri", allow_fragment=True)
    return {"redirect_uri": redirect_uri}


def parse_response_endpoint_reply(body: str | bytes, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Return the ``redirect_uri`` the wallet must follow, if the Response URI gave one."""
    reply = parse_json_object(body, what="Response URI reply", limits=limits)
    redirect = reply.get("redirect_uri")
    if redirect is None:
        return None
    return check_endpoint_url(redirect, "redirect_uri", allow_fragment=True)


__all__ = [
    "AuthorizationResponse",
    "ErrorResponse",
    "Presentation",
    "Response",
    "ResponseSubmission",
    "decrypt_response",
    "encrypt_response",
    "error_code_for",
    "error_response",
    "parse_response_endpoint_reply",
    "parse_response_form",
    "parse_response_payload",
    "response_endpoint_reply",
    "submission",
]

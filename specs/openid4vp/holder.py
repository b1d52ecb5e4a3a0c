"""The wallet's sans-IO OpenID4VP steps: verify a fetched request, build the response or an error.

Fetching is the adapter's job: it parses the link (``parse_request_link``), GETs or POSTs
the ``request_uri``, and hands the Request Object text here with the trust anchors.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from cryptography import x509

from specs.errors import HonninError, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vp.constants import STATIC_DISCOVERY_AUDIENCE
from specs.openid4vp.request import RequestLink, VerifiedRequest, verify_request_object
from specs.openid4vp.response import (
    AuthorizationResponse,
    Presentation,
    ResponseSubmission,
    error_code_for,
    error_response,
    submission,
)
from specs.ports import Clock


def verify_request(
    link: RequestLink,
    request_object: str,
    *,
    anchors: Sequence[x509.Certificate],
    clock: Clock,
    wallet_nonce: str | None = None,
    trusted_client_ids: Collection[str] = (),
    audiences: Collection[str] = (STATIC_DISCOVERY_AUDIENCE,),
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedRequest:
    """Verify the Request Object fetched for ``link`` (or carried in it by value)."""
    if link.request is not None and request_object != link.request:
        raise MalformedInput("the request passed by value differs from the one given")
    return verify_request_object(
        request_object,
        anchors=anchors,
        clock=clock,
        expected_client_id=link.client_id,
        wallet_nonce=wallet_nonce,
        trusted_client_ids=trusted_client_ids,
        audiences=audiences,
        limits=limits,
    )


def build_response(
    verified: VerifiedRequest, vp_token: Mapping[str, Sequence[Presentation]]
) -> ResponseSubmission:
    """Build the POST carrying ``vp_token`` (encrypted for ``direct_post.jwt``)."""
    request = verified.request
    known = set(request.dcql_query.ids)
    for query_id, items in vp_token.items():
        if query_id not in known:
            raise MalformedInput(f"{query_id!r} is not a Credential Query id of the request")
        if not items:
            raise MalformedInput("each vp_token entry needs at least one presentation")
        if len(items) > 1 and not request.dcql_query.credential(query_id).multiple:
            raise MalformedInput(f"{query_id!r} does not allow multiple presentations")
    response = AuthorizationResponse(
        vp_token={k: tuple(v) for k, v in vp_token.items()}, state=request.state
    )
    return submission(request, response)


def build_error_response(
    verified: VerifiedRequest,
    error: str | HonninError,
    description: str | None = None,
    *,
    encrypt: bool | None = None,
) -> ResponseSubmission:
    """Build the POST of an error response (declined, not allowed, no credentials, ...)."""
    if isinstance(error, HonninError):
        description = description or f"{error.code}: {error.detail}"
        error = error_code_for(error)
    response = error_response(error, description, verified.request.state)
    return submission(verified.request, response, encrypt=encrypt)


__all__ = ["build_error_response", "build_response", "verify_request"]

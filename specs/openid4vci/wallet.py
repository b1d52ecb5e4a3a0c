"""The Wallet's side of the OpenID4VCI 1.0 pre-authorized code flow, sans-IO.

The Wallet adapter fetches and posts; these functions build each request from what came
before and check each response, raising ``HonninError`` on anything unexpected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from specs.errors import MalformedInput, Unsupported, ValidationError
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vci.constants import (
    GRANT_TYPE_PRE_AUTHORIZED_CODE,
    PARAM_CLIENT_ID,
    PARAM_GRANT_TYPE,
    PARAM_PRE_AUTHORIZED_CODE,
    PARAM_TX_CODE,
    TOKEN_TYPE_BEARER,
    TX_CODE_INPUT_MODE_TEXT,
)
from specs.openid4vci.models import (
    AuthorizationServerMetadata,
    CredentialIssuerMetadata,
    CredentialOffer,
    CredentialRequest,
    CredentialResponse,
    NonceResponse,
    NotificationRequest,
    Proofs,
    TokenResponse,
    parse_message,
)
from specs.openid4vci.proofs import build_jwt_proof
from specs.ports import Clock, Signer


def parse_credential_offer(
    data: str | bytes | Mapping[str, Any], *, limits: Limits = DEFAULT_LIMITS
) -> CredentialOffer:
    """Parse a Credential Offer object (fetched from a ``credential_offer_uri``)."""
    return parse_message(CredentialOffer, data, limits=limits, what="Credential Offer")


def parse_issuer_metadata(
    data: str | bytes | Mapping[str, Any],
    *,
    expected_issuer: str,
    limits: Limits = DEFAULT_LIMITS,
) -> CredentialIssuerMetadata:
    """Parse Credential Issuer Metadata and check it is for ``expected_issuer`` (12.2.4)."""
    metadata = parse_message(
        CredentialIssuerMetadata, data, limits=limits, what="Credential Issuer Metadata"
    )
    # "simple string comparison with no normalization"
    if metadata.credential_issuer != expected_issuer:
        raise ValidationError(
            f"metadata is for {metadata.credential_issuer!r}, not {expected_issuer!r}",
            claim_path=["credential_issuer"],
        )
    return metadata


def parse_authorization_server_metadata(
    data: str | bytes | Mapping[str, Any], *, expected_issuer: str, limits: Limits = DEFAULT_LIMITS
) -> AuthorizationServerMetadata:
    """Parse RFC 8414 metadata and check its ``issuer`` (RFC 8414 section 3.3)."""
    metadata = parse_message(
        AuthorizationServerMetadata, data, limits=limits, what="Authorization Server Metadata"
    )
    if metadata.issuer != expected_issuer:
        raise ValidationError(
            f"metadata is for {metadata.issuer!r}, not {expected_issuer!r}", claim_path=["issuer"]
        )
    return metadata


def build_token_request(
    offer: CredentialOffer, *, tx_code: str | None = None, client_id: str | None = None
) -> dict[str, str]:
    """Return the form fields of the Token Request for an offer's pre-authorized code."""
    grant = offer.grants.pre_authorized_code if offer.grants is not None else None
    if grant is None:
        raise Unsupported("the offer has no pre-authorized code grant")
    form = {
        PARAM_GRANT_TYPE: GRANT_TYPE_PRE_AUTHORIZED_CODE,
        PARAM_PRE_AUTHORIZED_CODE: grant.pre_authorized_code,
    }
    spec = grant.tx_code
    if spec is not None:
        # Section 6.1: tx_code MUST be sent when the offer has a tx_code object, even empty.
        if tx_code is None:
            raise MalformedInput("this offer needs the transaction code", claim_path=["tx_code"])
        if spec.length is not None and len(tx_code) != spec.length:
            raise ValidationError(f"the transaction code has {spec.length} characters")
        if spec.input_mode != TX_CODE_INPUT_MODE_TEXT and not tx_code.isdigit():
            raise ValidationError("the transaction code is numeric")
        form[PARAM_TX_CODE] = tx_code
    elif tx_code is not None:
        raise MalformedInput("this offer expects no transaction code", claim_path=["tx_code"])
    if client_id is not None:
        form[PARAM_CLIENT_ID] = client_id
    return form


def parse_token_response(
    data: str | bytes | Mapping[str, Any], *, limits: Limits = DEFAULT_LIMITS
) -> TokenResponse:
    """Parse a Token Response; the token type must be Bearer."""
    response = parse_message(TokenResponse, data, limits=limits, what="Token Response")
    if response.token_type.lower() != TOKEN_TYPE_BEARER.lower():
        raise Unsupported(f"token_type {response.token_type!r} is not supported")
    return response


def parse_nonce_response(
    data: str | bytes | Mapping[str, Any], *, limits: Limits = DEFAULT_LIMITS
) -> NonceResponse:
    """Parse a Nonce Response."""
    return parse_message(NonceResponse, data, limits=limits, what="Nonce Response")


def build_proofs(
    signers: Sequence[Signer],
    *,
    audience: str,
    clock: Clock,
    nonce: str | None,
    client_id: str | None = None,
) -> Proofs:
    """Build a ``proofs`` object with one ``jwt`` proof per key (a batch)."""
    if not signers:
        raise ValidationError("at least one key is needed")
    jwts = [
        build_jwt_proof(s, audience=audience, clock=clock, nonce=nonce, client_id=client_id)
        for s in signers
    ]
    return Proofs(jwt=jwts)


def build_credential_request(
    credential_configuration_id: str, proofs: Proofs | None
) -> CredentialRequest:
    """Build a Credential Request for one configuration with the given proofs."""
    return CredentialRequest(credential_configuration_id=credential_configuration_id, proofs=proofs)


def parse_credential_response(
    data: str | bytes | Mapping[str, Any],
    *,
    keys_sent: int,
    limits: Limits = DEFAULT_LIMITS,
) -> CredentialResponse:
    """Parse a Credential Response; never more Credentials than keys sent (section 8.3)."""
    response = parse_message(CredentialResponse, data, limits=limits, what="Credential Response")
    if response.credentials is not None and len(response.credentials) > max(keys_sent, 1):
        raise ValidationError(
            f"{len(response.credentials)} Credentials for {keys_sent} keys",
            claim_path=["credentials"],
        )
    return response


def build_notification(
    notification_id: str, event: str, description: str | None = None
) -> NotificationRequest:
    """Build a Notification Request (``credential_accepted``/``_failure``/``_deleted``)."""
    data: dict[str, Any] = {"notification_id": notification_id, "event": event}
    if description is not None:
        data["event_description"] = description
    return parse_message(NotificationRequest, data, what="Notification Request")


__all__ = [
    "build_credential_request",
    "build_notification",
    "build_proofs",
    "build_token_request",
    "parse_authorization_server_metadata",
    "parse_credential_offer",
    "parse_credential_response",
    "parse_issuer_metadata",
    "parse_nonce_response",
    "parse_token_response",
]

"""OpenID4VCI 1.0 messages as strict pydantic models, named and shaped as the spec names them.

Every model keeps unrecognised members (the spec says receivers MUST ignore them, and a
round trip must not drop them). ``parse_message`` bounds size and depth before pydantic
sees the data and turns validation failures into ``MalformedInput`` with the member path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from specs.encoding import parse_json
from specs.errors import LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vci.constants import (
    NOTIFICATION_EVENTS,
    TX_CODE_MAX_DESCRIPTION,
)
from specs.urls import is_https_or_loopback

# Sections 8.3.1.2 and 11.1: error_description / event_description characters.
_ERROR_TEXT = re.compile(r"^[\x20-\x21\x23-\x5B\x5D-\x7E]*$")
_MAX_IDS = 100
_MAX_TEXT = 4096


def _https_url(value: str) -> str:
    # Endpoints MUST use https (section 12.2.4); plain http is accepted for loopback only,
    # so a service can be tested on 127.0.0.1 without certificates.
    if is_https_or_loopback(value):
        return value
    raise ValueError("must be an https URL")


def _issuer_identifier(value: str) -> str:
    # Section 12.2.1: scheme, host, optional port and path; no query or fragment.
    _https_url(value)
    parts = urlsplit(value)
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError("a Credential Issuer Identifier has no query or fragment")
    return value


def _error_text(value: str) -> str:
    if not _ERROR_TEXT.match(value):
        raise ValueError("must be printable ASCII without '\"' or '\\'")
    return value


HttpsUrl = Annotated[str, Field(max_length=2048), AfterValidator(_https_url)]
IssuerIdentifier = Annotated[str, Field(max_length=2048), AfterValidator(_issuer_identifier)]
Text = Annotated[str, Field(max_length=_MAX_TEXT)]
NonEmptyText = Annotated[str, Field(min_length=1, max_length=_MAX_TEXT)]
ErrorText = Annotated[str, Field(max_length=_MAX_TEXT), AfterValidator(_error_text)]


class Message(BaseModel):
    """Base of every OpenID4VCI message: strict types, immutable, unknown members kept."""

    model_config = ConfigDict(strict=True, frozen=True, extra="allow", populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        """Return the wire JSON object (spec member names, absent members omitted)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _unique(values: list[Any], what: str) -> None:
    if len(set(map(repr, values))) != len(values):
        raise ValueError(f"{what} must not repeat a value")


def _unique_locales(entries: list[Any] | None) -> None:
    # Section 12.2.4: "There MUST be only one object for each language identifier."
    if entries:
        locales = [e.locale for e in entries if e.locale is not None]
        if len(set(locales)) != len(locales):
            raise ValueError("display has more than one object for a locale")


# --- Credential Issuer Metadata (section 12.2.4) ---


class Logo(Message):
    """A logo: ``uri`` and optional ``alt_text``."""

    uri: Text
    alt_text: Text | None = None


class BackgroundImage(Message):
    """A background image of a Credential."""

    uri: Text


class IssuerDisplay(Message):
    """Display properties of the Credential Issuer for one language."""

    name: Text | None = None
    locale: Text | None = None
    logo: Logo | None = None


class CredentialDisplay(Message):
    """Display properties of a Credential for one language."""

    name: Text
    locale: Text | None = None
    logo: Logo | None = None
    description: Text | None = None
    background_color: Text | None = None
    background_image: BackgroundImage | None = None
    text_color: Text | None = None


class ClaimDisplay(Message):
    """Display name of a claim for one language (Appendix B.2)."""

    name: Text | None = None
    locale: Text | None = None


class ClaimDescription(Message):
    """A claims description object of the issuer metadata (Appendix B.2)."""

    path: Annotated[list[str | int | None], Field(min_length=1, max_length=32)]
    mandatory: bool | None = None
    display: list[ClaimDisplay] | None = None

    @model_validator(mode="after")
    def _locales(self) -> ClaimDescription:
        _unique_locales(self.display)
        return self


class CredentialMetadata(Message):
    """``credential_metadata``: display and claims of a Credential Configuration."""

    display: Annotated[list[CredentialDisplay], Field(min_length=1, max_length=64)] | None = None
    claims: Annotated[list[ClaimDescription], Field(min_length=1, max_length=1024)] | None = None

    @model_validator(mode="after")
    def _locales(self) -> CredentialMetadata:
        _unique_locales(self.display)
        return self


class KeyAttestationsRequired(Message):
    """``key_attestations_required``: accepted attack-potential resistance values."""

    key_storage: Annotated[list[Text], Field(min_length=1, max_length=16)] | None = None
    user_authentication: Annotated[list[Text], Field(min_length=1, max_length=16)] | None = None


class ProofTypeMetadata(Message):
    """One entry of ``proof_types_supported``."""

    proof_signing_alg_values_supported: Annotated[list[Text], Field(min_length=1, max_length=32)]
    key_attestations_required: KeyAttestationsRequired | None = None


class CredentialConfiguration(Message):
    """One entry of ``credential_configurations_supported`` (format-specific members kept)."""

    format: NonEmptyText
    scope: Text | None = None
    credential_signing_alg_values_supported: (
        Annotated[list[Text | int], Field(min_length=1, max_length=32)] | None
    ) = None
    cryptographic_binding_methods_supported: (
        Annotated[list[Text], Field(min_length=1, max_length=32)] | None
    ) = None
    proof_types_supported: dict[str, ProofTypeMetadata] | None = None
    credential_metadata: CredentialMetadata | None = None
    # Appendix A.3.2 (dc+sd-jwt) and A.2.2 (mso_mdoc).
    vct: Text | None = None
    doctype: Text | None = None

    @model_validator(mode="after")
    def _binding_needs_proofs(self) -> CredentialConfiguration:
        # Section 12.2.4: proof_types_supported present iff cryptographic binding is.
        has_binding = self.cryptographic_binding_methods_supported is not None
        if has_binding != (self.proof_types_supported is not None):
            raise ValueError(
                "proof_types_supported MUST be present exactly when "
                "cryptographic_binding_methods_supported is"
            )
        return self


class BatchCredentialIssuance(Message):
    """``batch_credential_issuance``: the maximum size of the ``proofs`` array."""

    batch_size: Annotated[int, Field(ge=2, le=1000)]


class CredentialRequestEncryptionMetadata(Message):
    """``credential_request_encryption`` of the issuer metadata."""

    jwks: dict[str, Any]
    enc_values_supported: Annotated[list[Text], Field(min_length=1)]
    zip_values_supported: Annotated[list[Text], Field(min_length=1)] | None = None
    encryption_required: bool


class CredentialResponseEncryptionMetadata(Message):
    """``credential_response_encryption`` of the issuer metadata."""

    alg_values_supported: Annotated[list[Text], Field(min_length=1)]
    enc_values_supported: Annotated[list[Text], Field(min_length=1)]
    zip_values_supported: Annotated[list[Text], Field(min_length=1)] | None = None
    encryption_required: bool


class CredentialIssuerMetadata(Message):
    """Credential Issuer Metadata, served at ``/.well-known/openid-credential-issuer``."""

    credential_issuer: IssuerIdentifier
    authorization_servers: Annotated[list[HttpsUrl], Field(min_length=1, max_length=16)] | None = (
        None
    )
    credential_endpoint: HttpsUrl
    nonce_endpoint: HttpsUrl | None = None
    deferred_credential_endpoint: HttpsUrl | None = None
    notification_endpoint: HttpsUrl | None = None
    credential_request_encryption: CredentialRequestEncryptionMetadata | None = None
    credential_response_encryption: CredentialResponseEncryptionMetadata | None = None
    batch_credential_issuance: BatchCredentialIssuance | None = None
    display: Annotated[list[IssuerDisplay], Field(min_length=1, max_length=64)] | None = None
    credential_configurations_supported: Annotated[
        dict[str, CredentialConfiguration], Field(min_length=1, max_length=256)
    ]

    @model_validator(mode="after")
    def _locales(self) -> CredentialIssuerMetadata:
        _unique_locales(self.display)
        return self

    @property
    def batch_size(self) -> int:
        """The largest number of proofs one Credential Request may carry (1 without batching)."""
        return self.batch_credential_issuance.batch_size if self.batch_credential_issuance else 1


class AuthorizationServerMetadata(Message):
    """OAuth 2.0 Authorization Server Metadata (RFC 8414) with the OpenID4VCI parameter."""

    issuer: IssuerIdentifier
    token_endpoint: HttpsUrl
    grant_types_supported: Annotated[list[Text], Field(min_length=1)] | None = None
    response_types_supported: Annotated[list[Text], Field(min_length=1)] | None = None
    token_endpoint_auth_methods_supported: Annotated[list[Text], Field(min_length=1)] | None = None
    pre_authorized_grant_anonymous_access_supported: bool | None = Field(
        default=None, alias="pre-authorized_grant_anonymous_access_supported"
    )


# --- Credential Offer (section 4.1) ---


class TxCode(Message):
    """The ``tx_code`` object: how the Transaction Code looks (never the code itself)."""

    input_mode: Literal["numeric", "text"] | None = None
    length: Annotated[int, Field(ge=1, le=64)] | None = None
    description: Annotated[str, Field(max_length=TX_CODE_MAX_DESCRIPTION)] | None = None


class PreAuthorizedCodeGrant(Message):
    """Parameters of the ``urn:ietf:params:oauth:grant-type:pre-authorized_code`` grant."""

    pre_authorized_code: Annotated[str, Field(min_length=1, max_length=512)] = Field(
        alias="pre-authorized_code"
    )
    tx_code: TxCode | None = None
    authorization_server: HttpsUrl | None = None


class AuthorizationCodeGrant(Message):
    """Parameters of the ``authorization_code`` grant."""

    issuer_state: Text | None = None
    authorization_server: HttpsUrl | None = None


class CredentialOfferGrants(Message):
    """The ``grants`` object of a Credential Offer."""

    pre_authorized_code: PreAuthorizedCodeGrant | None = Field(
        default=None, alias="urn:ietf:params:oauth:grant-type:pre-authorized_code"
    )
    authorization_code: AuthorizationCodeGrant | None = Field(
        default=None, alias="authorization_code"
    )


class CredentialOffer(Message):
    """A Credential Offer object (section 4.1.1)."""

    credential_issuer: IssuerIdentifier
    credential_configuration_ids: Annotated[
        list[NonEmptyText], Field(min_length=1, max_length=_MAX_IDS)
    ]
    grants: CredentialOfferGrants | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> CredentialOffer:
        _unique(self.credential_configuration_ids, "credential_configuration_ids")
        return self


# --- Token Endpoint (section 6) ---


class TokenRequest(Message):
    """A Token Request with the Pre-Authorized Code grant (form parameters, section 6.1)."""

    grant_type: NonEmptyText
    pre_authorized_code: Annotated[str, Field(min_length=1, max_length=512)] | None = Field(
        default=None, alias="pre-authorized_code"
    )
    tx_code: Annotated[str, Field(max_length=256)] | None = None
    client_id: Text | None = None
    authorization_details: Text | None = None


class TokenResponse(Message):
    """A successful Token Response (section 6.2, RFC 6749 section 5.1)."""

    access_token: NonEmptyText
    token_type: NonEmptyText
    expires_in: Annotated[int, Field(ge=1)] | None = None
    refresh_token: Text | None = None
    authorization_details: list[dict[str, Any]] | None = None


# --- Nonce Endpoint (section 7) ---


class NonceResponse(Message):
    """A Nonce Response: a fresh ``c_nonce``."""

    c_nonce: NonEmptyText


# --- Credential Endpoint (section 8) ---


class Proofs(Message):
    """The ``proofs`` object: exactly one proof type with a non-empty array."""

    jwt: (
        Annotated[list[Annotated[str, Field(max_length=64 * 1024)]], Field(min_length=1)] | None
    ) = None
    attestation: (
        Annotated[list[Annotated[str, Field(max_length=64 * 1024)]], Field(min_length=1)] | None
    ) = None
    di_vp: Annotated[list[dict[str, Any]], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Proofs:
        present = [name for name, value in self.proof_items() if value is not None]
        if len(present) != 1:
            raise ValueError("'proofs' must contain exactly one proof type")
        if self.attestation is not None and len(self.attestation) != 1:
            # Appendix F: "an array that contains exactly one JWT".
            raise ValueError("'attestation' must contain exactly one key attestation")
        return self

    def proof_items(self) -> list[tuple[str, list[Any] | None]]:
        """Return (proof type, array) pairs, including unknown proof types."""
        items: list[tuple[str, list[Any] | None]] = [
            ("jwt", self.jwt),
            ("attestation", self.attestation),
            ("di_vp", self.di_vp),
        ]
        for name, value in (self.model_extra or {}).items():
            items.append((name, value if isinstance(value, list) else [value]))
        return items

    @property
    def proof_type(self) -> str:
        """The one proof type this object carries."""
        return next(name for name, value in self.proof_items() if value is not None)

    @property
    def count(self) -> int:
        """The number of proofs in the array."""
        value = next(value for _, value in self.proof_items() if value is not None)
        return len(value or [])


class CredentialResponseEncryption(Message):
    """``credential_response_encryption`` of a Credential Request."""

    jwk: dict[str, Any]
    enc: NonEmptyText
    zip: Text | None = None


class CredentialRequest(Message):
    """A Credential Request (section 8.2)."""

    credential_identifier: NonEmptyText | None = None
    credential_configuration_id: NonEmptyText | None = None
    proofs: Proofs | None = None
    credential_response_encryption: CredentialResponseEncryption | None = None

    @model_validator(mode="after")
    def _one_identifier(self) -> CredentialRequest:
        if (self.credential_identifier is None) == (self.credential_configuration_id is None):
            raise ValueError(
                "exactly one of credential_identifier and credential_configuration_id is required"
            )
        return self


class IssuedCredential(Message):
    """One element of ``credentials``: the issued Credential (string or object)."""

    credential: str | dict[str, Any]


class CredentialResponse(Message):
    """A Credential Response (section 8.3): immediate ``credentials`` or deferred."""

    credentials: Annotated[list[IssuedCredential], Field(min_length=1)] | None = None
    transaction_id: NonEmptyText | None = None
    interval: Annotated[int, Field(ge=1)] | None = None
    notification_id: NonEmptyText | None = None

    @model_validator(mode="after")
    def _shape(self) -> CredentialResponse:
        if (self.credentials is None) == (self.transaction_id is None):
            raise ValueError("exactly one of credentials and transaction_id is required")
        if self.transaction_id is not None and self.interval is None:
            raise ValueError("interval is REQUIRED with transaction_id")
        if self.credentials is not None and self.interval is not None:
            raise ValueError("interval MUST NOT be used with credentials")
        if self.notification_id is not None and self.credentials is None:
            raise ValueError("notification_id MUST NOT be used without credentials")
        return self


class DeferredCredentialRequest(Message):
    """A Deferred Credential Request (section 9.1)."""

    transaction_id: NonEmptyText
    credential_response_encryption: CredentialResponseEncryption | None = None


# --- Notification Endpoint (section 11) ---


class NotificationRequest(Message):
    """A Notification Request: ``notification_id``, ``event``, optional description."""

    notification_id: NonEmptyText
    event: NonEmptyText
    event_description: ErrorText | None = None

    @model_validator(mode="after")
    def _event(self) -> NotificationRequest:
        if self.event not in NOTIFICATION_EVENTS:
            raise ValueError(f"event must be one of {sorted(NOTIFICATION_EVENTS)}")
        return self


# --- errors ---


class ErrorResponse(Message):
    """An error response body: ``error`` and optional ``error_description``."""

    error: NonEmptyText
    error_description: ErrorText | None = None


M = TypeVar("M", bound=Message)


def _path(loc: tuple[int | str, ...], model: type[Message]) -> list[str | int | None]:
    return [p for p in loc if isinstance(p, str | int)]


def validate_message(model: type[M], data: Mapping[str, Any], *, what: str | None = None) -> M:
    """Validate an already parsed JSON object as ``model``; raise ``MalformedInput``."""
    name = what or model.__name__
    if not isinstance(data, Mapping):
        raise MalformedInput(f"{name} must be a JSON object")
    try:
        return model.model_validate(dict(data))
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise MalformedInput(
            f"{name} is invalid: {first['msg']}", claim_path=_path(first["loc"], model)
        ) from None


def parse_message(
    model: type[M],
    data: str | bytes | Mapping[str, Any],
    *,
    limits: Limits = DEFAULT_LIMITS,
    max_bytes: int | None = None,
    what: str | None = None,
) -> M:
    """Parse a JSON message (text, bytes or an already parsed object) into ``model``."""
    name = what or model.__name__
    if isinstance(data, str | bytes):
        maximum = max_bytes if max_bytes is not None else limits.max_json_bytes
        if len(data) > maximum:
            raise LimitExceeded(f"{name} is larger than {maximum} bytes")
        data = parse_json(data, what=name, limits=limits)
        if not isinstance(data, Mapping):
            raise MalformedInput(f"{name} must be a JSON object")
    return validate_message(model, data, what=name)

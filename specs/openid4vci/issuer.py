"""The Credential Issuer's side of OpenID4VCI 1.0 as a sans-IO core over injected stores.

``CredentialIssuerCore`` takes parsed HTTP inputs (form fields, JSON bodies, the bearer
token) and returns the message to send, or raises a ``HonninError`` that
``specs.openid4vci.errors.wire_error`` turns into the wire error. It never issues the
Credential itself: ``credential`` returns an ``IssuanceDecision`` naming the offer, the
configuration and the holder keys, and the service signs one Credential per key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from specs.encoding import b64url_encode
from specs.errors import (
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
from specs.keys.algorithms import DEFAULT_ALLOWED_ALGS
from specs.keys.jwk import thumbprint
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vci.constants import (
    GRANT_TYPE_PRE_AUTHORIZED_CODE,
    PARAM_PRE_AUTHORIZED_CODE,
    PROOF_TYPE_ATTESTATION,
    PROOF_TYPE_JWT,
    TOKEN_TYPE_BEARER,
    TX_CODE_INPUT_MODE_TEXT,
)
from specs.openid4vci.models import (
    CredentialConfiguration,
    CredentialIssuerMetadata,
    CredentialOffer,
    CredentialOfferGrants,
    CredentialRequest,
    CredentialResponse,
    IssuedCredential,
    NonceResponse,
    NotificationRequest,
    PreAuthorizedCodeGrant,
    TokenRequest,
    TokenResponse,
    TxCode,
    parse_message,
    validate_message,
)
from specs.openid4vci.offer import offer_link, offer_link_by_reference
from specs.openid4vci.proofs import (
    DEFAULT_LEEWAY,
    DEFAULT_PROOF_MAX_AGE,
    KeyAttestationVerifier,
    VerifiedProof,
    verify_attestation_proof,
    verify_jwt_proof,
)
from specs.openid4vci.stores import (
    AccessGrant,
    NonceStore,
    NotificationStore,
    OfferState,
    OfferStore,
)
from specs.ports import Clock, Random

_TEXT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, no 0/O or 1/I


@dataclass(frozen=True, slots=True)
class IssuerPolicy:
    """Lifetimes and limits of the issuer's single-use values (seconds and counts)."""

    # Offers often travel by printed letter with the tx_code in a second letter, so the
    # default gives a week; the code stays single-use and the tx_code attempts are limited.
    pre_authorized_code_lifetime: int = 7 * 24 * 3600
    access_token_lifetime: int = 600
    nonce_lifetime: int = 300
    max_tx_code_attempts: int = 5
    tx_code_length: int = 6
    proof_max_age: int = DEFAULT_PROOF_MAX_AGE
    leeway: int = DEFAULT_LEEWAY


@dataclass(frozen=True, slots=True)
class CreatedOffer:
    """A new Credential Offer, its pre-authorized code and the tx_code for the other channel."""

    offer_id: str
    offer: CredentialOffer
    pre_authorized_code: str
    tx_code: str | None

    def link(self) -> str:
        """The ``openid-credential-offer://`` link carrying the offer by value."""
        return offer_link(self.offer)

    def link_by_reference(self, offer_uri: str) -> str:
        """The ``openid-credential-offer://`` link pointing at ``offer_uri``."""
        return offer_link_by_reference(offer_uri)


@dataclass(frozen=True, slots=True)
class IssuanceDecision:
    """What a valid Credential Request asks for: one Credential per holder key."""

    offer_id: str
    credential_configuration_id: str
    configuration: CredentialConfiguration
    holder_keys: tuple[dict[str, Any], ...]
    notification_id: str | None
    proofs: tuple[VerifiedProof, ...] = field(default=())

    def response(self, credentials: Sequence[str | dict[str, Any]]) -> CredentialResponse:
        """Build the Credential Response for the Credentials the service issued."""
        if not credentials:
            raise ValidationError("a Credential Response needs at least one Credential")
        if self.holder_keys and len(credentials) > len(self.holder_keys):
            # Section 8.3: each key binds at most one Credential.
            raise ValidationError("more Credentials than holder keys")
        return CredentialResponse(
            credentials=[IssuedCredential(credential=c) for c in credentials],
            notification_id=self.notification_id,
        )


def _at(exc: HonninError, *prefix: str | int) -> HonninError:
    """Return the same error with ``prefix`` put in front of its claim path."""
    path = [*prefix, *(exc.claim_path or ())]
    clone = type(exc)(exc.detail, claim_path=path)
    clone.__cause__ = exc
    return clone


class CredentialIssuerCore:
    """The pre-authorized code flow of a Credential Issuer, over injected stores and ports."""

    def __init__(
        self,
        metadata: CredentialIssuerMetadata,
        *,
        offers: OfferStore,
        nonces: NonceStore,
        clock: Clock,
        rng: Random,
        notifications: NotificationStore | None = None,
        key_attestation_verifier: KeyAttestationVerifier | None = None,
        policy: IssuerPolicy | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.metadata = metadata
        self.offers = offers
        self.nonces = nonces
        self.notifications = notifications
        self.clock = clock
        self.rng = rng
        self.key_attestation_verifier = key_attestation_verifier
        self.policy = policy or IssuerPolicy()
        self.limits = limits

    # --- random values ---

    def _secret(self, nbytes: int = 32) -> str:
        return b64url_encode(self.rng.bytes(nbytes))

    def _tx_code(self, spec: TxCode) -> str:
        length = spec.length or self.policy.tx_code_length
        out: list[str] = []
        text = spec.input_mode == TX_CODE_INPUT_MODE_TEXT
        while len(out) < length:
            for byte in self.rng.bytes(length * 2):
                if text:
                    out.append(_TEXT_ALPHABET[byte & 31])
                elif byte < 250:  # 250 = 25 * 10: rejection keeps digits uniform
                    out.append(str(byte % 10))
                if len(out) == length:
                    break
        return "".join(out)

    # --- Credential Offer (section 4.1) ---

    def create_offer(
        self,
        credential_configuration_ids: Sequence[str],
        *,
        tx_code: TxCode | None = None,
        offer_id: str | None = None,
    ) -> CreatedOffer:
        """Create an offer with a fresh pre-authorized code and, if asked, a tx_code."""
        supported = self.metadata.credential_configurations_supported
        for config_id in credential_configuration_ids:
            if config_id not in supported:
                raise NotFound(
                    f"unknown credential configuration {config_id!r}",
                    claim_path=["credential_configuration_ids"],
                )
        if tx_code is not None and tx_code.length is None:
            tx_code = tx_code.model_copy(update={"length": self.policy.tx_code_length})
        code = self._secret()
        tx_value = self._tx_code(tx_code) if tx_code is not None else None
        ident = offer_id or self._secret(16)
        now = self.clock.now()
        state = OfferState(
            offer_id=ident,
            credential_configuration_ids=tuple(credential_configuration_ids),
            tx_code_required=tx_code is not None,
            expires_at=now + timedelta(seconds=self.policy.pre_authorized_code_lifetime),
        )
        self.offers.add_offer(state, code=code, tx_code=tx_value)
        # The tx_code value itself never goes into the offer (section 4.1.1).
        grant = PreAuthorizedCodeGrant.model_validate(
            {PARAM_PRE_AUTHORIZED_CODE: code, "tx_code": tx_code}
        )
        offer = CredentialOffer(
            credential_issuer=self.metadata.credential_issuer,
            credential_configuration_ids=list(credential_configuration_ids),
            grants=CredentialOfferGrants.model_validate({GRANT_TYPE_PRE_AUTHORIZED_CODE: grant}),
        )
        return CreatedOffer(offer_id=ident, offer=offer, pre_authorized_code=code, tx_code=tx_value)

    # --- Token Endpoint (section 6) ---

    def token(self, form: Mapping[str, Any]) -> TokenResponse:
        """Redeem a pre-authorized code (and tx_code) for an access token, once."""
        request = validate_message(TokenRequest, form, what="Token Request")
        if request.grant_type != GRANT_TYPE_PRE_AUTHORIZED_CODE:
            raise Unsupported(f"grant_type {request.grant_type!r} is not supported")
        code = request.pre_authorized_code
        if code is None:
            raise MalformedInput(
                "pre-authorized_code is missing", claim_path=["pre-authorized_code"]
            )
        now = self.clock.now()
        offer = self.offers.offer_by_code(code)
        if offer is None:
            raise NotFound("unknown pre-authorized code")
        if offer.locked:
            raise PolicyViolation("the offer is locked after too many wrong tx_code attempts")
        if offer.redeemed_at is not None:
            raise Replay("the pre-authorized code was already used")
        if offer.expires_at <= now:
            raise Expired("the pre-authorized code has expired")
        # Section 6.3: a missing or unexpected tx_code is invalid_request.
        if offer.tx_code_required and request.tx_code is None:
            raise MalformedInput("tx_code is required for this offer", claim_path=["tx_code"])
        if not offer.tx_code_required and request.tx_code is not None:
            raise MalformedInput("this offer expects no tx_code", claim_path=["tx_code"])
        if offer.tx_code_required and not self.offers.check_tx_code(
            offer.offer_id, request.tx_code, self.policy.max_tx_code_attempts
        ):
            raise ValidationError("wrong tx_code", claim_path=["tx_code"])
        token = self._secret()
        lifetime = self.policy.access_token_lifetime
        # One store call: a code is never redeemed without its token being stored.
        grant = self.offers.redeem_code(
            code, now, token=token, token_expires_at=now + timedelta(seconds=lifetime)
        )
        if grant is None:
            # Lost a race with another redemption, or locked/expired meanwhile.
            raise Replay("the pre-authorized code was already used")
        return TokenResponse(access_token=token, token_type=TOKEN_TYPE_BEARER, expires_in=lifetime)

    # --- Nonce Endpoint (section 7) ---

    def nonce(self) -> NonceResponse:
        """Issue a fresh, unpredictable, single-use ``c_nonce``."""
        value = self._secret()
        expires_at = self.clock.now() + timedelta(seconds=self.policy.nonce_lifetime)
        self.nonces.add_nonce(value, expires_at)
        return NonceResponse(c_nonce=value)

    # --- Credential Endpoint (section 8) ---

    def _grant(self, access_token: str | None) -> AccessGrant:
        if not access_token:
            raise MalformedInput("no access token", claim_path=["access_token"])
        grant = self.offers.access_grant(access_token, self.clock.now())
        if grant is None:
            raise NotFound("unknown or expired access token", claim_path=["access_token"])
        return grant

    def _verify_proofs(
        self, request: CredentialRequest, config: CredentialConfiguration, grant: AccessGrant
    ) -> tuple[VerifiedProof, ...]:
        supported = config.proof_types_supported
        if supported is None:
            return ()  # no cryptographic binding for this configuration
        if request.proofs is None:
            raise MalformedInput("'proofs' is required for this credential", claim_path=["proofs"])
        proof_type = request.proofs.proof_type
        meta = supported.get(proof_type)
        if meta is None:
            raise Unsupported(f"proof type {proof_type!r} is not supported", claim_path=["proofs"])
        count = request.proofs.count
        maximum = min(self.metadata.batch_size, self.limits.max_proofs)
        if count > maximum:
            raise LimitExceeded(
                f"{count} proofs exceed the batch size {maximum}", claim_path=["proofs", proof_type]
            )
        allowed = set(meta.proof_signing_alg_values_supported) & set(DEFAULT_ALLOWED_ALGS)
        required = (
            meta.key_attestations_required.to_json()
            if meta.key_attestations_required is not None
            else None
        )
        nonce_required = self.metadata.nonce_endpoint is not None
        verified: list[VerifiedProof] = []
        if proof_type == PROOF_TYPE_JWT:
            for index, proof in enumerate(request.proofs.jwt or []):
                try:
                    verified.append(
                        verify_jwt_proof(
                            proof,
                            audience=self.metadata.credential_issuer,
                            clock=self.clock,
                            allowed_algs=allowed,
                            client_id=grant.client_id,
                            nonce_required=nonce_required,
                            max_age=self.policy.proof_max_age,
                            leeway=self.policy.leeway,
                            key_attestation_verifier=self.key_attestation_verifier,
                            key_attestations_required=required,
                            limits=self.limits,
                        )
                    )
                except HonninError as exc:
                    raise _at(exc, "proofs", proof_type, index) from exc
        elif proof_type == PROOF_TYPE_ATTESTATION:
            try:
                verified.append(
                    verify_attestation_proof(
                        (request.proofs.attestation or [""])[0],
                        key_attestation_verifier=self.key_attestation_verifier,
                        allowed_algs=allowed,
                        nonce_required=nonce_required,
                        key_attestations_required=required,
                    )
                )
            except HonninError as exc:
                raise _at(exc, "proofs", proof_type, 0) from exc
        else:
            raise Unsupported(f"proof type {proof_type!r} is not supported", claim_path=["proofs"])
        return tuple(verified)

    def credential(
        self, access_token: str | None, body: str | bytes | Mapping[str, Any]
    ) -> IssuanceDecision:
        """Validate a Credential Request; return what to issue or raise the reason not to."""
        grant = self._grant(access_token)
        request = parse_message(
            CredentialRequest,
            body,
            limits=self.limits,
            max_bytes=self.limits.max_request_bytes,
            what="Credential Request",
        )
        if request.credential_response_encryption is not None:
            raise Unsupported(
                "encrypted Credential Responses are not supported",
                claim_path=["credential_response_encryption"],
            )
        if request.credential_identifier is not None:
            # No authorization_details flow here, so no credential_identifiers were issued.
            raise NotFound(
                f"unknown credential_identifier {request.credential_identifier!r}",
                claim_path=["credential_identifier"],
            )
        config_id = request.credential_configuration_id or ""
        config = self.metadata.credential_configurations_supported.get(config_id)
        if config is None:
            raise NotFound(
                f"unknown credential configuration {config_id!r}",
                claim_path=["credential_configuration_id"],
            )
        if config_id not in grant.credential_configuration_ids:
            raise PolicyViolation(f"the access token does not cover {config_id!r}")
        proofs = self._verify_proofs(request, config, grant)
        keys = [key for proof in proofs for key in proof.keys]
        prints = [thumbprint(key) for key in keys]
        if len(set(prints)) != len(prints):
            raise MalformedInput(
                "the same key appears in more than one proof", claim_path=["proofs"]
            )
        if len(keys) > self.metadata.batch_size:
            raise LimitExceeded(
                f"{len(keys)} keys exceed the batch size {self.metadata.batch_size}",
                claim_path=["proofs"],
            )
        if self.metadata.nonce_endpoint is not None:
            now = self.clock.now()
            # All proofs of one request usually share a c_nonce: consume each distinct one once.
            for nonce in dict.fromkeys(p.nonce for p in proofs if p.nonce is not None):
                if not self.nonces.consume(nonce, now):
                    raise NonceMismatch(
                        "c_nonce is unknown, expired or already used", claim_path=["proofs"]
                    )
        notification_id = self._secret(16) if self.metadata.notification_endpoint else None
        return IssuanceDecision(
            offer_id=grant.offer_id,
            credential_configuration_id=config_id,
            configuration=config,
            holder_keys=tuple(keys),
            notification_id=notification_id,
            proofs=proofs,
        )

    # --- Notification Endpoint (section 11) ---

    def notification(
        self, access_token: str | None, body: str | bytes | Mapping[str, Any]
    ) -> NotificationRequest:
        """Validate and record a Notification Request (idempotent for the same event)."""
        self._grant(access_token)
        request = parse_message(
            NotificationRequest, body, limits=self.limits, what="Notification Request"
        )
        if self.notifications is None:
            raise Unsupported("this issuer has no Notification Endpoint")
        if not self.notifications.record_notification(request.notification_id, request.event):
            raise NotFound(f"unknown notification_id {request.notification_id!r}")
        return request

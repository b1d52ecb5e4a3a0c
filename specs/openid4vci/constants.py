"""Registry values of OpenID for Verifiable Credential Issuance 1.0 (final), by section."""

from __future__ import annotations

# Section 4.1.1 and 14.1: the Pre-Authorized Code grant type and its parameters.
GRANT_TYPE_PRE_AUTHORIZED_CODE = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
GRANT_TYPE_AUTHORIZATION_CODE = "authorization_code"
PARAM_PRE_AUTHORIZED_CODE = "pre-authorized_code"
PARAM_TX_CODE = "tx_code"
PARAM_GRANT_TYPE = "grant_type"
PARAM_CLIENT_ID = "client_id"
# Section 4.1.1: tx_code input modes; the default is numeric.
TX_CODE_INPUT_MODE_NUMERIC = "numeric"
TX_CODE_INPUT_MODE_TEXT = "text"
TX_CODE_MAX_DESCRIPTION = 300

# Section 4.1 and 12.1.1: offer link parameters and the custom URL scheme.
PARAM_CREDENTIAL_OFFER = "credential_offer"
PARAM_CREDENTIAL_OFFER_URI = "credential_offer_uri"
CREDENTIAL_OFFER_SCHEME = "openid-credential-offer"

# Section 12.2.2: well-known path of the Credential Issuer Metadata; RFC 8414 for the AS.
WELL_KNOWN_CREDENTIAL_ISSUER = "/.well-known/openid-credential-issuer"
WELL_KNOWN_OAUTH_AUTHORIZATION_SERVER = "/.well-known/oauth-authorization-server"
# Section 12.2.3: signed metadata type.
TYP_ISSUER_METADATA_JWT = "openidvci-issuer-metadata+jwt"

# Section 6.2: token type of the access token (RFC 6750).
TOKEN_TYPE_BEARER = "Bearer"  # noqa: S105 (a token type, not a secret)

# Appendix F: proof types and their JWT types.
PROOF_TYPE_JWT = "jwt"
PROOF_TYPE_DI_VP = "di_vp"
PROOF_TYPE_ATTESTATION = "attestation"
TYP_PROOF_JWT = "openid4vci-proof+jwt"
TYP_KEY_ATTESTATION_JWT = "key-attestation+jwt"
HEADER_KEY_ATTESTATION = "key_attestation"

# Appendix A: Credential Format identifiers.
FORMAT_DC_SD_JWT = "dc+sd-jwt"
FORMAT_MSO_MDOC = "mso_mdoc"
FORMAT_JWT_VC_JSON = "jwt_vc_json"
FORMAT_LDP_VC = "ldp_vc"

# Section 11.1: notification events.
EVENT_CREDENTIAL_ACCEPTED = "credential_accepted"
EVENT_CREDENTIAL_FAILURE = "credential_failure"
EVENT_CREDENTIAL_DELETED = "credential_deleted"
NOTIFICATION_EVENTS = frozenset(
    {EVENT_CREDENTIAL_ACCEPTED, EVENT_CREDENTIAL_FAILURE, EVENT_CREDENTIAL_DELETED}
)

# Section 6.3 (RFC 6749 section 5.2) token endpoint errors.
ERROR_INVALID_REQUEST = "invalid_request"
ERROR_INVALID_GRANT = "invalid_grant"
ERROR_INVALID_CLIENT = "invalid_client"
ERROR_UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
# RFC 6750 section 3.1: bearer token errors at the Credential and Notification Endpoints.
ERROR_INVALID_TOKEN = "invalid_token"  # noqa: S105
# Section 8.3.1.2: Credential Request errors.
ERROR_INVALID_CREDENTIAL_REQUEST = "invalid_credential_request"
ERROR_UNKNOWN_CREDENTIAL_CONFIGURATION = "unknown_credential_configuration"
ERROR_UNKNOWN_CREDENTIAL_IDENTIFIER = "unknown_credential_identifier"
ERROR_INVALID_PROOF = "invalid_proof"
ERROR_INVALID_NONCE = "invalid_nonce"
ERROR_INVALID_ENCRYPTION_PARAMETERS = "invalid_encryption_parameters"
ERROR_CREDENTIAL_REQUEST_DENIED = "credential_request_denied"
# Section 9.3: Deferred Credential error.
ERROR_INVALID_TRANSACTION_ID = "invalid_transaction_id"
# Section 11.3: Notification errors.
ERROR_INVALID_NOTIFICATION_ID = "invalid_notification_id"
ERROR_INVALID_NOTIFICATION_REQUEST = "invalid_notification_request"
# RFC 6749 section 5.2 / RFC 6750: catch-all for failures that are not the client's fault.
ERROR_SERVER_ERROR = "server_error"

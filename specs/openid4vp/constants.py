"""OpenID for Verifiable Presentations 1.0 registry values, named as the spec names them."""

# Section 5.2 (RFC 9101): the Request Object's JOSE `typ`.
REQUEST_OBJECT_TYP = "oauth-authz-req+jwt"
# Section 5.6: the Response Type this specification defines.
RESPONSE_TYPE_VP_TOKEN = "vp_token"  # noqa: S105 (a protocol name, not a secret)
# Section 8.2 and 8.3.1: Response Modes for posting to the Response URI.
RESPONSE_MODE_DIRECT_POST = "direct_post"
RESPONSE_MODE_DIRECT_POST_JWT = "direct_post.jwt"
RESPONSE_MODES = frozenset({RESPONSE_MODE_DIRECT_POST, RESPONSE_MODE_DIRECT_POST_JWT})
# Section 5.8: `aud` of a Request Object under static discovery.
STATIC_DISCOVERY_AUDIENCE = "https://self-issued.me/v2"
# Section 5.1: `request_uri_method` values (case-sensitive).
REQUEST_URI_METHOD_GET = "get"
REQUEST_URI_METHOD_POST = "post"
REQUEST_URI_METHODS = frozenset({REQUEST_URI_METHOD_GET, REQUEST_URI_METHOD_POST})

# Section 5.9.3: Client Identifier Prefixes.
PREFIX_REDIRECT_URI = "redirect_uri"
PREFIX_OPENID_FEDERATION = "openid_federation"
PREFIX_DECENTRALIZED_IDENTIFIER = "decentralized_identifier"
PREFIX_VERIFIER_ATTESTATION = "verifier_attestation"
PREFIX_X509_SAN_DNS = "x509_san_dns"
PREFIX_X509_HASH = "x509_hash"
PREFIX_ORIGIN = "origin"
CLIENT_ID_PREFIXES = frozenset(
    {
        PREFIX_REDIRECT_URI,
        PREFIX_OPENID_FEDERATION,
        PREFIX_DECENTRALIZED_IDENTIFIER,
        PREFIX_VERIFIER_ATTESTATION,
        PREFIX_X509_SAN_DNS,
        PREFIX_X509_HASH,
        PREFIX_ORIGIN,
    }
)
# The prefixes whose requests honnin can authenticate from the request alone (x5c header).
X509_PREFIXES = frozenset({PREFIX_X509_SAN_DNS, PREFIX_X509_HASH})

# Section 5.1: `client_metadata` members.
METADATA_JWKS = "jwks"
METADATA_VP_FORMATS_SUPPORTED = "vp_formats_supported"
METADATA_ENCRYPTED_RESPONSE_ENC_VALUES_SUPPORTED = "encrypted_response_enc_values_supported"
# Section 8.3: content encryption when `encrypted_response_enc_values_supported` is absent.
DEFAULT_ENCRYPTED_RESPONSE_ENC = "A128GCM"

# Section 8.5 and RFC 6749 section 4.1.2.1: Authorization Error Response codes.
ERROR_INVALID_REQUEST = "invalid_request"
ERROR_UNAUTHORIZED_CLIENT = "unauthorized_client"
ERROR_ACCESS_DENIED = "access_denied"
ERROR_UNSUPPORTED_RESPONSE_TYPE = "unsupported_response_type"
ERROR_INVALID_SCOPE = "invalid_scope"
ERROR_SERVER_ERROR = "server_error"
ERROR_TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"
ERROR_INVALID_CLIENT = "invalid_client"
ERROR_VP_FORMATS_NOT_SUPPORTED = "vp_formats_not_supported"
ERROR_INVALID_REQUEST_URI_METHOD = "invalid_request_uri_method"
ERROR_INVALID_TRANSACTION_DATA = "invalid_transaction_data"
ERROR_WALLET_UNAVAILABLE = "wallet_unavailable"
ERROR_CODES = frozenset(
    {
        ERROR_INVALID_REQUEST,
        ERROR_UNAUTHORIZED_CLIENT,
        ERROR_ACCESS_DENIED,
        ERROR_UNSUPPORTED_RESPONSE_TYPE,
        ERROR_INVALID_SCOPE,
        ERROR_SERVER_ERROR,
        ERROR_TEMPORARILY_UNAVAILABLE,
        ERROR_INVALID_CLIENT,
        ERROR_VP_FORMATS_NOT_SUPPORTED,
        ERROR_INVALID_REQUEST_URI_METHOD,
        ERROR_INVALID_TRANSACTION_DATA,
        ERROR_WALLET_UNAVAILABLE,
    }
)

# Section 13.1.2 (static configuration bound to the custom scheme): the request link scheme.
OPENID4VP_SCHEME = "openid4vp"

# Appendix B.2.6.1: the fixed identifier of the OpenID4VP Handover structure.
OPENID4VP_HANDOVER_IDENTIFIER = "OpenID4VPHandover"

# Section 5.1 / 5.2: `nonce` and `state` use only ASCII URL-safe characters.
URL_SAFE_PATTERN = r"^[A-Za-z0-9._~-]+$"

# Media types: Request URI response (section 5.10.1) and Response URI reply (section 8.2).
MEDIA_TYPE_REQUEST_OBJECT = "application/oauth-authz-req+jwt"
MEDIA_TYPE_FORM = "application/x-www-form-urlencoded"

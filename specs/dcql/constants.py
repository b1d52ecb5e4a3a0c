"""DCQL registry values (OpenID for Verifiable Presentations 1.0, section 6 and Appendix B)."""

# Appendix B.3.1 (IETF SD-JWT VC): Credential Format Identifier.
FORMAT_DC_SD_JWT = "dc+sd-jwt"
# Appendix B.2 (ISO mdoc): Credential Format Identifier.
FORMAT_MSO_MDOC = "mso_mdoc"
# Appendix B.1.3.1.1 (W3C VC signed as a JWT, not using JSON-LD).
FORMAT_JWT_VC_JSON = "jwt_vc_json"
# Appendix B.1.3.2.1 (W3C VC secured with Data Integrity).
FORMAT_LDP_VC = "ldp_vc"
KNOWN_FORMATS = frozenset({FORMAT_DC_SD_JWT, FORMAT_MSO_MDOC, FORMAT_JWT_VC_JSON, FORMAT_LDP_VC})
JSON_FORMATS = frozenset({FORMAT_DC_SD_JWT, FORMAT_JWT_VC_JSON, FORMAT_LDP_VC})

# Appendix B.3.3: `meta` member of an SD-JWT VC Credential Query.
META_VCT_VALUES = "vct_values"
# Appendix B.2.3: `meta` member of an mdoc Credential Query.
META_DOCTYPE_VALUE = "doctype_value"
# Appendix B.1.1: `meta` member of a W3C VC Credential Query.
META_TYPE_VALUES = "type_values"

# Section 6.1.1: Trusted Authorities Query types.
TRUSTED_AUTHORITY_AKI = "aki"
TRUSTED_AUTHORITY_ETSI_TL = "etsi_tl"
TRUSTED_AUTHORITY_OPENID_FEDERATION = "openid_federation"

# Section 6.1 and 6.3: `id` values are non-empty alphanumeric, underscore or hyphen strings.
ID_PATTERN = r"^[A-Za-z0-9_-]+$"

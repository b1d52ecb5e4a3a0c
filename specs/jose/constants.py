"""JOSE registry values used by honnin (RFC 7515, RFC 7519)."""

# RFC 7515 section 4.1: header parameters we never act on by fetching.
FORBIDDEN_HEADER_PARAMS = frozenset({"jku", "x5u"})
# RFC 7515 section 4.1.11: header parameters honnin understands when listed in "crit".
DEFAULT_UNDERSTOOD_CRIT: frozenset[str] = frozenset()
# HMAC algorithms are never accepted for signatures verified with public keys.
HMAC_ALGS = frozenset({"HS256", "HS384", "HS512"})
# RFC 7518 section 4.6: the JWE key agreement honnin accepts (direct ECDH-ES, as OpenID4VP uses).
JWE_KEY_MANAGEMENT_ALGS = frozenset({"ECDH-ES"})
# RFC 7518 section 5.3: AES-GCM content encryption (A128GCM is OpenID4VP 1.0's default).
JWE_CONTENT_ENCRYPTION_ALGS = frozenset({"A128GCM", "A256GCM"})
# RFC 7518 section 6.2.1.1 and RFC 8037 section 3.2: curves accepted for ECDH-ES.
JWE_ECDH_CURVES = frozenset({"P-256", "P-384", "P-521", "X25519"})

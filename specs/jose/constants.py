"""JOSE registry values used by honnin (RFC 7515, RFC 7519)."""

# RFC 7515 section 4.1: header parameters we never act on by fetching.
FORBIDDEN_HEADER_PARAMS = frozenset({"jku", "x5u"})
# RFC 7515 section 4.1.11: header parameters honnin understands when listed in "crit".
DEFAULT_UNDERSTOOD_CRIT: frozenset[str] = frozenset()
# HMAC algorithms are never accepted for signatures verified with public keys.
HMAC_ALGS = frozenset({"HS256", "HS384", "HS512"})

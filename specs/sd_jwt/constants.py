"""Registry values of SD-JWT (RFC 9901), named as the RFC names them."""

from __future__ import annotations

# RFC 9901 section 4.2.4.1: the key holding the digests of an object's disclosable claims.
SD_DIGESTS_KEY = "_sd"
# RFC 9901 section 4.2.4.2: the only key of an array element that stands for a digest.
ARRAY_DIGEST_KEY = "..."
# RFC 9901 section 4.1.1: the claim naming the hash algorithm of the digests.
SD_ALG_CLAIM = "_sd_alg"
# RFC 9901 section 4.3: the KB-JWT claim with the digest over the presented SD-JWT.
SD_HASH_CLAIM = "sd_hash"
# RFC 9901 section 4: separator between the issuer-signed JWT, disclosures and KB-JWT.
SEPARATOR = "~"
# RFC 9901 section 4.3: the "typ" header of a Key Binding JWT.
KB_JWT_TYP = "kb+jwt"
# RFC 9901 section 4.1.2: the confirmation claim carrying the holder's public key (RFC 7800).
CNF_CLAIM = "cnf"
CNF_JWK = "jwk"
# RFC 9901 section 8.1: unprotected header parameters of the JWS JSON serialization.
JSON_DISCLOSURES = "disclosures"
JSON_KB_JWT = "kb_jwt"
# RFC 9901 section 11.2: media types.
MEDIA_TYPE_SD_JWT = "application/sd-jwt"
MEDIA_TYPE_SD_JWT_JSON = "application/sd-jwt+json"
MEDIA_TYPE_KB_JWT = "application/kb+jwt"
# RFC 9901 section 4.1.1: default hash algorithm when "_sd_alg" is absent.
DEFAULT_SD_ALG = "sha-256"
# RFC 9901 section 4.1.1 names algorithms from the IANA "Named Information Hash Algorithm"
# registry; these are the ones honnin accepts, mapped to hashlib names.
SD_ALGS: dict[str, str] = {"sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512"}
# RFC 9901 section 4.2.1: salts SHOULD carry 128 bits of entropy.
SALT_BYTES = 16
# Claim names a disclosure may never carry (RFC 9901 section 7.1 step 3.3.2.2).
RESERVED_CLAIM_NAMES = frozenset({SD_DIGESTS_KEY, ARRAY_DIGEST_KEY})

"""Registry values of the My Number Card (JPKI) profile and of honnin's card key attestation.

JPKI values follow J-LIS, "JPKI 証明書プロファイル" (certificate and CRL profile, the
利用者証明用電子証明書 user-authentication certificate) and OpenSC's JPKI emulation
(``pkcs15-jpki.c``) for the PKCS#11 names. Key-attestation values follow OpenID for
Verifiable Credential Issuance 1.0, Appendix D (Key Attestations).
"""

from __future__ import annotations

# --- JPKI user-authentication certificate profile (J-LIS certificate profile) ---

# Certificate policy of the user-authentication certificate (jpki-cp-auth-class30).
JPKI_USER_AUTHENTICATION_POLICY = "1.2.392.200149.8.5.1.3.30"
# Certificate policy of the signing certificate (jpki-cp-sign-class20): never accepted here.
JPKI_DIGITAL_SIGNATURE_POLICY = "1.2.392.200149.8.5.1.1.20"
# Arc of the personal-data attributes (name, sex, birth date, address) carried in the
# subjectAltName of the SIGNING certificate only; a user-authentication certificate has none.
JPKI_PERSONAL_DATA_ARC = "1.2.392.200149.8.5.5"
# Issuer name of the real user-authentication CA (C, O, OU, OU).
JPKI_USER_AUTHENTICATION_ISSUER = (
    ("C", "JP"),
    ("O", "JPKI"),
    ("OU", "JPKI for user authentication"),
    ("OU", "Japan Agency for Local Authority Information Systems"),
)
# Subject attributes the profile allows: C=JP and a serial-like CN, nothing personal.
JPKI_SUBJECT_ATTRIBUTES = frozenset({"C", "CN"})
# RSA key size of the card keys.
JPKI_RSA_KEY_BITS = 2048
# sha256WithRSAEncryption (RFC 4055 section 5).
SHA256_WITH_RSA_ENCRYPTION = "1.2.840.113549.1.1.11"
# Validity: until the holder's 5th birthday after issuance, so at most a little over 5 years.
JPKI_MAX_VALIDITY_DAYS = 6 * 366
# The card signs RSASSA-PKCS1-v1_5 with SHA-256 (JOSE "RS256", RFC 7518 section 3.3).
CARD_JWS_ALG = "RS256"

# --- PKCS#11 names of the JPKI user-authentication AP under OpenSC (pkcs15-jpki.c) ---

# OpenSC names the token "<card label> (<PIN label>)" when a card has several PINs.
JPKI_USER_AUTHENTICATION_TOKEN_LABEL = "JPKI (User Authentication PIN)"  # noqa: S105
JPKI_USER_AUTHENTICATION_KEY_LABEL = "User Authentication Key"
JPKI_USER_AUTHENTICATION_CERT_LABEL = "User Authentication Certificate"
JPKI_USER_AUTHENTICATION_CA_CERT_LABEL = "User Authentication Certificate CA"
JPKI_USER_AUTHENTICATION_KEY_ID = b"\x01"
# The user-authentication PIN: 4 digits, locked after 3 wrong tries.
JPKI_USER_AUTHENTICATION_PIN_LENGTH = 4
JPKI_USER_AUTHENTICATION_PIN_MAX_TRIES = 3

# --- Key attestation (OpenID4VCI 1.0 Appendix D.1) ---

# D.1: "typ" of a key attestation in JWT format.
KEY_ATTESTATION_TYP = "key-attestation+jwt"
# D.1 claims.
CLAIM_ISS = "iss"
CLAIM_IAT = "iat"
CLAIM_EXP = "exp"
CLAIM_NONCE = "nonce"
CLAIM_ATTESTED_KEYS = "attested_keys"
CLAIM_KEY_STORAGE = "key_storage"
CLAIM_USER_AUTHENTICATION = "user_authentication"
# D.2: attack potential resistance values (ISO/IEC 18045).
ISO_18045_HIGH = "iso_18045_high"
ISO_18045_MODERATE = "iso_18045_moderate"
ISO_18045_ENHANCED_BASIC = "iso_18045_enhanced-basic"
ISO_18045_BASIC = "iso_18045_basic"
ATTACK_POTENTIAL_RESISTANCE = frozenset(
    {ISO_18045_HIGH, ISO_18045_MODERATE, ISO_18045_ENHANCED_BASIC, ISO_18045_BASIC}
)
# honnin profile: attested presentation keys are P-256 (ES256) public JWKs.
ATTESTED_KEY_KTY = "EC"
ATTESTED_KEY_CRV = "P-256"
# honnin profile: the longest lifetime (exp - iat) an attestation may claim, and clock skew.
KEY_ATTESTATION_MAX_LIFETIME_SECONDS = 3600
KEY_ATTESTATION_DEFAULT_LIFETIME_SECONDS = 300
KEY_ATTESTATION_CLOCK_SKEW_SECONDS = 60

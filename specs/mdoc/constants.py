"""Registry values of ISO/IEC 18013-5:2021, RFC 9052/9053 (COSE) and OpenID4VP 1.0 for mdoc."""

from __future__ import annotations

from typing import Final

# RFC 8949 section 3.4 / IANA CBOR tags; ISO 18013-5 section 8.1 (tdate, full-date, embedded CBOR).
TAG_TDATE: Final = 0
TAG_ENCODED_CBOR: Final = 24  # "#6.24(bstr .cbor X)"
TAG_FULL_DATE: Final = 1004  # RFC 8943
TAG_COSE_MAC0: Final = 17  # RFC 9052 section 2
TAG_COSE_SIGN1: Final = 18  # RFC 9052 section 2

# RFC 9052 section 3.1 common header parameters; RFC 9360 section 2 (x5chain).
HEADER_ALG: Final = 1
HEADER_CRIT: Final = 2
HEADER_CONTENT_TYPE: Final = 3
HEADER_KID: Final = 4
HEADER_X5CHAIN: Final = 33
UNDERSTOOD_HEADERS: Final = frozenset(
    {HEADER_ALG, HEADER_CRIT, HEADER_CONTENT_TYPE, HEADER_KID, HEADER_X5CHAIN}
)

# RFC 9052 section 4.4 / 6.3: context strings of Sig_structure and MAC_structure.
SIGNATURE1_CONTEXT: Final = "Signature1"
MAC0_CONTEXT: Final = "MAC0"

# RFC 9053 section 3.1: HMAC 256/256.
COSE_ALG_HMAC_256_256: Final = 5

# RFC 9052 section 7.1 / RFC 9053 section 7.1: COSE_Key labels and values.
COSE_KEY_KTY: Final = 1
COSE_KEY_KTY_OKP: Final = 1
COSE_KEY_KTY_EC2: Final = 2
COSE_KEY_CRV: Final = -1
COSE_KEY_X: Final = -2
COSE_KEY_Y: Final = -3
COSE_KEY_D: Final = -4
COSE_CURVES: Final = {1: "P-256", 2: "P-384", 3: "P-521", 6: "Ed25519"}

# ISO 18013-5 section 9.1.2.4: algorithms an mdoc issuer may use for IssuerAuth and DeviceAuth.
ISSUER_AUTH_ALGS: Final = frozenset({"ES256", "ES384", "ES512", "EdDSA"})
DEVICE_AUTH_ALGS: Final = frozenset({"ES256", "ES384", "ES512", "EdDSA"})

# ISO 18013-5 section 9.1.2.4: MobileSecurityObject.
MSO_VERSION: Final = "1.0"
DIGEST_ALGORITHMS: Final = {"SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
DEFAULT_DIGEST_ALGORITHM: Final = "SHA-256"
MIN_RANDOM_BYTES: Final = 16  # section 9.1.2.5: random of at least 16 bytes
ISSUER_RANDOM_BYTES: Final = 32

# ISO 18013-5 section 8.3.2.1.2.2: DeviceResponse.
DEVICE_RESPONSE_VERSION: Final = "1.0"
STATUS_OK: Final = 0
STATUS_GENERAL_ERROR: Final = 10
STATUS_CBOR_DECODING_ERROR: Final = 11
STATUS_CBOR_VALIDATION_ERROR: Final = 12
ERROR_DATA_NOT_RETURNED: Final = 0  # section 8.3.2.1.2.3 ErrorCode

# ISO 18013-5 section 9.1.3.4 / 9.1.3.5: DeviceAuthentication and the EMacKey derivation.
DEVICE_AUTHENTICATION: Final = "DeviceAuthentication"
EMAC_KEY_INFO: Final = b"EMacKey"

# OpenID4VP 1.0 Annex B.2.6.1: the handover for mso_mdoc presentations.
OPENID4VP_HANDOVER: Final = "OpenID4VPHandover"

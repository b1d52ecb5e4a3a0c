"""Registry values of VCDM 2.0, VC Data Integrity 1.0, vc-di-ecdsa 1.0 and the honnin context."""

from __future__ import annotations

# VCDM 2.0 section 4.3 (Contexts): the base context, always first.
CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
# VCDM 2.0 appendix B.1: the published SHA-256 of the base context.
CREDENTIALS_V2_SHA256 = "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
# VC Data Integrity 1.0 section 2.1 (Proofs): the context defining DataIntegrityProof.
DATA_INTEGRITY_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"
DATA_INTEGRITY_V2_SHA256 = "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4"
# Our own versioned context for the honnin credential types (specs/w3c_vc/contexts/).
HONNIN_CREDENTIALS_V1_CONTEXT = "https://honnin.example/contexts/credentials/v1"
# Frozen once published: any change of meaning goes into a v2 context.
HONNIN_CREDENTIALS_V1_SHA256 = "33a3ee6e732ea857dc94a0f4c628135d4dceccbbada372a3196c5b03b285a488"
HONNIN_VOCAB = "https://honnin.example/vocab#"

# VCDM 2.0 section 6.1 (Media types).
MEDIA_TYPE_VC = "application/vc"
MEDIA_TYPE_VP = "application/vp"
# OpenID4VCI 1.0 appendix A.1.2: Data Integrity VCs using JSON-LD.
OPENID4VCI_FORMAT_LDP_VC = "ldp_vc"
OPENID4VP_FORMAT_LDP_VP = "ldp_vp"

# VCDM 2.0 section 4.5 (Types).
TYPE_VERIFIABLE_CREDENTIAL = "VerifiableCredential"
TYPE_VERIFIABLE_PRESENTATION = "VerifiablePresentation"

# VCDM 2.0 sections 4.4-4.10: member names.
CLAIM_CONTEXT = "@context"
CLAIM_ID = "id"
CLAIM_TYPE = "type"
CLAIM_ISSUER = "issuer"
CLAIM_VALID_FROM = "validFrom"
CLAIM_VALID_UNTIL = "validUntil"
CLAIM_CREDENTIAL_SUBJECT = "credentialSubject"
CLAIM_CREDENTIAL_STATUS = "credentialStatus"
CLAIM_CREDENTIAL_SCHEMA = "credentialSchema"
CLAIM_PROOF = "proof"

# VCDM 2.0 section 4.11 (Data Schemas): the schema type for JSON Schema.
TYPE_JSON_SCHEMA = "JsonSchema"

# VC Data Integrity 1.0 section 2.1: proof type and members.
PROOF_TYPE_DATA_INTEGRITY = "DataIntegrityProof"
PROOF_PURPOSE_ASSERTION_METHOD = "assertionMethod"
PROOF_PURPOSE_AUTHENTICATION = "authentication"

# vc-di-ecdsa 1.0 section 2.2.1: the cryptosuite identifiers.
CRYPTOSUITE_ECDSA_RDFC_2019 = "ecdsa-rdfc-2019"
CRYPTOSUITE_ECDSA_SD_2023 = "ecdsa-sd-2023"

# vc-di-ecdsa 1.0 section 3.5.2/3.5.7: ECDSA-SD proof value header bytes.
ECDSA_SD_BASE_PROOF_HEADER = bytes([0xD9, 0x5D, 0x00])
ECDSA_SD_DERIVED_PROOF_HEADER = bytes([0xD9, 0x5D, 0x01])

# Controlled Identifiers 1.0 section 2.4 (Multibase) prefixes.
MULTIBASE_BASE58BTC = "z"
MULTIBASE_BASE64URL_NO_PAD = "u"

# Multicodec varint headers for Multikey public keys (vc-di-ecdsa 1.0 section 2.1.1).
MULTICODEC_P256_PUB = bytes([0x80, 0x24])
MULTICODEC_P384_PUB = bytes([0x81, 0x24])
MULTICODEC_P256_PRIV = bytes([0x86, 0x26])
MULTICODEC_P384_PRIV = bytes([0x87, 0x26])

# vc-di-ecdsa 1.0 section 3.4.7: the URN scheme for skolemized blank nodes.
SKOLEM_URN_SCHEME = "custom-scheme"

# did:key method (W3C CCG did:key 0.7): prefix of a did:key identifier.
DID_KEY_PREFIX = "did:key:"

# honnin's mandatory pointers: issuer, type and validity are always revealed; the
# credentialSchema is revealed so a verifier knows which version of the type it reads.
HONNIN_MANDATORY_POINTERS: tuple[str, ...] = (
    "/issuer",
    "/type",
    "/validFrom",
    "/validUntil",
    "/credentialSchema",
)

"""Registry values of SD-JWT VC (draft-ietf-oauth-sd-jwt-vc), named as the draft names them."""

from __future__ import annotations

# Section 2.2.1: the "typ" of an SD-JWT VC; "vc+sd-jwt" is the name used by earlier drafts,
# accepted on verification during the transition.
TYP_DC_SD_JWT = "dc+sd-jwt"
TYP_VC_SD_JWT_LEGACY = "vc+sd-jwt"
ACCEPTED_TYPS = frozenset({TYP_DC_SD_JWT, TYP_VC_SD_JWT_LEGACY})
# Section 10 (IANA): media type.
MEDIA_TYPE_DC_SD_JWT = "application/dc+sd-jwt"
# Section 2.2.2.1 / 2.2.2.3: claim names.
VCT = "vct"
VCT_INTEGRITY = "vct#integrity"
AKA_VCTS = "aka_vcts"
ISS = "iss"
NBF = "nbf"
EXP = "exp"
IAT = "iat"
SUB = "sub"
CNF = "cnf"
STATUS = "status"
# Token Status List (draft-ietf-oauth-status-list) section 6.1: the referenced-token claim.
STATUS_LIST = "status_list"
# Section 2.2.2.3: claims (with their sub-claims) that MUST NOT be selectively disclosed.
NEVER_DISCLOSABLE = frozenset({ISS, NBF, EXP, CNF, VCT, VCT_INTEGRITY, AKA_VCTS, STATUS})
# Section 4: the well-known suffix of JWT VC Issuer Metadata.
JWT_VC_ISSUER_WELL_KNOWN = "/.well-known/jwt-vc-issuer"
# Section 5.2 (Type Metadata) claim metadata "sd" values.
SD_ALWAYS = "always"
SD_ALLOWED = "allowed"
SD_NEVER = "never"
# Section 5.4: "extends" and the integrity of the referenced documents.
EXTENDS = "extends"
EXTENDS_INTEGRITY = "extends#integrity"
SCHEMA_URI_INTEGRITY = "schema_uri#integrity"

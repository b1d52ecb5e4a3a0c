"""Registry values of the IETF Token Status List (draft-ietf-oauth-status-list)."""

from __future__ import annotations

# Section "Compressed Byte Array": the allowed number of bits per Referenced Token.
ALLOWED_BITS: frozenset[int] = frozenset({1, 2, 4, 8})

# Section "Status Types Values".
STATUS_VALID = 0x00
STATUS_INVALID = 0x01
STATUS_SUSPENDED = 0x02
# 0x03 and 0x0C..0x0F are reserved as application specific.
STATUS_APPLICATION_SPECIFIC: frozenset[int] = frozenset({0x03, 0x0C, 0x0D, 0x0E, 0x0F})

# Section "Status List Token in JWT Format": the JWT "typ" header value.
TYP_STATUSLIST_JWT = "statuslist+jwt"
# Section "Media Type Registration".
MEDIA_TYPE_STATUSLIST_JWT = "application/statuslist+jwt"
MEDIA_TYPE_STATUSLIST_CWT = "application/statuslist+cwt"

# JSON claim and member names (sections "Status List in JSON Format", "Referenced Token in JOSE").
CLAIM_STATUS = "status"
CLAIM_STATUS_LIST = "status_list"
CLAIM_TTL = "ttl"
MEMBER_BITS = "bits"
MEMBER_LST = "lst"
MEMBER_AGGREGATION_URI = "aggregation_uri"
MEMBER_IDX = "idx"
MEMBER_URI = "uri"
# Section "Status List Aggregation Data Structure".
MEMBER_STATUS_LISTS = "status_lists"

# Section "Status List Token in CWT Format" (RFC 8392 claim keys and the draft's new ones).
CWT_CLAIM_SUB = 2
CWT_CLAIM_EXP = 4
CWT_CLAIM_IAT = 6
CWT_CLAIM_TTL = 65534
CWT_CLAIM_STATUS_LIST = 65533
# Section "Referenced Token in COSE": the status claim of a CWT.
CWT_CLAIM_STATUS = 65535
# RFC 9052 section 3.1 header labels; RFC 9596 "typ" (16).
COSE_HEADER_ALG = 1
COSE_HEADER_KID = 4
COSE_HEADER_TYP = 16
# RFC 9052 section 2: COSE_Sign1_Tagged.
COSE_SIGN1_TAG = 18
# RFC 8392 section 6: the CWT tag, which a Status List Token MUST NOT carry.
CWT_TAG = 61

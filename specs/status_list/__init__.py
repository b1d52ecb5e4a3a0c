"""Status lists: the IETF Token Status List (and, in ``bitstring``, W3C Bitstring Status List)."""

from specs.status_list.allocation import allocate_index, random_below
from specs.status_list.constants import (
    MEDIA_TYPE_STATUSLIST_CWT,
    MEDIA_TYPE_STATUSLIST_JWT,
    STATUS_INVALID,
    STATUS_SUSPENDED,
    STATUS_VALID,
    TYP_STATUSLIST_JWT,
)
from specs.status_list.reference import (
    StatusReference,
    parse_cbor_status,
    parse_status_claim,
    require_valid,
)
from specs.status_list.token import (
    VerifiedStatusList,
    sign_status_list_cwt,
    sign_status_list_jwt,
    verify_status_list_cwt,
    verify_status_list_jwt,
)
from specs.status_list.token_status_list import StatusList, decompress_bounded

# W3C Bitstring Status List lives in specs.status_list.bitstring (import it from there).

__all__ = [
    "MEDIA_TYPE_STATUSLIST_CWT",
    "MEDIA_TYPE_STATUSLIST_JWT",
    "STATUS_INVALID",
    "STATUS_SUSPENDED",
    "STATUS_VALID",
    "TYP_STATUSLIST_JWT",
    "StatusList",
    "StatusReference",
    "VerifiedStatusList",
    "allocate_index",
    "decompress_bounded",
    "parse_cbor_status",
    "parse_status_claim",
    "random_below",
    "require_valid",
    "sign_status_list_cwt",
    "sign_status_list_jwt",
    "verify_status_list_cwt",
    "verify_status_list_jwt",
]

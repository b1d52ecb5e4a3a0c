"""Named purposes a verifier asks for, each one DCQL query (OpenID4VP 1.0 section 6).

A purpose id is what the trust list registers the verifier for (``intended_uses``), what
the HR desk picks, and what the wallet shows the person. Claim names come from the
credential types in ``specs.credentials`` so a renamed claim breaks here, not in payroll.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from specs.credentials import WITHHOLDING_SLIP_V1, CredentialType
from specs.credentials.mdoc import claim_path_of, element_paths, mdoc_doctype
from specs.dcql import DcqlQuery, parse_dcql_query
from specs.dcql.constants import (
    FORMAT_DC_SD_JWT,
    FORMAT_LDP_VC,
    FORMAT_MSO_MDOC,
    META_DOCTYPE_VALUE,
    META_TYPE_VALUES,
    META_VCT_VALUES,
)
from specs.errors import NotFound
from specs.w3c_vc.vocabulary import expanded_types

YEAR_END_ADJUSTMENT = "year-end-adjustment"  # 年末調整
# The same items asked for as an ISO mdoc (OpenID4VP 1.0 Appendix B.2).
YEAR_END_ADJUSTMENT_MDOC = "year-end-adjustment-mdoc"
# ... and as a W3C VC with Data Integrity (OpenID4VP 1.0 Appendix B.1.3.2).
YEAR_END_ADJUSTMENT_LDP_VC = "year-end-adjustment-ldp-vc"
# ldp_vc claim paths start at the VC root (OpenID4VP 1.0 Appendix B.1.1).
_LDP_VC_SUBJECT = "credentialSubject"
SLIP_QUERY_ID = "withholding_slip"

# The withholding-slip items payroll needs for 年末調整 from a previous employer this year.
_CORE_ITEMS: tuple[tuple[str, ...], ...] = (
    ("tax_year",),
    ("payer", "name"),
    ("payer", "corporate_number"),
    ("recipient", "name"),
    ("payment_amount",),
    ("income_after_deduction",),
    ("total_income_deductions",),
    ("withheld_tax",),
)
_DEDUCTION_ITEMS: tuple[tuple[str, ...], ...] = (("social_insurance_premiums",),)
# 中途就・退職: on the slip of everyone who left during the year, so on every slip this
# purpose is for; still optional (a slip without it is answered by the sets without it).
_MID_YEAR_CHANGE: tuple[str, ...] = ("mid_year_change",)
# Present on a slip only when they apply; asked for, never required.
_IF_PRESENT_ITEMS: tuple[tuple[str, ...], ...] = (
    ("life_insurance_deduction",),
    ("earthquake_insurance_deduction",),
    ("housing_loan_credit",),
    ("dependents",),
    ("dependents_under_16",),
    ("mid_year_change",),
)


@dataclass(frozen=True, slots=True)
class Purpose:
    """A named reason to ask: its labels, the credential type and the DCQL query."""

    id: str
    name_ja: str
    name_en: str
    credential_type: CredentialType[Any]
    query: DcqlQuery

    @property
    def requested_paths(self) -> tuple[tuple[str | int | None, ...], ...]:
        """Every claim path the query may ask for (to check against the trust list).

        mdoc ``[namespace, element]`` paths are given as the type's claim paths, which is
        what the trust list registers whatever the format.
        """
        return tuple(
            claim_path_of(self.credential_type, str(claim.path[0]), str(claim.path[1]))
            if cq.format == FORMAT_MSO_MDOC
            else tuple(claim.path[1:])
            if cq.format == FORMAT_LDP_VC and claim.path[0] == _LDP_VC_SUBJECT
            else tuple(claim.path)
            for cq in self.query.credentials
            for claim in (cq.claims or ())
        )


def _claim_id(path: Sequence[str]) -> str:
    return "_".join(path)


def _mdoc_claims(
    credential_type: CredentialType[Any], items: Sequence[tuple[str, ...]]
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    # An mdoc discloses per element: a nested claim (the leave date) is all of its elements.
    claims: list[dict[str, Any]] = []
    ids: dict[str, list[str]] = {}
    for path in items:
        for namespace, element in element_paths(credential_type, path):
            if element not in {c["id"] for c in claims}:
                claims.append({"id": element, "path": [namespace, element]})
            ids.setdefault(_claim_id(path), []).append(element)
    return claims, ids


def _slip_query(
    credential_type: CredentialType[Any], credential_format: str = FORMAT_DC_SD_JWT
) -> DcqlQuery:
    items = (*_CORE_ITEMS, *_DEDUCTION_ITEMS, *_IF_PRESENT_ITEMS)
    for path in items:
        credential_type.claim(path)  # raises if the type has no such claim
    if credential_format == FORMAT_MSO_MDOC:
        claims, ids = _mdoc_claims(credential_type, items)
        meta: dict[str, Any] = {META_DOCTYPE_VALUE: mdoc_doctype(credential_type)}
    elif credential_format == FORMAT_LDP_VC:
        claims = [{"id": _claim_id(p), "path": [_LDP_VC_SUBJECT, *p]} for p in items]
        ids = {_claim_id(p): [_claim_id(p)] for p in items}
        meta = {META_TYPE_VALUES: [list(expanded_types(credential_type))]}
    else:
        claims = [{"id": _claim_id(p), "path": list(p)} for p in items]
        ids = {_claim_id(p): [_claim_id(p)] for p in items}
        meta = {META_VCT_VALUES: [credential_type.vct]}

    def expand(paths: Sequence[tuple[str, ...]]) -> list[str]:
        return list(dict.fromkeys(i for p in paths for i in ids[_claim_id(p)]))

    core = expand(_CORE_ITEMS)
    deductions = expand(_DEDUCTION_ITEMS)
    change = expand([_MID_YEAR_CHANGE])
    every = expand(items)
    # Section 6.4.1: the wallet takes the first claim set it can satisfy, so the fullest first.
    # A claim set is all or nothing: one absent if-present item (most slips have no housing
    # loan credit) drops the whole fullest set, so the leave date, which every previous
    # employer's slip carries, gets its own fallbacks instead of riding on ``every``.
    return parse_dcql_query(
        {
            "credentials": [
                {
                    "id": SLIP_QUERY_ID,
                    "format": credential_format,
                    "meta": meta,
                    "claims": claims,
                    "claim_sets": [
                        every,
                        [*core, *deductions, *change],
                        [*core, *deductions],
                        [*core, *change],
                        core,
                    ],
                }
            ]
        }
    )


PURPOSES: dict[str, Purpose] = {
    YEAR_END_ADJUSTMENT: Purpose(
        id=YEAR_END_ADJUSTMENT,
        name_ja="年末調整(前職の源泉徴収票)",
        name_en="Year-end tax adjustment (previous employer's withholding slip)",
        credential_type=WITHHOLDING_SLIP_V1,
        query=_slip_query(WITHHOLDING_SLIP_V1),
    ),
    YEAR_END_ADJUSTMENT_MDOC: Purpose(
        id=YEAR_END_ADJUSTMENT_MDOC,
        name_ja="年末調整(前職の源泉徴収票、mdoc)",
        name_en="Year-end tax adjustment (previous employer's withholding slip as mdoc)",
        credential_type=WITHHOLDING_SLIP_V1,
        query=_slip_query(WITHHOLDING_SLIP_V1, FORMAT_MSO_MDOC),
    ),
    YEAR_END_ADJUSTMENT_LDP_VC: Purpose(
        id=YEAR_END_ADJUSTMENT_LDP_VC,
        name_ja="年末調整(前職の源泉徴収票、W3C VC)",
        name_en="Year-end tax adjustment (previous employer's withholding slip as W3C VC)",
        credential_type=WITHHOLDING_SLIP_V1,
        query=_slip_query(WITHHOLDING_SLIP_V1, FORMAT_LDP_VC),
    ),
}


def over_asking(chosen: Purpose, extra: Sequence[Sequence[str | int | None]]) -> Purpose:
    """Return ``chosen`` also asking for ``extra`` claim paths, in a new first claim set.

    For testing how wallets refuse items beyond a registration: the extra items go into a
    fullest claim set tried first, so a wallet that withholds them still answers from the
    purpose's own sets (OpenID4VP 1.0 section 6.4.1). Nothing here checks the trust list.
    """
    if not extra:
        return chosen
    document = chosen.query.to_json()
    (credential,) = document["credentials"]
    claims = credential["claims"]
    known = {tuple(c["path"]) for c in claims}
    ids = []
    for path in extra:
        if tuple(path) in known:
            continue
        known.add(tuple(path))
        claim_id = "also_" + "_".join("all" if p is None else str(p) for p in path)
        claims.append({"id": claim_id, "path": list(path)})
        ids.append(claim_id)
    sets = credential["claim_sets"]
    credential["claim_sets"] = [[*sets[0], *ids], *sets]
    return dataclasses.replace(chosen, query=parse_dcql_query(document))


def purpose(purpose_id: str) -> Purpose:
    """Return the purpose named ``purpose_id`` or raise ``NotFound``."""
    try:
        return PURPOSES[purpose_id]
    except KeyError:
        raise NotFound(
            f"unknown purpose {purpose_id!r}; known: {', '.join(sorted(PURPOSES))}"
        ) from None


__all__ = [
    "PURPOSES",
    "SLIP_QUERY_ID",
    "YEAR_END_ADJUSTMENT",
    "YEAR_END_ADJUSTMENT_LDP_VC",
    "YEAR_END_ADJUSTMENT_MDOC",
    "Purpose",
    "over_asking",
    "purpose",
]

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
from specs.dcql import DcqlQuery, parse_dcql_query
from specs.dcql.constants import FORMAT_DC_SD_JWT, META_VCT_VALUES
from specs.errors import NotFound

YEAR_END_ADJUSTMENT = "year-end-adjustment"  # 年末調整
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
        """Every claim path the query may ask for (to check against the trust list)."""
        return tuple(
            tuple(claim.path) for cq in self.query.credentials for claim in (cq.claims or ())
        )


def _claim_id(path: Sequence[str]) -> str:
    return "_".join(path)


def _slip_query(credential_type: CredentialType[Any]) -> DcqlQuery:
    items = (*_CORE_ITEMS, *_DEDUCTION_ITEMS, *_IF_PRESENT_ITEMS)
    for path in items:
        credential_type.claim(path)  # raises if the type has no such claim
    core = [_claim_id(p) for p in _CORE_ITEMS]
    deductions = [_claim_id(p) for p in _DEDUCTION_ITEMS]
    change = [_claim_id(_MID_YEAR_CHANGE)]
    every = [_claim_id(p) for p in items]
    # Section 6.4.1: the wallet takes the first claim set it can satisfy, so the fullest first.
    # A claim set is all or nothing: one absent if-present item (most slips have no housing
    # loan credit) drops the whole fullest set, so the leave date, which every previous
    # employer's slip carries, gets its own fallbacks instead of riding on ``every``.
    return parse_dcql_query(
        {
            "credentials": [
                {
                    "id": SLIP_QUERY_ID,
                    "format": FORMAT_DC_SD_JWT,
                    "meta": {META_VCT_VALUES: [credential_type.vct]},
                    "claims": [{"id": _claim_id(p), "path": list(p)} for p in items],
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
    "Purpose",
    "over_asking",
    "purpose",
]

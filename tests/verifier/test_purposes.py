"""The year-end purpose's DCQL query answers with the leave date (中途就・退職) of real slips.

A leaver's slip rarely carries every if-present item (housing loan credit, insurance
deductions, dependants); a claim set is all or nothing (OpenID4VP 1.0 section 6.4.1), so
the leave date must not depend on the fullest set being satisfiable.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from honnin.sample_data import SampleData
from specs.credentials import WITHHOLDING_SLIP_V1, WithholdingSlip
from specs.dcql.matching import Candidate, match_query
from verifier.export import export_csv
from verifier.purposes import SLIP_QUERY_ID, YEAR_END_ADJUSTMENT, purpose


def _leaver_slip(seed: int) -> WithholdingSlip:
    sample = SampleData(seed=seed)
    employer = SampleData(seed=1).employer()
    return sample.withholding_slip(sample.person(), employer, leave_date=date(2026, 6, 30))


def _disclosed(slip: WithholdingSlip) -> tuple[tuple[str | int, ...], ...]:
    candidate = Candidate(
        id="slip",
        format="dc+sd-jwt",
        claims=WITHHOLDING_SLIP_V1.to_claims(slip),
        vcts=(WITHHOLDING_SLIP_V1.vct,),
    )
    matched = match_query(purpose(YEAR_END_ADJUSTMENT).query, [candidate])
    assert matched.satisfied
    return matched.selection[SLIP_QUERY_ID][0].disclose


@pytest.mark.parametrize("seed", [2026, 7, 11])
def test_a_leavers_slip_discloses_its_leave_date(seed: int) -> None:
    slip = _leaver_slip(seed)
    assert slip.mid_year_change is not None
    assert slip.housing_loan_credit is None  # so the fullest claim set cannot be satisfied
    disclosed = _disclosed(slip)
    assert ("mid_year_change",) in disclosed
    assert ("payment_amount",) in disclosed
    assert ("social_insurance_premiums",) in disclosed


def test_a_slip_without_a_leave_date_still_answers_the_core_items() -> None:
    slip = dataclasses.replace(_leaver_slip(2026), mid_year_change=None)
    disclosed = _disclosed(slip)
    assert ("mid_year_change",) not in disclosed
    assert ("withheld_tax",) in disclosed


def test_the_payroll_export_carries_the_leave_date() -> None:
    result = {
        "transaction_id": "t1",
        "purpose": YEAR_END_ADJUSTMENT,
        "claims": {"mid_year_change/kind": "leave", "mid_year_change/date": "2026-06-30"},
    }
    header, row = export_csv([result]).splitlines()
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert values["mid_year_change_kind"] == "leave"
    assert values["mid_year_change_date"] == "2026-06-30"

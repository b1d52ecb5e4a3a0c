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
from verifier.purposes import SLIP_QUERY_ID, YEAR_END_ADJUSTMENT, over_asking, purpose


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


def test_over_asking_puts_the_extra_items_in_a_new_first_claim_set() -> None:
    chosen = purpose(YEAR_END_ADJUSTMENT)
    asked = over_asking(chosen, [("recipient", "my_number"), ("recipient", "address")])
    (query,) = asked.query.credentials
    (original,) = chosen.query.credentials
    assert query.claim_sets is not None
    assert original.claim_sets is not None
    assert query.claim_sets[1:] == original.claim_sets
    assert query.claim_sets[0] == (
        *original.claim_sets[0],
        "also_recipient_my_number",
        "also_recipient_address",
    )
    assert asked.requested_paths[-2:] == (("recipient", "my_number"), ("recipient", "address"))
    # The purpose itself is unchanged (what the trust-list check and the export use).
    assert ("recipient", "address") not in chosen.requested_paths


def test_over_asking_a_wallet_answers_from_the_purposes_own_sets() -> None:
    slip = _leaver_slip(2026)
    candidate = Candidate(
        id="slip",
        format="dc+sd-jwt",
        claims=WITHHOLDING_SLIP_V1.to_claims(slip),
        vcts=(WITHHOLDING_SLIP_V1.vct,),
    )
    asked = over_asking(purpose(YEAR_END_ADJUSTMENT), [("recipient", "my_number")])
    matched = match_query(asked.query, [candidate])
    assert matched.satisfied  # the slip has no My Number: the fullest set is skipped
    assert ("recipient", "my_number") not in matched.selection[SLIP_QUERY_ID][0].disclose


def test_over_asking_nothing_or_registered_items_adds_no_claim() -> None:
    chosen = purpose(YEAR_END_ADJUSTMENT)
    assert over_asking(chosen, []) is chosen
    same = over_asking(chosen, [("payment_amount",)])
    assert same.requested_paths == chosen.requested_paths

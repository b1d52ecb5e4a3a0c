"""The verifier pipeline's hot-path shortcuts equal the plain constructions they replace."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.credentials import check_corporate_number
from specs.credentials.check_digits import corporate_number_check_digit
from specs.errors import ValidationError
from verifier.pipeline import PASSED, StepLog, StepOutcome


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=8), st.none() | st.text(max_size=8), st.none() | st.text(max_size=8))
def test_passed_outcome_equals_the_dataclass(
    name: str, detail: str | None, query: str | None
) -> None:
    log = StepLog()
    log.passed(name, query, detail)
    (made,) = log.outcomes
    plain = StepOutcome(name, PASSED, detail=detail, query_id=query)
    assert made == plain
    assert hash(made) == hash(plain)
    assert made.to_json() == plain.to_json()
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.name = "other"  # type: ignore[misc]


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[0-9]{13}", fullmatch=True))
def test_corporate_number_check_agrees_with_the_check_digit(number: str) -> None:
    expected = int(number[0]) == corporate_number_check_digit(number[1:])
    try:
        check_corporate_number(number)
    except ValidationError:
        assert not expected
    else:
        assert expected

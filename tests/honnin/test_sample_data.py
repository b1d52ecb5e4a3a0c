"""Deterministic sample data: same seed, same people; every generated credential is valid."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honnin.sample_data import (
    SampleData,
    basic_deduction,
    employment_income_deduction,
    income_tax,
)
from specs.credentials import (
    BASIC_PENSION_NUMBER_V1,
    EMPLOYMENT_CERTIFICATE_V1,
    EMPLOYMENT_INSURANCE_NUMBER_V1,
    ENROLLMENT_CERTIFICATE_V1,
    GRADUATION_CERTIFICATE_V1,
    SEPARATION_CERTIFICATE_V1,
    WITHHOLDING_SLIP_V1,
    check_corporate_number,
)
from specs.credentials.constants import LSA22_ITEMS
from specs.credentials.payroll_csv import parse_payroll_csv
from specs.credentials.values import KANA_PATTERN


def test_same_seed_same_data() -> None:
    assert SampleData(42).payroll(5) == SampleData(42).payroll(5)
    assert SampleData(42).payroll_csv(5) == SampleData(42).payroll_csv(5)
    assert SampleData(42).person() == SampleData(42).person()


def test_different_seeds_differ() -> None:
    assert SampleData(1).payroll(5) != SampleData(2).payroll(5)


def test_people_look_japanese() -> None:
    data = SampleData(3)
    for _ in range(20):
        person = data.person()
        assert re.search(KANA_PATTERN, person.name_kana)
        assert "\u3000" in person.name
        assert re.search("[都道府県]", person.address)
        assert date(1960, 1, 1) <= person.birth_date <= date(2003, 12, 31)


def test_employers_have_valid_corporate_numbers() -> None:
    data = SampleData(4)
    numbers = {data.employer().corporate_number for _ in range(50)}
    assert len(numbers) == 50
    for number in numbers:
        check_corporate_number(number)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from([2019, 2024, 2025, 2026]))
def test_generated_slips_are_valid_and_plausible(seed: int, tax_year: int) -> None:
    for slip in SampleData(seed).payroll(5, tax_year=tax_year):
        WITHHOLDING_SLIP_V1.validate(slip)
        assert 0 <= slip.withheld_tax < slip.payment_amount // 5
        assert slip.income_after_deduction <= slip.payment_amount
        assert slip.payment_amount >= 180_000
        if slip.mid_year_change is not None:
            assert slip.mid_year_change.kind == "leave"
            assert slip.mid_year_change.date.year == tax_year


def test_payroll_csv_reads_back() -> None:
    data = SampleData(9)
    text = data.payroll_csv(30)
    result = parse_payroll_csv(text)
    assert result.errors == ()
    assert len(result.rows) == 30
    assert [row.slip for row in result.rows] == SampleData(9).payroll(30)


def test_other_credentials_are_valid() -> None:
    data = SampleData(8)
    for _ in range(10):
        person, employer = data.person(), data.employer()
        EMPLOYMENT_CERTIFICATE_V1.validate(
            data.employment_certificate(person, employer, as_of=date(2026, 7, 1))
        )
        for count in range(1, len(LSA22_ITEMS) + 1):
            SEPARATION_CERTIFICATE_V1.validate(
                data.separation_certificate(
                    person, employer, leave_date=date(2026, 6, 30), requested=LSA22_ITEMS[:count]
                )
            )
        EMPLOYMENT_INSURANCE_NUMBER_V1.validate(data.employment_insurance_number(person))
        BASIC_PENSION_NUMBER_V1.validate(data.basic_pension_number(person))
        student = data.person(born_between=(2004, 2007))
        ENROLLMENT_CERTIFICATE_V1.validate(
            data.enrollment_certificate(student, as_of=date(2026, 7, 1))
        )
        GRADUATION_CERTIFICATE_V1.validate(data.graduation_certificate(person))


@pytest.mark.parametrize(
    ("payment", "year", "deduction"),
    [
        (1_000_000, 2024, 550_000),
        (1_000_000, 2026, 650_000),
        (500_000, 2026, 500_000),  # never more than the payment
        (3_000_000, 2026, 980_000),
        (5_000_000, 2026, 1_440_000),
        (8_000_000, 2026, 1_900_000),
        (10_000_000, 2026, 1_950_000),
    ],
)
def test_employment_income_deduction(payment: int, year: int, deduction: int) -> None:
    assert employment_income_deduction(payment, year) == deduction


def test_basic_deduction_and_tax() -> None:
    assert basic_deduction(3_000_000, 2024) == 480_000
    assert basic_deduction(1_000_000, 2026) == 950_000
    assert basic_deduction(10_000_000, 2026) == 580_000
    assert income_tax(0) == 0
    # 1,000,000 taxable at 5% = 50,000; with the 2.1% surtax 51,050; down to 100 yen: 51,000.
    assert income_tax(1_000_999) == 51_000
    # 5,000,000 at 20% less 427,500 = 572,500; x 1.021 = 584,522.5 -> 584,500.
    assert income_tax(5_000_000) == 584_500

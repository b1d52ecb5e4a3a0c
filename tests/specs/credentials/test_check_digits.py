"""Corporate number (法人番号) and individual number (個人番号) check digits."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.credentials import (
    check_corporate_number,
    check_individual_number,
    corporate_number_check_digit,
    individual_number_check_digit,
)
from specs.errors import ValidationError

# 国税庁 (National Tax Agency): 7000012050002, as printed with its name in public NTA
# material (e.g. the JIPDEC seminar page by the NTA's corporate number office). The others
# are national agencies' and a listed company's published numbers, recalled and checked here
# only against the algorithm.
PUBLIC_CORPORATE_NUMBERS = [
    "7000012050002",  # 国税庁
    "2000012020001",  # 総務省
    "1000012030001",  # 法務省
    "2000012010019",  # 内閣府
    "4000012010017",  # デジタル庁
    "1180301018771",  # トヨタ自動車株式会社
]


@pytest.mark.parametrize("number", PUBLIC_CORPORATE_NUMBERS)
def test_public_corporate_numbers_pass(number: str) -> None:
    check_corporate_number(number)
    assert corporate_number_check_digit(number[1:]) == int(number[0])


def test_nta_check_digit_worked_example() -> None:
    # Base 000012050002, digits from the right weighted 1,2,1,2,...: 2+5+2+1*2 = 11;
    # 11 mod 9 = 2; 9 - 2 = 7.
    assert corporate_number_check_digit("000012050002") == 7


@pytest.mark.parametrize("number", PUBLIC_CORPORATE_NUMBERS)
def test_any_single_digit_change_is_caught(number: str) -> None:
    # Changing one digit by d changes the weighted sum by d or 2d, never by 0 mod 9 unless
    # d is 9 at weight 1 (0 <-> 9), which the algorithm cannot see; count the misses exactly.
    misses = 0
    for i in range(13):
        for d in "0123456789":
            if d == number[i]:
                continue
            changed = number[:i] + d + number[i + 1 :]
            try:
                check_corporate_number(changed)
                misses += 1
                assert {d, number[i]} == {"0", "9"}
            except ValidationError:
                pass
    assert misses <= 13


def test_individual_number_example() -> None:
    # The widely used specimen 123456789018: weights 2..7 then 2..6 from the right;
    # sum = 1*2+0*3+9*4+8*5+7*6+6*7+5*2+4*3+3*4+2*5+1*6 = 212; 212 mod 11 = 3; 11 - 3 = 8.
    assert individual_number_check_digit("12345678901") == 8
    check_individual_number("123456789018")
    with pytest.raises(ValidationError):
        check_individual_number("123456789019")


def test_individual_number_remainder_zero_or_one_gives_zero() -> None:
    bases = [f"{n:011d}" for n in range(300)]
    for base in bases:
        total = sum(
            int(c) * (n + 1 if n <= 6 else n - 5) for n, c in enumerate(reversed(base), start=1)
        )
        if total % 11 <= 1:
            assert individual_number_check_digit(base) == 0
            check_individual_number(base + "0")


@pytest.mark.parametrize(
    "bad",
    ["700001205000", "70000120500021", "700001205000X", "７000012050002", "", " 000012050002"],
)
def test_corporate_number_shape_errors(bad: str) -> None:
    with pytest.raises(ValidationError):
        check_corporate_number(bad)


@pytest.mark.parametrize("bad", ["12345678901", "1234567890188", "12345678901a", "１23456789018"])
def test_individual_number_shape_errors(bad: str) -> None:
    with pytest.raises(ValidationError):
        check_individual_number(bad)


@settings(max_examples=100)
@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_computed_corporate_check_digit_always_validates(base: str) -> None:
    check_corporate_number(f"{corporate_number_check_digit(base)}{base}")


@settings(max_examples=100)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_computed_individual_check_digit_always_validates(base: str) -> None:
    check_individual_number(f"{base}{individual_number_check_digit(base)}")


@settings(max_examples=100)
@given(st.text(max_size=20))
def test_arbitrary_text_raises_only_validation_error(text: str) -> None:
    # Anything but ValidationError escapes suppress() and fails the test.
    for check in (check_corporate_number, check_individual_number):
        with contextlib.suppress(ValidationError):
            check(text)

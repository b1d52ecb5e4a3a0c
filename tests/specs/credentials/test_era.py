"""Japanese era conversion, exact at the 令和/平成 and 平成/昭和 boundaries."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.credentials import (
    EraYear,
    era_of_year,
    era_years_of_year,
    parse_era_year,
    to_date,
    to_era,
    to_gregorian_year,
)
from specs.errors import ValidationError


@pytest.mark.parametrize(
    ("day", "era", "year"),
    [
        (date(2019, 4, 30), "平成", 31),
        (date(2019, 5, 1), "令和", 1),
        (date(2026, 11, 23), "令和", 8),
        (date(1989, 1, 7), "昭和", 64),
        (date(1989, 1, 8), "平成", 1),
        (date(1926, 12, 24), "大正", 15),
        (date(1926, 12, 25), "昭和", 1),
    ],
)
def test_boundaries(day: date, era: str, year: int) -> None:
    assert to_era(day) == EraYear(era, year)
    assert to_date(EraYear(era, year), day.month, day.day) == day


def test_first_year_is_written_gannen() -> None:
    assert str(EraYear("令和", 1)) == "令和元年"
    assert str(EraYear("令和", 8)) == "令和8年"


def test_tax_year_label_uses_the_era_on_31_december() -> None:
    assert era_of_year(2019) == EraYear("令和", 1)
    assert era_of_year(2018) == EraYear("平成", 30)
    assert era_years_of_year(2019) == (EraYear("平成", 31), EraYear("令和", 1))
    assert era_years_of_year(2026) == (EraYear("令和", 8),)


@pytest.mark.parametrize(
    ("era_year", "gregorian"),
    [(EraYear("平成", 31), 2019), (EraYear("令和", 1), 2019), (EraYear("昭和", 64), 1989)],
)
def test_to_gregorian_year(era_year: EraYear, gregorian: int) -> None:
    assert to_gregorian_year(era_year) == gregorian


@pytest.mark.parametrize(
    "era_year",
    [EraYear("平成", 32), EraYear("令和", 0), EraYear("昭和", 65), EraYear("明治", 1)],
)
def test_years_an_era_never_reached(era_year: EraYear) -> None:
    with pytest.raises(ValidationError):
        to_gregorian_year(era_year)


@pytest.mark.parametrize(
    ("era_year", "month", "day"),
    [
        (EraYear("平成", 31), 5, 1),  # already 令和
        (EraYear("令和", 1), 4, 30),  # still 平成
        (EraYear("平成", 1), 1, 7),  # still 昭和
        (EraYear("令和", 8), 2, 30),  # no such day
    ],
)
def test_dates_outside_their_era(era_year: EraYear, month: int, day: int) -> None:
    with pytest.raises(ValidationError):
        to_date(era_year, month, day)


def test_before_the_oldest_era() -> None:
    with pytest.raises(ValidationError):
        to_era(date(1912, 7, 29))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和8年", EraYear("令和", 8)),
        ("令和元年分", EraYear("令和", 1)),
        ("令和8", EraYear("令和", 8)),
        ("R8", EraYear("令和", 8)),
        ("H31", EraYear("平成", 31)),
        (" 平成 31年 ", EraYear("平成", 31)),
    ],
)
def test_parse_era_year(text: str, expected: EraYear) -> None:
    assert parse_era_year(text) == expected


@pytest.mark.parametrize("text", ["2026", "令和", "X8", "西暦8年", "令和八年", "令和1234年"])
def test_parse_era_year_rejects(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_era_year(text)


@settings(max_examples=100)
@given(st.dates(min_value=date(1912, 7, 30), max_value=date(2200, 12, 31)))
def test_round_trip_every_date(day: date) -> None:
    era_year = to_era(day)
    assert to_date(era_year, day.month, day.day) == day
    assert to_gregorian_year(era_year) == day.year
    assert parse_era_year(str(era_year)) == era_year


@settings(max_examples=100)
@given(st.text(max_size=12))
def test_arbitrary_text_raises_only_honnin_errors(text: str) -> None:
    with contextlib.suppress(ValidationError):
        to_gregorian_year(parse_era_year(text))

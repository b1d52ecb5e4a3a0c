"""Japanese era (元号) years: conversion to and from Gregorian dates and years."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from specs.credentials.constants import ERA_INITIALS, ERAS, GANNEN
from specs.errors import ValidationError

_ERA_TEXT = re.compile(r"^(?P<era>[A-Z]|[^\W\d_]{2})\s?(?P<year>元|\d{1,3})(?:年(?:分)?)?$")


@dataclass(frozen=True, slots=True)
class EraYear:
    """A year of a Japanese era, e.g. 令和8年 is ``EraYear("令和", 8)``."""

    era: str
    year: int

    def __str__(self) -> str:
        return f"{self.era}{GANNEN if self.year == 1 else self.year}年"


def _era_start(era: str) -> date:
    for name, start in ERAS:
        if name == era:
            return start
    raise ValidationError(f"unknown Japanese era {era!r}; known: {', '.join(n for n, _ in ERAS)}")


def _era_end(era: str) -> date | None:
    """Last day of ``era``, or None for the current one."""
    previous: date | None = None
    for name, start in ERAS:
        if name == era:
            return None if previous is None else previous - timedelta(days=1)
        previous = start
    raise ValidationError(f"unknown Japanese era {era!r}")


def to_era(day: date) -> EraYear:
    """Return the era year in force on ``day`` (2019-04-30 is 平成31年, 2019-05-01 令和元年)."""
    for name, start in ERAS:
        if day >= start:
            return EraYear(name, day.year - start.year + 1)
    raise ValidationError(f"{day.isoformat()} is before the oldest supported era ({ERAS[-1][0]})")


def era_of_year(year: int) -> EraYear:
    """Return the era year that names Gregorian ``year`` on a yearly form (the era on 31 December).

    This is how the National Tax Agency labels tax years: the slips for 2019 read 令和元年分.
    """
    return to_era(date(year, 12, 31))


def era_years_of_year(year: int) -> tuple[EraYear, ...]:
    """Return every era year that overlaps Gregorian ``year`` (2019: 平成31年 and 令和元年)."""
    first = to_era(date(year, 1, 1))
    last = era_of_year(year)
    return (last,) if first == last else (first, last)


def to_gregorian_year(era_year: EraYear) -> int:
    """Return the Gregorian year of an era year, rejecting years the era never reached."""
    start = _era_start(era_year.era)
    end = _era_end(era_year.era)
    if era_year.year < 1:
        raise ValidationError(f"{era_year.era} year {era_year.year} does not exist (first is 元年)")
    gregorian = start.year + era_year.year - 1
    if end is not None and gregorian > end.year:
        raise ValidationError(
            f"{era_year.era} year {era_year.year} does not exist "
            f"({era_year.era} ended on {end.isoformat()})"
        )
    return gregorian


def to_date(era_year: EraYear, month: int, day: int) -> date:
    """Return the Gregorian date of an era date, rejecting dates outside the era."""
    gregorian = to_gregorian_year(era_year)
    try:
        result = date(gregorian, month, day)
    except ValueError as exc:
        raise ValidationError(f"{era_year}{month}月{day}日 is not a valid date") from exc
    if to_era(result).era != era_year.era:
        raise ValidationError(f"{era_year}{month}月{day}日 is outside the era {era_year.era}")
    return result


def parse_era_year(text: str) -> EraYear:
    """Parse ``令和8年``, ``令和元年分``, ``令和8`` or ``R8`` into an era year (not range-checked)."""
    match = _ERA_TEXT.match(text.strip())
    if match is None:
        raise ValidationError(f"{text!r} is not an era year such as 令和8年 or R8")
    era = ERA_INITIALS.get(match["era"], match["era"])
    _era_start(era)
    year = 1 if match["year"] == GANNEN else int(match["year"])
    return EraYear(era, year)


__all__ = [
    "EraYear",
    "era_of_year",
    "era_years_of_year",
    "parse_era_year",
    "to_date",
    "to_era",
    "to_gregorian_year",
]

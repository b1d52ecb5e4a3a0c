"""Check digits of the corporate number (法人番号) and the individual number (個人番号)."""

from __future__ import annotations

import operator

from specs.credentials.constants import CORPORATE_NUMBER_LENGTH, INDIVIDUAL_NUMBER_LENGTH
from specs.errors import ValidationError


def _digits(number: str, length: int, what: str) -> list[int]:
    if not isinstance(number, str) or len(number) != length or not number.isascii():
        raise ValidationError(f"{what} must be {length} ASCII digits")
    if not number.isdigit():
        raise ValidationError(f"{what} must be {length} ASCII digits")
    return [int(c) for c in number]


def corporate_number_check_digit(base: str) -> int:
    """Return the check digit of a corporate number's 12 base digits.

    法人番号の指定等に関する省令 第2条: 9 - (sum of P_n * Q_n for n = 1..12) mod 9, where P_n is
    the n-th base digit counted from the right and Q_n is 1 for odd n, 2 for even n.
    """
    digits = _digits(base, CORPORATE_NUMBER_LENGTH - 1, "corporate number base")
    total = sum(d * (1 if n % 2 == 1 else 2) for n, d in enumerate(reversed(digits), start=1))
    return 9 - total % 9


# corporate_number_check_digit's Q_n for the 12 base digits read left to right (n = 12..1).
_CORPORATE_WEIGHTS = (2, 1) * 6


def check_corporate_number(number: str) -> None:
    """Raise ``ValidationError`` unless ``number`` is 13 digits with a correct leading check digit."""
    digits = _digits(number, CORPORATE_NUMBER_LENGTH, "corporate number (法人番号)")
    # corporate_number_check_digit(number[1:]) without validating the base digits again.
    total = sum(map(operator.mul, digits[1:], _CORPORATE_WEIGHTS))
    if digits[0] != 9 - total % 9:
        raise ValidationError(
            "check digit does not match (法人番号の検査用数字, 法人番号省令第2条)"
        )


def individual_number_check_digit(base: str) -> int:
    """Return the check digit of an individual number's 11 base digits.

    総務省令第85号 第5条: 11 - (sum of P_n * Q_n for n = 1..11) mod 11, where P_n is the n-th
    base digit counted from the right and Q_n is n + 1 for n <= 6, n - 5 for n >= 7; when the
    remainder is 0 or 1 the check digit is 0.
    """
    digits = _digits(base, INDIVIDUAL_NUMBER_LENGTH - 1, "individual number base")
    total = sum(d * (n + 1 if n <= 6 else n - 5) for n, d in enumerate(reversed(digits), start=1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def check_individual_number(number: str) -> None:
    """Raise ``ValidationError`` unless ``number`` is 12 digits with a correct final check digit."""
    digits = _digits(number, INDIVIDUAL_NUMBER_LENGTH, "individual number (個人番号)")
    if digits[-1] != individual_number_check_digit(number[:-1]):
        raise ValidationError(
            "check digit does not match (個人番号の検査用数字, 総務省令第85号第5条)"
        )


__all__ = [
    "check_corporate_number",
    "check_individual_number",
    "corporate_number_check_digit",
    "individual_number_check_digit",
]

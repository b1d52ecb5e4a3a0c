"""Employment insurance insured-person number (雇用保険被保険者証) and basic pension number (基礎年金番号通知書)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from specs.credentials.claims import BirthDate, Name, OptionalIssueDate, OptionalNameKana
from specs.credentials.constants import BASIC_PENSION_NUMBER, EMPLOYMENT_INSURANCE_NUMBER, SD_NEVER
from specs.credentials.definition import Claim, CredentialType
from specs.credentials.values import Date, Pattern, Text
from specs.errors import ValidationError

# 雇用保険被保険者番号: 11 digits, printed 4-6-1.
INSURED_NUMBER = Pattern("[0-9]{4}-[0-9]{6}-[0-9]", "11 digits written 1234-567890-1")
# 基礎年金番号: 10 digits, printed 4-6.
PENSION_NUMBER = Pattern("[0-9]{4}-[0-9]{6}", "10 digits written 1234-567890")


@dataclass(frozen=True, slots=True)
class EmploymentInsuranceNumber:
    """雇用保険被保険者証: the person's employment insurance insured-person number."""

    insured_number: Annotated[str, Claim(INSURED_NUMBER, "被保険者番号", "Insured-person number")]
    name: Name
    birth_date: BirthDate
    issuing_office: Annotated[
        str,
        Claim(Text(100), "交付した公共職業安定所", "Issuing public employment office", SD_NEVER),
    ]
    name_kana: OptionalNameKana = None
    acquisition_date: Annotated[
        date | None, Claim(Date(), "資格取得年月日", "Date coverage began")
    ] = None
    employer_name: Annotated[str | None, Claim(Text(100), "事業所名称", "Employer")] = None
    issue_date: OptionalIssueDate = None


def employment_insurance_rules(card: EmploymentInsuranceNumber) -> Iterator[ValidationError]:
    """Yield every date-order rule the card breaks."""
    if card.acquisition_date is not None and card.acquisition_date <= card.birth_date:
        yield ValidationError(
            "Date coverage began (資格取得年月日): must be after the date of birth (生年月日)",
            claim_path=("acquisition_date",),
        )


EMPLOYMENT_INSURANCE_NUMBER_V1: CredentialType[EmploymentInsuranceNumber] = CredentialType(
    id=EMPLOYMENT_INSURANCE_NUMBER,
    version=1,
    model=EmploymentInsuranceNumber,
    name_ja="雇用保険被保険者証",
    name_en="Employment insurance insured-person number",
    description_ja="公共職業安定所が交付する雇用保険の被保険者番号。",
    description_en="The employment insurance insured-person number, as on the card a public employment office issues.",
    rules=employment_insurance_rules,
)


@dataclass(frozen=True, slots=True)
class BasicPensionNumber:
    """基礎年金番号通知書: the person's basic pension number."""

    basic_pension_number: Annotated[
        str, Claim(PENSION_NUMBER, "基礎年金番号", "Basic pension number")
    ]
    name: Name
    birth_date: BirthDate
    name_kana: OptionalNameKana = None
    issue_date: OptionalIssueDate = None


def basic_pension_rules(notice: BasicPensionNumber) -> Iterator[ValidationError]:
    """Yield every date-order rule the notice breaks."""
    if notice.issue_date is not None and notice.issue_date < notice.birth_date:
        yield ValidationError(
            "Date of issue (交付年月日): must not be before the date of birth (生年月日)",
            claim_path=("issue_date",),
        )


BASIC_PENSION_NUMBER_V1: CredentialType[BasicPensionNumber] = CredentialType(
    id=BASIC_PENSION_NUMBER,
    version=1,
    model=BasicPensionNumber,
    name_ja="基礎年金番号通知書",
    name_en="Basic pension number notice",
    description_ja="日本年金機構が通知する基礎年金番号。",
    description_en="The basic pension number, as notified by the Japan Pension Service.",
    rules=basic_pension_rules,
)


__all__ = [
    "BASIC_PENSION_NUMBER_V1",
    "EMPLOYMENT_INSURANCE_NUMBER_V1",
    "BasicPensionNumber",
    "EmploymentInsuranceNumber",
]

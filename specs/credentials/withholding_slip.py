"""The withholding slip for employment income, recipient's copy (給与所得の源泉徴収票 受給者交付用).

Every box of the official form (所得税法施行規則 別表第六(一)) that concerns the recipient
and the payer, except the recipient's individual number: the recipient's copy never
carries it (番号法 / 所得税法第226条 as amended in 2015), so this type has no such claim.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from specs.credentials.check_digits import check_corporate_number
from specs.credentials.claims import CORPORATE_NUMBER
from specs.credentials.constants import (
    ERA_HEISEI,
    ERA_REIWA,
    MAX_EARTHQUAKE_INSURANCE_DEDUCTION,
    MAX_LIFE_INSURANCE_DEDUCTION,
    SD_NEVER,
    WITHHOLDING_SLIP,
)
from specs.credentials.definition import Claim, CredentialType, Nested
from specs.credentials.era import era_years_of_year, parse_era_year
from specs.credentials.values import (
    Amount,
    Choice,
    Count,
    Date,
    Flag,
    Integer,
    Kana,
    Pattern,
    Text,
)
from specs.errors import ValidationError

PHONE = Pattern(
    "[0-9]{2,5}-?[0-9]{1,4}-?[0-9]{3,4}", "a Japanese phone number such as 03-1234-5678"
)
TAX_YEAR = Integer(1989, 2200)
TAX_YEAR_ERA = Pattern(
    f"({ERA_REIWA}|{ERA_HEISEI})(元|[1-9][0-9]?)年", "an era year such as 令和8年 or 令和元年"
)
MID_YEAR_HIRE = "hire"  # 就職
MID_YEAR_LEAVE = "leave"  # 退職
DISABILITY_ORDINARY = "ordinary"  # 一般の障害者
DISABILITY_SPECIAL = "special"  # 特別障害者


@dataclass(frozen=True, slots=True)
class Recipient:
    """The person paid (支払を受ける者)."""

    address: Annotated[str, Claim(Text(200), "住所又は居所", "Address")]
    name: Annotated[str, Claim(Text(100), "氏名", "Name")]
    name_kana: Annotated[str, Claim(Kana(100), "氏名(フリガナ)", "Name in kana")]
    birth_date: Annotated[date, Claim(Date(), "生年月日", "Date of birth")]
    position: Annotated[str | None, Claim(Text(50), "役職名", "Position")] = None


@dataclass(frozen=True, slots=True)
class Payer:
    """The payer, who issues the slip (支払者)."""

    name: Annotated[str, Claim(Text(100), "氏名又は名称", "Payer name", SD_NEVER)]
    corporate_number: Annotated[
        str,
        Claim(CORPORATE_NUMBER, "法人番号", "Corporate number", SD_NEVER, check_corporate_number),
    ]
    address: Annotated[str, Claim(Text(200), "住所(居所)又は所在地", "Payer address", SD_NEVER)]
    phone: Annotated[str | None, Claim(PHONE, "電話", "Payer phone", SD_NEVER)] = None


@dataclass(frozen=True, slots=True)
class Dependents:
    """Dependants eligible for deduction, by kind (控除対象扶養親族の数)."""

    specific: Annotated[int, Claim(Count(), "特定扶養親族", "Specific dependants")] = 0
    elderly: Annotated[int, Claim(Count(), "老人扶養親族", "Elderly dependants")] = 0
    elderly_cohabiting: Annotated[
        int, Claim(Count(), "老人扶養親族(内同居)", "Elderly dependants living together")
    ] = 0
    other: Annotated[int, Claim(Count(), "その他の扶養親族", "Other dependants")] = 0


@dataclass(frozen=True, slots=True)
class DisabledDependents:
    """Persons with disabilities other than the recipient (障害者の数(本人を除く))."""

    special: Annotated[int, Claim(Count(), "特別障害者", "Special disability")] = 0
    special_cohabiting: Annotated[
        int, Claim(Count(), "特別障害者(内同居)", "Special disability, living together")
    ] = 0
    other: Annotated[int, Claim(Count(), "その他の障害者", "Other disability")] = 0


@dataclass(frozen=True, slots=True)
class LifeInsuranceBreakdown:
    """Premiums behind the life insurance deduction (生命保険料の金額の内訳)."""

    new_life: Annotated[int | None, Claim(Amount(), "新生命保険料の金額", "New life insurance")] = (
        None
    )
    old_life: Annotated[int | None, Claim(Amount(), "旧生命保険料の金額", "Old life insurance")] = (
        None
    )
    care_medical: Annotated[
        int | None, Claim(Amount(), "介護医療保険料の金額", "Care and medical insurance")
    ] = None
    new_pension: Annotated[
        int | None, Claim(Amount(), "新個人年金保険料の金額", "New private pension insurance")
    ] = None
    old_pension: Annotated[
        int | None, Claim(Amount(), "旧個人年金保険料の金額", "Old private pension insurance")
    ] = None


@dataclass(frozen=True, slots=True)
class RecipientStatus:
    """Boxes about the recipient themself (本人が障害者・寡婦・ひとり親・勤労学生)."""

    disability: Annotated[
        str | None,
        Claim(Choice((DISABILITY_ORDINARY, DISABILITY_SPECIAL)), "本人が障害者", "Disability"),
    ] = None
    widow: Annotated[bool | None, Claim(Flag(), "寡婦", "Widow")] = None
    single_parent: Annotated[bool | None, Claim(Flag(), "ひとり親", "Single parent")] = None
    working_student: Annotated[bool | None, Claim(Flag(), "勤労学生", "Working student")] = None


@dataclass(frozen=True, slots=True)
class MidYearChange:
    """Hire or leave during the year (中途就・退職)."""

    kind: Annotated[
        str, Claim(Choice((MID_YEAR_HIRE, MID_YEAR_LEAVE)), "就職・退職", "Hire or leave")
    ]
    date: Annotated[date, Claim(Date(), "年月日", "Date")]


@dataclass(frozen=True, slots=True)
class WithholdingSlip:
    """給与所得の源泉徴収票 (受給者交付用): withholding slip for employment income, version 1."""

    tax_year: Annotated[int, Claim(TAX_YEAR, "年分(西暦)", "Tax year", SD_NEVER)]
    tax_year_era: Annotated[
        str, Claim(TAX_YEAR_ERA, "年分(和暦)", "Tax year (Japanese era)", SD_NEVER)
    ]
    recipient: Annotated[Recipient, Nested("支払を受ける者", "Recipient", SD_NEVER)]
    payer: Annotated[Payer, Nested("支払者", "Payer", SD_NEVER)]
    category: Annotated[str, Claim(Text(20), "種別", "Category")]
    payment_amount: Annotated[int, Claim(Amount(), "支払金額", "Payment amount")]
    income_after_deduction: Annotated[
        int,
        Claim(
            Amount(),
            "給与所得控除後の金額(調整控除後)",
            "Income after employment income deduction",
        ),
    ]
    total_income_deductions: Annotated[
        int, Claim(Amount(), "所得控除の額の合計額", "Total income deductions")
    ]
    withheld_tax: Annotated[int, Claim(Amount(), "源泉徴収税額", "Withheld tax")]
    has_deductible_spouse: Annotated[
        bool | None, Claim(Flag(), "控除対象配偶者の有無", "Deductible spouse")
    ] = None
    spouse_is_elderly: Annotated[
        bool | None, Claim(Flag(), "老人控除対象配偶者", "Spouse is elderly")
    ] = None
    spouse_deduction: Annotated[
        int | None, Claim(Amount(), "配偶者(特別)控除の額", "Spouse (special) deduction")
    ] = None
    dependents: Annotated[
        Dependents | None, Nested("控除対象扶養親族の数", "Dependants eligible for deduction")
    ] = None
    dependents_under_16: Annotated[
        int | None, Claim(Count(), "16歳未満扶養親族の数", "Dependants under 16")
    ] = None
    disabled_dependents: Annotated[
        DisabledDependents | None,
        Nested("障害者の数(本人を除く)", "Persons with disabilities (not the recipient)"),
    ] = None
    nonresident_relatives: Annotated[
        int | None, Claim(Count(), "非居住者である親族の数", "Non-resident relatives")
    ] = None
    social_insurance_premiums: Annotated[
        int | None, Claim(Amount(), "社会保険料等の金額", "Social insurance premiums")
    ] = None
    small_business_mutual_aid: Annotated[
        int | None,
        Claim(
            Amount(),
            "社会保険料等の金額(内 小規模企業共済等掛金)",
            "Of which small business mutual aid premiums",
        ),
    ] = None
    life_insurance_deduction: Annotated[
        int | None, Claim(Amount(), "生命保険料の控除額", "Life insurance deduction")
    ] = None
    earthquake_insurance_deduction: Annotated[
        int | None, Claim(Amount(), "地震保険料の控除額", "Earthquake insurance deduction")
    ] = None
    housing_loan_credit: Annotated[
        int | None, Claim(Amount(), "住宅借入金等特別控除の額", "Housing loan credit")
    ] = None
    life_insurance_breakdown: Annotated[
        LifeInsuranceBreakdown | None,
        Nested("生命保険料の金額の内訳", "Life insurance premiums breakdown"),
    ] = None
    basic_deduction: Annotated[int | None, Claim(Amount(), "基礎控除の額", "Basic deduction")] = (
        None
    )
    income_adjustment_deduction: Annotated[
        int | None, Claim(Amount(), "所得金額調整控除額", "Income adjustment deduction")
    ] = None
    recipient_status: Annotated[
        RecipientStatus | None, Nested("本人の区分", "Recipient's own status")
    ] = None
    mid_year_change: Annotated[
        MidYearChange | None, Nested("中途就・退職", "Mid-year hire or leave")
    ] = None
    remarks: Annotated[str | None, Claim(Text(500, multiline=True), "摘要", "Remarks")] = None


def _err(path: tuple[str, ...], en: str, ja: str, rule: str) -> ValidationError:
    return ValidationError(f"{en} ({ja}): {rule}", claim_path=path)


def withholding_slip_rules(slip: WithholdingSlip) -> Iterator[ValidationError]:
    """Yield every consistency rule the slip breaks (what JSON Schema cannot express)."""
    era = parse_era_year(slip.tax_year_era)
    if era not in era_years_of_year(slip.tax_year):
        yield _err(
            ("tax_year_era",),
            "Tax year (Japanese era)",
            "年分(和暦)",
            f"{slip.tax_year_era} is not the Japanese era year of {slip.tax_year}",
        )
    if slip.income_after_deduction > slip.payment_amount:
        yield _err(
            ("income_after_deduction",),
            "Income after employment income deduction",
            "給与所得控除後の金額",
            "must not exceed the payment amount (支払金額)",
        )
    if slip.withheld_tax > slip.payment_amount:
        yield _err(
            ("withheld_tax",),
            "Withheld tax",
            "源泉徴収税額",
            "must not exceed the payment amount (支払金額)",
        )
    if slip.recipient.birth_date > date(slip.tax_year, 12, 31):
        yield _err(
            ("recipient", "birth_date"),
            "Date of birth",
            "生年月日",
            "must not be after the end of the tax year",
        )
    if slip.mid_year_change is not None and slip.mid_year_change.date.year != slip.tax_year:
        yield _err(
            ("mid_year_change", "date"),
            "Date",
            "中途就・退職 年月日",
            "must fall within the tax year",
        )
    if slip.small_business_mutual_aid is not None and (
        slip.small_business_mutual_aid > (slip.social_insurance_premiums or 0)
    ):
        yield _err(
            ("small_business_mutual_aid",),
            "Of which small business mutual aid premiums",
            "内 小規模企業共済等掛金",
            "is part of and must not exceed social insurance premiums (社会保険料等の金額)",
        )
    if (slip.life_insurance_deduction or 0) > MAX_LIFE_INSURANCE_DEDUCTION:
        yield _err(
            ("life_insurance_deduction",),
            "Life insurance deduction",
            "生命保険料の控除額",
            f"must not exceed the legal maximum of {MAX_LIFE_INSURANCE_DEDUCTION} yen",
        )
    if (slip.earthquake_insurance_deduction or 0) > MAX_EARTHQUAKE_INSURANCE_DEDUCTION:
        yield _err(
            ("earthquake_insurance_deduction",),
            "Earthquake insurance deduction",
            "地震保険料の控除額",
            f"must not exceed the legal maximum of {MAX_EARTHQUAKE_INSURANCE_DEDUCTION} yen",
        )
    itemised = sum(
        amount or 0
        for amount in (
            slip.social_insurance_premiums,
            slip.life_insurance_deduction,
            slip.earthquake_insurance_deduction,
            slip.spouse_deduction,
            slip.basic_deduction,
        )
    )
    if slip.total_income_deductions < itemised:
        yield _err(
            ("total_income_deductions",),
            "Total income deductions",
            "所得控除の額の合計額",
            "must not be less than the itemised deductions it includes (社会保険料等・生命保険料・"
            "地震保険料・配偶者(特別)控除・基礎控除)",
        )
    if slip.spouse_is_elderly and not slip.has_deductible_spouse:
        yield _err(
            ("spouse_is_elderly",),
            "Spouse is elderly",
            "老人控除対象配偶者",
            "requires a deductible spouse (控除対象配偶者 有)",
        )
    if slip.dependents is not None and slip.dependents.elderly_cohabiting > slip.dependents.elderly:
        yield _err(
            ("dependents", "elderly_cohabiting"),
            "Elderly dependants living together",
            "老人扶養親族(内同居)",
            "must not exceed elderly dependants (老人扶養親族)",
        )
    disabled = slip.disabled_dependents
    if disabled is not None and disabled.special_cohabiting > disabled.special:
        yield _err(
            ("disabled_dependents", "special_cohabiting"),
            "Special disability, living together",
            "特別障害者(内同居)",
            "must not exceed special disability (特別障害者)",
        )


WITHHOLDING_SLIP_V1: CredentialType[WithholdingSlip] = CredentialType(
    id=WITHHOLDING_SLIP,
    version=1,
    model=WithholdingSlip,
    name_ja="給与所得の源泉徴収票(受給者交付用)",
    name_en="Withholding slip for employment income (recipient's copy)",
    description_ja="支払者が交付する給与所得の源泉徴収票。受給者の個人番号は含まない。",
    description_en=(
        "The payer's statement of employment income paid and tax withheld in one year. "
        "Never carries the recipient's individual number."
    ),
    rules=withholding_slip_rules,
)


__all__ = [
    "WITHHOLDING_SLIP_V1",
    "Dependents",
    "DisabledDependents",
    "LifeInsuranceBreakdown",
    "MidYearChange",
    "Payer",
    "Recipient",
    "RecipientStatus",
    "WithholdingSlip",
    "withholding_slip_rules",
]

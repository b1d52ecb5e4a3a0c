"""Certificates of employment (在職証明書) and of separation (退職証明書)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from specs.credentials.claims import (
    BirthDate,
    EmployerAddress,
    EmployerCorporateNumber,
    EmployerName,
    IssueDate,
    Name,
    OptionalBirthDate,
    OptionalNameKana,
)
from specs.credentials.constants import (
    EMPLOYMENT_CERTIFICATE,
    LSA22_EMPLOYMENT_PERIOD,
    LSA22_ITEMS,
    LSA22_POSITION,
    LSA22_REASON_FOR_LEAVING,
    LSA22_TYPE_OF_WORK,
    LSA22_WAGES,
    SEPARATION_CERTIFICATE,
)
from specs.credentials.definition import Claim, CredentialType
from specs.credentials.values import Choice, ChoiceList, Date, Text
from specs.errors import ValidationError

EMPLOYMENT_TYPES = ("regular", "contract", "part_time", "dispatched", "other")


@dataclass(frozen=True, slots=True)
class EmploymentCertificate:
    """在職証明書: certificate that the person is employed, as of a date."""

    name: Name
    birth_date: BirthDate
    employer_name: EmployerName
    employer_corporate_number: EmployerCorporateNumber
    employment_start_date: Annotated[date, Claim(Date(), "入社年月日", "Employment start date")]
    as_of_date: IssueDate
    name_kana: OptionalNameKana = None
    employer_address: EmployerAddress = None
    employment_type: Annotated[
        str | None,
        Claim(
            Choice(EMPLOYMENT_TYPES),
            "雇用形態(正社員・契約社員・パート・派遣・その他)",
            "Type of employment",
        ),
    ] = None
    department: Annotated[str | None, Claim(Text(100), "所属部署", "Department")] = None
    position: Annotated[str | None, Claim(Text(50), "役職", "Position")] = None
    job_description: Annotated[str | None, Claim(Text(200), "業務内容", "Job description")] = None


def employment_certificate_rules(cert: EmploymentCertificate) -> Iterator[ValidationError]:
    """Yield every date-order rule the certificate breaks."""
    if cert.employment_start_date > cert.as_of_date:
        yield ValidationError(
            "Employment start date (入社年月日): must not be after the date of issue (証明日)",
            claim_path=("employment_start_date",),
        )
    if cert.birth_date >= cert.employment_start_date:
        yield ValidationError(
            "Date of birth (生年月日): must be before the employment start date (入社年月日)",
            claim_path=("birth_date",),
        )


EMPLOYMENT_CERTIFICATE_V1: CredentialType[EmploymentCertificate] = CredentialType(
    id=EMPLOYMENT_CERTIFICATE,
    version=1,
    model=EmploymentCertificate,
    name_ja="在職証明書",
    name_en="Certificate of employment",
    description_ja="事業主が、本人が在職していることを証明する。",
    description_en="The employer certifies that the person is employed as of a date.",
    rules=employment_certificate_rules,
)


@dataclass(frozen=True, slots=True)
class SeparationCertificate:
    """退職証明書: states only the items the worker asked for (労働基準法第22条)."""

    name: Name
    employer_name: EmployerName
    employer_corporate_number: EmployerCorporateNumber
    requested_items: Annotated[
        tuple[str, ...],
        Claim(ChoiceList(LSA22_ITEMS), "証明を請求された事項", "Items the worker asked for"),
    ]
    issue_date: IssueDate
    birth_date: OptionalBirthDate = None
    name_kana: OptionalNameKana = None
    employer_address: EmployerAddress = None
    employment_start_date: Annotated[
        date | None, Claim(Date(), "使用期間(開始)", "Employment period start")
    ] = None
    employment_end_date: Annotated[
        date | None, Claim(Date(), "使用期間(終了・退職日)", "Employment period end")
    ] = None
    type_of_work: Annotated[str | None, Claim(Text(200), "業務の種類", "Type of work")] = None
    position: Annotated[
        str | None, Claim(Text(100), "その事業における地位", "Position in the business")
    ] = None
    wages: Annotated[str | None, Claim(Text(200), "賃金", "Wages")] = None
    reason_for_leaving: Annotated[
        str | None,
        Claim(
            Text(1000, multiline=True),
            "退職の事由(解雇の場合はその理由を含む)",
            "Reason for leaving (with the grounds of a dismissal)",
        ),
    ] = None


_ITEM_CLAIMS: dict[str, tuple[tuple[str, ...], str]] = {
    LSA22_EMPLOYMENT_PERIOD: (("employment_start_date", "employment_end_date"), "使用期間"),
    LSA22_TYPE_OF_WORK: (("type_of_work",), "業務の種類"),
    LSA22_POSITION: (("position",), "その事業における地位"),
    LSA22_WAGES: (("wages",), "賃金"),
    LSA22_REASON_FOR_LEAVING: (("reason_for_leaving",), "退職の事由"),
}


def separation_certificate_rules(cert: SeparationCertificate) -> Iterator[ValidationError]:
    """Yield every rule the certificate breaks: requested items stated, others absent."""
    for item, (names, ja) in _ITEM_CLAIMS.items():
        stated = [n for n in names if getattr(cert, n) is not None]
        if item in cert.requested_items and len(stated) != len(names):
            missing = next(n for n in names if getattr(cert, n) is None)
            yield ValidationError(
                f"{item} ({ja}): the worker asked for it, so it must be stated "
                "(Labor Standards Act article 22(1), 労働基準法第22条第1項)",
                claim_path=(missing,),
            )
        if item not in cert.requested_items and stated:
            yield ValidationError(
                f"{item} ({ja}): the worker did not ask for it, so it must not be stated "
                "(Labor Standards Act article 22(3), 労働基準法第22条第3項)",
                claim_path=(stated[0],),
            )
    start, end = cert.employment_start_date, cert.employment_end_date
    if start is not None and end is not None and start > end:
        yield ValidationError(
            "Employment period end (使用期間(終了)): must not be before its start",
            claim_path=("employment_end_date",),
        )
    if end is not None and end > cert.issue_date:
        yield ValidationError(
            "Employment period end (使用期間(終了)): must not be after the date of issue (証明日)",
            claim_path=("employment_end_date",),
        )


SEPARATION_CERTIFICATE_V1: CredentialType[SeparationCertificate] = CredentialType(
    id=SEPARATION_CERTIFICATE,
    version=1,
    model=SeparationCertificate,
    name_ja="退職証明書",
    name_en="Certificate of separation",
    description_ja="労働基準法第22条に基づき、退職者が請求した事項のみを証明する。",
    description_en=(
        "Under Labor Standards Act article 22, states only the items the leaver asked for: "
        "employment period, type of work, position, wages, reason for leaving."
    ),
    rules=separation_certificate_rules,
)


__all__ = [
    "EMPLOYMENT_CERTIFICATE_V1",
    "EMPLOYMENT_TYPES",
    "SEPARATION_CERTIFICATE_V1",
    "EmploymentCertificate",
    "SeparationCertificate",
    "employment_certificate_rules",
    "separation_certificate_rules",
]

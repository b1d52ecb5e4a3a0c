"""School enrollment (在学証明書) and graduation (卒業証明書) certificates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from specs.credentials.claims import (
    BirthDate,
    Department,
    Faculty,
    IssueDate,
    Name,
    OptionalNameKana,
    SchoolCode,
    SchoolName,
)
from specs.credentials.constants import ENROLLMENT_CERTIFICATE, GRADUATION_CERTIFICATE
from specs.credentials.definition import Claim, CredentialType
from specs.credentials.values import Date, Integer, Text
from specs.errors import ValidationError


@dataclass(frozen=True, slots=True)
class EnrollmentCertificate:
    """在学証明書: the school certifies the person is enrolled, as of a date."""

    name: Name
    birth_date: BirthDate
    school_name: SchoolName
    enrollment_date: Annotated[date, Claim(Date(), "入学年月日", "Date of enrollment")]
    as_of_date: IssueDate
    name_kana: OptionalNameKana = None
    school_code: SchoolCode = None
    faculty: Faculty = None
    department: Department = None
    student_number: Annotated[str | None, Claim(Text(30), "学籍番号", "Student number")] = None
    grade: Annotated[int | None, Claim(Integer(1, 8), "学年", "Year of study")] = None
    expected_graduation_date: Annotated[
        date | None, Claim(Date(), "卒業予定年月日", "Expected graduation date")
    ] = None


def enrollment_rules(cert: EnrollmentCertificate) -> Iterator[ValidationError]:
    """Yield every date-order rule the certificate breaks."""
    if cert.enrollment_date > cert.as_of_date:
        yield ValidationError(
            "Date of enrollment (入学年月日): must not be after the date of issue (証明日)",
            claim_path=("enrollment_date",),
        )
    if cert.birth_date >= cert.enrollment_date:
        yield ValidationError(
            "Date of birth (生年月日): must be before the date of enrollment (入学年月日)",
            claim_path=("birth_date",),
        )
    if (
        cert.expected_graduation_date is not None
        and cert.expected_graduation_date <= cert.enrollment_date
    ):
        yield ValidationError(
            "Expected graduation date (卒業予定年月日): must be after the date of enrollment",
            claim_path=("expected_graduation_date",),
        )


ENROLLMENT_CERTIFICATE_V1: CredentialType[EnrollmentCertificate] = CredentialType(
    id=ENROLLMENT_CERTIFICATE,
    version=1,
    model=EnrollmentCertificate,
    name_ja="在学証明書",
    name_en="Certificate of enrollment",
    description_ja="学校が、本人が在学していることを証明する。",
    description_en="The school certifies that the person is enrolled as of a date.",
    rules=enrollment_rules,
)


@dataclass(frozen=True, slots=True)
class GraduationCertificate:
    """卒業証明書: the school certifies the person graduated."""

    name: Name
    birth_date: BirthDate
    school_name: SchoolName
    graduation_date: Annotated[date, Claim(Date(), "卒業年月日", "Date of graduation")]
    issue_date: IssueDate
    name_kana: OptionalNameKana = None
    school_code: SchoolCode = None
    faculty: Faculty = None
    department: Department = None
    degree: Annotated[str | None, Claim(Text(100), "学位", "Degree")] = None
    enrollment_date: Annotated[date | None, Claim(Date(), "入学年月日", "Date of enrollment")] = (
        None
    )


def graduation_rules(cert: GraduationCertificate) -> Iterator[ValidationError]:
    """Yield every date-order rule the certificate breaks."""
    if cert.graduation_date > cert.issue_date:
        yield ValidationError(
            "Date of graduation (卒業年月日): must not be after the date of issue (証明日)",
            claim_path=("graduation_date",),
        )
    if cert.enrollment_date is not None and cert.enrollment_date >= cert.graduation_date:
        yield ValidationError(
            "Date of enrollment (入学年月日): must be before the date of graduation (卒業年月日)",
            claim_path=("enrollment_date",),
        )
    if cert.birth_date >= cert.graduation_date:
        yield ValidationError(
            "Date of birth (生年月日): must be before the date of graduation (卒業年月日)",
            claim_path=("birth_date",),
        )


GRADUATION_CERTIFICATE_V1: CredentialType[GraduationCertificate] = CredentialType(
    id=GRADUATION_CERTIFICATE,
    version=1,
    model=GraduationCertificate,
    name_ja="卒業証明書",
    name_en="Certificate of graduation",
    description_ja="学校が、本人が卒業したことを証明する。",
    description_en="The school certifies that the person graduated.",
    rules=graduation_rules,
)


__all__ = [
    "ENROLLMENT_CERTIFICATE_V1",
    "GRADUATION_CERTIFICATE_V1",
    "EnrollmentCertificate",
    "GraduationCertificate",
]

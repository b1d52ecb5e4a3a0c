"""Claim declarations shared by several credential types (name, kana, birth date, issuer)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from specs.credentials.check_digits import check_corporate_number
from specs.credentials.constants import SD_NEVER
from specs.credentials.definition import Claim
from specs.credentials.values import Date, Kana, Pattern, Text

CORPORATE_NUMBER = Pattern("[0-9]{13}", "13 digits")

Name = Annotated[str, Claim(Text(100), "氏名", "Name")]
NameKana = Annotated[str, Claim(Kana(100), "氏名(フリガナ)", "Name in kana")]
OptionalNameKana = Annotated[str | None, Claim(Kana(100), "氏名(フリガナ)", "Name in kana")]
BirthDate = Annotated[date, Claim(Date(), "生年月日", "Date of birth")]
OptionalBirthDate = Annotated[date | None, Claim(Date(), "生年月日", "Date of birth")]
EmployerName = Annotated[str, Claim(Text(100), "事業主の名称", "Employer name", SD_NEVER)]
EmployerCorporateNumber = Annotated[
    str,
    Claim(CORPORATE_NUMBER, "法人番号", "Corporate number", SD_NEVER, check_corporate_number),
]
EmployerAddress = Annotated[
    str | None, Claim(Text(200), "事業所の所在地", "Employer address", SD_NEVER)
]
# The day the issuer attests to, like the year of a slip: never hidden.
IssueDate = Annotated[date, Claim(Date(), "証明日", "Date of issue", SD_NEVER)]
OptionalIssueDate = Annotated[date | None, Claim(Date(), "交付年月日", "Date of issue", SD_NEVER)]
SchoolName = Annotated[str, Claim(Text(100), "学校名", "School name", SD_NEVER)]
SchoolCode = Annotated[
    str | None,
    Claim(
        Pattern("[A-H][0-9]{12}", "a 13-character school code such as F113110102700"),
        "学校コード",
        "School code",
        SD_NEVER,
    ),
]
Faculty = Annotated[str | None, Claim(Text(100), "学部・研究科", "Faculty")]
Department = Annotated[str | None, Claim(Text(100), "学科・専攻", "Department")]

"""The ONE mapping table between honnin credential fields and their JSON-LD terms.

``contexts/honnin-credentials-v1.jsonld`` is generated from this table (a test checks
that they agree) and is frozen once published: a change of meaning needs a ``v2`` context.
The field names follow ``/work/shared/DOMAIN.md``; when ``specs/credentials`` lands,
align there and keep this table the single place that maps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specs.w3c_vc.constants import HONNIN_VOCAB

XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True, slots=True)
class Term:
    """One JSON-LD term: its JSON name, IRI fragment under the honnin vocabulary, datatype."""

    name: str
    datatype: str | None = None
    label_ja: str = ""


# Credential and subject types (VCDM 2.0 section 4.5).
TYPES: tuple[Term, ...] = (
    Term("WithholdingSlipCredential", label_ja="給与所得の源泉徴収票"),
    Term("WithholdingSlip", label_ja="給与所得の源泉徴収票(記載事項)"),
)

# The withholding slip (給与所得の源泉徴収票); amounts are integer yen (JSON numbers).
WITHHOLDING_SLIP_TERMS: tuple[Term, ...] = (
    Term("taxYear", XSD + "gYear", "年分"),
    Term("recipientAddress", None, "支払を受ける者の住所"),
    Term("recipientName", None, "氏名"),
    Term("recipientNameKana", None, "フリガナ"),
    Term("recipientBirthDate", XSD + "date", "生年月日"),
    Term("recipientPosition", None, "役職名"),
    Term("paymentCategory", None, "種別"),
    Term("paymentAmount", None, "支払金額"),
    Term("incomeAfterEmploymentDeduction", None, "給与所得控除後の金額"),
    Term("totalIncomeDeductions", None, "所得控除の額の合計額"),
    Term("withheldTax", None, "源泉徴収税額"),
    Term("spouseDeduction", None, "配偶者(特別)控除の額"),
    Term("dependentsCount", None, "控除対象扶養親族の数"),
    Term("dependentsUnder16Count", None, "16歳未満扶養親族の数"),
    Term("disabledPersonsCount", None, "障害者の数"),
    Term("socialInsurancePremiums", None, "社会保険料等の金額"),
    Term("lifeInsuranceDeduction", None, "生命保険料の控除額"),
    Term("earthquakeInsuranceDeduction", None, "地震保険料の控除額"),
    Term("housingLoanCredit", None, "住宅借入金等特別控除の額"),
    Term("hireDate", XSD + "date", "中途就職"),
    Term("leaveDate", XSD + "date", "中途退職"),
    Term("remarks", None, "摘要"),
    Term("payerName", None, "支払者 氏名又は名称"),
    Term("payerAddress", None, "支払者 住所"),
    Term("payerPhone", None, "支払者 電話"),
    Term("payerCorporateNumber", None, "法人番号"),
)

# Fields of the slip a holder can never withhold (DOMAIN.md: issuer, year and type).
WITHHOLDING_SLIP_MANDATORY_SUBJECT_FIELDS: tuple[str, ...] = ("taxYear",)


def honnin_context_document() -> dict[str, Any]:
    """Build the honnin v1 JSON-LD context document from the mapping table."""
    context: dict[str, Any] = {"@protected": True, "id": "@id", "type": "@type"}
    for term in TYPES:
        context[term.name] = {"@id": HONNIN_VOCAB + term.name}
    for term in WITHHOLDING_SLIP_TERMS:
        entry: dict[str, Any] = {"@id": HONNIN_VOCAB + term.name}
        if term.datatype is not None:
            entry["@type"] = term.datatype
        context[term.name] = entry
    return {"@context": context}


__all__ = [
    "TYPES",
    "WITHHOLDING_SLIP_MANDATORY_SUBJECT_FIELDS",
    "WITHHOLDING_SLIP_TERMS",
    "Term",
    "honnin_context_document",
]

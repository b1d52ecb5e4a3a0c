"""The ONE mapping table between honnin credential fields and their JSON-LD terms.

``contexts/honnin-credentials-v1.jsonld`` is generated from this table (a test checks
that they agree) and is frozen once published: a change of meaning needs a ``v2`` context.
The field names follow ``/work/shared/DOMAIN.md``; when ``specs/credentials`` lands,
align there and keep this table the single place that maps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from specs.credentials import CREDENTIAL_TYPES, CredentialType
from specs.w3c_vc.constants import (
    CLAIM_CREDENTIAL_SUBJECT,
    HONNIN_VOCAB,
    TERM_PAIRWISE_PSEUDONYM,
    TYPE_VERIFIABLE_CREDENTIAL,
    VERIFIABLE_CREDENTIAL_IRI,
)

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


# Terms the credentials v2 context defines (and protects) at the top level: a claim of that
# name directly under credentialSubject keeps the W3C meaning (schema.org name, ...); nested
# ones are redefined by the property-scoped context of their parent claim.
_PROTECTED_BY_CREDENTIALS_V2 = frozenset({"id", "type", "name", "description"})


def w3c_type_name(ctype: CredentialType[Any]) -> str:
    """Return the VC type of a credential type: ``withholding-slip`` -> ``WithholdingSlipCredential``."""
    return "".join(part.capitalize() for part in ctype.id.split("-")) + "Credential"


def credential_definition_types(ctype: CredentialType[Any]) -> list[str]:
    """Return the ``type`` array of a credential type's VCs (OpenID4VCI credential_definition)."""
    return [TYPE_VERIFIABLE_CREDENTIAL, w3c_type_name(ctype)]


def expanded_types(ctype: CredentialType[Any]) -> tuple[str, ...]:
    """Return the fully expanded type IRIs of a credential type's VCs (DCQL ``type_values``)."""
    return (VERIFIABLE_CREDENTIAL_IRI, HONNIN_VOCAB + w3c_type_name(ctype))


def credential_type_by_expanded_type(iri: str) -> CredentialType[Any] | None:
    """Return the credential type whose VC type expands to ``iri``, if any."""
    for ctype in CREDENTIAL_TYPES.values():
        if HONNIN_VOCAB + w3c_type_name(ctype) == iri:
            return ctype
    return None


def subject_pointer(path: Sequence[str | int]) -> str:
    """Return the JSON pointer of a credential-definition claim path inside a VC."""
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join([CLAIM_CREDENTIAL_SUBJECT, *escaped])


def _scoped_terms(tree: Mapping[str, Any], top_level: bool) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    for name in sorted(tree):
        if top_level and name in _PROTECTED_BY_CREDENTIALS_V2:
            continue
        entry: dict[str, Any] = {"@id": HONNIN_VOCAB + name}
        if tree[name]:
            # Property-scoped (JSON-LD 1.1 section 4.1.8): may redefine protected terms.
            entry["@context"] = _scoped_terms(tree[name], top_level=False)
        terms[name] = entry
    return terms


def honnin_context_v2_document() -> dict[str, Any]:
    """Build the honnin v2 context: VC types and claim names of every type in ``specs.credentials``."""
    tree: dict[str, Any] = {}
    for ctype in CREDENTIAL_TYPES.values():
        for info in ctype.claims():
            node = tree
            for part in info.path:
                node = node.setdefault(part, {})
    context: dict[str, Any] = {
        "@version": 1.1,
        "@protected": True,
        "id": "@id",
        "type": "@type",
    }
    for ctype in sorted(CREDENTIAL_TYPES.values(), key=lambda t: t.id):
        context[w3c_type_name(ctype)] = {"@id": HONNIN_VOCAB + w3c_type_name(ctype)}
    context[TERM_PAIRWISE_PSEUDONYM] = {"@id": HONNIN_VOCAB + TERM_PAIRWISE_PSEUDONYM}
    context.update(_scoped_terms(tree, top_level=True))
    return {"@context": context}


__all__ = [
    "TYPES",
    "WITHHOLDING_SLIP_MANDATORY_SUBJECT_FIELDS",
    "WITHHOLDING_SLIP_TERMS",
    "Term",
    "credential_definition_types",
    "credential_type_by_expanded_type",
    "expanded_types",
    "honnin_context_document",
    "honnin_context_v2_document",
    "subject_pointer",
    "w3c_type_name",
]

"""Every credential type: valid and invalid examples, schema, type metadata, sd rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from specs.credentials import (
    CREDENTIAL_TYPES,
    WITHHOLDING_SLIP_V1,
    CredentialType,
    credential_type,
    credential_type_by_vct,
    type_metadata_documents,
)
from specs.credentials.constants import VCT_BASE
from specs.errors import DigestMismatch, MalformedInput, NotFound, ValidationError
from specs.integrity import check_integrity
from specs.sd_jwt_vc import check_type_metadata_integrity, parse_type_metadata

EXAMPLES = json.loads((Path(__file__).parent / "valid_examples.json").read_text("utf-8"))
TYPES = sorted(CREDENTIAL_TYPES)


def valid(type_id: str) -> dict[str, Any]:
    return copy.deepcopy(EXAMPLES[type_id])


def schema_errors(t: CredentialType[Any], claims: object) -> list[str]:
    validator = Draft202012Validator(t.schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [e.message for e in validator.iter_errors(claims)]


def set_path(claims: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = claims
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def del_path(claims: dict[str, Any], path: tuple[str, ...]) -> None:
    node = claims
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]


# -- registry and every type -----------------------------------------------------------------


def test_registry_has_the_seven_types() -> None:
    assert set(CREDENTIAL_TYPES) == {
        "withholding-slip",
        "employment-certificate",
        "separation-certificate",
        "employment-insurance-number",
        "basic-pension-number",
        "enrollment-certificate",
        "graduation-certificate",
    }
    assert credential_type("withholding-slip") is WITHHOLDING_SLIP_V1
    assert credential_type_by_vct(f"{VCT_BASE}/withholding-slip/1") is WITHHOLDING_SLIP_V1
    with pytest.raises(NotFound):
        credential_type("passport")
    with pytest.raises(NotFound):
        credential_type_by_vct("https://example.com/other")


@pytest.mark.parametrize("type_id", TYPES)
def test_valid_example_parses_and_round_trips(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    claims = valid(type_id)
    value = t.parse(claims)
    assert isinstance(value, t.model)
    assert t.to_claims(value) == claims
    assert t.validate(value) is value
    assert schema_errors(t, claims) == []


@pytest.mark.parametrize("type_id", TYPES)
def test_vct_version_and_mdoc_namespace(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    assert t.vct == f"https://honnin.example/credentials/{type_id}/1"
    assert t.version == 1
    assert t.mdoc_namespace == f"jp.honnin.{type_id.replace('-', '_')}.1"


@pytest.mark.parametrize("type_id", TYPES)
def test_unknown_claims_are_ignored(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    claims = valid(type_id)
    claims["added_in_a_later_version"] = {"anything": [1, 2]}
    claims["vct"] = t.vct
    assert t.parse(claims) == t.parse(valid(type_id))
    assert schema_errors(t, claims) == []


@pytest.mark.parametrize("type_id", TYPES)
def test_every_mandatory_claim_is_required(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    for info in t.claims():
        if not info.mandatory:
            continue
        claims = valid(type_id)
        del_path(claims, info.path)
        with pytest.raises(ValidationError) as caught:
            t.parse(claims)
        assert caught.value.claim_path == info.path
        assert info.ja in caught.value.detail
        assert "required" in caught.value.detail
        assert schema_errors(t, claims)


@pytest.mark.parametrize("type_id", TYPES)
def test_null_and_wrong_type_rejected_everywhere(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    for info in t.claims():
        claims = valid(type_id)
        try:
            set_path(claims, info.path, None)
        except (KeyError, TypeError):
            continue  # an optional parent absent from the example
        with pytest.raises(ValidationError) as caught:
            t.parse(claims)
        assert caught.value.claim_path == info.path
        assert schema_errors(t, claims)


@pytest.mark.parametrize("claims", [[], "x", 1, None])
def test_claims_must_be_an_object(claims: object) -> None:
    with pytest.raises(ValidationError):
        WITHHOLDING_SLIP_V1.parse(claims)


def test_to_claims_rejects_another_model() -> None:
    other = CREDENTIAL_TYPES["basic-pension-number"].parse(valid("basic-pension-number"))
    with pytest.raises(MalformedInput):
        WITHHOLDING_SLIP_V1.to_claims(other)


# -- type metadata ---------------------------------------------------------------------------


@pytest.mark.parametrize("type_id", TYPES)
def test_type_metadata_document(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    raw = t.metadata_bytes()
    parsed = parse_type_metadata(raw)  # the SD-JWT VC module's own parser accepts it
    assert parsed.vct == t.vct
    assert {d.locale for d in parsed.display} == {"ja-JP", "en-US"}
    assert parsed.to_json() == t.metadata()
    paths = [tuple(c.path) for c in parsed.claims]
    assert len(paths) == len(set(paths))
    for claim in parsed.claims:
        assert claim.label("ja-JP")
        assert claim.label("en-US")
        assert claim.sd in {"always", "allowed", "never"}
    # Every claim the schema describes is in the metadata, and nothing else.
    assert set(paths) == {info.path for info in t.claims()}


@pytest.mark.parametrize("type_id", TYPES)
def test_vct_integrity_is_the_digest_of_the_served_bytes(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    raw = type_metadata_documents()[t.vct]
    assert raw == t.metadata_bytes()
    check_integrity(raw, t.integrity())
    check_type_metadata_integrity(raw, t.integrity())
    check_integrity(raw, t.integrity("sha384"))
    # The served bytes are RFC 8785 canonical JSON: re-serialising gives the same bytes.
    import rfc8785

    assert rfc8785.dumps(json.loads(raw)) == raw
    tampered = raw.replace(b'"never"', b'"always"', 1)
    with pytest.raises(DigestMismatch):
        check_type_metadata_integrity(tampered, t.integrity())


def test_integrity_is_stable() -> None:
    # A change to the slip's definition must be a new version: pin the digest of version 1.
    assert WITHHOLDING_SLIP_V1.integrity() == WITHHOLDING_SLIP_V1.integrity()
    first = WITHHOLDING_SLIP_V1.metadata_bytes()
    assert first == WITHHOLDING_SLIP_V1.metadata_bytes()
    assert WITHHOLDING_SLIP_V1.integrity().startswith("sha256-")


def test_slip_sd_rules() -> None:
    t = WITHHOLDING_SLIP_V1
    never = {info.path for info in t.claims() if info.sd == "never"}
    # Issuer (payer), type and year are never hidden.
    assert ("tax_year",) in never
    assert ("tax_year_era",) in never
    assert {("payer",), ("payer", "name"), ("payer", "corporate_number")} <= never
    # Personal and monetary items are always individually disclosable.
    for path in [
        ("recipient", "name"),
        ("recipient", "name_kana"),
        ("recipient", "birth_date"),
        ("recipient", "address"),
        ("payment_amount",),
        ("income_after_deduction",),
        ("withheld_tax",),
        ("social_insurance_premiums",),
        ("mid_year_change",),
        ("mid_year_change", "date"),
    ]:
        assert t.claim(path).sd == "always", path
    every = {info.path for info in t.claims()}
    assert every - never == t.disclosable_paths()


def test_slip_never_carries_an_individual_number() -> None:
    names = {p for info in WITHHOLDING_SLIP_V1.claims() for p in info.path}
    assert not {n for n in names if "individual" in n or "my_number" in n}
    assert not [
        i for i in WITHHOLDING_SLIP_V1.claims() if "個人番号" in i.ja or "My Number" in i.en
    ]


def test_mark_disclosable_wraps_values_recursively() -> None:
    marked = WITHHOLDING_SLIP_V1.mark_disclosable(
        valid("withholding-slip"), wrap=lambda v: ("SD", v)
    )
    assert marked["tax_year"] == 2026
    assert marked["payer"]["corporate_number"] == "7000012050002"
    assert marked["recipient"]["name"] == ("SD", "佐藤　花子")
    assert marked["withheld_tax"] == ("SD", 25_000)
    kind, inner = marked["mid_year_change"]
    assert kind == "SD"
    assert inner["date"] == ("SD", "2026-06-30")
    extra = WITHHOLDING_SLIP_V1.mark_disclosable({"unknown": 1}, wrap=lambda v: ("SD", v))
    assert extra == {"unknown": 1}


# -- invalid examples, one rule at a time ------------------------------------------------------

INVALID: list[tuple[str, tuple[str, ...], Any, str]] = [
    # kana
    ("withholding-slip", ("recipient", "name_kana"), "さとう　はなこ", "katakana"),
    ("withholding-slip", ("recipient", "name_kana"), "ｻﾄｳ ﾊﾅｺ", "katakana"),
    ("withholding-slip", ("recipient", "name_kana"), "Sato Hanako", "katakana"),
    ("withholding-slip", ("recipient", "name_kana"), "サトウ ハナコ", "katakana"),
    ("withholding-slip", ("recipient", "name_kana"), "サトウ\n", "katakana"),
    ("withholding-slip", ("recipient", "name_kana"), "", "katakana"),
    ("withholding-slip", ("recipient", "name_kana"), "ア" * 101, "at most 100"),
    # amounts: integer yen, no floats, no bools, no strings, non-negative
    ("withholding-slip", ("payment_amount",), 3_000_000.5, "integer"),
    ("withholding-slip", ("payment_amount",), 3_000_000.0, "integer"),
    ("withholding-slip", ("payment_amount",), True, "integer"),
    ("withholding-slip", ("payment_amount",), "3000000", "integer"),
    ("withholding-slip", ("withheld_tax",), -1, "between 0"),
    ("withholding-slip", ("social_insurance_premiums",), 10**11, "between 0"),
    ("withholding-slip", ("dependents", "other"), 100, "between 0"),
    # dates
    ("withholding-slip", ("recipient", "birth_date"), "1990-02-30", "exists"),
    ("withholding-slip", ("recipient", "birth_date"), "1990/04/01", "YYYY-MM-DD"),
    ("withholding-slip", ("recipient", "birth_date"), "19900401", "YYYY-MM-DD"),
    ("withholding-slip", ("recipient", "birth_date"), "1990-04-01\n", "YYYY-MM-DD"),
    # text, patterns, choices, years
    ("withholding-slip", ("recipient", "name"), "佐藤\x00花子", "control"),
    ("withholding-slip", ("recipient", "name"), "佐藤\n花子", "line breaks"),
    ("withholding-slip", ("payer", "corporate_number"), "700001205000", "13 digits"),
    ("withholding-slip", ("payer", "corporate_number"), "7000012050003", "check digit"),
    ("withholding-slip", ("payer", "phone"), "phone: 03", "phone"),
    ("withholding-slip", ("tax_year",), 1988, "between 1989"),
    ("withholding-slip", ("tax_year_era",), "令和9年", "not the Japanese era year"),
    ("withholding-slip", ("tax_year_era",), "令和0年", "era year"),
    ("withholding-slip", ("tax_year_era",), "昭和64年", "era year"),
    ("withholding-slip", ("mid_year_change", "kind"), "fired", "one of"),
    ("withholding-slip", ("has_deductible_spouse",), "yes", "true or false"),
    # consistency
    ("withholding-slip", ("income_after_deduction",), 3_000_001, "payment amount"),
    ("withholding-slip", ("withheld_tax",), 3_000_001, "payment amount"),
    ("withholding-slip", ("mid_year_change", "date"), "2025-12-31", "tax year"),
    ("withholding-slip", ("recipient", "birth_date"), "2027-01-01", "end of the tax year"),
    ("withholding-slip", ("small_business_mutual_aid",), 450_001, "social insurance"),
    ("withholding-slip", ("life_insurance_deduction",), 120_001, "legal maximum"),
    ("withholding-slip", ("earthquake_insurance_deduction",), 50_001, "legal maximum"),
    ("withholding-slip", ("total_income_deductions",), 879_999, "itemised"),
    ("withholding-slip", ("has_deductible_spouse",), False, "Spouse is elderly"),
    ("withholding-slip", ("dependents", "elderly_cohabiting"), 2, "elderly dependants"),
    # the other types
    ("employment-certificate", ("employment_start_date",), "2026-07-16", "date of issue"),
    ("employment-certificate", ("birth_date",), "2026-07-01", "employment start"),
    ("employment-certificate", ("employment_type",), "intern", "one of"),
    ("employment-certificate", ("employer_corporate_number",), "1180301018772", "check digit"),
    ("separation-certificate", ("requested_items",), [], "non-empty"),
    ("separation-certificate", ("requested_items",), ["wages", "wages"], "twice"),
    ("separation-certificate", ("requested_items",), ["salary"], "only"),
    ("separation-certificate", ("requested_items",), ["employment_period"], "did not ask"),
    (
        "separation-certificate",
        ("requested_items",),
        ["employment_period", "position", "wages"],
        "asked for it",
    ),
    ("separation-certificate", ("employment_end_date",), "2014-01-01", "before its start"),
    ("separation-certificate", ("employment_end_date",), "2026-07-08", "date of issue"),
    ("employment-insurance-number", ("insured_number",), "12345678901", "1234-567890-1"),
    ("employment-insurance-number", ("acquisition_date",), "1990-04-01", "after the date of birth"),
    ("basic-pension-number", ("basic_pension_number",), "1234-5678901", "1234-567890"),
    ("basic-pension-number", ("name_kana",), "サトウ　ハナコ1", "katakana"),
    ("enrollment-certificate", ("grade",), 0, "between 1"),
    ("enrollment-certificate", ("school_code",), "Z113110102700", "school code"),
    ("enrollment-certificate", ("enrollment_date",), "2026-07-02", "date of issue"),
    ("enrollment-certificate", ("expected_graduation_date",), "2025-04-01", "after the date"),
    ("graduation-certificate", ("graduation_date",), "2026-07-02", "date of issue"),
    ("graduation-certificate", ("enrollment_date",), "2013-03-25", "before the date"),
    ("graduation-certificate", ("birth_date",), "2013-03-25", "before the date"),
]


@pytest.mark.parametrize(("type_id", "path", "value", "rule"), INVALID)
def test_invalid_example(type_id: str, path: tuple[str, ...], value: Any, rule: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    claims = valid(type_id)
    set_path(claims, path, value)
    if type_id == "separation-certificate" and value == ["employment_period"]:
        expected_path: tuple[str, ...] = ("position",)  # stated but not asked for
    elif type_id == "separation-certificate" and path == ("requested_items",) and len(value) == 3:
        expected_path = ("wages",)  # asked for but not stated
    elif path == ("has_deductible_spouse",) and value is False:
        claims["spouse_is_elderly"] = True
        expected_path = ("spouse_is_elderly",)
    else:
        expected_path = path
    with pytest.raises(ValidationError) as caught:
        t.parse(claims)
    error = caught.value
    assert error.claim_path == expected_path
    assert rule in error.detail
    # The detail names the rule in English and the field's Japanese label.
    assert any("\u3040" <= ch <= "\u9fff" for ch in error.detail)
    assert error.code == "validation_error"


def test_problems_reports_every_field_at_once() -> None:
    claims = valid("withholding-slip")
    claims["payment_amount"] = -1
    claims["recipient"]["name_kana"] = "さとう"
    claims["recipient"]["birth_date"] = "x"
    found = WITHHOLDING_SLIP_V1.problems(claims)
    assert [e.claim_path for e in found] == [
        ("recipient", "name_kana"),
        ("recipient", "birth_date"),
        ("payment_amount",),
    ]


def test_kana_accepts_prolonged_sound_mark_and_full_width_space() -> None:
    claims = valid("withholding-slip")
    for kana in ["スズキ　ユーコ", "ヴァレンタイン", "ヂョー", "ヶ", "ア　イ　ウ"]:
        claims["recipient"]["name_kana"] = kana
        WITHHOLDING_SLIP_V1.parse(claims)


def test_era_boundary_tax_year_2019_accepts_both_eras() -> None:
    claims = valid("withholding-slip")
    claims.update(tax_year=2019, tax_year_era="令和元年")
    claims["mid_year_change"]["date"] = "2019-06-30"
    WITHHOLDING_SLIP_V1.parse(claims)
    claims["tax_year_era"] = "平成31年"
    WITHHOLDING_SLIP_V1.parse(claims)
    claims["tax_year_era"] = "平成30年"
    with pytest.raises(ValidationError):
        WITHHOLDING_SLIP_V1.parse(claims)
    claims["tax_year"] = 2020
    claims["tax_year_era"] = "令和2年"
    claims["mid_year_change"]["date"] = "2020-06-30"
    WITHHOLDING_SLIP_V1.parse(claims)

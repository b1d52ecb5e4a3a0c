"""The JSON Schema and the model agree: hypothesis mutates valid examples of every type.

Field rules are stated twice (as JSON Schema and as Python checks) from one definition; these
properties check the two never disagree. Check digits and rules between fields are beyond
JSON Schema and live only in the model, so there the property is one-way: whatever the model
accepts, the schema accepts. JSON's data model cannot tell 1.0 from 1, so integral floats
(which the model rejects as not integer yen) are left out of the two-way property.
"""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from specs.credentials import CREDENTIAL_TYPES, CredentialType
from specs.errors import ValidationError

EXAMPLES = json.loads((Path(__file__).parent / "valid_examples.json").read_text("utf-8"))
TYPES = sorted(CREDENTIAL_TYPES)
VALIDATORS = {
    type_id: Draft202012Validator(t.schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    for type_id, t in CREDENTIAL_TYPES.items()
}

_CHARS = "サトウハナコーｻﾄｳあa1-\u3000 \n\x00\x7f\x85佐藤"
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=10**11 + 5),
    st.sampled_from([0, 1, 8, 9, 99, 100, 1988, 1989, 2200, 2201, 99_999_999_999]),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    st.text(alphabet=_CHARS, max_size=12),
    st.sampled_from(
        [
            "",
            "2026-02-28",
            "2026-02-29",
            "2024-02-29",
            "2026-13-01",
            "2026/01/01",
            "2026-1-1",
            "7000012050002",
            "7000012050003",
            "700001205000",
            "1234-567890-1",
            "1234-567890",
            "F113110102700",
            "令和8年",
            "令和元年",
            "平成31年",
            "令和0年",
            "leave",
            "hire",
            "regular",
            "special",
            "employment_period",
            "03-1234-5678",
            "ア" * 100,
            "ア" * 101,
            "x" * 200,
            "x" * 201,
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
lists_of_items = st.lists(
    st.sampled_from(
        ["employment_period", "type_of_work", "position", "wages", "reason_for_leaving", "x"]
    ),
    max_size=6,
)


def schema_accepts(type_id: str, claims: object) -> bool:
    return not list(VALIDATORS[type_id].iter_errors(claims))


@st.composite
def mutated(draw: st.DrawFn, type_id: str) -> dict[str, Any]:
    t: CredentialType[Any] = CREDENTIAL_TYPES[type_id]
    claims = copy.deepcopy(EXAMPLES[type_id])
    paths = [info.path for info in t.claims()]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(paths))
        node: Any = claims
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            node.pop(path[-1], None)
        elif path[-1] == "requested_items":
            node[path[-1]] = draw(lists_of_items)
        else:
            node[path[-1]] = draw(json_values)
    return claims


@pytest.mark.parametrize("type_id", TYPES)
def test_schema_and_model_agree(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(type_id))
    def check(claims: dict[str, Any]) -> None:
        field_ok = not t.field_problems(claims)
        assert field_ok == schema_accepts(type_id, claims), (claims, t.field_problems(claims))
        try:
            t.parse(claims)
        except ValidationError:
            return
        assert schema_accepts(type_id, claims)

    check()


@pytest.mark.parametrize("type_id", TYPES)
def test_model_built_values_validate_against_the_schema(type_id: str) -> None:
    from honnin.sample_data import SampleData

    t = CREDENTIAL_TYPES[type_id]
    data = SampleData(11)
    from datetime import date

    makers = {
        "withholding-slip": lambda p, e: data.withholding_slip(p, e),
        "employment-certificate": lambda p, e: data.employment_certificate(
            p, e, as_of=date(2026, 7, 1)
        ),
        "separation-certificate": lambda p, e: data.separation_certificate(
            p, e, leave_date=date(2026, 6, 30)
        ),
        "employment-insurance-number": lambda p, e: data.employment_insurance_number(p),
        "basic-pension-number": lambda p, e: data.basic_pension_number(p),
        "enrollment-certificate": lambda p, e: data.enrollment_certificate(
            data.person(born_between=(2004, 2007)), as_of=date(2026, 7, 1)
        ),
        "graduation-certificate": lambda p, e: data.graduation_certificate(p),
    }
    for _ in range(5):
        value: Any = makers[type_id](data.person(), data.employer())
        claims = t.to_claims(t.validate(value))
        assert schema_accepts(type_id, claims)


@pytest.mark.parametrize("type_id", TYPES)
def test_arbitrary_input_raises_only_validation_errors(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]

    @settings(max_examples=40, deadline=None)
    @given(json_values)
    def check(claims: Any) -> None:
        with contextlib.suppress(ValidationError):
            t.parse(claims)

    check()

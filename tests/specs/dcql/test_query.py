"""DCQL query validation: spec examples round trip, every MUST rule, limits, fuzzing."""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.dcql import parse_claims_path, parse_dcql_query
from specs.errors import HonninError, LimitExceeded, MalformedInput, Unsupported
from specs.limits import Limits
from tests.conftest import VECTORS

EXAMPLES = sorted((VECTORS / "dcql").glob("*.json"))


def _load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / "dcql" / name).read_text())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_spec_examples_round_trip(path: Any) -> None:
    raw = json.loads(path.read_text())
    query = parse_dcql_query(raw)
    assert query.to_json() == raw
    assert parse_dcql_query(json.dumps(raw)) == query


def test_model_fields() -> None:
    query = parse_dcql_query(_load("claims_alternatives.json"))
    pid = query.credential("pid")
    assert pid.vct_values == ("https://credentials.example.com/identity_credential",)
    assert pid.claim_sets == (("a", "c", "d", "e"), ("a", "b", "e"))
    assert pid.require_cryptographic_holder_binding is True
    mdoc = parse_dcql_query(_load("complex_mdoc.json"))
    assert mdoc.credential("mdl-id").doctype_value == "org.iso.18013.5.1.mDL"
    assert mdoc.credential_sets is not None
    assert mdoc.credential_sets[1].required is False


def _simple() -> dict[str, Any]:
    return copy.deepcopy(_load("simple.json"))


def _mutate(change: Any) -> dict[str, Any]:
    raw = _simple()
    change(raw)
    return raw


def _cred(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["credentials"][0]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda r: r["credentials"].append(copy.deepcopy(_cred(r))), MalformedInput),
        (lambda r: r.update(credentials=[]), MalformedInput),
        (lambda r: r.pop("credentials"), MalformedInput),
        (lambda r: _cred(r).update(id="has space"), MalformedInput),
        (lambda r: _cred(r).update(id=""), MalformedInput),
        (lambda r: _cred(r).update(id=7), MalformedInput),
        (lambda r: _cred(r).update(format="vc+unknown"), Unsupported),
        (lambda r: _cred(r).pop("format"), MalformedInput),
        (lambda r: _cred(r).pop("meta"), MalformedInput),
        (lambda r: _cred(r).update(meta={}), MalformedInput),
        (lambda r: _cred(r).update(meta={"vct_values": []}), MalformedInput),
        (lambda r: _cred(r).update(multiple="yes"), MalformedInput),
        (lambda r: _cred(r).update(claims=[]), MalformedInput),
        (lambda r: _cred(r).update(claims=[{"path": []}]), MalformedInput),
        (lambda r: _cred(r).update(claims=[{"path": ["a", -1]}]), MalformedInput),
        (lambda r: _cred(r).update(claims=[{"path": ["a", True]}]), MalformedInput),
        (lambda r: _cred(r).update(claims=[{"path": ["a", 1.5]}]), MalformedInput),
        (lambda r: _cred(r).update(claims=[{"path": ["a"], "values": []}]), MalformedInput),
        (lambda r: _cred(r).update(claims=[{"path": ["a"], "values": [{"x": 1}]}]), MalformedInput),
        (lambda r: _cred(r).update(claim_sets=[["a"]]), MalformedInput),
        (
            lambda r: _cred(r).update(
                claims=[{"id": "a", "path": ["x"]}, {"id": "a", "path": ["y"]}]
            ),
            MalformedInput,
        ),
        (
            lambda r: _cred(r).update(claims=[{"id": "a", "path": ["x"]}], claim_sets=[["b"]]),
            MalformedInput,
        ),
        (
            lambda r: _cred(r).update(claims=[{"path": ["x"]}], claim_sets=[["a"]]),
            MalformedInput,
        ),
        (lambda r: r.update(credential_sets=[]), MalformedInput),
        (lambda r: r.update(credential_sets=[{"options": [["nope"]]}]), MalformedInput),
        (lambda r: r.update(credential_sets=[{"options": [[]]}]), MalformedInput),
        (
            lambda r: r.update(credential_sets=[{"options": [["my_credential"]], "required": 1}]),
            MalformedInput,
        ),
        (
            lambda r: _cred(r).update(trusted_authorities=[{"type": "aki", "values": []}]),
            MalformedInput,
        ),
    ],
)
def test_invalid_queries(change: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_dcql_query(_mutate(change))


def test_duplicate_ids_name_the_problem() -> None:
    raw = _mutate(lambda r: r["credentials"].append(copy.deepcopy(_cred(r))))
    with pytest.raises(MalformedInput) as info:
        parse_dcql_query(raw)
    assert "my_credential" in info.value.detail


def test_mdoc_paths_are_two_strings() -> None:
    raw = copy.deepcopy(_load("simple_mdoc.json"))
    raw["credentials"][0]["claims"][0]["path"] = ["org.iso.7367.1", "vehicle_holder", 0]
    with pytest.raises(MalformedInput):
        parse_dcql_query(raw)
    raw["credentials"][0]["meta"] = {"vct_values": ["x"]}
    with pytest.raises(MalformedInput):
        parse_dcql_query(raw)


def test_unknown_properties_are_ignored() -> None:
    raw = _mutate(lambda r: r.update(future=1) or _cred(r).update(other={"x": 1}))
    assert parse_dcql_query(raw).ids == ("my_credential",)


@pytest.mark.parametrize(
    ("limits", "raw"),
    [
        (Limits(max_dcql_credentials=1), _load("multi_credentials.json")),
        (Limits(max_dcql_claims=2), _load("simple.json")),
        (Limits(max_dcql_claim_sets=1), _load("claims_alternatives.json")),
        (Limits(max_claims_path_length=1), _load("simple.json")),
        (Limits(max_dcql_values=1), _load("value_matching_simple.json")),
        (Limits(max_json_bytes=50), json.dumps(_load("simple.json"))),
        (Limits(max_json_depth=3), json.dumps(_load("simple.json"))),
    ],
)
def test_limits(limits: Limits, raw: Any) -> None:
    with pytest.raises(LimitExceeded):
        parse_dcql_query(raw, limits)


def test_claims_path_pointer_rules() -> None:
    assert parse_claims_path(["a", None, 0]) == ("a", None, 0)
    with pytest.raises(MalformedInput):
        parse_claims_path("a")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_arbitrary_json_raises_only_honnin_errors(value: Any) -> None:
    for candidate in (value, {"credentials": value}, {"credentials": [value]}):
        with contextlib.suppress(HonninError):
            parse_dcql_query(candidate)


ids = st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True)
paths = st.lists(
    st.one_of(st.text(min_size=1, max_size=6), st.none(), st.integers(0, 3)), min_size=1, max_size=4
)


@st.composite
def queries(draw: Any) -> dict[str, Any]:
    query_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    credentials = []
    for query_id in query_ids:
        claims = draw(st.lists(st.builds(lambda p: {"path": p}, paths), max_size=4))
        entry: dict[str, Any] = {
            "id": query_id,
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [draw(st.text(min_size=1, max_size=8))]},
        }
        if claims:
            entry["claims"] = claims
        if draw(st.booleans()):
            entry["multiple"] = True
        credentials.append(entry)
    out: dict[str, Any] = {"credentials": credentials}
    if draw(st.booleans()):
        options = draw(
            st.lists(
                st.lists(st.sampled_from(query_ids), min_size=1, max_size=2), min_size=1, max_size=3
            )
        )
        out["credential_sets"] = [{"options": options, "required": False}]
    return out


@settings(max_examples=100, deadline=None)
@given(queries())
def test_generated_queries_round_trip(raw: dict[str, Any]) -> None:
    assert parse_dcql_query(raw).to_json() == raw

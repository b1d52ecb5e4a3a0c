"""DCQL claims path processing and matching: spec semantics, tables, verifier check, properties."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.dcql import (
    Candidate,
    Presented,
    check_presentation,
    covers,
    disclosed_within_query,
    match_credential,
    match_query,
    parse_dcql_query,
    requested_values,
    select_json,
    select_mdoc,
)
from specs.errors import HonninError, MalformedInput, NotFound, ValidationError
from tests.conftest import VECTORS

# Section 7.3, the claims path pointer example credential.
ARTHUR = {
    "name": "Arthur Dent",
    "address": {
        "street_address": "42 Market Street",
        "locality": "Milliways",
        "postal_code": "12345",
    },
    "degrees": [
        {"type": "Bachelor of Science", "university": "University of Betelgeuse"},
        {"type": "Master of Science", "university": "University of Betelgeuse"},
    ],
    "nationalities": ["British", "Betelgeusian"],
}
PID_VCT = "https://credentials.example.com/identity_credential"


def _query(name: str) -> Any:
    return parse_dcql_query(json.loads((VECTORS / "dcql" / name).read_text()))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["name"], [(("name",), "Arthur Dent")]),
        (["address"], [(("address",), ARTHUR["address"])]),
        (["address", "street_address"], [(("address", "street_address"), "42 Market Street")]),
        (
            ["degrees", None, "type"],
            [
                (("degrees", 0, "type"), "Bachelor of Science"),
                (("degrees", 1, "type"), "Master of Science"),
            ],
        ),
        (["nationalities", 1], [(("nationalities", 1), "Betelgeusian")]),
    ],
)
def test_section_7_3_examples(path: list[Any], expected: list[Any]) -> None:
    assert select_json(ARTHUR, tuple(path)) == expected


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (("name", "x"), MalformedInput),
        (("address", None), MalformedInput),
        (("address", 0), MalformedInput),
        (("missing",), NotFound),
        (("nationalities", 5), NotFound),
        (("degrees", None, "missing"), NotFound),
        (("name", 1.5), MalformedInput),
    ],
)
def test_processing_errors(path: tuple[Any, ...], error: type[Exception]) -> None:
    with pytest.raises(error):
        select_json(ARTHUR, path)


def test_mdoc_processing() -> None:
    mdoc = {"org.iso.18013.5.1": {"given_name": "Erika"}}
    assert select_mdoc(mdoc, ("org.iso.18013.5.1", "given_name")) == [
        (("org.iso.18013.5.1", "given_name"), "Erika")
    ]
    with pytest.raises(NotFound):
        select_mdoc(mdoc, ("org.iso.18013.5.1", "family_name"))
    with pytest.raises(NotFound):
        select_mdoc(mdoc, ("other", "given_name"))
    with pytest.raises(MalformedInput):
        select_mdoc(mdoc, ("org.iso.18013.5.1",))


def _pid(claims: dict[str, Any], cid: str = "c1", vct: str = PID_VCT, **kw: Any) -> Candidate:
    return Candidate(id=cid, format="dc+sd-jwt", claims=claims, vcts=(vct,), **kw)


FULL = {
    "family_name": "Doe",
    "given_name": "John",
    "address": {"street_address": "1 Main St"},
    "postal_code": "90210",
    "locality": "LA",
    "region": "CA",
    "date_of_birth": "1940-01-01",
}


def test_simple_match_discloses_exactly_the_query() -> None:
    match = match_query(_query("simple.json"), [_pid(FULL)])
    assert match.satisfied
    chosen = match.selection["my_credential"][0]
    assert chosen.credential_id == "c1"
    assert chosen.disclose == (("family_name",), ("given_name",), ("address", "street_address"))


@pytest.mark.parametrize(
    ("claims", "expected_set"),
    [
        (FULL, ("a", "c", "d", "e")),
        ({k: v for k, v in FULL.items() if k != "region"}, ("a", "b", "e")),
        ({k: v for k, v in FULL.items() if k not in {"region", "postal_code"}}, None),
        ({k: v for k, v in FULL.items() if k != "family_name"}, None),
    ],
)
def test_claim_sets_first_satisfiable_option(claims: dict[str, Any], expected_set: Any) -> None:
    query = _query("claims_alternatives.json").credential("pid")
    match = match_credential(query, _pid(claims))
    if expected_set is None:
        assert match is None
    else:
        assert match is not None
        assert match.claim_set == expected_set


@pytest.mark.parametrize(
    ("claims", "ok"),
    [
        ({**FULL}, True),
        ({**FULL, "family_name": "Smith"}, False),
        ({**FULL, "postal_code": "90211"}, True),
        ({**FULL, "postal_code": 90210}, False),
    ],
)
def test_value_matching(claims: dict[str, Any], ok: bool) -> None:
    query = _query("value_matching_simple.json").credential("my_credential")
    assert (match_credential(query, _pid(claims)) is not None) is ok


def test_values_are_type_exact() -> None:
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "q",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": ["t"]},
                    "claims": [{"path": ["flag"], "values": [1]}],
                }
            ]
        }
    ).credential("q")
    assert match_credential(query, _pid({"flag": True}, vct="t")) is None
    assert match_credential(query, _pid({"flag": 1}, vct="t")) is not None


def test_values_filter_array_elements() -> None:
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "q",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": ["t"]},
                    "claims": [{"path": ["nationalities", None], "values": ["British"]}],
                }
            ]
        }
    ).credential("q")
    match = match_credential(query, _pid(ARTHUR, vct="t"))
    assert match is not None
    assert match.disclose == (("nationalities", 0),)


@pytest.mark.parametrize(
    ("candidate", "ok"),
    [
        (_pid(FULL), True),
        (_pid(FULL, vct="https://other.example/vct"), False),
        (Candidate(id="m", format="mso_mdoc", claims={}, doctype="x"), False),
        (_pid(FULL, holder_binding=False), False),
    ],
)
def test_format_type_and_binding(candidate: Candidate, ok: bool) -> None:
    query = _query("simple.json").credential("my_credential")
    assert (match_credential(query, candidate) is not None) is ok


def test_trusted_authorities() -> None:
    raw = json.loads((VECTORS / "dcql" / "simple.json").read_text())
    raw["credentials"][0]["trusted_authorities"] = [
        {"type": "aki", "values": ["s9tIpPmhxdiuNkHMEWNpYim8S8Y"]}
    ]
    query = parse_dcql_query(raw).credential("my_credential")
    assert match_credential(query, _pid(FULL)) is None
    trusted = _pid(FULL, authorities={"aki": frozenset({"s9tIpPmhxdiuNkHMEWNpYim8S8Y"})})
    assert match_credential(query, trusted) is not None


def _mdl(cid: str, doctype: str, elements: dict[str, Any]) -> Candidate:
    return Candidate(
        id=cid, format="mso_mdoc", claims={"org.iso.18013.5.1": elements}, doctype=doctype
    )


ID_ITEMS = {"given_name": "E", "family_name": "M", "portrait": "AA"}
ADDRESS_ITEMS = {"resident_address": "X", "resident_country": "JP"}


@pytest.mark.parametrize(
    ("wallet", "satisfied", "selected"),
    [
        (
            [_mdl("m", "org.iso.18013.5.1.mDL", {**ID_ITEMS, **ADDRESS_ITEMS})],
            True,
            {"mdl-id", "mdl-address"},
        ),
        ([_mdl("m", "org.iso.18013.5.1.mDL", ID_ITEMS)], True, {"mdl-id"}),
        ([_mdl("p", "org.iso.23220.photoid.1", ID_ITEMS)], True, {"photo_card-id"}),
        ([_mdl("m", "org.iso.18013.5.1.mDL", ADDRESS_ITEMS)], False, set()),
        ([], False, set()),
    ],
)
def test_credential_sets_table(
    wallet: list[Candidate], satisfied: bool, selected: set[str]
) -> None:
    match = match_query(_query("complex_mdoc.json"), wallet)
    assert match.satisfied is satisfied
    assert set(match.selection) == selected
    if not satisfied:
        assert match.unsatisfied == ("credential_sets[0]",)


def test_alternatives_prefer_first_option() -> None:
    query = _query("credentials_alternatives.json")
    reduced = _pid(
        {"family_name": "D", "given_name": "J"},
        "r1",
        "https://credentials.example.com/reduced_identity_credential",
    )
    residence = _pid(
        {"postal_code": "1", "locality": "2", "region": "3"},
        "r2",
        "https://cred.example/residence_credential",
    )
    match = match_query(query, [reduced, residence])
    assert set(match.selection) == {"pid_reduced_cred_1", "pid_reduced_cred_2"}
    match = match_query(query, [reduced, residence, _pid(FULL)])
    assert set(match.selection) == {"pid"}
    assert not match_query(query, [reduced]).satisfied


def test_all_credentials_required_without_sets() -> None:
    query = _query("multi_credentials.json")
    pid = _pid(FULL)
    assert not match_query(query, [pid]).satisfied
    vrc = Candidate(
        id="v",
        format="mso_mdoc",
        claims={
            "org.iso.7367.1": {"vehicle_holder": "x"},
            "org.iso.18013.5.1": {"given_name": "y"},
        },
        doctype="org.iso.7367.1.mVRC",
    )
    assert match_query(query, [pid, vrc]).satisfied


def test_no_claims_means_nothing_selectively_disclosed() -> None:
    query = parse_dcql_query(
        {"credentials": [{"id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": ["t"]}}]}
    )
    match = match_credential(query.credential("q"), _pid(FULL, vct="t"))
    assert match is not None
    assert match.disclose == ()


# --- verifier side ---


def _presented(claims: Any, vct: str = PID_VCT) -> Presented:
    return Presented(format="dc+sd-jwt", claims=claims, vcts=(vct,))


def test_check_presentation_accepts_and_drops_extras() -> None:
    query = _query("simple.json")
    check_presentation(query, {"my_credential": [_presented(FULL)]})
    kept = requested_values(query.credential("my_credential"), _presented(FULL))
    assert kept == {
        ("family_name",): "Doe",
        ("given_name",): "John",
        ("address", "street_address"): "1 Main St",
    }


@pytest.mark.parametrize(
    ("presented", "error"),
    [
        ({}, ValidationError),
        ({"my_credential": []}, MalformedInput),
        ({"other": [_presented(FULL)]}, ValidationError),
        ({"my_credential": [_presented(FULL), _presented(FULL)]}, ValidationError),
        ({"my_credential": [_presented({"family_name": "Doe"})]}, ValidationError),
        ({"my_credential": [_presented(FULL, vct="https://other")]}, ValidationError),
        ({"my_credential": [Presented(format="mso_mdoc", claims={})]}, ValidationError),
        (
            {
                "my_credential": [
                    Presented(
                        format="dc+sd-jwt", claims=FULL, vcts=(PID_VCT,), holder_binding=False
                    )
                ]
            },
            ValidationError,
        ),
    ],
)
def test_check_presentation_refuses(presented: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        check_presentation(_query("simple.json"), presented)


def test_missing_claim_is_named() -> None:
    with pytest.raises(ValidationError) as info:
        check_presentation(
            _query("simple.json"),
            {"my_credential": [_presented({"family_name": "D", "given_name": "J"})]},
        )
    assert info.value.claim_path == ("my_credential", "address", "street_address")


def test_check_presentation_credential_sets() -> None:
    query = _query("credentials_alternatives.json")
    reduced = _presented(
        {"family_name": "D", "given_name": "J"},
        "https://credentials.example.com/reduced_identity_credential",
    )
    with pytest.raises(ValidationError):
        check_presentation(query, {"pid_reduced_cred_1": [reduced]})
    check_presentation(query, {"pid": [_presented(FULL)]})


def test_claim_sets_any_option_accepted_by_verifier() -> None:
    query = _query("claims_alternatives.json")
    second = {k: v for k, v in FULL.items() if k != "region"}
    check_presentation(query, {"pid": [_presented(second)]})


def test_value_check_can_be_relaxed() -> None:
    query = _query("value_matching_simple.json")
    other = _presented({**FULL, "family_name": "Smith"})
    with pytest.raises(ValidationError):
        check_presentation(query, {"my_credential": [other]})
    check_presentation(query, {"my_credential": [other]}, check_values=False)


# --- properties ---

json_leaf = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["a", "b", "x"])
json_values = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)
    ),
    max_leaves=15,
)
pointer = st.lists(
    st.sampled_from(["a", "b", "c"]) | st.none() | st.integers(0, 2), min_size=1, max_size=4
)
claim = st.builds(
    lambda p, v: {"path": p, **({"values": v} if v else {})},
    pointer,
    st.none() | st.lists(st.sampled_from(["a", "x", 1, True]), min_size=1, max_size=2),
)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["a", "b", "c"]), json_values, max_size=3),
    st.lists(claim, min_size=1, max_size=4),
)
def test_matching_never_selects_outside_the_query(
    credential: dict[str, Any], claims: list[Any]
) -> None:
    query = parse_dcql_query(
        {
            "credentials": [
                {"id": "q", "format": "dc+sd-jwt", "meta": {"vct_values": ["t"]}, "claims": claims}
            ]
        }
    )
    credential_query = query.credential("q")
    match = match_credential(credential_query, _pid(credential, vct="t"))
    if match is None:
        return
    assert disclosed_within_query(credential_query, match.disclose)
    for path in match.disclose:
        assert any(covers(c.path, path) and len(c.path) == len(path) for c in match.claims)
        assert None not in path
    # and the verifier accepts what the wallet selected
    check_presentation(query, {"q": [_presented(credential, "t")]})


@settings(max_examples=100, deadline=None)
@given(json_values, pointer)
def test_processing_raises_only_honnin_errors(credential: Any, path: list[Any]) -> None:
    try:
        selected = select_json(credential, tuple(path))
    except HonninError:
        return
    for concrete, _ in selected:
        assert covers(tuple(path), concrete)

"""The schema fast path (``present_claims_valid``) gives the full checker's verdict.

``present_claims_valid`` judges a document without building error objects; the verifier
falls back to ``field_problems`` only when it says no. Its verdict must equal "no problem of
``field_problems`` at a claim path present in the document", for valid examples, for
mutated ones (hypothesis, the mutations of the schema agreement test) and for documents
with claims removed, which is what a selective presentation looks like.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.credentials import CREDENTIAL_TYPES
from specs.credentials.definition import CredentialType

from .test_schema_agreement import EXAMPLES, TYPES, json_values, mutated


def _present(claims: Any, path: tuple[str, ...]) -> bool:
    node = claims
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def full_verdict(t: CredentialType[Any], claims: dict[str, Any]) -> bool:
    """The slow, obvious definition: no field problem at a path that is present."""
    return not [p for p in t.field_problems(claims) if _present(claims, tuple(p.claim_path or ()))]


@pytest.mark.parametrize("type_id", TYPES)
def test_valid_examples_pass_both_ways(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    claims = copy.deepcopy(EXAMPLES[type_id])
    assert t.present_claims_valid(claims)
    assert full_verdict(t, claims)


@pytest.mark.parametrize("type_id", TYPES)
def test_an_empty_document_is_valid_where_present(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    assert t.present_claims_valid({})
    assert full_verdict(t, {})
    # ... while the full checker still reports every mandatory claim as missing.
    assert t.field_problems({})


@pytest.mark.parametrize("type_id", TYPES)
def test_fast_path_agrees_with_field_problems(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(type_id), st.data())
    def check(claims: dict[str, Any], data: st.DataObject) -> None:
        # Drop some top-level claims, as a presentation that discloses a few items does.
        for name in list(claims):
            if data.draw(st.booleans()):
                del claims[name]
        assert t.present_claims_valid(claims) == full_verdict(t, claims), claims

    check()


@pytest.mark.parametrize("type_id", TYPES)
def test_fast_path_agrees_on_arbitrary_values_in_every_claim(type_id: str) -> None:
    t = CREDENTIAL_TYPES[type_id]
    paths = [info.path for info in t.claims()]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(paths), json_values)
    def check(path: tuple[str, ...], value: Any) -> None:
        claims = copy.deepcopy(EXAMPLES[type_id])
        node: Any = claims
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
        assert t.present_claims_valid(claims) == full_verdict(t, claims), claims

    check()


def test_int_subclasses_and_bools_are_judged_like_field_problems() -> None:
    t = CREDENTIAL_TYPES["withholding-slip"]
    claims = copy.deepcopy(EXAMPLES["withholding-slip"])
    for value in (True, False, 1.0, 5.5, "100", -1, 10**12):
        claims["payment_amount"] = value
        assert t.present_claims_valid(claims) is False
        assert full_verdict(t, claims) is False

    class Yen(int):
        pass

    claims["payment_amount"] = Yen(100)
    assert t.present_claims_valid(claims) == full_verdict(t, claims)

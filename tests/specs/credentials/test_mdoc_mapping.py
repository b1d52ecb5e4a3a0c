"""The mdoc form of the credential types: docType, elements, claims round trip, paths."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honnin.sample_data import SampleData
from specs.credentials import CREDENTIAL_TYPES, WITHHOLDING_SLIP_V1
from specs.credentials.mdoc import (
    claim_path_of,
    claims_from_mdoc,
    credential_type_by_doctype,
    element_paths,
    mdoc_doctype,
    mdoc_elements,
    to_mdoc_namespaces,
)
from specs.errors import HonninError, MalformedInput, NotFound
from specs.mdoc import decode_cbor, encode_cbor

NS = WITHHOLDING_SLIP_V1.mdoc_namespace


def slip(seed: int) -> dict[str, Any]:
    sample = SampleData(seed)
    value = sample.withholding_slip(
        sample.person(), SampleData(1).employer(), leave_date=date(2026, 6, 30)
    )
    return WITHHOLDING_SLIP_V1.to_claims(value)


def test_one_doctype_per_type_and_unique_elements() -> None:
    doctypes = {mdoc_doctype(t) for t in CREDENTIAL_TYPES.values()}
    assert len(doctypes) == len(CREDENTIAL_TYPES)
    assert mdoc_doctype(WITHHOLDING_SLIP_V1) == "jp.honnin.withholding_slip.1"
    for ctype in CREDENTIAL_TYPES.values():
        ids = [e.identifier for e in mdoc_elements(ctype)]
        assert len(ids) == len(set(ids))
        assert credential_type_by_doctype(mdoc_doctype(ctype)) is ctype


def test_dates_are_full_dates_and_everything_else_json() -> None:
    elements = to_mdoc_namespaces(WITHHOLDING_SLIP_V1, slip(3))[NS]
    assert elements["mid_year_change_date"] == date(2026, 6, 30)
    assert isinstance(elements["recipient_birth_date"], date)
    assert isinstance(elements["payment_amount"], int)
    # Through CBOR the date comes back as a date (tag 1004), the amount as an integer.
    again = decode_cbor(encode_cbor(elements))
    assert again == elements


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_claims_round_trip_through_elements(seed: int) -> None:
    claims = slip(seed)
    elements = to_mdoc_namespaces(WITHHOLDING_SLIP_V1, claims)[NS]
    assert claims_from_mdoc(WITHHOLDING_SLIP_V1, elements) == claims


def test_paths_both_ways() -> None:
    assert element_paths(WITHHOLDING_SLIP_V1, ("payer", "name")) == ((NS, "payer_name"),)
    assert element_paths(WITHHOLDING_SLIP_V1, ("mid_year_change",)) == (
        (NS, "mid_year_change_kind"),
        (NS, "mid_year_change_date"),
    )
    assert claim_path_of(WITHHOLDING_SLIP_V1, NS, "payer_name") == ("payer", "name")


def test_unknown_names_raise_not_found() -> None:
    with pytest.raises(NotFound):
        element_paths(WITHHOLDING_SLIP_V1, ("my_number",))
    with pytest.raises(NotFound):
        claim_path_of(WITHHOLDING_SLIP_V1, NS, "my_number")
    with pytest.raises(NotFound):
        claim_path_of(WITHHOLDING_SLIP_V1, "org.iso.18013.5.1", "payer_name")
    with pytest.raises(NotFound):
        credential_type_by_doctype("org.iso.18013.5.1.mDL")


def test_a_date_element_must_be_a_full_date() -> None:
    with pytest.raises(MalformedInput) as caught:
        claims_from_mdoc(WITHHOLDING_SLIP_V1, {"mid_year_change_date": "2026-06-30"})
    assert list(caught.value.claim_path or ()) == ["mid_year_change_date"]


def test_unknown_elements_are_left_out() -> None:
    assert claims_from_mdoc(WITHHOLDING_SLIP_V1, {"later_item": 1, "payment_amount": 5}) == {
        "payment_amount": 5
    }


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([e.identifier for e in mdoc_elements(WITHHOLDING_SLIP_V1)] + ["x"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=5), st.dates(), st.booleans()),
        max_size=8,
    )
)
def test_arbitrary_elements_raise_only_honnin_errors(elements: dict[str, Any]) -> None:
    with contextlib.suppress(HonninError):
        claims_from_mdoc(WITHHOLDING_SLIP_V1, elements)

"""The consent engine: nothing leaves outside requested ∩ registered ∩ consented."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wallet.consent import (
    ItemStatus,
    RuleDecision,
    decide,
    path_covers,
    screen,
)

ITEMS = [
    ("payment_amount",),
    ("withheld_tax",),
    ("recipient", "name"),
    ("recipient", "address"),
    ("my_number",),
]


def _screen(registered, legal_basis=None, rule=RuleDecision.ASK):
    return screen(
        verifier_id="x509_hash:abc",
        verifier_name="株式会社B",
        purpose="year-end-adjustment",
        credential_id="c1",
        requested=ITEMS,
        registered=registered,
        my_number_legal_basis=legal_basis,
        rule=rule,
    )


def test_unregistered_and_my_number_are_refused_even_with_consent() -> None:
    s = _screen([("payment_amount",), ("recipient",), ("my_number",)])
    statuses = {i.path: i.status for i in s.items}
    assert statuses[("withheld_tax",)] is ItemStatus.NOT_REGISTERED
    assert statuses[("recipient", "address")] is ItemStatus.SHAREABLE  # parent registered
    assert statuses[("my_number",)] is ItemStatus.NEVER_SHARE  # registered but no legal basis
    out = decide(s, ITEMS)  # the person says yes to everything
    assert set(out.disclosed) == {
        ("payment_amount",),
        ("recipient", "name"),
        ("recipient", "address"),
    }
    assert out.reasons[("my_number",)] == "never_share"
    assert out.reasons[("withheld_tax",)] == "not_registered"


def test_my_number_with_legal_basis() -> None:
    s = _screen([("my_number",)], legal_basis="所得税法第226条")
    assert decide(s, [("my_number",)]).disclosed == (("my_number",),)


def test_decline_and_deny_rule_disclose_nothing() -> None:
    assert decide(_screen([("payment_amount",)]), None).disclosed == ()
    denied = decide(_screen([("payment_amount",)], rule=RuleDecision.DENY), ITEMS)
    assert denied.declined
    assert denied.disclosed == ()


def test_path_covers_wildcards() -> None:
    assert path_covers(("dependants", None, "name"), ("dependants", 2, "name"))
    assert not path_covers(("dependants", 0), ("dependants", 1))
    assert not path_covers(("a", "b"), ("a",))


paths = st.tuples(
    st.sampled_from(["payment_amount", "withheld_tax", "recipient", "my_number", "x"])
).map(tuple) | st.tuples(
    st.sampled_from(["recipient", "dependants"]), st.sampled_from(["name", "address", 0, 1])
)


@given(
    requested=st.lists(paths, max_size=8),
    registered=st.lists(paths, max_size=8),
    approved=st.none() | st.lists(paths, max_size=8),
    basis=st.none() | st.just("law"),
)
def test_disclosed_is_subset_of_requested_registered_consented(
    requested, registered, approved, basis
) -> None:
    s = screen(
        verifier_id="v",
        verifier_name="V",
        purpose="p",
        credential_id="c",
        requested=requested,
        registered=registered,
        my_number_legal_basis=basis,
    )
    out = decide(s, approved)
    for path in out.disclosed:
        assert path in requested
        assert any(path_covers(r, path) for r in registered)
        assert approved is not None
        assert path in approved
        assert basis is not None or "my_number" not in path

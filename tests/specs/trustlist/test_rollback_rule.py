"""The rollback rule: never a lower sequence number, never another list under the same one."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given
from hypothesis import strategies as st

from specs.errors import Rollback
from specs.trustlist import (
    AcceptedTrustList,
    anchor_scope,
    check_not_rolled_back,
    next_accepted,
    remember_accepted,
    sign_trust_list,
    verify_trust_list,
)
from specs.trustlist import constants as c
from tests.trustlist import pki as P  # noqa: N812 (the short name these tests use)
from trustlist.freshness import check_rollback

D1, D2 = "a" * 64, "b" * 64
S1, S2 = "1" * 64, "2" * 64  # the anchor scopes of two operators


def test_nothing_accepted_yet_accepts_any_list() -> None:
    check_not_rolled_back(1, D1, None, None)
    assert next_accepted(7, D1, None, scope=S1) == AcceptedTrustList(7, D1, S1)


def test_a_lower_number_is_refused() -> None:
    with pytest.raises(Rollback, match="older than the accepted 5"):
        check_not_rolled_back(4, D1, 5, D1)
    with pytest.raises(Rollback, match="older"):
        next_accepted(4, D2, AcceptedTrustList(5, D1, S1), scope=S1)


def test_another_list_under_the_same_number_is_refused() -> None:
    with pytest.raises(Rollback, match="differs from the one accepted under the same number"):
        check_not_rolled_back(5, D2, 5, D1)
    with pytest.raises(Rollback):
        next_accepted(5, D2, AcceptedTrustList(5, D1, S1), scope=S1)


def test_the_same_list_again_and_a_newer_one_are_accepted() -> None:
    last = AcceptedTrustList(5, D1, S1)
    assert next_accepted(5, D1, last, scope=S1) == last
    assert next_accepted(6, D2, last, scope=S1) == AcceptedTrustList(6, D2, S1)


def test_only_the_number_known_refuses_only_a_lower_number() -> None:
    check_not_rolled_back(5, D2, 5, None)
    with pytest.raises(Rollback):
        check_not_rolled_back(4, D2, 5, None)


@given(
    sequence=st.integers(1, 2**53 - 1),
    last=st.integers(1, 2**53 - 1),
    same_digest=st.booleans(),
)
def test_refused_exactly_when_lower_or_different_under_the_same_number(
    sequence: int, last: int, same_digest: bool
) -> None:
    digest = D1 if same_digest else D2
    refused = sequence < last or (sequence == last and not same_digest)
    try:
        check_not_rolled_back(sequence, digest, last, D1)
    except Rollback:
        assert refused
    else:
        assert not refused


def test_signed_lists_are_told_apart_by_their_token_digest(pki: Any) -> None:
    """Two signed lists under one number (an issuer added) have different digests."""
    document = P.make_document(pki, sequence_number=3)
    changed = P.make_document(pki, sequence_number=3)
    changed[c.ISSUERS] = changed[c.ISSUERS][:1]
    first = verify_trust_list(
        sign_trust_list(document, pki.operator.signer, pki.operator.chain),
        pki.operator.chain,
        P.NOW,
    )
    second = verify_trust_list(
        sign_trust_list(changed, pki.operator.signer, pki.operator.chain),
        pki.operator.chain,
        P.NOW,
    )
    scope = anchor_scope(pki.operator.chain)
    accepted = next_accepted(3, first.digest, None, scope=scope)
    assert next_accepted(3, first.digest, accepted, scope=scope) == accepted
    with pytest.raises(Rollback):
        next_accepted(second.trust_list.sequence_number, second.digest, accepted, scope=scope)
    # The trust-list role's fetcher applies the same rule.
    with pytest.raises(Rollback):
        check_rollback(second.trust_list, second.digest, 3, first.digest)
    check_rollback(first.trust_list, first.digest, 3, first.digest)


# --- the mark is scoped to the configured operator anchors (TS 119 612 5.3.2) ---


def test_a_mark_of_other_anchors_does_not_apply() -> None:
    """Another operator numbers its own lists: its list 2 after our list 9 is accepted and
    becomes the mark; so is our list 4 after that (re-pointing back is an explicit act too)."""
    ours = AcceptedTrustList(9, D1, S1)
    theirs = next_accepted(2, D2, ours, scope=S2)
    assert theirs == AcceptedTrustList(2, D2, S2)
    assert next_accepted(4, D1, theirs, scope=S1) == AcceptedTrustList(4, D1, S1)
    # Under one scope the rule is unchanged.
    with pytest.raises(Rollback, match="older than the accepted 9"):
        next_accepted(2, D2, ours, scope=S1)
    with pytest.raises(Rollback, match="differs"):
        next_accepted(9, D2, ours, scope=S1)


@given(
    sequence=st.integers(1, 2**53 - 1),
    last=st.integers(1, 2**53 - 1),
    same_digest=st.booleans(),
    same_scope=st.booleans(),
)
def test_refused_exactly_when_lower_or_different_under_the_same_number_and_scope(
    sequence: int, last: int, same_digest: bool, same_scope: bool
) -> None:
    digest = D1 if same_digest else D2
    scope = S1 if same_scope else S2
    refused = same_scope and (sequence < last or (sequence == last and not same_digest))
    try:
        new = next_accepted(sequence, digest, AcceptedTrustList(last, D1, S1), scope=scope)
    except Rollback:
        assert refused
    else:
        assert not refused
        assert new == AcceptedTrustList(sequence, digest, scope)


def test_anchor_scope_names_the_set_of_anchors(pki: Any) -> None:
    """SHA-256 of the sorted DER encodings: order and repetition do not matter, another
    operator's anchor gives another scope."""
    ours, theirs = pki.operator.chain[0], pki.other_operator.chain[0]
    ders = sorted(cert.public_bytes(Encoding.DER) for cert in (ours, theirs))
    assert anchor_scope([ours, theirs]) == hashlib.sha256(b"".join(ders)).hexdigest()
    assert anchor_scope([theirs, ours, theirs]) == anchor_scope([ours, theirs])
    assert anchor_scope([ours]) == hashlib.sha256(ours.public_bytes(Encoding.DER)).hexdigest()
    assert len({anchor_scope([ours]), anchor_scope([theirs]), anchor_scope([ours, theirs])}) == 3


def test_signed_lists_of_two_operators_each_count_their_own_numbers(pki: Any) -> None:
    """Our list 5 accepted, then the other operator's list 1 under its anchor: accepted."""
    ours = verify_trust_list(
        sign_trust_list(
            P.make_document(pki, sequence_number=5), pki.operator.signer, pki.operator.chain
        ),
        pki.operator.chain,
        P.NOW,
    )
    theirs = verify_trust_list(
        sign_trust_list(
            P.make_document(pki, sequence_number=1),
            pki.other_operator.signer,
            pki.other_operator.chain,
        ),
        pki.other_operator.chain,
        P.NOW,
    )
    ours_scope, theirs_scope = (
        anchor_scope(pki.operator.chain),
        anchor_scope(pki.other_operator.chain),
    )
    mark = next_accepted(5, ours.digest, None, scope=ours_scope)
    mark = next_accepted(1, theirs.digest, mark, scope=theirs_scope)
    assert mark == AcceptedTrustList(1, theirs.digest, theirs_scope)
    with pytest.raises(Rollback):
        next_accepted(1, ours.digest, mark, scope=theirs_scope)  # one number, one list


def test_remember_accepted_checks_again_when_another_process_wrote_first() -> None:
    stored: list[AcceptedTrustList | None] = [AcceptedTrustList(1, "d1", "s")]

    def replace(expected: AcceptedTrustList | None, new: AcceptedTrustList) -> bool:
        if stored[0] != expected:
            return False
        if new.sequence_number == 2:  # list 3 lands between our read and our write
            stored[0] = AcceptedTrustList(3, "d3", "s")
            return False
        stored[0] = new
        return True

    with pytest.raises(Rollback, match="older than the accepted 3"):
        remember_accepted(2, "d2", scope="s", read=lambda: stored[0], replace=replace)
    assert stored[0] == AcceptedTrustList(3, "d3", "s")
    kept = remember_accepted(4, "d4", scope="s", read=lambda: stored[0], replace=replace)
    assert kept == stored[0] == AcceptedTrustList(4, "d4", "s")

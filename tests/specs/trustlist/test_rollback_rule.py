"""The rollback rule: never a lower sequence number, never another list under the same one."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from specs.errors import Rollback
from specs.trustlist import (
    AcceptedTrustList,
    check_not_rolled_back,
    next_accepted,
    sign_trust_list,
    verify_trust_list,
)
from specs.trustlist import constants as c
from tests.trustlist import pki as P  # noqa: N812 (the short name these tests use)
from trustlist.freshness import check_rollback

D1, D2 = "a" * 64, "b" * 64


def test_nothing_accepted_yet_accepts_any_list() -> None:
    check_not_rolled_back(1, D1, None, None)
    assert next_accepted(7, D1, None) == AcceptedTrustList(7, D1)


def test_a_lower_number_is_refused() -> None:
    with pytest.raises(Rollback, match="older than the accepted 5"):
        check_not_rolled_back(4, D1, 5, D1)
    with pytest.raises(Rollback, match="older"):
        next_accepted(4, D2, AcceptedTrustList(5, D1))


def test_another_list_under_the_same_number_is_refused() -> None:
    with pytest.raises(Rollback, match="differs from the one accepted under the same number"):
        check_not_rolled_back(5, D2, 5, D1)
    with pytest.raises(Rollback):
        next_accepted(5, D2, AcceptedTrustList(5, D1))


def test_the_same_list_again_and_a_newer_one_are_accepted() -> None:
    assert next_accepted(5, D1, AcceptedTrustList(5, D1)) == AcceptedTrustList(5, D1)
    assert next_accepted(6, D2, AcceptedTrustList(5, D1)) == AcceptedTrustList(6, D2)


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
    accepted = next_accepted(3, first.digest, None)
    assert next_accepted(3, first.digest, accepted) == accepted
    with pytest.raises(Rollback):
        next_accepted(second.trust_list.sequence_number, second.digest, accepted)
    # The trust-list role's fetcher applies the same rule.
    with pytest.raises(Rollback):
        check_rollback(second.trust_list, second.digest, 3, first.digest)
    check_rollback(first.trust_list, first.digest, 3, first.digest)

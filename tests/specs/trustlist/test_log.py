"""The transparency log: hash chain, signed head, consistency (fork and shrink detection)."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.errors import (
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    Rollback,
    UntrustedKey,
    ValidationError,
)
from specs.limits import DEFAULT_LIMITS
from specs.trustlist import (
    append_entry,
    check_extends,
    check_list_logged,
    sign_log,
    verify_log,
)
from specs.trustlist.log import LogHead
from tests.trustlist import pki as P  # noqa: N812 (the short name these tests use)

NOW = P.NOW


def digest(n: int) -> str:
    return hashlib.sha256(f"list {n}".encode()).hexdigest()


def build(count: int, start: int = 1, prefix: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    entries = prefix
    for seq in range(start, start + count):
        entries = append_entry(entries, sequence_number=seq, issued_at=NOW, list_digest=digest(seq))
    return entries


def signed(pki: Any, entries: tuple[Any, ...]) -> dict[str, Any]:
    return sign_log(entries, pki.operator.signer, pki.operator.chain, NOW)


def test_round_trip_and_extension(pki: Any) -> None:
    three = build(3)
    log3 = verify_log(signed(pki, three), pki.operator.chain, NOW)
    assert log3.head.size == 3
    assert log3.entries[2].previous_hash == three[1].entry_hash
    five = build(2, start=4, prefix=three)
    log5 = verify_log(signed(pki, five), pki.operator.chain, NOW)
    check_extends(log3.head, log5)
    check_extends(None, log5)
    assert check_list_logged(log5, list_digest=digest(5), sequence_number=5).index == 4


def test_fork_is_rollback(pki: Any) -> None:
    three = build(3)
    seen = verify_log(signed(pki, three), pki.operator.chain, NOW).head
    # The operator rewrites entry 2 (a different list under sequence 3) and carries on.
    forked = append_entry(three[:2], sequence_number=3, issued_at=NOW, list_digest=digest(99))
    forked = build(1, start=4, prefix=forked)
    log = verify_log(signed(pki, forked), pki.operator.chain, NOW)
    with pytest.raises(Rollback, match="forked"):
        check_extends(seen, log)


def test_shrunk_log_is_rollback(pki: Any) -> None:
    seen = LogHead(size=3, head_hash=build(3)[-1].entry_hash)
    log = verify_log(signed(pki, build(2)), pki.operator.chain, NOW)
    with pytest.raises(Rollback, match="shrank"):
        check_extends(seen, log)


def test_superseded_and_missing_list(pki: Any) -> None:
    log = verify_log(signed(pki, build(3)), pki.operator.chain, NOW)
    with pytest.raises(Rollback):
        check_list_logged(log, list_digest=digest(2), sequence_number=2)
    with pytest.raises(ValidationError):
        check_list_logged(log, list_digest=digest(42), sequence_number=42)
    with pytest.raises(ValidationError):
        check_list_logged(log, list_digest=digest(3), sequence_number=4)


def test_append_refuses_lower_sequence() -> None:
    with pytest.raises(Rollback):
        append_entry(build(2), sequence_number=2, issued_at=NOW, list_digest=digest(2))


def test_tampered_entries(pki: Any) -> None:
    document = signed(pki, build(3))
    for change in (
        lambda d: d["entries"][1].update(list_digest=digest(77)),
        lambda d: d["entries"].pop(),
        lambda d: d["entries"][0].update(index=1),
        lambda d: d["entries"][2].update(sequence_number=1),
    ):
        bad = copy.deepcopy(document)
        change(bad)
        with pytest.raises(ValidationError):
            verify_log(bad, pki.operator.chain, NOW)


def test_head_signature(pki: Any) -> None:
    document = signed(pki, build(2))
    other = sign_log(build(2), pki.other_operator.signer, pki.other_operator.chain, NOW)
    with pytest.raises(UntrustedKey):
        verify_log(other, pki.operator.chain, NOW)
    head, payload, sig = document["signed_head"].split(".")
    flipped = sig[:-2] + ("AA" if sig[-2:] != "AA" else "BA")
    with pytest.raises(InvalidSignature):
        verify_log(
            dict(document, signed_head=f"{head}.{payload}.{flipped}"), pki.operator.chain, NOW
        )
    with pytest.raises(UntrustedKey):
        sign_log(build(1), pki.other_operator.signer, pki.operator.chain, NOW)


MALFORMED = [
    {"entries": []},
    {"entries": {}, "signed_head": "x"},
    {"entries": [{"index": 0}], "signed_head": "x"},
    {
        "entries": [
            {
                "index": 0,
                "sequence_number": 1,
                "list_issue_date_time": "now",
                "list_digest": "0" * 64,
                "previous_hash": "0" * 64,
            }
        ],
        "signed_head": "x",
    },
    {
        "entries": [
            {
                "index": 0,
                "sequence_number": True,
                "list_issue_date_time": "2026-01-01T00:00:00Z",
                "list_digest": "0" * 64,
                "previous_hash": "0" * 64,
            }
        ],
        "signed_head": "x",
    },
    {
        "entries": [
            {
                "index": 0,
                "sequence_number": 1,
                "list_issue_date_time": "2026-01-01T00:00:00Z",
                "list_digest": "A" * 64,
                "previous_hash": "0" * 64,
            }
        ],
        "signed_head": "x",
    },
]


@pytest.mark.parametrize("document", MALFORMED)
def test_malformed_log(pki: Any, document: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput):
        verify_log(document, pki.operator.chain, NOW)


def test_log_entry_limit(pki: Any) -> None:
    limits = replace(DEFAULT_LIMITS, max_trust_list_log_entries=2)
    with pytest.raises(LimitExceeded):
        verify_log(signed(pki, build(3)), pki.operator.chain, NOW, limits=limits)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["entries", "signed_head", "x"]),
        st.one_of(
            st.text(max_size=40),
            st.lists(
                st.dictionaries(
                    st.text(max_size=20), st.integers() | st.text(max_size=70), max_size=6
                ),
                max_size=3,
            ),
        ),
    )
)
def test_arbitrary_log_raises_only_honnin_errors(pki: Any, document: dict[str, Any]) -> None:
    try:
        verify_log(document, pki.operator.chain, NOW)
    except HonninError:
        return

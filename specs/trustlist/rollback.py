"""The rollback rule for trust lists: a client never goes back to an older list.

The operator increments the sequence number with every list it publishes (ETSI TS 119 612
5.3.2 "TSL sequence number", TS 119 602 6.3.2 ``LoTESequenceNumber``). A client that has
accepted list *n* therefore refuses any list numbered below *n* (an older list replayed by a
mirror or an attacker, e.g. from before an issuer was withdrawn, still carries a valid
operator signature) and any list under the number *n* that is not the one it accepted (one
number, one list). Lists are told apart by the SHA-256 of the signed token
(``token_digest``, the digest the transparency log records). Pure: the caller keeps the
last accepted list wherever it keeps state.
"""

from __future__ import annotations

from dataclasses import dataclass

from specs.errors import Rollback


@dataclass(frozen=True, slots=True)
class AcceptedTrustList:
    """The newest list a client accepted: its sequence number and the SHA-256 of its token."""

    sequence_number: int
    digest: str


def check_not_rolled_back(
    sequence_number: int,
    digest: str,
    last_sequence_number: int | None,
    last_digest: str | None,
) -> None:
    """Raise ``Rollback`` for a list numbered below the last accepted one, or a different
    list under the same number (TS 119 612 5.3.2, TS 119 602 6.3.2).

    ``last_sequence_number`` None: nothing accepted yet, any list passes. ``last_digest``
    None: only the number is known, so only a lower number is refused.
    """
    if last_sequence_number is None:
        return
    if sequence_number < last_sequence_number:
        raise Rollback(
            f"trust list {sequence_number} is older than the accepted {last_sequence_number}"
        )
    same_number = sequence_number == last_sequence_number
    if same_number and last_digest is not None and digest != last_digest:
        raise Rollback(
            f"trust list {sequence_number} differs from the one accepted under the same number"
        )


def next_accepted(
    sequence_number: int, digest: str, last: AcceptedTrustList | None
) -> AcceptedTrustList:
    """Check the rule against ``last`` and return what the client now remembers as accepted."""
    check_not_rolled_back(
        sequence_number,
        digest,
        last.sequence_number if last is not None else None,
        last.digest if last is not None else None,
    )
    return AcceptedTrustList(sequence_number, digest)

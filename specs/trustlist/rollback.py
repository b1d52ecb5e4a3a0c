"""The rollback rule for trust lists: a client never goes back to an older list.

The operator increments the sequence number with every list it publishes (ETSI TS 119 612
5.3.2 "TSL sequence number", TS 119 602 6.3.2 ``LoTESequenceNumber``). A client that has
accepted list *n* therefore refuses any list numbered below *n* (an older list replayed by a
mirror or an attacker, e.g. from before an issuer was withdrawn, still carries a valid
operator signature) and any list under the number *n* that is not the one it accepted (one
number, one list). Lists are told apart by the SHA-256 of the signed token
(``token_digest``, the digest the transparency log records). Pure: the caller keeps the
last accepted list wherever it keeps state.

Sequence numbers count per list and operator (TS 119 612 5.3.2), so the mark is scoped to
the operator trust anchors the client is configured with (``anchor_scope``). A client
re-pointed at another operator's anchors (an explicit act of its administrator or owner)
starts afresh: the first list verified under the new anchors is accepted, whatever its
number, and replaces the old mark. Under the same anchors the rule is unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from specs.errors import Rollback


@dataclass(frozen=True, slots=True)
class AcceptedTrustList:
    """The newest list a client accepted: its sequence number, the SHA-256 of its token and
    the ``anchor_scope`` of the operator anchors it was verified under."""

    sequence_number: int
    digest: str
    scope: str


def anchor_scope(anchors: Iterable[x509.Certificate]) -> str:
    """The scope of a rollback mark: SHA-256 hex of the anchors' sorted DER encodings.

    Order and repetition of the configured anchors do not matter; DER is self-delimiting,
    so the concatenation names exactly one set of certificates.
    """
    encodings = sorted({anchor.public_bytes(Encoding.DER) for anchor in anchors})
    return hashlib.sha256(b"".join(encodings)).hexdigest()


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
    sequence_number: int, digest: str, last: AcceptedTrustList | None, *, scope: str
) -> AcceptedTrustList:
    """Check the rule against ``last`` and return what the client now remembers as accepted.

    ``scope`` is the ``anchor_scope`` the list was verified under; a ``last`` of another
    scope belongs to another operator's numbering and does not apply (TS 119 612 5.3.2).
    """
    if last is not None and last.scope != scope:
        last = None
    check_not_rolled_back(
        sequence_number,
        digest,
        last.sequence_number if last is not None else None,
        last.digest if last is not None else None,
    )
    return AcceptedTrustList(sequence_number, digest, scope)


def remember_accepted(
    sequence_number: int,
    digest: str,
    *,
    scope: str,
    read: Callable[[], AcceptedTrustList | None],
    replace: Callable[[AcceptedTrustList | None, AcceptedTrustList], bool],
) -> AcceptedTrustList:
    """Apply the rule to the list kept by ``read``/``replace`` and keep this one if newer.

    ``replace(expected, new)`` stores ``new`` only while ``expected`` is still stored
    (compare and swap): another process may accept a newer list between our read and our
    write; the rule is then checked again against that one. Raises ``Rollback``.
    """
    while True:
        last = read()
        new = next_accepted(sequence_number, digest, last, scope=scope)
        if new == last or replace(last, new):
            return new

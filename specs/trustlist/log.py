"""The transparency log of published trust lists: a hash chain with an operator-signed head.

Each entry records one published list (sequence number, issue time, SHA-256 of the signed
list) and the hash of the entry before it; an entry's hash is SHA-256 over its RFC 8785
form. The head (size and hash of the last entry) is signed by the operator. A client that
remembers the head it saw last accepts a new log only if it extends that one: same entries
up to the old size. Anything else is a fork or a rewrite of history (``Rollback``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

from specs.errors import LimitExceeded, MalformedInput, Rollback, ValidationError
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Signer
from specs.trustlist import constants as c
from specs.trustlist.canonical import canonical_bytes
from specs.trustlist.model import format_time, parse_time
from specs.trustlist.signature import check_operator_key, sign_operator_jws, verify_operator_jws

_HEX64 = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One published list in the log."""

    index: int
    sequence_number: int
    list_issue_date_time: str
    list_digest: str
    previous_hash: str

    def to_json(self) -> dict[str, Any]:
        """Return the entry as a JSON object."""
        return {
            "index": self.index,
            "sequence_number": self.sequence_number,
            "list_issue_date_time": self.list_issue_date_time,
            "list_digest": self.list_digest,
            "previous_hash": self.previous_hash,
        }

    @property
    def entry_hash(self) -> str:
        """SHA-256 (hex) of the entry's canonical JSON form."""
        return hashlib.sha256(canonical_bytes(self.to_json())).hexdigest()


@dataclass(frozen=True, slots=True)
class LogHead:
    """The size of a log and the hash of its last entry."""

    size: int
    head_hash: str


@dataclass(frozen=True, slots=True)
class VerifiedLog:
    """A log whose chain and signed head verified."""

    entries: tuple[LogEntry, ...]
    head: LogHead
    signed_at: datetime


def _is_hex64(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX64


def parse_log_entry(value: object, index: int) -> LogEntry:
    """Parse one log entry object strictly."""
    where: list[str | int] = ["entries", index]
    if not isinstance(value, dict) or set(value) != {
        "index",
        "sequence_number",
        "list_issue_date_time",
        "list_digest",
        "previous_hash",
    }:
        raise MalformedInput("log entry has the wrong members", claim_path=where)
    seq = value["sequence_number"]
    idx = value["index"]
    if type(idx) is not int or type(seq) is not int or seq < 1:
        raise MalformedInput("log entry numbers must be positive integers", claim_path=where)
    if not isinstance(value["list_issue_date_time"], str):
        raise MalformedInput("log entry time must be a string", claim_path=where)
    parse_time(value["list_issue_date_time"], what="log entry time")
    if not _is_hex64(value["list_digest"]) or not _is_hex64(value["previous_hash"]):
        raise MalformedInput("log entry hashes must be 64 lowercase hex digits", claim_path=where)
    return LogEntry(
        index=idx,
        sequence_number=seq,
        list_issue_date_time=value["list_issue_date_time"],
        list_digest=value["list_digest"],
        previous_hash=value["previous_hash"],
    )


def check_chain(entries: Sequence[LogEntry]) -> LogHead:
    """Check indices, hash links and increasing sequence numbers; return the head."""
    previous = c.LOG_GENESIS
    last_seq = 0
    for position, entry in enumerate(entries):
        if entry.index != position:
            raise ValidationError("log entry index out of order", claim_path=["entries", position])
        if entry.previous_hash != previous:
            raise ValidationError("log hash chain is broken", claim_path=["entries", position])
        if entry.sequence_number <= last_seq:
            raise ValidationError(
                "log sequence numbers must increase", claim_path=["entries", position]
            )
        previous = entry.entry_hash
        last_seq = entry.sequence_number
    return LogHead(size=len(entries), head_hash=previous)


def append_entry(
    entries: Sequence[LogEntry], *, sequence_number: int, issued_at: datetime, list_digest: str
) -> tuple[LogEntry, ...]:
    """Return ``entries`` with one more entry for a newly published list."""
    head = check_chain(entries)
    if entries and sequence_number <= entries[-1].sequence_number:
        raise Rollback(
            f"sequence number {sequence_number} is not above the last logged "
            f"{entries[-1].sequence_number}"
        )
    if not _is_hex64(list_digest):
        raise MalformedInput("list digest must be 64 lowercase hex digits")
    entry = LogEntry(
        index=len(entries),
        sequence_number=sequence_number,
        list_issue_date_time=format_time(issued_at),
        list_digest=list_digest,
        previous_hash=head.head_hash,
    )
    return (*entries, entry)


def sign_log(
    entries: Sequence[LogEntry], signer: Signer, chain: Sequence[x509.Certificate], at: datetime
) -> dict[str, Any]:
    """Return the log document: its entries and a head signed by the operator at ``at``."""
    head = check_chain(entries)
    check_operator_key(signer, chain)
    payload = {"size": head.size, "head_hash": head.head_hash, "signed_at": format_time(at)}
    signed_head = sign_operator_jws(canonical_bytes(payload), signer, chain, typ=c.LOG_HEAD_TYP)
    return {"entries": [e.to_json() for e in entries], "signed_head": signed_head}


def verify_log(
    document: Mapping[str, Any],
    anchors: Sequence[x509.Certificate],
    at: datetime,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedLog:
    """Verify a log document: entries chain, and the operator signed exactly this head."""
    if not isinstance(document, Mapping) or set(document) != {"entries", "signed_head"}:
        raise MalformedInput("log document must have exactly 'entries' and 'signed_head'")
    raw_entries = document["entries"]
    signed_head = document["signed_head"]
    if not isinstance(raw_entries, list) or not isinstance(signed_head, str):
        raise MalformedInput("log 'entries' must be an array and 'signed_head' a string")
    if len(raw_entries) > limits.max_trust_list_log_entries:
        raise LimitExceeded(f"log has more than {limits.max_trust_list_log_entries} entries")
    entries = tuple(parse_log_entry(item, i) for i, item in enumerate(raw_entries))
    head = check_chain(entries)
    verified, _ = verify_operator_jws(
        signed_head, anchors, at, typ=c.LOG_HEAD_TYP, limits=limits, token_limits=limits
    )
    payload = verified.payload_json(limits)
    if set(payload) != {"size", "head_hash", "signed_at"} or not isinstance(
        payload["signed_at"], str
    ):
        raise MalformedInput("signed log head has the wrong members")
    if payload["size"] != head.size or payload["head_hash"] != head.head_hash:
        raise ValidationError("signed log head does not match the log entries")
    return VerifiedLog(entries=entries, head=head, signed_at=parse_time(payload["signed_at"]))


def check_extends(previous: LogHead | None, log: VerifiedLog) -> None:
    """Check ``log`` extends the head seen before (same prefix); raise ``Rollback`` if not."""
    if previous is None or previous.size == 0:
        return
    if log.head.size < previous.size:
        raise Rollback(f"transparency log shrank from {previous.size} to {log.head.size} entries")
    if log.entries[previous.size - 1].entry_hash != previous.head_hash:
        raise Rollback(
            f"transparency log forked: entry {previous.size - 1} differs from the one seen before"
        )


def check_list_logged(log: VerifiedLog, *, list_digest: str, sequence_number: int) -> LogEntry:
    """Check the list is the newest entry of the log; raise if it is absent or superseded."""
    for entry in reversed(log.entries):
        if entry.list_digest == list_digest:
            if entry.sequence_number != sequence_number:
                raise ValidationError("log entry sequence number differs from the list's")
            if entry.index != len(log.entries) - 1:
                raise Rollback(
                    f"list {sequence_number} is superseded in the log by "
                    f"{log.entries[-1].sequence_number}"
                )
            return entry
    raise ValidationError("the list is not recorded in the transparency log")

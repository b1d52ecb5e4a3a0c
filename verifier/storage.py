"""The verifier's records: presentation transactions, results, the audit log, and the
newest trust list accepted (so a restart never goes back to an older list).

A transaction accepts exactly one response: the response endpoint claims it with one
conditional UPDATE, so replicas sharing PostgreSQL never both accept a response.
Results are kept only as long as the retention setting allows; ``purge`` deletes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from specs.errors import NotFound
from specs.trustlist import AcceptedTrustList

# A transaction's outcome while no result is stored: waiting for the wallet, or a response
# claimed and being verified. Anything else is final.
OUTCOME_PENDING = "pending"
OUTCOME_PROCESSING = "processing"
IN_PROGRESS = frozenset({OUTCOME_PENDING, OUTCOME_PROCESSING})
# A claimed response whose verification never finished in time (a replica stopped or hung).
OUTCOME_EXPIRED = "expired"

metadata = MetaData()

transactions = Table(
    "verifier_transactions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("state", String(128), unique=True, nullable=False),
    Column("nonce", String(128), nullable=False),
    Column("purpose", String(128), nullable=False),
    Column("request", JSON, nullable=False),
    Column("session_hash", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("request_fetched_at", DateTime(timezone=True), nullable=True),
    Column("responded_at", DateTime(timezone=True), nullable=True),
    Column("outcome", String(32), nullable=False, default=OUTCOME_PENDING),
    Column("result", JSON, nullable=True),
)

audit_log = Table(
    "verifier_audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("transaction_id", String(64), nullable=False),
    Column("event", String(64), nullable=False),
    Column("purpose", String(128), nullable=False),
    Column("detail", JSON, nullable=False),
)

# One row (id 1): the newest trust list this deployment accepted, shared by its replicas,
# with the anchor scope it was accepted under (``specs.trustlist.anchor_scope``).
trust_list_accepted = Table(
    "verifier_trust_list_accepted",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    # TS 119 602 6.3.2 allows up to 2**53 - 1 (the schema's bound): more than 32 bits.
    Column("sequence_number", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("scope", String(64), nullable=False),
    Column("accepted_at", DateTime(timezone=True), nullable=False),
)
_TRUST_LIST_ROW = 1


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """An audit record to append in the same database transaction as the change it records."""

    at: datetime
    event: str
    purpose: str
    detail: dict[str, Any]


def _append_audit(conn: Connection, transaction_id: str, entry: AuditEntry | None) -> None:
    if entry is not None:
        conn.execute(
            insert(audit_log).values(
                at=entry.at,
                transaction_id=transaction_id,
                event=entry.event,
                purpose=entry.purpose,
                detail=entry.detail,
            )
        )


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """A presentation transaction as stored."""

    id: str
    state: str
    nonce: str
    purpose: str
    request: dict[str, Any]
    session_hash: str | None
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    outcome: str
    result: dict[str, Any] | None


def _transaction(row: Any) -> TransactionRecord:
    return TransactionRecord(
        id=row.id,
        state=row.state,
        nonce=row.nonce,
        purpose=row.purpose,
        request=row.request,
        session_hash=row.session_hash,
        created_at=_aware(row.created_at) or row.created_at,
        expires_at=_aware(row.expires_at) or row.expires_at,
        responded_at=_aware(row.responded_at),
        outcome=row.outcome,
        result=row.result,
    )


class VerifierRepository:
    """Every read and write of the verifier's records; one transaction per method."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_transaction(
        self,
        *,
        transaction_id: str,
        state: str,
        nonce: str,
        purpose: str,
        request: dict[str, Any],
        session_hash: str | None,
        created_at: datetime,
        expires_at: datetime,
        audit: AuditEntry | None = None,
    ) -> None:
        """Store a new pending transaction (and its audit record, atomically)."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(transactions).values(
                    id=transaction_id,
                    state=state,
                    nonce=nonce,
                    purpose=purpose,
                    request=request,
                    session_hash=session_hash,
                    created_at=created_at,
                    expires_at=expires_at,
                    outcome=OUTCOME_PENDING,
                )
            )
            _append_audit(conn, transaction_id, audit)

    def transaction(self, transaction_id: str) -> TransactionRecord:
        """Return a transaction by id, or raise ``NotFound``."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(transactions).where(transactions.c.id == transaction_id)
            ).first()
        if row is None:
            raise NotFound(f"no transaction {transaction_id!r}")
        return _transaction(row)

    def transaction_by_state(self, state: str) -> TransactionRecord | None:
        """Return the transaction a response's ``state`` names, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(select(transactions).where(transactions.c.state == state)).first()
        return _transaction(row) if row is not None else None

    def mark_request_fetched(
        self, transaction_id: str, now: datetime, audit: AuditEntry | None = None
    ) -> bool:
        """Record that the wallet fetched the request object (only the first fetch counts).

        ``audit`` is appended in the same database transaction, only for that first fetch.
        """
        with self.engine.begin() as conn:
            result = conn.execute(
                update(transactions)
                .where(
                    transactions.c.id == transaction_id, transactions.c.request_fetched_at.is_(None)
                )
                .values(request_fetched_at=now)
            )
            first = result.rowcount == 1
            if first:
                _append_audit(conn, transaction_id, audit)
        return first

    def claim_response(self, state: str, now: datetime) -> TransactionRecord | None:
        """Claim the single response slot of a pending, unexpired transaction, exactly once."""
        with self.engine.begin() as conn:
            row = conn.execute(
                update(transactions)
                .where(
                    transactions.c.state == state,
                    transactions.c.responded_at.is_(None),
                    transactions.c.expires_at > now,
                )
                .values(responded_at=now, outcome=OUTCOME_PROCESSING)
                .returning(*transactions.c)
            ).first()
        return _transaction(row) if row is not None else None

    def claim(self, transaction_id: str, now: datetime) -> bool:
        """Claim the single response slot of a transaction; False when it was already claimed.

        Expiry is judged by the caller after the claim, so an expired transaction still
        reports why it failed instead of looking like a replay.
        """
        with self.engine.begin() as conn:
            result = conn.execute(
                update(transactions)
                .where(transactions.c.id == transaction_id, transactions.c.responded_at.is_(None))
                .values(responded_at=now, outcome=OUTCOME_PROCESSING)
            )
        return result.rowcount == 1

    def transactions_for_session(
        self, session_hash: str, limit: int = 50
    ) -> list[TransactionRecord]:
        """Return the newest transactions a session created, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(transactions)
                .where(transactions.c.session_hash == session_hash)
                .order_by(transactions.c.created_at.desc())
                .limit(limit)
            ).all()
        return [_transaction(row) for row in rows]

    def finish(
        self,
        transaction_id: str,
        outcome: str,
        result: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> bool:
        """Store the outcome (``verified``, ``failed``, ``declined`` …), the full result and
        its audit record in one database transaction: never a result without its record.

        A stored result is final: False (and nothing written) when the transaction already
        has one, e.g. a claim ``expire_claim`` gave up while this verification still ran.
        """
        with self.engine.begin() as conn:
            stored = conn.execute(
                update(transactions)
                .where(transactions.c.id == transaction_id, transactions.c.result.is_(None))
                .values(outcome=outcome, result=result)
            )
            if stored.rowcount != 1:
                return False
            _append_audit(conn, transaction_id, audit)
        return True

    def expire_claim(
        self,
        transaction_id: str,
        claimed_before: datetime,
        result: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> bool:
        """Give up a claim made before ``claimed_before`` whose result never came: store
        ``result`` (outcome ``expired``) unless a result was stored first. True when given up.

        ``audit`` is appended in the same database transaction, only when the claim is given
        up here: never an expired outcome without its record, nor a record of one not stored.
        """
        with self.engine.begin() as conn:
            expired = conn.execute(
                update(transactions)
                .where(
                    transactions.c.id == transaction_id,
                    transactions.c.outcome == OUTCOME_PROCESSING,
                    transactions.c.result.is_(None),
                    transactions.c.responded_at < claimed_before,
                )
                .values(outcome=OUTCOME_EXPIRED, result=result)
            )
            if expired.rowcount != 1:
                return False
            _append_audit(conn, transaction_id, audit)
        return True

    def audit(
        self, *, at: datetime, transaction_id: str, event: str, purpose: str, detail: dict[str, Any]
    ) -> None:
        """Append an audit record: what was received, when, for which purpose."""
        with self.engine.begin() as conn:
            _append_audit(conn, transaction_id, AuditEntry(at, event, purpose, detail))

    def audit_records(self, transaction_id: str | None = None) -> list[dict[str, Any]]:
        """Return audit records, oldest first, optionally for one transaction."""
        query = select(audit_log).order_by(audit_log.c.id)
        if transaction_id is not None:
            query = query.where(audit_log.c.transaction_id == transaction_id)
        with self.engine.connect() as conn:
            return [
                {
                    "at": (_aware(r.at) or r.at).isoformat(),
                    "transaction_id": r.transaction_id,
                    "event": r.event,
                    "purpose": r.purpose,
                    "detail": r.detail,
                }
                for r in conn.execute(query)
            ]

    def purge(self, older_than: datetime) -> int:
        """Delete transactions (with their received data) and audit records older than a time."""
        with self.engine.begin() as conn:
            removed = conn.execute(
                delete(transactions).where(transactions.c.created_at < older_than)
            )
            conn.execute(delete(audit_log).where(audit_log.c.at < older_than))
        return int(removed.rowcount)

    def accepted_trust_list(self) -> AcceptedTrustList | None:
        """Return the newest trust list accepted (sequence number, token digest, scope), if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(trust_list_accepted).where(trust_list_accepted.c.id == _TRUST_LIST_ROW)
            ).first()
        if row is None:
            return None
        return AcceptedTrustList(int(row.sequence_number), row.digest, row.scope)

    def replace_accepted_trust_list(
        self, expected: AcceptedTrustList | None, new: AcceptedTrustList, at: datetime
    ) -> bool:
        """Store ``new`` as the accepted trust list if the stored one is still ``expected``.

        One conditional write (compare and swap): False, with nothing written, when another
        replica or process stored a different one since ``expected`` was read.
        """
        values = {
            "sequence_number": new.sequence_number,
            "digest": new.digest,
            "scope": new.scope,
            "accepted_at": at,
        }
        with self.engine.begin() as conn:
            if expected is None:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(trust_list_accepted).values(id=_TRUST_LIST_ROW, **values)
                        )
                except IntegrityError:
                    return False
                return True
            replaced = conn.execute(
                update(trust_list_accepted)
                .where(
                    trust_list_accepted.c.id == _TRUST_LIST_ROW,
                    trust_list_accepted.c.sequence_number == expected.sequence_number,
                    trust_list_accepted.c.digest == expected.digest,
                    trust_list_accepted.c.scope == expected.scope,
                )
                .values(**values)
            )
        return replaced.rowcount == 1

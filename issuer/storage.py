"""The issuer's records and the repository over them (SQLite or PostgreSQL).

Single-use values (pre-authorized codes, nonces, tx_code attempts) are consumed with one
conditional UPDATE each, so two replicas sharing PostgreSQL can never both win a race: the
database row is the only arbiter, never a read followed by a write.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    delete,
    false,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from specs.errors import NotFound, PolicyViolation
from specs.status_list import STATUS_INVALID, STATUS_SUSPENDED, STATUS_VALID

metadata = MetaData()
_CHUNK = 500  # rows per statement of a bulk read or insert

offers = Table(
    "issuer_offers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("configuration_id", String(128), nullable=False),
    Column("claims", JSON, nullable=False),
    Column("import_key", String(256), unique=True, nullable=True),
    Column("code_hash", String(64), unique=True, nullable=False),
    Column("tx_code_hash", String(64), nullable=True),
    Column("tx_code_attempts", Integer, nullable=False, default=0),
    Column("locked", Boolean, nullable=False, default=False),
    # Suspended by the operator (``IssuerRepository.suspend``): credentials stored while set
    # are stored suspended. Reversible, unlike ``locked`` (revoked or tx_code attempts spent).
    Column("suspended", Boolean, nullable=False, default=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("redeemed_at", DateTime(timezone=True), nullable=True),
    Column("replaces_credential_id", String(64), nullable=True),
    Column("by_reference", Boolean, nullable=False, default=False),
)

access_tokens = Table(
    "issuer_access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("offer_id", String(64), ForeignKey("issuer_offers.id"), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
)

nonces = Table(
    "issuer_nonces",
    metadata,
    Column("value_hash", String(64), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("consumed_at", DateTime(timezone=True), nullable=True),
)

credentials = Table(
    "issuer_credentials",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("offer_id", String(64), ForeignKey("issuer_offers.id"), nullable=False),
    Column("configuration_id", String(128), nullable=False),
    Column("status_list", String(64), nullable=False),
    Column("status_index", Integer, nullable=False),
    Column("status", Integer, nullable=False, default=0),
    Column("holder_thumbprint", String(64), nullable=False),
    Column("notification_id", String(64), nullable=True),
    Column("notification_event", String(64), nullable=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("superseded_by", String(64), nullable=True),
    UniqueConstraint("status_list", "status_index", name="uq_issuer_status_slot"),
)

status_lists = Table(
    "issuer_status_lists",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("bits", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def secret_hash(value: str) -> str:
    """Hash a bearer secret (code, token, nonce) for storage; the plain value is never kept."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class OfferRecord:
    """A credential offer as stored."""

    id: str
    configuration_id: str
    claims: dict[str, Any]
    import_key: str | None
    tx_code_required: bool
    tx_code_attempts: int
    locked: bool
    created_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None
    replaces_credential_id: str | None
    suspended: bool = False


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    """An issued credential instance as stored (no claims: the offer holds them)."""

    id: str
    offer_id: str
    configuration_id: str
    status_list: str
    status_index: int
    status: int
    holder_thumbprint: str
    notification_id: str | None
    notification_event: str | None
    issued_at: datetime
    superseded_by: str | None


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _offer(row: Any) -> OfferRecord:
    return OfferRecord(
        id=row.id,
        configuration_id=row.configuration_id,
        claims=row.claims if isinstance(row.claims, dict) else json.loads(row.claims),
        import_key=row.import_key,
        tx_code_required=row.tx_code_hash is not None,
        tx_code_attempts=row.tx_code_attempts,
        locked=row.locked,
        created_at=_aware(row.created_at) or row.created_at,
        expires_at=_aware(row.expires_at) or row.expires_at,
        redeemed_at=_aware(row.redeemed_at),
        replaces_credential_id=row.replaces_credential_id,
        suspended=row.suspended,
    )


def _offer_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """The stored columns of a new offer given ``add_offer``'s arguments (code, tx_code hashed)."""
    return {
        "id": row["offer_id"],
        "configuration_id": row["configuration_id"],
        "claims": row["claims"],
        "import_key": row.get("import_key"),
        "code_hash": secret_hash(row["code"]),
        "tx_code_hash": secret_hash(row["tx_code"]) if row["tx_code"] is not None else None,
        "tx_code_attempts": 0,
        "locked": False,
        "suspended": False,
        "created_at": row["created_at"],
        "expires_at": row["expires_at"],
        "replaces_credential_id": row.get("replaces_credential_id"),
        "by_reference": False,
    }


def _credential_values(record: CredentialRecord) -> dict[str, Any]:
    """The stored columns of a newly issued credential."""
    return {
        "id": record.id,
        "offer_id": record.offer_id,
        "configuration_id": record.configuration_id,
        "status_list": record.status_list,
        "status_index": record.status_index,
        "status": record.status,
        "holder_thumbprint": record.holder_thumbprint,
        "notification_id": record.notification_id,
        "issued_at": record.issued_at,
    }


def _insert_access_token(conn: Connection, token: str, offer_id: str, expires_at: datetime) -> None:
    conn.execute(
        insert(access_tokens).values(
            token_hash=secret_hash(token), offer_id=offer_id, expires_at=expires_at
        )
    )


def _consume_access_token(conn: Connection, token: str, now: datetime) -> str | None:
    """Mark an unused, unexpired access token used; return its offer id (None: no such token)."""
    # One conditional UPDATE: of two replicas racing for the token, only one gets a row back.
    row = conn.execute(
        update(access_tokens)
        .where(
            access_tokens.c.token_hash == secret_hash(token),
            access_tokens.c.used_at.is_(None),
            access_tokens.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(access_tokens.c.offer_id)
    ).first()
    return None if row is None else str(row.offer_id)


def _lock_offer(conn: Connection, offer_id: str) -> Any:
    """Take the offer's row lock for this transaction; return its ``locked`` and ``suspended``
    (None when there is no such offer).

    Revoke, suspend and resume change the offer row before they set its credentials'
    status, so a batch stored under this lock is either stored after the change (refused,
    or stored suspended) or committed before the change's status update reads the offer's
    credentials (PostgreSQL, READ COMMITTED). SQLite holds one writer at a time: the first
    write of either transaction already made it that writer.
    """
    return conn.execute(
        select(offers.c.locked, offers.c.suspended).where(offers.c.id == offer_id).with_for_update()
    ).first()


def _offer_row(conn: Connection, offer_id: str) -> Any:
    """The stored row of an offer, or None."""
    return conn.execute(select(offers).where(offers.c.id == offer_id)).first()


def _credential(row: Any) -> CredentialRecord:
    return CredentialRecord(
        id=row.id,
        offer_id=row.offer_id,
        configuration_id=row.configuration_id,
        status_list=row.status_list,
        status_index=row.status_index,
        status=row.status,
        holder_thumbprint=row.holder_thumbprint,
        notification_id=row.notification_id,
        notification_event=row.notification_event,
        issued_at=_aware(row.issued_at) or row.issued_at,
        superseded_by=row.superseded_by,
    )


class IssuerRepository:
    """Every read and write of the issuer's records; one transaction per method."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- offers ---

    def add_offer(
        self,
        *,
        offer_id: str,
        configuration_id: str,
        claims: dict[str, Any],
        code: str,
        tx_code: str | None,
        created_at: datetime,
        expires_at: datetime,
        import_key: str | None = None,
        replaces_credential_id: str | None = None,
    ) -> bool:
        """Store a new offer; return False when ``import_key`` already exists (idempotent import)."""
        values = _offer_values(
            {
                "offer_id": offer_id,
                "configuration_id": configuration_id,
                "claims": claims,
                "code": code,
                "tx_code": tx_code,
                "created_at": created_at,
                "expires_at": expires_at,
                "import_key": import_key,
                "replaces_credential_id": replaces_credential_id,
            }
        )
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(offers).values(**values))
        except IntegrityError:
            if import_key is not None and self.offer_by_import_key(import_key) is not None:
                return False
            raise
        return True

    def offer(self, offer_id: str) -> OfferRecord:
        """Return an offer by id, or raise ``NotFound``."""
        with self.engine.connect() as conn:
            row = _offer_row(conn, offer_id)
        if row is None:
            raise NotFound(f"no offer {offer_id!r}")
        return _offer(row)

    def offer_by_import_key(self, import_key: str) -> OfferRecord | None:
        """Return the offer created for an import key, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(select(offers).where(offers.c.import_key == import_key)).first()
        return _offer(row) if row is not None else None

    def offer_by_code(self, code: str) -> OfferRecord | None:
        """Return the offer a pre-authorized code belongs to, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(offers).where(offers.c.code_hash == secret_hash(code))
            ).first()
        return _offer(row) if row is not None else None

    def check_tx_code(self, offer_id: str, tx_code: str | None, max_attempts: int) -> bool:
        """Count one attempt and return whether ``tx_code`` matches; lock at ``max_attempts``."""
        with self.engine.begin() as conn:
            row = conn.execute(
                update(offers)
                .where(offers.c.id == offer_id, offers.c.locked.is_(False))
                .values(tx_code_attempts=offers.c.tx_code_attempts + 1)
                .returning(offers.c.tx_code_hash, offers.c.tx_code_attempts)
            ).first()
            if row is None:
                return False
            ok = row.tx_code_hash is None or (
                tx_code is not None and secret_hash(tx_code) == row.tx_code_hash
            )
            if not ok and row.tx_code_attempts >= max_attempts:
                conn.execute(update(offers).where(offers.c.id == offer_id).values(locked=True))
        return ok

    def redeem_code(
        self, code: str, now: datetime, *, token: str, token_expires_at: datetime
    ) -> OfferRecord | None:
        """Mark the offer of ``code`` redeemed, exactly once across all replicas, and store the
        access ``token`` (hashed) for it in the same transaction: both or neither."""
        with self.engine.begin() as conn:
            row = conn.execute(
                update(offers)
                .where(
                    offers.c.code_hash == secret_hash(code),
                    offers.c.redeemed_at.is_(None),
                    offers.c.locked.is_(False),
                    offers.c.expires_at > now,
                )
                .values(redeemed_at=now)
                .returning(*offers.c)
            ).first()
            if row is not None:
                _insert_access_token(conn, token, row.id, token_expires_at)
        return _offer(row) if row is not None else None

    # --- access tokens ---

    def add_access_token(self, token: str, offer_id: str, expires_at: datetime) -> None:
        """Store an access token (hashed) for a redeemed offer."""
        with self.engine.begin() as conn:
            _insert_access_token(conn, token, offer_id, expires_at)

    # --- nonces ---

    def add_nonce(self, nonce: str, expires_at: datetime) -> None:
        """Store a fresh nonce (hashed)."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(nonces).values(value_hash=secret_hash(nonce), expires_at=expires_at)
            )

    def consume_nonce(self, nonce: str, now: datetime) -> bool:
        """Consume a nonce exactly once; False when unknown, used or expired."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(nonces)
                .where(
                    nonces.c.value_hash == secret_hash(nonce),
                    nonces.c.consumed_at.is_(None),
                    nonces.c.expires_at > now,
                )
                .values(consumed_at=now)
            )
        return result.rowcount == 1

    # --- status lists and credentials ---

    def ensure_status_list(self, list_id: str, bits: int, size: int, now: datetime) -> None:
        """Create a status list record if it does not exist."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(status_lists).values(id=list_id, bits=bits, size=size, created_at=now)
                )
        except IntegrityError:
            pass

    def used_status_indices(self, list_id: str) -> set[int]:
        """Return the indices already taken in a status list."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(credentials.c.status_index).where(credentials.c.status_list == list_id)
            )
            return {row.status_index for row in rows}

    def add_credential(self, record: CredentialRecord) -> bool:
        """Store an issued credential; False when its status slot was taken meanwhile."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(credentials).values(**_credential_values(record)))
        except IntegrityError:
            return False
        return True

    def credential(self, credential_id: str) -> CredentialRecord:
        """Return an issued credential by id, or raise ``NotFound``."""
        with self.engine.connect() as conn:
            row = conn.execute(select(credentials).where(credentials.c.id == credential_id)).first()
        if row is None:
            raise NotFound(f"no credential {credential_id!r}")
        return _credential(row)

    def credentials_of_offer(self, offer_id: str) -> list[CredentialRecord]:
        """Return every credential instance issued for an offer."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(credentials)
                .where(credentials.c.offer_id == offer_id)
                .order_by(credentials.c.id)
            )
            return [_credential(row) for row in rows]

    def suspend(self, offer_id: str) -> list[str]:
        """Suspend an offer and every credential of it not revoked, in one transaction.

        Credentials the offer issues later (its code redeemed or not) are stored suspended
        until ``resume`` (``add_credentials``): SUSPENDED (0x02) is temporary
        (draft-ietf-oauth-status-list, section "Status Types Values"), so the offer stays
        usable, unlike a revoked one. Returns the ids of the credentials suspended (none when
        nothing is issued yet); ``PolicyViolation`` when the offer is locked (revoked or its
        tx_code attempts spent) and has no credential to suspend, ``NotFound`` when there
        is no offer.
        """
        with self.engine.begin() as conn:
            offer = _lock_offer(conn, offer_id)
            if offer is None:
                raise NotFound(f"no offer {offer_id!r}")
            if not offer.locked:
                conn.execute(update(offers).where(offers.c.id == offer_id).values(suspended=True))
            ids = self._set_offer_status(
                conn, offer_id, STATUS_SUSPENDED, credentials.c.status != STATUS_INVALID
            )
            if offer.locked and not ids:
                raise PolicyViolation(f"offer {offer_id} is revoked or locked: nothing to suspend")
        return ids

    def resume(self, offer_id: str) -> list[str]:
        """Lift an offer's suspension: its suspended credentials become valid, in one transaction.

        Returns the ids of the credentials made valid; ``PolicyViolation`` when the offer is
        neither suspended nor has a suspended credential, ``NotFound`` when there is no offer.
        """
        with self.engine.begin() as conn:
            offer = _lock_offer(conn, offer_id)
            if offer is None:
                raise NotFound(f"no offer {offer_id!r}")
            conn.execute(update(offers).where(offers.c.id == offer_id).values(suspended=False))
            ids = self._set_offer_status(
                conn, offer_id, STATUS_VALID, credentials.c.status == STATUS_SUSPENDED
            )
            if not ids and not offer.suspended:
                raise PolicyViolation(f"offer {offer_id} has no suspended credential")
        return ids

    @staticmethod
    def _set_offer_status(conn: Connection, offer_id: str, status: int, which: Any) -> list[str]:
        """Set ``status`` on the offer's credentials matching ``which``; return their ids."""
        rows = conn.execute(
            update(credentials)
            .where(credentials.c.offer_id == offer_id, which)
            .values(status=status)
            .returning(credentials.c.id)
        )
        return sorted(row.id for row in rows)

    def revoke(self, offer_id: str, *, replacement: Mapping[str, Any] | None = None) -> bool:
        """Lock an offer and mark every credential of it INVALID, in one transaction.

        Every credential of the offer, also one stored after the caller read them (a batch
        whose storing raced the revocation), is revoked.

        With ``replacement`` (the keyword arguments of ``add_offer``) the new offer is stored
        and the credentials are marked superseded by it in that same transaction: never a
        revoked credential without its replacement, nor a replacement beside a valid one.
        Returns whether the offer was locked.
        """
        with self.engine.begin() as conn:
            # A revoked offer is no longer suspended: ``resume`` has nothing to lift.
            result = conn.execute(
                update(offers).where(offers.c.id == offer_id).values(locked=True, suspended=False)
            )
            changes: dict[str, Any] = {"status": STATUS_INVALID}
            if replacement is not None:
                conn.execute(insert(offers).values(**_offer_values(replacement)))
                changes["superseded_by"] = replacement["offer_id"]
            conn.execute(
                update(credentials).where(credentials.c.offer_id == offer_id).values(**changes)
            )
        return result.rowcount == 1

    def statuses(self, list_id: str) -> dict[int, int]:
        """Return index -> status for every non-valid entry of a status list."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(credentials.c.status_index, credentials.c.status).where(
                    credentials.c.status_list == list_id, credentials.c.status != 0
                )
            )
            return {row.status_index: row.status for row in rows}

    def record_notification(self, notification_id: str, event: str) -> bool:
        """Record a wallet notification event; False when the notification id is unknown."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(credentials)
                .where(credentials.c.notification_id == notification_id)
                .values(notification_event=event)
            )
        return result.rowcount > 0

    # --- additions for the service (issuer.service) ---

    def access_token(self, token: str, now: datetime) -> tuple[OfferRecord, datetime] | None:
        """Return the offer and expiry of an unexpired access token (not consuming it)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(access_tokens.c.offer_id, access_tokens.c.expires_at).where(
                    access_tokens.c.token_hash == secret_hash(token),
                    access_tokens.c.expires_at > now,
                )
            ).first()
            if row is None:
                return None
            offer_row = _offer_row(conn, row.offer_id)
        if offer_row is None:
            return None
        return _offer(offer_row), _aware(row.expires_at) or row.expires_at

    def existing_import_keys(self, keys: list[str]) -> dict[str, str]:
        """Return import key -> offer id for those of ``keys`` already imported."""
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows = conn.execute(
                    select(offers.c.import_key, offers.c.id).where(offers.c.import_key.in_(chunk))
                )
                found.update({row.import_key: row.id for row in rows})
        return found

    def add_new_offers(self, rows: list[dict[str, Any]]) -> dict[str, str] | None:
        """Store, in one transaction, every offer whose ``import_key`` is not stored yet.

        Each row has the keyword arguments of ``add_offer``. Returns import key -> offer id
        of the rows skipped as already imported; None (and nothing stored) when another
        import stored one of the keys meanwhile: read again and retry.
        """
        skipped: dict[str, str] = {}
        try:
            with self.engine.begin() as conn:
                keys = [r["import_key"] for r in rows if r.get("import_key") is not None]
                for start in range(0, len(keys), _CHUNK):
                    found = conn.execute(
                        select(offers.c.import_key, offers.c.id).where(
                            offers.c.import_key.in_(keys[start : start + _CHUNK])
                        )
                    )
                    skipped.update({row.import_key: row.id for row in found})
                values = [_offer_values(r) for r in rows if r.get("import_key") not in skipped]
                for start in range(0, len(values), _CHUNK):
                    conn.execute(insert(offers), values[start : start + _CHUNK])
        except IntegrityError:
            return None
        return skipped

    def withdraw_offers(self, offer_ids: list[str]) -> int:
        """Delete offers never redeemed (e.g. whose links were never handed out); return how many."""
        withdrawn = 0
        with self.engine.begin() as conn:
            for start in range(0, len(offer_ids), _CHUNK):
                result = conn.execute(
                    delete(offers).where(
                        offers.c.id.in_(offer_ids[start : start + _CHUNK]),
                        offers.c.redeemed_at.is_(None),
                    )
                )
                withdrawn += result.rowcount
        return withdrawn

    def add_credentials(
        self,
        records: list[CredentialRecord],
        *,
        access_token: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Store a batch of credentials in one transaction; False when a status slot was taken.

        With ``access_token`` the token is consumed in the SAME transaction (one commit per
        batch): ``PolicyViolation`` when it is unknown, used, expired or of another offer,
        or when the offer is locked (revoked), and then nothing is stored; on a taken slot
        the token stays unused for a retry. The credentials of a suspended offer are stored
        suspended (``suspend``); the offer row lock orders this against revoke, suspend and
        resume.
        """
        rows = [_credential_values(r) for r in records]
        try:
            with self.engine.begin() as conn:
                offer_ids = {r.offer_id for r in records}
                if access_token is not None:
                    if now is None:
                        raise ValueError("consuming an access token needs 'now'")
                    granted = _consume_access_token(conn, access_token, now)
                    if granted is None or offer_ids - {granted}:
                        raise PolicyViolation("the credentials of this offer were already issued")
                    offer_ids = {granted}
                for offer_id in sorted(offer_ids):
                    offer = _lock_offer(conn, offer_id)
                    if access_token is not None and (offer is None or offer.locked):
                        raise PolicyViolation("the offer was revoked; nothing is issued")
                    if offer is not None and offer.suspended:
                        for row in rows:
                            if row["offer_id"] == offer_id:
                                row["status"] = STATUS_SUSPENDED
                if rows:
                    conn.execute(insert(credentials), rows)
        except IntegrityError:
            return False
        return True

    def status_list_ids(self) -> list[str]:
        """Return the ids of every status list, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(status_lists.c.id).order_by(status_lists.c.created_at, status_lists.c.id)
            )
            return [row.id for row in rows]

    def status_list(self, list_id: str) -> tuple[int, int] | None:
        """Return (bits, size) of a status list, or None when unknown."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(status_lists.c.bits, status_lists.c.size).where(status_lists.c.id == list_id)
            ).first()
        return (row.bits, row.size) if row is not None else None

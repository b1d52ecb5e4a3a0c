"""The wallet's encrypted store: credentials, their instances, consent rules, pseudonym epochs,
the hash-chained disclosure log (情報提供等記録 for the wallet) and the newest trust list
accepted.

SQLite (WAL, one transaction per change), every record sealed with AES-256-GCM
(``wallet.sealing``). Lookups by verifier use an HMAC tag under the store key, so the file
holds no verifier name in the clear. A crash or kill at any point leaves either the old or
the new state, never a half-written one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from specs.encoding import dump_json_compact
from specs.errors import InvalidSignature, MalformedInput, NotFound
from specs.ports import Clock, Random
from specs.trustlist import AcceptedTrustList
from wallet.database import make_engine, migrate
from wallet.sealing import RecordSealer, ScryptParams, derive_store_key, passphrase_check

# The scope of an accepted-list record that carries none (no ``anchor_scope`` is empty).
UNSCOPED = ""

metadata = MetaData()

meta = Table(
    "wallet_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)
credentials = Table(
    "wallet_credentials",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("sealed", LargeBinary, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
)
instances = Table(
    "wallet_instances",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "credential_id",
        String(64),
        ForeignKey("wallet_credentials.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("sealed", LargeBinary, nullable=False),
    Column("verifier_tag", String(64), nullable=True),
    Column("used_at", DateTime(timezone=True), nullable=True),
)
rules = Table(
    "wallet_rules",
    metadata,
    Column("tag", String(64), primary_key=True),
    Column("verifier_tag", String(64), nullable=False, index=True),
    Column("sealed", LargeBinary, nullable=False),
)
pseudonym_epochs = Table(
    "wallet_pseudonym_epochs",
    metadata,
    Column("verifier_tag", String(64), primary_key=True),
    Column("epoch", Integer, nullable=False),
)
disclosure_log = Table(
    "wallet_disclosure_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
)

GENESIS_HASH = "0" * 64
_TRUST_LIST_ACCEPTED = "trust_list_accepted"
_DELIVERY_PREFIX = "delivery:"
RULE_DECISIONS = frozenset({"ask", "remember", "deny"})


@dataclass(frozen=True, slots=True)
class CredentialInstance:
    """One issued instance of a credential, bound to one wallet key, shown to one verifier."""

    id: str
    credential: str
    key_id: str
    verifier_tag: str | None = None


@dataclass(frozen=True, slots=True)
class StoredCredential:
    """A credential as the wallet keeps it: what it is, its claims, and its instances."""

    id: str
    format: str
    type_id: str
    vct: str
    issuer: str
    claims: dict[str, Any]
    display: dict[str, Any] = field(default_factory=dict)
    status: str = "valid"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """Serialise for sealing."""
        return dump_json_compact(
            {
                "id": self.id,
                "format": self.format,
                "type_id": self.type_id,
                "vct": self.vct,
                "issuer": self.issuer,
                "claims": self.claims,
                "display": self.display,
                "status": self.status,
                "extra": self.extra,
            }
        ).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> StoredCredential:
        """Rebuild from the sealed form."""
        return cls(**json.loads(data))


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One record of the disclosure log, with its place in the hash chain."""

    seq: int
    entry: dict[str, Any]
    entry_hash: str
    prev_hash: str
    # How the verifier answered (``response_status``, ``delivery_error``): recorded after the
    # entry, once the answer came, so it is sealed but outside the hash chain.
    delivery: dict[str, Any] = field(default_factory=dict)


def chain_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """Hash of a log entry chained to its predecessor: SHA-256(prev_hash || canonical entry)."""
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev_hash.encode("ascii") + canonical.encode("utf-8")).hexdigest()


class WalletStore:
    """The open, unlocked wallet store."""

    def __init__(self, engine: Engine, key: bytes, clock: Clock, random: Random) -> None:
        self._engine = engine
        self._key = key
        self._sealer = RecordSealer(key, random)
        self._clock = clock

    # --- opening ---

    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: str,
        *,
        clock: Clock,
        random: Random,
        scrypt_n: int = 2**15,
    ) -> WalletStore:
        """Create a new store at ``path`` protected by ``passphrase``."""
        if path.exists():
            raise MalformedInput(f"a wallet store already exists at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        params = ScryptParams(salt=random.bytes(16), n=scrypt_n)
        key = derive_store_key(passphrase, params)
        with engine.begin() as conn:
            conn.execute(
                insert(meta),
                [
                    {
                        "name": "kdf",
                        "value": dump_json_compact(
                            {
                                "alg": "scrypt",
                                "salt": params.salt.hex(),
                                "n": params.n,
                                "r": params.r,
                                "p": params.p,
                            }
                        ).encode(),
                    },
                    {"name": "check", "value": passphrase_check(key)},
                ],
            )
        return cls(engine, key, clock, random)

    @classmethod
    def open(cls, path: Path, passphrase: str, *, clock: Clock, random: Random) -> WalletStore:
        """Open an existing store; raise ``InvalidSignature`` for a wrong passphrase."""
        if not path.exists():
            raise NotFound(f"no wallet store at {path}; create one with `honnin wallet init`")
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        with engine.connect() as conn:
            rows = {r.name: r.value for r in conn.execute(select(meta))}
        try:
            kdf = json.loads(rows["kdf"])
            params = ScryptParams(
                salt=bytes.fromhex(kdf["salt"]), n=kdf["n"], r=kdf["r"], p=kdf["p"]
            )
        except (KeyError, ValueError) as exc:
            raise MalformedInput(f"wallet store {path} has no valid key parameters") from exc
        key = derive_store_key(passphrase, params)
        if not hmac.compare_digest(passphrase_check(key), rows.get("check", b"")):
            raise InvalidSignature("wrong wallet passphrase")
        return cls(engine, key, clock, random)

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def tag(self, *parts: str) -> str:
        """A keyed lookup tag for a verifier (and purpose), so names never sit in the clear."""
        message = "\x00".join(parts).encode("utf-8")
        return hmac.new(self._key, b"tag\x00" + message, "sha256").hexdigest()

    # --- sealed secrets (pseudonym secret, settings that must not sit in the clear) ---

    def put_secret(self, name: str, value: bytes) -> None:
        """Seal ``value`` under the store key and keep it as ``name`` (replacing any old one)."""
        row = f"secret:{name}"
        sealed = self._sealer.seal("meta", row, value)
        with self._engine.begin() as conn:
            conn.execute(delete(meta).where(meta.c.name == row))
            conn.execute(insert(meta).values(name=row, value=sealed))

    def secret(self, name: str) -> bytes:
        """Open the sealed secret ``name``; ``NotFound`` when there is none."""
        row = f"secret:{name}"
        with self._engine.connect() as conn:
            value = conn.execute(select(meta.c.value).where(meta.c.name == row)).scalar()
        if value is None:
            raise NotFound(f"the wallet holds no {name}")
        return self._sealer.open("meta", row, value)

    # --- the newest trust list accepted (sealed, so a changed record fails to open) ---

    def accepted_trust_list(self) -> AcceptedTrustList | None:
        """The newest trust list this wallet accepted (sequence number, token digest, scope)."""
        with self._engine.connect() as conn:
            value = conn.execute(
                select(meta.c.value).where(meta.c.name == _TRUST_LIST_ACCEPTED)
            ).scalar()
        return self._open_accepted(value)

    def replace_accepted_trust_list(
        self, expected: AcceptedTrustList | None, new: AcceptedTrustList
    ) -> bool:
        """Store ``new`` as the accepted trust list if the stored one is still ``expected``.

        One conditional write: False, with nothing written, when another process on this
        store (the web page, the CLI) stored a different one since ``expected`` was read.
        """
        body = dump_json_compact(
            {"sequence_number": new.sequence_number, "digest": new.digest, "scope": new.scope}
        ).encode("utf-8")
        sealed = self._sealer.seal("meta", _TRUST_LIST_ACCEPTED, body)
        with self._engine.begin() as conn:
            stored = conn.execute(
                select(meta.c.value).where(meta.c.name == _TRUST_LIST_ACCEPTED)
            ).scalar()
            if self._open_accepted(stored) != expected:
                return False
            if stored is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(meta).values(name=_TRUST_LIST_ACCEPTED, value=sealed))
                except IntegrityError:
                    return False
                return True
            # The sealed bytes read above (fresh nonce per seal) identify that one write.
            replaced = conn.execute(
                update(meta)
                .where(meta.c.name == _TRUST_LIST_ACCEPTED, meta.c.value == stored)
                .values(value=sealed)
            )
        return replaced.rowcount == 1

    def _open_accepted(self, sealed: bytes | None) -> AcceptedTrustList | None:
        if sealed is None:
            return None
        record = json.loads(self._sealer.open("meta", _TRUST_LIST_ACCEPTED, sealed))
        # A record without a scope (written by a build before marks were scoped) matches no
        # anchors: the next list verified replaces it.
        return AcceptedTrustList(
            int(record["sequence_number"]),
            str(record["digest"]),
            str(record.get("scope", UNSCOPED)),
        )

    # --- credentials and instances ---

    def add_credential(
        self,
        credential: StoredCredential,
        batch: list[CredentialInstance],
        *,
        replacing: Sequence[StoredCredential] = (),
    ) -> None:
        """Store a credential with its batch of instances, atomically.

        ``replacing`` are updated records of credentials it supersedes, written in the same
        transaction: never a new credential while the one it re-issues still reads valid.
        """
        now = self._clock.now()
        with self._engine.begin() as conn:
            for old in replacing:
                self._update_sealed(conn, old)
            conn.execute(
                insert(credentials).values(
                    id=credential.id,
                    sealed=self._sealer.seal("credentials", credential.id, credential.to_json()),
                    added_at=now,
                )
            )
            for inst in batch:
                body = dump_json_compact(
                    {"credential": inst.credential, "key_id": inst.key_id}
                ).encode()
                conn.execute(
                    insert(instances).values(
                        id=inst.id,
                        credential_id=credential.id,
                        sealed=self._sealer.seal("instances", inst.id, body),
                    )
                )

    def credentials(self) -> list[StoredCredential]:
        """Every stored credential, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(credentials).order_by(credentials.c.added_at, credentials.c.id)
            ).all()
        return [
            StoredCredential.from_json(self._sealer.open("credentials", r.id, r.sealed))
            for r in rows
        ]

    def credential(self, credential_id: str) -> StoredCredential:
        """One stored credential, or ``NotFound``."""
        with self._engine.connect() as conn:
            row = conn.execute(select(credentials).where(credentials.c.id == credential_id)).first()
        if row is None:
            raise NotFound(f"no credential {credential_id!r} in this wallet")
        return StoredCredential.from_json(self._sealer.open("credentials", row.id, row.sealed))

    def update_credential(self, credential: StoredCredential) -> None:
        """Replace a credential's sealed record (e.g. a new status)."""
        with self._engine.begin() as conn:
            self._update_sealed(conn, credential)

    def _update_sealed(self, conn: Connection, credential: StoredCredential) -> None:
        result = conn.execute(
            update(credentials)
            .where(credentials.c.id == credential.id)
            .values(sealed=self._sealer.seal("credentials", credential.id, credential.to_json()))
        )
        if result.rowcount != 1:
            raise NotFound(f"no credential {credential.id!r} in this wallet")

    def record_status(
        self, credential_id: str, status: str, check: dict[str, Any], *, keep: frozenset[str]
    ) -> StoredCredential:
        """Record a status check on a credential; its status becomes ``status`` unless in ``keep``.

        ``check`` (what the issuer's list said, when) is kept in ``extra["status_check"]``.
        A compare-and-swap on the sealed record, so a change another process (the web page,
        the CLI, a receipt marking it superseded) wrote meanwhile is never overwritten.
        """
        while True:
            with self._engine.begin() as conn:
                row = conn.execute(
                    select(credentials.c.sealed).where(credentials.c.id == credential_id)
                ).first()
                if row is None:
                    raise NotFound(f"no credential {credential_id!r} in this wallet")
                old = StoredCredential.from_json(
                    self._sealer.open("credentials", credential_id, row.sealed)
                )
                new = StoredCredential(
                    id=old.id,
                    format=old.format,
                    type_id=old.type_id,
                    vct=old.vct,
                    issuer=old.issuer,
                    claims=old.claims,
                    display=old.display,
                    status=old.status if old.status in keep else status,
                    extra={**old.extra, "status_check": check},
                )
                # The sealed bytes read above (fresh nonce per seal) identify that one write.
                changed = conn.execute(
                    update(credentials)
                    .where(credentials.c.id == credential_id, credentials.c.sealed == row.sealed)
                    .values(sealed=self._sealer.seal("credentials", new.id, new.to_json()))
                )
                if changed.rowcount == 1:
                    return new

    def instances_of(self, credential_id: str) -> list[CredentialInstance]:
        """Every instance of a credential, shown to a verifier or not (batch issuance)."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(instances)
                .where(instances.c.credential_id == credential_id)
                .order_by(instances.c.id)
            ).all()
        out = []
        for row in rows:
            body = json.loads(self._sealer.open("instances", row.id, row.sealed))
            out.append(
                CredentialInstance(row.id, body["credential"], body["key_id"], row.verifier_tag)
            )
        return out

    def delete_credential(self, credential_id: str) -> None:
        """Remove a credential and all its instances."""
        with self._engine.begin() as conn:
            conn.execute(delete(instances).where(instances.c.credential_id == credential_id))
            conn.execute(delete(credentials).where(credentials.c.id == credential_id))

    def instance_for(self, credential_id: str, verifier_id: str) -> CredentialInstance | None:
        """The instance this verifier has seen before, else a fresh one now bound to it.

        An instance shown to one verifier is never shown to another, so two verifiers cannot
        link presentations by signature or digests (ISO/IEC 23220-1 unlinkability).
        """
        tag = self.tag("verifier", verifier_id)
        mine = select(instances).where(
            instances.c.credential_id == credential_id, instances.c.verifier_tag == tag
        )
        while True:
            # The driver reads outside a transaction, so another process (the web page, the
            # CLI) may bind the free instance we read before our UPDATE: only a row our
            # UPDATE changed is ours; otherwise look again.
            with self._engine.begin() as conn:
                row = conn.execute(mine).first()
                if row is not None:
                    break
                free = conn.execute(
                    select(instances.c.id)
                    .where(
                        instances.c.credential_id == credential_id,
                        instances.c.verifier_tag.is_(None),
                    )
                    .order_by(instances.c.id)
                ).first()
                if free is None:
                    return None
                bound = conn.execute(
                    update(instances)
                    .where(instances.c.id == free.id, instances.c.verifier_tag.is_(None))
                    .values(verifier_tag=tag, used_at=self._clock.now())
                )
                if bound.rowcount == 1:
                    row = conn.execute(select(instances).where(instances.c.id == free.id)).first()
                    break
        assert row is not None
        body = json.loads(self._sealer.open("instances", row.id, row.sealed))
        return CredentialInstance(row.id, body["credential"], body["key_id"], row.verifier_tag)

    def instances_left(self, credential_id: str) -> int:
        """How many instances of a credential no verifier has seen yet."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(instances.c.id).where(
                    instances.c.credential_id == credential_id, instances.c.verifier_tag.is_(None)
                )
            ).all()
        return len(rows)

    def add_instances(self, credential_id: str, batch: list[CredentialInstance]) -> None:
        """Add a refill batch of instances to a stored credential."""
        self.credential(credential_id)
        with self._engine.begin() as conn:
            for inst in batch:
                body = dump_json_compact(
                    {"credential": inst.credential, "key_id": inst.key_id}
                ).encode()
                conn.execute(
                    insert(instances).values(
                        id=inst.id,
                        credential_id=credential_id,
                        sealed=self._sealer.seal("instances", inst.id, body),
                    )
                )

    # --- consent rules ---

    def set_rule(self, verifier_id: str, purpose: str, decision: str) -> None:
        """Remember a decision (ask / remember / deny) for a verifier and purpose."""
        if decision not in RULE_DECISIONS:
            raise MalformedInput(f"rule decision must be one of {sorted(RULE_DECISIONS)}")
        tag = self.tag("rule", verifier_id, purpose)
        body = dump_json_compact(
            {
                "verifier": verifier_id,
                "purpose": purpose,
                "decision": decision,
                "saved_at": self._clock.now().isoformat(),
            }
        ).encode()
        sealed = self._sealer.seal("rules", tag, body)
        with self._engine.begin() as conn:
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(rules).values(
                            tag=tag, verifier_tag=self.tag("verifier", verifier_id), sealed=sealed
                        )
                    )
            except IntegrityError:
                conn.execute(update(rules).where(rules.c.tag == tag).values(sealed=sealed))

    def rule(self, verifier_id: str, purpose: str) -> str:
        """The saved decision for a verifier and purpose; ``ask`` when none is saved."""
        tag = self.tag("rule", verifier_id, purpose)
        with self._engine.connect() as conn:
            row = conn.execute(select(rules).where(rules.c.tag == tag)).first()
        if row is None:
            return "ask"
        return str(json.loads(self._sealer.open("rules", tag, row.sealed))["decision"])

    def rules(self) -> list[dict[str, Any]]:
        """Every saved rule."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(rules)).all()
        return sorted(
            (json.loads(self._sealer.open("rules", r.tag, r.sealed)) for r in rows),
            key=lambda r: (r["verifier"], r["purpose"]),
        )

    def drop_rules(self, verifier_id: str) -> int:
        """Withdraw every saved rule for a verifier; return how many were dropped."""
        with self._engine.begin() as conn:
            return self._drop_rules(conn, verifier_id)

    def _drop_rules(self, conn: Connection, verifier_id: str) -> int:
        result = conn.execute(
            delete(rules).where(rules.c.verifier_tag == self.tag("verifier", verifier_id))
        )
        return int(result.rowcount)

    # --- pseudonym epochs ---

    def pseudonym_epoch(self, verifier_id: str) -> int:
        """The current pseudonym epoch for a verifier (0 until it is unlinked)."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(pseudonym_epochs.c.epoch).where(
                    pseudonym_epochs.c.verifier_tag == self.tag("verifier", verifier_id)
                )
            ).first()
        return int(row.epoch) if row is not None else 0

    def rotate_pseudonym(self, verifier_id: str) -> int:
        """Move a verifier to the next pseudonym epoch; return the new epoch."""
        with self._engine.begin() as conn:
            return self._rotate_pseudonym(conn, verifier_id)

    def unlink(self, verifier_id: str) -> tuple[int, int]:
        """Drop a verifier's rules and move it to the next pseudonym epoch, atomically.

        Returns (new epoch, rules dropped); never rules gone while the old pseudonym stays.
        """
        with self._engine.begin() as conn:
            dropped = self._drop_rules(conn, verifier_id)
            return self._rotate_pseudonym(conn, verifier_id), dropped

    def _rotate_pseudonym(self, conn: Connection, verifier_id: str) -> int:
        tag = self.tag("verifier", verifier_id)
        row = conn.execute(
            select(pseudonym_epochs.c.epoch).where(pseudonym_epochs.c.verifier_tag == tag)
        ).first()
        if row is None:
            conn.execute(insert(pseudonym_epochs).values(verifier_tag=tag, epoch=1))
            return 1
        conn.execute(
            update(pseudonym_epochs)
            .where(pseudonym_epochs.c.verifier_tag == tag)
            .values(epoch=row.epoch + 1)
        )
        return int(row.epoch) + 1

    # --- disclosure log ---

    def append_log(self, entry: dict[str, Any]) -> LogEntry:
        """Append an entry to the hash-chained disclosure log, atomically."""
        with self._engine.begin() as conn:
            last = conn.execute(
                select(disclosure_log.c.seq, disclosure_log.c.entry_hash)
                .order_by(disclosure_log.c.seq.desc())
                .limit(1)
            ).first()
            seq = (last.seq + 1) if last is not None else 1
            prev = last.entry_hash if last is not None else GENESIS_HASH
            entry_hash = chain_hash(prev, entry)
            body = dump_json_compact(entry).encode("utf-8")
            conn.execute(
                insert(disclosure_log).values(
                    seq=seq,
                    sealed=self._sealer.seal("log", str(seq), body),
                    entry_hash=entry_hash,
                    prev_hash=prev,
                )
            )
            head = hmac.new(
                self._key, f"log-head\x00{seq}\x00{entry_hash}".encode(), "sha256"
            ).digest()
            conn.execute(delete(meta).where(meta.c.name == "log_head"))
            conn.execute(insert(meta).values(name="log_head", value=head))
        return LogEntry(seq, entry, entry_hash, prev)

    def record_delivery(self, seq: int, delivery: dict[str, Any]) -> None:
        """Record how the verifier answered the disclosure logged as entry ``seq``."""
        name = f"{_DELIVERY_PREFIX}{seq}"
        sealed = self._sealer.seal("meta", name, dump_json_compact(delivery).encode("utf-8"))
        with self._engine.begin() as conn:
            if (
                conn.execute(
                    select(disclosure_log.c.seq).where(disclosure_log.c.seq == seq)
                ).first()
                is None
            ):
                raise NotFound(f"no disclosure log entry {seq}")
            conn.execute(delete(meta).where(meta.c.name == name))
            conn.execute(insert(meta).values(name=name, value=sealed))

    def log(self) -> Iterator[LogEntry]:
        """Read the disclosure log in order (each record opened and authenticated)."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(disclosure_log).order_by(disclosure_log.c.seq)).all()
            deliveries = conn.execute(
                select(meta).where(meta.c.name.startswith(_DELIVERY_PREFIX, autoescape=True))
            ).all()
        answers = {
            r.name: json.loads(self._sealer.open("meta", r.name, r.value)) for r in deliveries
        }
        for row in rows:
            entry = json.loads(self._sealer.open("log", str(row.seq), row.sealed))
            delivery = answers.get(f"{_DELIVERY_PREFIX}{row.seq}", {})
            yield LogEntry(row.seq, entry, row.entry_hash, row.prev_hash, delivery)

    def verify_log(self) -> int:
        """Check the whole log: every record authentic, chained, numbered, and the head current.

        Returns the number of entries; raises ``InvalidSignature`` naming the first bad entry.
        """
        prev = GENESIS_HASH
        count = 0
        for expected_seq, item in enumerate(self.log(), start=1):
            if item.seq != expected_seq:
                raise InvalidSignature(f"disclosure log entry {expected_seq} is missing")
            if item.prev_hash != prev or chain_hash(prev, item.entry) != item.entry_hash:
                raise InvalidSignature(f"disclosure log entry {item.seq} breaks the hash chain")
            prev = item.entry_hash
            count = item.seq
        with self._engine.connect() as conn:
            head = conn.execute(select(meta.c.value).where(meta.c.name == "log_head")).scalar()
        if count == 0:
            if head is not None:
                raise InvalidSignature("disclosure log entries were removed")
            return 0
        expected = hmac.new(self._key, f"log-head\x00{count}\x00{prev}".encode(), "sha256").digest()
        if head is None or not hmac.compare_digest(head, expected):
            raise InvalidSignature(
                "disclosure log head does not match: entries were removed or rewritten"
            )
        return count


__all__ = [
    "CredentialInstance",
    "LogEntry",
    "StoredCredential",
    "WalletStore",
    "chain_hash",
]

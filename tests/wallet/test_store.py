"""The wallet store: sealed records, single-verifier instances, rules, epochs, the log."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from specs.errors import InvalidSignature, MalformedInput, NotFound
from specs.ports import FixedClock, SeededRandom
from wallet.store import CredentialInstance, StoredCredential, WalletStore

FAST_SCRYPT = 2**10


def _store(tmp_path: Path, clock: FixedClock) -> WalletStore:
    return WalletStore.create(
        tmp_path / "wallet.db",
        "correct horse",
        clock=clock,
        random=SeededRandom(b"w"),
        scrypt_n=FAST_SCRYPT,
    )


def _credential(cid: str = "c1") -> StoredCredential:
    return StoredCredential(
        id=cid,
        format="dc+sd-jwt",
        type_id="withholding-slip",
        vct="https://example/withholding-slip/1",
        issuer="https://employer-a.example",
        claims={"payment_amount": 4_800_000},
    )


def test_nothing_in_the_clear(tmp_path: Path, clock: FixedClock) -> None:
    store = _store(tmp_path, clock)
    store.add_credential(_credential(), [CredentialInstance("i1", "eyJ.secret.sdjwt~", "k1")])
    store.set_rule("https://employer-b.example", "year-end-adjustment", "remember")
    store.append_log({"verifier": "https://employer-b.example", "items": ["payment_amount"]})
    store.close()
    raw = (tmp_path / "wallet.db").read_bytes()
    for secret in (b"employer-b", b"4800000", b"secret.sdjwt", b"payment_amount"):
        assert secret not in raw


def test_wrong_passphrase_and_missing_store(tmp_path: Path, clock: FixedClock) -> None:
    _store(tmp_path, clock).close()
    with pytest.raises(InvalidSignature):
        WalletStore.open(tmp_path / "wallet.db", "wrong", clock=clock, random=SeededRandom(b"x"))
    with pytest.raises(NotFound):
        WalletStore.open(tmp_path / "none.db", "x", clock=clock, random=SeededRandom(b"x"))
    with pytest.raises(MalformedInput):
        _store(tmp_path, clock)  # already exists


def test_instances_are_never_shared_between_verifiers(tmp_path: Path, clock: FixedClock) -> None:
    store = _store(tmp_path, clock)
    batch = [CredentialInstance(f"i{n}", f"cred-{n}", f"k{n}") for n in range(3)]
    store.add_credential(_credential(), batch)
    first_b = store.instance_for("c1", "verifier-b")
    assert first_b is not None
    assert store.instance_for("c1", "verifier-b") == first_b  # same verifier, same instance
    first_c = store.instance_for("c1", "verifier-c")
    assert first_c is not None
    assert first_c.id != first_b.id
    assert store.instances_left("c1") == 1
    store.instance_for("c1", "verifier-d")
    assert store.instance_for("c1", "verifier-e") is None  # batch exhausted: refill needed
    store.add_instances("c1", [CredentialInstance("i9", "cred-9", "k9")])
    assert store.instance_for("c1", "verifier-e") is not None


def test_rules_and_epochs(tmp_path: Path, clock: FixedClock) -> None:
    store = _store(tmp_path, clock)
    assert store.rule("b", "p") == "ask"
    store.set_rule("b", "p", "remember")
    store.set_rule("b", "p", "deny")
    store.set_rule("b", "q", "remember")
    assert store.rule("b", "p") == "deny"
    assert len(store.rules()) == 2
    with pytest.raises(MalformedInput):
        store.set_rule("b", "p", "always")
    assert store.drop_rules("b") == 2
    assert store.rule("b", "q") == "ask"
    assert store.pseudonym_epoch("b") == 0
    assert store.rotate_pseudonym("b") == 1
    assert store.rotate_pseudonym("b") == 2
    assert store.pseudonym_epoch("c") == 0


def test_log_detects_edit_deletion_and_swap(tmp_path: Path, clock: FixedClock) -> None:
    store = _store(tmp_path, clock)
    for n in range(4):
        store.append_log({"n": n})
    assert store.verify_log() == 4
    store.close()
    db = tmp_path / "wallet.db"

    def reopened() -> WalletStore:
        return WalletStore.open(db, "correct horse", clock=clock, random=SeededRandom(b"y"))

    with sqlite3.connect(db) as conn:  # delete the newest entry: the signed head catches it
        conn.execute("delete from wallet_disclosure_log where seq = 4")
    with pytest.raises(InvalidSignature):
        reopened().verify_log()
    with sqlite3.connect(db) as conn:  # move a sealed record to another row
        rows = dict(conn.execute("select seq, sealed from wallet_disclosure_log"))
        conn.execute("update wallet_disclosure_log set sealed = ? where seq = 2", (rows[1],))
    with pytest.raises(InvalidSignature):
        reopened().verify_log()


def test_kill_mid_write_leaves_a_consistent_store(tmp_path: Path) -> None:
    """A writer killed with SIGKILL at an arbitrary moment leaves a store that opens and verifies."""
    db = tmp_path / "wallet.db"
    script = textwrap.dedent(
        f"""
        import sys
        from datetime import UTC, datetime
        from pathlib import Path
        from specs.ports import FixedClock, SeededRandom
        from wallet.store import CredentialInstance, StoredCredential, WalletStore
        clock = FixedClock(datetime(2026, 7, 1, tzinfo=UTC))
        store = WalletStore.create(Path({str(db)!r}), "pw", clock=clock, random=SeededRandom(b"k"), scrypt_n={FAST_SCRYPT})
        print("ready", flush=True)
        n = 0
        while True:
            n += 1
            cred = StoredCredential(f"c{{n}}", "dc+sd-jwt", "t", "v", "i", {{"n": n, "pad": "x" * 4000}})
            store.add_credential(cred, [CredentialInstance(f"c{{n}}-{{k}}", "x" * 2000, "k") for k in range(4)])
            store.append_log({{"n": n}})
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    proc.kill()
    proc.wait()
    clock = FixedClock(datetime(2026, 7, 1, tzinfo=UTC))
    store = WalletStore.open(db, "pw", clock=clock, random=SeededRandom(b"z"))
    count = store.verify_log()
    creds = store.credentials()
    assert count > 0
    # every credential written before the kill is whole; the log is at most one entry behind
    assert len(creds) in (count, count + 1)
    for cred in creds:
        assert store.instances_left(cred.id) == 4


def test_migrations_match_the_table_definitions(tmp_path: Path, clock: FixedClock) -> None:
    """The Alembic head schema is exactly what ``wallet.store`` declares."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from wallet.database import make_engine
    from wallet.store import metadata

    _store(tmp_path, clock).close()
    engine = make_engine(f"sqlite:///{tmp_path / 'wallet.db'}")
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_name": lambda name, kind, _p: kind != "table" or name in metadata.tables
            },
        )
        assert compare_metadata(context, metadata) == []
    engine.dispose()

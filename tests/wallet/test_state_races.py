"""Two wallet processes (the web page and the CLI) on one store file.

An instance of a credential is shown to one verifier only (unlinkability); two
presentations to two verifiers racing for the last free instances must never both get
the same one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from specs.ports import FixedClock, SeededRandom
from wallet.store import CredentialInstance, StoredCredential, WalletStore

FAST_SCRYPT = 2**10
PASSPHRASE = "correct horse"
VERIFIER_A = "https://employer-a.example"
VERIFIER_B = "https://employer-b.example"


def _stores(tmp_path: Path, clock: FixedClock) -> tuple[WalletStore, WalletStore]:
    path = tmp_path / "wallet.db"
    first = WalletStore.create(
        path, PASSPHRASE, clock=clock, random=SeededRandom(b"w"), scrypt_n=FAST_SCRYPT
    )
    first.add_credential(
        StoredCredential(
            id="c1",
            format="dc+sd-jwt",
            type_id="withholding-slip",
            vct="https://example/withholding-slip/1",
            issuer="https://employer-x.example",
            claims={"payment_amount": 4_800_000},
        ),
        [CredentialInstance(f"i{n}", f"eyJ.instance-{n}~", f"k{n}") for n in range(2)],
    )
    second = WalletStore.open(path, PASSPHRASE, clock=clock, random=SeededRandom(b"w2"))
    return first, second


def test_two_verifiers_never_get_the_same_instance(tmp_path: Path, clock: FixedClock) -> None:
    first, second = _stores(tmp_path, clock)
    engine = first._engine
    other: list[CredentialInstance | None] = []

    def other_process_first(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The web page binds a free instance to B between the CLI's choice and its UPDATE.
        if not other and statement.lstrip().upper().startswith("UPDATE WALLET_INSTANCES"):
            other.append(second.instance_for("c1", VERIFIER_B))

    event.listen(engine, "before_cursor_execute", other_process_first)
    try:
        mine = first.instance_for("c1", VERIFIER_A)
    finally:
        event.remove(engine, "before_cursor_execute", other_process_first)
    theirs = other[0]
    assert mine is not None
    assert theirs is not None
    assert mine.id != theirs.id, "one instance shown to two verifiers"
    # Each store answers the same binding afterwards.
    assert first.instance_for("c1", VERIFIER_B) == theirs
    assert second.instance_for("c1", VERIFIER_A) == mine
    first.close()
    second.close()

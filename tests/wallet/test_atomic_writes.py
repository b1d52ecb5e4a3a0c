"""No partial state in the wallet: one operation is one transaction, or nothing is left behind.

Each test makes the second write of an operation fail and checks that the first one did not
stay: a re-issued credential is stored together with the superseded mark of the old one,
unlinking drops rules and rotates the pseudonym together, keys made for a failed receipt
are dropped, a failed ``init`` leaves no half-made wallet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from specs.errors import NotFound
from specs.keys import SoftwareSigner
from specs.keys.software import generate_private_key
from specs.ports import FixedClock, SeededRandom
from wallet import holder as wallet_holder
from wallet.card.keystore import PresentationKeyStore
from wallet.constants import KEYS_FILE, PROFILE_FILE, STATUS_SUPERSEDED, STATUS_VALID, STORE_FILE
from wallet.holder import PSEUDONYM_SECRET, Wallet
from wallet.presenting import (
    Outcome,
    approve_all,
    deliver,
    fetch_request,
    prepare,
    respond,
    verify_incoming,
)
from wallet.receiving import receive
from wallet.store import CredentialInstance, StoredCredential, WalletStore
from wallet.transport import HttpReply, WalletHttp

from .conftest import FAST_SCRYPT, PASSPHRASE, World, new_wallet


def _credential(cid: str) -> StoredCredential:
    return StoredCredential(
        id=cid,
        format="dc+sd-jwt",
        type_id="withholding-slip",
        vct="https://example/withholding-slip/1",
        issuer="https://employer-a.example",
        claims={"payment_amount": 4_800_000},
    )


def _instance(iid: str, cid: str) -> CredentialInstance:
    return CredentialInstance(iid, f"sd-jwt-of-{iid}", f"key-{iid}")


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock) -> WalletStore:
    return WalletStore.create(
        tmp_path / STORE_FILE,
        PASSPHRASE,
        clock=clock,
        random=SeededRandom(b"s"),
        scrypt_n=FAST_SCRYPT,
    )


def test_new_credential_and_superseded_mark_are_one_transaction(store: WalletStore) -> None:
    old = _credential("old")
    store.add_credential(old, [_instance("o1", "old")])
    marked = StoredCredential(**{**_fields(old), "status": STATUS_SUPERSEDED})
    # The second instance repeats the first one's id: the database refuses it, and the
    # superseded mark and the new credential written before it in the batch go with it.
    with pytest.raises(IntegrityError):
        store.add_credential(
            _credential("new"),
            [_instance("n1", "new"), _instance("n1", "new")],
            replacing=[marked],
        )
    assert [c.id for c in store.credentials()] == ["old"]
    assert store.credential("old").status == STATUS_VALID
    # A superseded credential that is not in the store is refused the same way.
    with pytest.raises(NotFound):
        store.add_credential(
            _credential("new"), [_instance("n1", "new")], replacing=[_credential("ghost")]
        )
    assert [c.id for c in store.credentials()] == ["old"]
    store.add_credential(_credential("new"), [_instance("n1", "new")], replacing=[marked])
    assert store.credential("old").status == STATUS_SUPERSEDED
    assert store.instances_left("new") == 1


def _fields(credential: StoredCredential) -> dict[str, Any]:
    return {name: getattr(credential, name) for name in credential.__slots__}


def test_unlink_drops_rules_and_rotates_together(
    store: WalletStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.set_rule("b", "p", "remember")

    def broken_rotation(self: WalletStore, conn: Any, verifier_id: str) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(WalletStore, "_rotate_pseudonym", broken_rotation)
    with pytest.raises(OSError, match="disk full"):
        store.unlink("b")
    assert store.rule("b", "p") == "remember"
    monkeypatch.undo()
    assert store.unlink("b") == (1, 1)
    assert store.rule("b", "p") == "ask"
    assert store.pseudonym_epoch("b") == 1


def _receive(world: World, http_type: type[WalletHttp] = WalletHttp) -> Any:
    link, code = world.issuer.offer()

    async def main() -> Any:
        async with world.client() as client:
            return await receive(world.wallet, http_type(client), link, tx_code=code)

    return asyncio.run(main())


def test_failed_reissue_leaves_the_old_credential_valid_and_no_keys(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    (first,) = _receive(world)
    keys_before = world.wallet.keys.public_jwks()
    original = WalletStore.add_credential

    def duplicate_instance(
        self: WalletStore,
        credential: StoredCredential,
        batch: list[CredentialInstance],
        *,
        replacing: Sequence[StoredCredential] = (),
    ) -> None:
        # The last instance cannot be stored (its id is taken): the write fails mid-way.
        original(self, credential, [*batch, batch[0]], replacing=replacing)

    monkeypatch.setattr(WalletStore, "add_credential", duplicate_instance)
    with pytest.raises(IntegrityError):
        _receive(world)
    (only,) = world.wallet.store.credentials()
    assert only.id == first.credential.id
    assert only.status == STATUS_VALID
    assert world.wallet.keys.public_jwks() == keys_before
    monkeypatch.undo()
    (second,) = _receive(world)
    assert second.superseded == (first.credential.id,)
    assert world.wallet.store.credential(first.credential.id).status == STATUS_SUPERSEDED


class _Unreachable(WalletHttp):
    """A transport that cannot reach one endpoint (``path``)."""

    path = "/credential"

    async def post_json(
        self, url: str, body: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> HttpReply:
        if url.endswith(self.path):
            raise NotFound(f"could not reach {url}: connection reset")
        return await super().post_json(url, body, headers=headers)


class _NoNotification(_Unreachable):
    path = "/notification"


def test_keys_are_dropped_when_the_credential_endpoint_is_unreachable(world: World) -> None:
    with pytest.raises(NotFound, match="connection reset"):
        _receive(world, _Unreachable)
    assert world.wallet.store.credentials() == []
    assert world.wallet.keys.public_jwks() == []


def test_unreachable_notification_endpoint_keeps_the_stored_credential(world: World) -> None:
    (got,) = _receive(world, _NoNotification)
    assert not got.notified
    assert world.wallet.store.credential(got.credential.id).status == STATUS_VALID
    assert len(world.wallet.keys.public_jwks()) == got.instances


def test_failed_init_leaves_no_half_made_wallet(
    tmp_path: Path,
    clock: FixedClock,
    trust_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"

    def no_key_file(*args: Any, **kwargs: Any) -> PresentationKeyStore:
        raise PermissionError("keys.json: read-only folder")

    monkeypatch.setattr(PresentationKeyStore, "create", no_key_file)
    with pytest.raises(PermissionError):
        new_wallet(home, clock, trust_files)
    assert list(home.iterdir()) == []
    monkeypatch.undo()
    wallet = new_wallet(home, clock, trust_files)
    try:
        assert {STORE_FILE, KEYS_FILE, PROFILE_FILE} <= {p.name for p in home.iterdir()}
    finally:
        wallet.close()
    reopened = Wallet.open(home, PASSPHRASE, clock=clock, random=SeededRandom(b"r"))
    reopened.close()


def _disclose(world: World) -> Outcome:
    link = world.verifier.ask()

    async def step(http: WalletHttp) -> Outcome:
        request_link, request_object = await fetch_request(http, link)
        trust = world.wallet.trust_list()
        verified = verify_incoming(world.wallet, request_link, request_object, trust)
        pending = prepare(world.wallet, verified, trust)
        return respond(world.wallet, pending, approve_all(pending))

    return world.run(step)


def test_nothing_is_disclosed_when_the_log_entry_cannot_be_written(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _receive(world)
    outcome = _disclose(world)

    def log_full(self: WalletStore, entry: dict[str, Any]) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(WalletStore, "append_log", log_full)
    with pytest.raises(OSError, match="No space left"):
        world.run(lambda http: deliver(world.wallet, http, outcome))
    assert world.verifier.results == []
    monkeypatch.undo()
    sent = world.run(lambda http: deliver(world.wallet, http, outcome))
    assert sent["response_status"] == 200
    (logged,) = world.wallet.store.log()
    assert logged.entry == outcome.log_entry  # the chained entry: what was sent, to whom
    assert logged.delivery == {"response_status": 200}
    assert world.wallet.store.verify_log() == 1
    with pytest.raises(NotFound):
        world.wallet.store.record_delivery(2, {"response_status": 200})


def test_card_recovery_keeps_secret_and_profile_together(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    wallet = world.wallet
    before = wallet.store.secret(PSEUDONYM_SECRET)
    card = SoftwareSigner(generate_private_key("RS256"), "RS256")
    monkeypatch.setattr(wallet_holder, "_write_profile", _profile_disk_full)
    with pytest.raises(OSError, match="No space left"):
        wallet.recover_pseudonym_secret(card)
    assert wallet.store.secret(PSEUDONYM_SECRET) == before
    assert not wallet.profile.card_bound
    monkeypatch.undo()
    wallet.recover_pseudonym_secret(card)
    assert wallet.store.secret(PSEUDONYM_SECRET) != before
    assert wallet.profile.card_bound


def _profile_disk_full(home: Path, profile: Any) -> None:
    raise OSError(28, "No space left on device")

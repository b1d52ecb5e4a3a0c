"""The person's wallet as one object: home directory, store, presentation keys, pseudonyms.

A wallet home holds ``wallet.json`` (profile: language, trust list, card), ``wallet.db``
(the sealed store) and ``keys.json`` (presentation keys sealed under the same passphrase).

Card or no card (documented choice): the store is always sealed under a key derived from
the passphrase with scrypt, so a card-less wallet works fully. When a My Number Card is
used at ``init``, the pairwise-pseudonym secret is derived from the card's deterministic
signature (``specs.pseudonyms``), so a new device with the same card recovers the same
pseudonyms; without a card the secret is 32 random bytes kept only in the sealed store.
The card is needed afterwards only to attest new presentation keys (``Step 4``) and to
recover the pseudonym secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from specs.errors import MalformedInput, NotFound, Rollback
from specs.keys.x509 import load_pem_certificates
from specs.ports import Clock, Random, Signer
from specs.pseudonyms import PseudonymSecret, recover_pseudonym_secret
from specs.trustlist.model import TrustList
from specs.trustlist.rollback import anchor_scope, remember_accepted
from specs.trustlist.signature import VerifiedTrustList, verify_trust_list
from wallet.card.keystore import PresentationKeyStore
from wallet.constants import KEYS_FILE, LANGUAGES, PROFILE_FILE, STORE_FILE
from wallet.store import WalletStore

PSEUDONYM_SECRET = "pseudonym_secret"  # noqa: S105 (a record name)
MAX_PROFILE_BYTES = 64 * 1024
MAX_TRUST_LIST_FILE_BYTES = 4 * 1024 * 1024


class WalletProfile(BaseModel):
    """The wallet's settings (``wallet.json``): nothing secret lives here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str = Field(default="ja", pattern="^(ja|en)$")
    trust_list: str | None = Field(default=None, description="path of the signed trust list")
    trust_list_anchor: str | None = Field(default=None, description="PEM of the list operator")
    card_bound: bool = Field(default=False, description="pseudonym secret derived from a card")
    card_module: str | None = None
    card_token_label: str | None = None


class Wallet:
    """An unlocked wallet: the store, the presentation keys and the profile."""

    def __init__(
        self,
        home: Path,
        store: WalletStore,
        keys: PresentationKeyStore,
        profile: WalletProfile,
        *,
        clock: Clock,
        random: Random,
    ) -> None:
        self.home = home
        self.store = store
        self.keys = keys
        self.profile = profile
        self.clock = clock
        self.random = random

    # --- creating and opening ---

    @classmethod
    def create(
        cls,
        home: Path,
        passphrase: str,
        *,
        clock: Clock,
        random: Random,
        language: str = "ja",
        trust_list: Path | None = None,
        trust_list_anchor: Path | None = None,
        card: Signer | None = None,
        card_module: str | None = None,
        card_token_label: str | None = None,
        scrypt_n: int = 2**15,
    ) -> Wallet:
        """Create a wallet in ``home``; with ``card`` the pseudonym secret comes from the card."""
        if language not in LANGUAGES:
            raise MalformedInput(f"language must be one of {', '.join(LANGUAGES)}")
        if (home / STORE_FILE).exists() or (home / KEYS_FILE).exists():
            raise MalformedInput(f"a wallet already exists in {home}")
        secret = (
            recover_pseudonym_secret(card)
            if card is not None
            else PseudonymSecret(random.bytes(32))
        )
        profile = WalletProfile(
            language=language,
            trust_list=str(trust_list.resolve()) if trust_list else None,
            trust_list_anchor=str(trust_list_anchor.resolve()) if trust_list_anchor else None,
            card_bound=card is not None,
            card_module=card_module,
            card_token_label=card_token_label,
        )
        home.mkdir(parents=True, exist_ok=True)
        # The store, the keys and the profile are three files: a failure on the way removes
        # the ones this call created, so no half-made wallet blocks the next ``init``.
        created = [home / STORE_FILE, home / KEYS_FILE, home / PROFILE_FILE]
        created = [p for p in created if not p.exists()]
        store: WalletStore | None = None
        try:
            store = WalletStore.create(
                home / STORE_FILE, passphrase, clock=clock, random=random, scrypt_n=scrypt_n
            )
            store.put_secret(PSEUDONYM_SECRET, _secret_bytes(secret))
            keys = PresentationKeyStore.create(
                home / KEYS_FILE, passphrase, rng=random, scrypt_n=scrypt_n
            )
            wallet = cls(home, store, keys, profile, clock=clock, random=random)
            wallet.save_profile()
        except BaseException:
            if store is not None:
                store.close()
            for path in created:
                for leftover in (path, *_sidecars(path)):
                    leftover.unlink(missing_ok=True)
            raise
        return wallet

    @classmethod
    def open(cls, home: Path, passphrase: str, *, clock: Clock, random: Random) -> Wallet:
        """Open the wallet in ``home``; ``InvalidSignature`` for a wrong passphrase."""
        profile_path = home / PROFILE_FILE
        if not profile_path.exists():
            raise NotFound(f"no wallet in {home}; create one with `honnin wallet init`")
        raw = profile_path.read_bytes()
        if len(raw) > MAX_PROFILE_BYTES:
            raise MalformedInput(f"{profile_path} is too large")
        try:
            profile = WalletProfile.model_validate_json(raw)
        except PydanticValidationError as exc:
            raise MalformedInput(f"{profile_path} is not a valid wallet profile: {exc}") from exc
        store = WalletStore.open(home / STORE_FILE, passphrase, clock=clock, random=random)
        keys = PresentationKeyStore.open(home / KEYS_FILE, passphrase, rng=random)
        return cls(home, store, keys, profile, clock=clock, random=random)

    def save_profile(self) -> None:
        """Write ``wallet.json`` atomically."""
        _write_profile(self.home, self.profile)

    def update_profile(self, **changes: Any) -> None:
        """Change profile settings (language, trust list paths) and save them."""
        profile = WalletProfile.model_validate({**self.profile.model_dump(), **changes})
        _write_profile(self.home, profile)  # in memory only once it is on disk
        self.profile = profile

    def close(self) -> None:
        """Release the store."""
        self.store.close()

    # --- pseudonyms ---

    def pseudonym_secret(self) -> PseudonymSecret:
        """The wallet's pairwise-pseudonym secret (from the sealed store)."""
        return PseudonymSecret(self.store.secret(PSEUDONYM_SECRET))

    def pseudonym(self, verifier_id: str) -> str:
        """This wallet's pseudonym for ``verifier_id`` in its current epoch."""
        return self.pseudonym_secret().pseudonym(
            verifier_id, self.store.pseudonym_epoch(verifier_id)
        )

    def recover_pseudonym_secret(self, card: Signer) -> None:
        """Re-derive the pseudonym secret from the card (a new device, same card)."""
        old = self.store.secret(PSEUDONYM_SECRET)
        self.store.put_secret(PSEUDONYM_SECRET, _secret_bytes(recover_pseudonym_secret(card)))
        try:
            self.update_profile(card_bound=True)
        except BaseException:
            # The profile must say where the secret comes from: put the old one back.
            self.store.put_secret(PSEUDONYM_SECRET, old)
            raise

    def unlink(self, verifier_id: str) -> tuple[int, int]:
        """Rotate a verifier's pseudonym and drop its rules; return (new epoch, rules dropped)."""
        return self.store.unlink(verifier_id)

    # --- trust list ---

    def trust_list(self) -> TrustList:
        """The configured trust list, its operator signature verified now, never older than
        the newest list this wallet accepted before (``Rollback``).

        The newest accepted list (sequence number, token digest) is kept sealed in the store;
        a file numbered below it, or a different list under the same number, is refused
        (ETSI TS 119 612 5.3.2, TS 119 602 6.3.2: the operator increments the number with
        every list), e.g. an old copy put back after an issuer was withdrawn.

        The numbers count per operator, so the remembered list is scoped to the configured
        anchors (``anchor_scope``): after the person points the profile at another operator's
        list and anchor (an explicit act of theirs), the first list verified under the new
        anchors is accepted whatever its number and replaces the remembered one.
        """
        if not self.profile.trust_list or not self.profile.trust_list_anchor:
            raise NotFound(
                "this wallet has no trust list; set one with "
                "`honnin wallet init --trust-list FILE --trust-list-anchor PEM`"
            )
        token_path = Path(self.profile.trust_list)
        if token_path.stat().st_size > MAX_TRUST_LIST_FILE_BYTES:
            raise MalformedInput(f"{token_path} is too large for a trust list")
        anchors = load_pem_certificates(Path(self.profile.trust_list_anchor).read_bytes())
        verified = verify_trust_list(
            token_path.read_text(encoding="ascii"), anchors, self.clock.now()
        )
        self._remember_trust_list(verified, anchor_scope(anchors), token_path)
        return verified.trust_list

    def _remember_trust_list(self, verified: VerifiedTrustList, scope: str, path: Path) -> None:
        # The web page and the CLI may both accept a list at once.
        try:
            remember_accepted(
                verified.trust_list.sequence_number,
                verified.digest,
                scope=scope,
                read=self.store.accepted_trust_list,
                replace=self.store.replace_accepted_trust_list,
            )
        except Rollback as exc:
            where = ", ".join(verified.trust_list.scheme.distribution_points)
            raise Rollback(
                f"{exc}: {path} is not the current trust list. Get the current list from "
                f"the trust-list operator ({where or 'its distribution point'}) and save "
                f"it as {path}."
            ) from exc

    def use_trust_list(self, trust_list: Path, anchor: Path) -> TrustList:
        """Point the wallet at another signed trust list and operator anchor once it verifies.

        Nothing changes when the list does not verify under ``anchor`` (or, with the same
        anchor, is older than the list accepted before: ``Rollback``).
        """
        previous = self.profile
        self.profile = previous.model_copy(
            update={
                "trust_list": str(trust_list.resolve()),
                "trust_list_anchor": str(anchor.resolve()),
            }
        )
        try:
            verified = self.trust_list()
            _write_profile(self.home, self.profile)
        except BaseException:
            self.profile = previous
            raise
        return verified

    def configured_trust_list(self) -> TrustList | None:
        """The trust list as ``trust_list`` gives it, or None when none is configured."""
        if not self.profile.trust_list or not self.profile.trust_list_anchor:
            return None
        return self.trust_list()


def trust_list_from_token(token: str, anchors: list[x509.Certificate], clock: Clock) -> TrustList:
    """Verify a signed trust list against the operator anchors at the clock's time.

    No rollback check here: ``Wallet.trust_list`` compares with the list accepted before.
    """
    return verify_trust_list(token, anchors, clock.now()).trust_list


def _write_profile(home: Path, profile: WalletProfile) -> None:
    path = home / PROFILE_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(profile.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(path)


def _sidecars(path: Path) -> tuple[Path, ...]:
    # SQLite's WAL and shared-memory files and our own temporary file next to ``path``.
    return tuple(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", ".tmp"))


def _secret_bytes(secret: PseudonymSecret) -> bytes:
    # PseudonymSecret hides its bytes on purpose; the sealed store is the one place they go.
    key: bytes = secret._key
    return key


__all__ = ["PSEUDONYM_SECRET", "Wallet", "WalletProfile", "trust_list_from_token"]

"""The PKCS#11 card signer against real SoftHSM2 tokens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pkcs11
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pkcs11 import Attribute, Mechanism, ObjectClass

from honnin.testcard import JpkiTestCa, SoftHsm, TestCard, create_test_card
from specs.card.constants import JPKI_USER_AUTHENTICATION_TOKEN_LABEL
from specs.errors import CardError, Expired, Replay, Revoked
from specs.key_attestation import InMemoryNonceRegistry, verify_key_attestation
from specs.keys import public_jwk
from specs.ports import FixedClock
from specs.pseudonyms import recover_pseudonym_secret
from wallet.card import Pkcs11Signer, PresentationKeyStore, attest_new_keys, read_certificate

from .conftest import NOW

pytestmark = pytest.mark.softhsm


def test_signs_rs256_with_the_card_key(card: TestCard) -> None:
    with Pkcs11Signer.open(card.module, card.pin) as signer:
        assert signer.alg == "RS256"
        assert signer.certificate == card.certificate
        assert signer.chain == card.chain
        assert signer.public_jwk == public_jwk(card.certificate.public_key())  # type: ignore[arg-type]
        signature = signer.sign(b"attest me")
        key = card.certificate.public_key()
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(signature, b"attest me", padding.PKCS1v15(), hashes.SHA256())
        # PKCS#1 v1.5 is deterministic, which the pseudonym secret relies on.
        assert signer.sign(b"attest me") == signature


def test_raw_rsa_mechanism_gives_the_same_signature(card: TestCard) -> None:
    with Pkcs11Signer.open(card.module, card.pin) as hashed:
        expected = hashed.sign(b"data")
    with Pkcs11Signer.open(card.module, card.pin, mechanism=Mechanism.RSA_PKCS) as raw:
        assert raw.sign(b"data") == expected


def test_private_key_never_leaves_the_token(card: TestCard) -> None:
    token = pkcs11.lib(card.module).get_token(token_label=card.token_label)
    with token.open(user_pin=card.pin) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label="User Authentication Key")
        assert key[Attribute.SENSITIVE] is True
        assert key[Attribute.EXTRACTABLE] is False
        assert key[Attribute.NEVER_EXTRACTABLE] is True
        assert key[Attribute.LOCAL] is True  # generated on the token
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            key[Attribute.PRIVATE_EXPONENT]


def test_find_by_key_id(card: TestCard) -> None:
    with Pkcs11Signer.open(card.module, card.pin, key_id=b"\x01") as signer:
        assert signer.certificate == card.certificate


def test_certificate_is_readable_without_pin(card: TestCard) -> None:
    assert read_certificate(card.module) == card.certificate


def test_wrong_pin(card: TestCard) -> None:
    with pytest.raises(CardError, match="wrong PIN"):
        Pkcs11Signer.open(card.module, "0000")


def test_locked_token(hsm: SoftHsm, card: TestCard) -> None:
    hsm.lock_user_pin(card.token_label)
    with pytest.raises(CardError, match="locked"):
        Pkcs11Signer.open(card.module, card.pin)


def test_final_try_is_not_spent_unless_allowed(hsm: SoftHsm, card: TestCard) -> None:
    hsm.lock_user_pin(card.token_label, final_try=True)
    with pytest.raises(CardError, match="one PIN try is left"):
        Pkcs11Signer.open(card.module, card.pin)
    with Pkcs11Signer.open(card.module, card.pin, allow_final_try=True) as signer:
        assert signer.sign(b"x")


def test_missing_module(tmp_path: Path) -> None:
    with pytest.raises(CardError, match="module not found"):
        Pkcs11Signer.open(str(tmp_path / "no-such-pkcs11.so"), "1234")


def test_missing_token(card: TestCard) -> None:
    with pytest.raises(CardError, match="no token labelled"):
        Pkcs11Signer.open(card.module, card.pin, token_label="JPKI (Digital Signature PIN)")


def test_missing_key(card: TestCard) -> None:
    with pytest.raises(CardError, match="no RSA private key"):
        Pkcs11Signer.open(card.module, card.pin, key_label="Digital Signature Key")


def test_closed_signer(card: TestCard) -> None:
    signer = Pkcs11Signer.open(card.module, card.pin)
    signer.close()
    with pytest.raises(CardError, match="closed"):
        signer.sign(b"x")


def _attest(
    card: TestCard, tmp_path: Path, nonce: str = "nonce-1"
) -> tuple[str, list[dict[str, object]]]:
    store = PresentationKeyStore.create(
        tmp_path / f"keys-{nonce}.json", "passphrase", scrypt_n=2**10
    )
    with Pkcs11Signer.open(card.module, card.pin, token_label=card.token_label) as signer:
        return attest_new_keys(
            store, signer, signer.chain, count=3, nonce=nonce, clock=FixedClock(NOW)
        )


def _verify(token: str, ca: JpkiTestCa, **kwargs: object) -> object:
    return verify_key_attestation(
        token,
        card_cas=[ca.certificate],
        crls=[ca.issue_crl(NOW - timedelta(hours=1))],
        expected_nonce=kwargs.pop("nonce", "nonce-1"),  # type: ignore[arg-type]
        clock=FixedClock(NOW),
        **kwargs,  # type: ignore[arg-type]
    )


def test_attestation_through_the_card(card: TestCard, ca: JpkiTestCa, tmp_path: Path) -> None:
    token, jwks = _attest(card, tmp_path)
    registry = InMemoryNonceRegistry()
    result = _verify(token, ca, nonce_registry=registry)
    assert list(result.attested_keys) == jwks  # type: ignore[attr-defined]
    with pytest.raises(Replay):
        _verify(token, ca, nonce_registry=registry)


def test_revoked_card(hsm: SoftHsm, tmp_path: Path) -> None:
    ca = JpkiTestCa.create(NOW)
    card = create_test_card(hsm, ca, now=NOW, label="revoked card", status="revoked")
    token, _ = _attest(card, tmp_path)
    with pytest.raises(Revoked):
        _verify(token, ca)


def test_expired_card(hsm: SoftHsm, ca: JpkiTestCa, tmp_path: Path) -> None:
    card = create_test_card(hsm, ca, now=NOW, label="expired card", status="expired")
    token, _ = _attest(card, tmp_path)
    with pytest.raises(Expired):
        _verify(token, ca)


def test_pseudonyms_recover_on_a_new_session(card: TestCard) -> None:
    with Pkcs11Signer.open(card.module, card.pin) as first:
        before = recover_pseudonym_secret(first).pseudonym("https://employer-b.example")
    with Pkcs11Signer.open(card.module, card.pin) as second:
        after = recover_pseudonym_secret(second).pseudonym("https://employer-b.example")
    assert before == after


def test_two_cards_in_one_token_directory(hsm: SoftHsm, ca: JpkiTestCa, card: TestCard) -> None:
    other = create_test_card(hsm, ca, now=NOW, label="second card")
    with Pkcs11Signer.open(card.module, card.pin, token_label=other.token_label) as signer:
        assert signer.certificate == other.certificate
    with Pkcs11Signer.open(
        card.module, card.pin, token_label=JPKI_USER_AUTHENTICATION_TOKEN_LABEL
    ) as signer:
        assert signer.certificate == card.certificate

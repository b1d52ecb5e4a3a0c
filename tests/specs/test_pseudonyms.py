"""Pairwise pseudonyms: determinism, recovery with the card, rotation, unlinkability, the spec."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.errors import HonninError, InvalidSignature, MalformedInput, Unsupported
from specs.keys import SoftwareSigner
from specs.pseudonyms import (
    CARD_SIGNATURE_MESSAGE,
    MAX_VERIFIER_ID_BYTES,
    PseudonymSecret,
    pseudonym,
    pseudonym_input,
    recover_pseudonym_secret,
    secret_from_card_signature,
)


@pytest.fixture(scope="module")
def card_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def secret(card_key: rsa.RSAPrivateKey) -> PseudonymSecret:
    return recover_pseudonym_secret(SoftwareSigner(card_key, "RS256"))


def _independent_pseudonym(signature: bytes, verifier_id: str, epoch: int) -> str:
    """The module docstring's derivation, written out again with the standard library only."""
    prk = hmac.new(b"honnin/pseudonyms", signature, hashlib.sha256).digest()
    okm = hmac.new(prk, b"pseudonym-secret/v1" + b"\x01", hashlib.sha256).digest()
    v = verifier_id.encode("utf-8")
    data = (
        b"honnin pairwise pseudonym v1\x00"
        + len(v).to_bytes(4, "big")
        + v
        + epoch.to_bytes(4, "big")
    )
    mac = hmac.new(okm, data, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def test_matches_the_written_derivation(
    card_key: rsa.RSAPrivateKey, secret: PseudonymSecret
) -> None:
    signature = card_key.sign(CARD_SIGNATURE_MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    for verifier, epoch in [
        ("https://employer-b.example", 0),
        ("https://employer-b.example", 3),
        ("学校", 1),
    ]:
        assert secret.pseudonym(verifier, epoch) == _independent_pseudonym(
            signature, verifier, epoch
        )


def test_deterministic(secret: PseudonymSecret) -> None:
    first = pseudonym(secret, "https://employer-b.example")
    assert first == pseudonym(secret, "https://employer-b.example")
    assert len(first) == 43


def test_recovery_on_a_new_device(card_key: rsa.RSAPrivateKey, secret: PseudonymSecret) -> None:
    # A new device: a fresh signer handle over the same card key, nothing else carried over.
    again = recover_pseudonym_secret(SoftwareSigner(card_key, "RS256"))
    assert again.pseudonym("https://employer-b.example", 2) == secret.pseudonym(
        "https://employer-b.example", 2
    )


def test_another_card_gives_other_pseudonyms(secret: PseudonymSecret) -> None:
    other = recover_pseudonym_secret(SoftwareSigner.generate("RS256"))
    assert other.pseudonym("https://employer-b.example") != secret.pseudonym(
        "https://employer-b.example"
    )


def test_rotation_unlinks_one_verifier(secret: PseudonymSecret) -> None:
    before = secret.pseudonym("https://employer-b.example", 0)
    after = secret.pseudonym("https://employer-b.example", 1)
    assert before != after
    # Other verifiers are untouched by B's rotation: their epoch did not move.
    assert secret.pseudonym("https://school.example", 0) == secret.pseudonym(
        "https://school.example", 0
    )


def test_verifiers_share_nothing_computable(secret: PseudonymSecret) -> None:
    a = base64.urlsafe_b64decode(secret.pseudonym("https://a.example") + "=")
    b = base64.urlsafe_b64decode(secret.pseudonym("https://b.example") + "=")
    assert a != b
    # Without the secret, neither the pseudonym of one verifier nor a keyless hash of the
    # identifier gives the other: the values are PRF outputs under the card-derived key.
    for guess_key in (b"", b"\x00" * 32, hashlib.sha256(b"https://a.example").digest()):
        assert (
            hmac.new(guess_key, pseudonym_input("https://b.example", 0), hashlib.sha256).digest()
            != b
        )
    assert hashlib.sha256(pseudonym_input("https://b.example", 0)).digest() != b


def test_domain_separation_is_injective() -> None:
    assert pseudonym_input("ab", 1) != pseudonym_input("a", int.from_bytes(b"b\x00\x00\x00", "big"))


def test_non_deterministic_card_algorithm_is_refused() -> None:
    with pytest.raises(Unsupported):
        recover_pseudonym_secret(SoftwareSigner.generate("PS256"))


class _FaultyCard:
    """A signer that returns a wrong signature, as a glitched card or a swapped reader might."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self._inner = SoftwareSigner(key, "RS256")

    @property
    def alg(self) -> str:
        return "RS256"

    @property
    def public_jwk(self) -> dict[str, Any]:
        return self._inner.public_jwk

    def sign(self, data: bytes) -> bytes:
        good = bytearray(self._inner.sign(data))
        good[-1] ^= 1
        return bytes(good)


def test_faulty_card_signature_is_refused(card_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(InvalidSignature):
        recover_pseudonym_secret(_FaultyCard(card_key))


@pytest.mark.parametrize(
    ("verifier", "epoch"),
    [
        ("", 0),
        ("v", -1),
        ("v", 2**32),
        ("v", True),
        ("\ud800", 0),
        ("x" * (MAX_VERIFIER_ID_BYTES + 1), 0),
    ],
)
def test_bad_inputs(secret: PseudonymSecret, verifier: str, epoch: Any) -> None:
    with pytest.raises(MalformedInput):
        secret.pseudonym(verifier, epoch)


def test_secret_shape_and_repr() -> None:
    with pytest.raises(MalformedInput):
        PseudonymSecret(b"short")
    with pytest.raises(MalformedInput):
        secret_from_card_signature(b"")
    secret = secret_from_card_signature(b"\x01" * 256)
    assert "\\x" not in repr(secret)
    assert "hidden" in repr(secret)


@settings(max_examples=100, deadline=None)
@given(
    a=st.tuples(st.text(min_size=1, max_size=20), st.integers(0, 2**32 - 1)),
    b=st.tuples(st.text(min_size=1, max_size=20), st.integers(0, 2**32 - 1)),
)
def test_distinct_inputs_give_distinct_encodings(a: tuple[str, int], b: tuple[str, int]) -> None:
    if a != b:
        assert pseudonym_input(*a) != pseudonym_input(*b)


@settings(max_examples=100, deadline=None)
@given(
    verifier=st.text(max_size=40),
    epoch=st.one_of(st.integers(), st.booleans(), st.none(), st.text(max_size=3)),
)
def test_arbitrary_input_raises_only_honnin_errors(verifier: str, epoch: Any) -> None:
    secret = secret_from_card_signature(b"\x02" * 256)
    try:
        value = secret.pseudonym(verifier, epoch)
    except HonninError:
        return
    assert len(value) == 43

"""The encrypted-at-rest presentation key store."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.errors import HonninError, InvalidSignature, LimitExceeded, MalformedInput, NotFound
from specs.keys import public_key_from_jwk, thumbprint, verify_signature
from specs.ports import SeededRandom
from wallet.card import PresentationKeyStore

FAST = 2**10  # scrypt cost for tests; the default is 2**15


@pytest.fixture
def store(tmp_path: Path) -> PresentationKeyStore:
    return PresentationKeyStore.create(
        tmp_path / "keys.json", "correct horse", rng=SeededRandom("ks"), scrypt_n=FAST
    )


def test_generate_and_sign(store: PresentationKeyStore) -> None:
    jwks = store.generate(3)
    assert len({j["kid"] for j in jwks}) == 3
    for jwk in jwks:
        assert set(jwk) == {"kty", "crv", "x", "y", "kid"}
        assert jwk["kid"] == thumbprint({k: v for k, v in jwk.items() if k != "kid"})
        signer = store.signer(jwk["kid"])
        assert signer.alg == "ES256"
        verify_signature("ES256", public_key_from_jwk(jwk), b"kb-jwt", signer.sign(b"kb-jwt"))


def test_reopen_with_the_passphrase(tmp_path: Path, store: PresentationKeyStore) -> None:
    jwks = store.generate(2)
    again = PresentationKeyStore.open(tmp_path / "keys.json", "correct horse")
    assert again.public_jwks() == jwks
    signature = again.signer(jwks[1]["kid"]).sign(b"x")
    verify_signature("ES256", public_key_from_jwk(jwks[1]), b"x", signature)


def test_wrong_passphrase(tmp_path: Path, store: PresentationKeyStore) -> None:
    store.generate(1)
    with pytest.raises(InvalidSignature):
        PresentationKeyStore.open(tmp_path / "keys.json", "wrong horse")


def test_file_holds_no_private_key_in_clear(tmp_path: Path, store: PresentationKeyStore) -> None:
    jwks = store.generate(1)
    text = (tmp_path / "keys.json").read_text()
    assert '"d"' not in text
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600
    signer = store.signer(jwks[0]["kid"])
    assert not hasattr(signer, "private_key")
    assert not hasattr(signer, "export_private_jwk")
    assert "d" not in signer.public_jwk


def test_tampered_ciphertext(tmp_path: Path, store: PresentationKeyStore) -> None:
    jwks = store.generate(1)
    path = tmp_path / "keys.json"
    data = json.loads(path.read_text())
    ct = bytearray(data["keys"][0]["ciphertext"], "ascii")
    ct[10] = ord("A") if ct[10] != ord("A") else ord("B")
    data["keys"][0]["ciphertext"] = ct.decode()
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidSignature):
        PresentationKeyStore.open(path, "correct horse").signer(jwks[0]["kid"])


def test_swapped_sealed_keys(tmp_path: Path, store: PresentationKeyStore) -> None:
    jwks = store.generate(2)
    path = tmp_path / "keys.json"
    data = json.loads(path.read_text())
    a, b = data["keys"]
    a["nonce"], b["nonce"] = b["nonce"], a["nonce"]
    a["ciphertext"], b["ciphertext"] = b["ciphertext"], a["ciphertext"]
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidSignature):
        PresentationKeyStore.open(path, "correct horse").signer(jwks[0]["kid"])


def test_remove_and_unknown(store: PresentationKeyStore) -> None:
    jwks = store.generate(2)
    store.remove(jwks[0]["kid"])
    assert store.public_jwks() == jwks[1:]
    with pytest.raises(NotFound):
        store.signer(jwks[0]["kid"])
    with pytest.raises(NotFound):
        store.remove("nope")


def test_limits_and_malformed(tmp_path: Path, store: PresentationKeyStore) -> None:
    with pytest.raises(LimitExceeded):
        store.generate(0)
    with pytest.raises(LimitExceeded):
        store.generate(2000)
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1}')
    with pytest.raises(MalformedInput):
        PresentationKeyStore.open(bad, "x")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (4 * 1024 * 1024 + 1))
    with pytest.raises(LimitExceeded):
        PresentationKeyStore.open(big, "x")
    with pytest.raises(MalformedInput):
        PresentationKeyStore.create(tmp_path / "keys.json", "again", scrypt_n=FAST)
    with pytest.raises(MalformedInput):
        PresentationKeyStore.create(tmp_path / "empty-pass.json", "", scrypt_n=FAST)


def test_keys_are_p256(store: PresentationKeyStore) -> None:
    jwk = store.generate(1)[0]
    key = public_key_from_jwk(jwk)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert key.curve.name == "secp256r1"


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    blob=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
            max_leaves=10,
        ).map(lambda v: json.dumps(v).encode()),
    )
)
def test_arbitrary_store_files_raise_only_honnin_errors(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(blob)
    with pytest.raises(HonninError):
        PresentationKeyStore.open(path, "x")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(["salt", "n", "r", "p", "check", "check_nonce", "version"]),
    value=st.one_of(st.integers(-5, 2**21), st.text(max_size=12)),
)
def test_edited_store_headers_raise_only_honnin_errors(
    tmp_path: Path, field: str, value: object
) -> None:
    path = tmp_path / "edit.json"
    if not path.exists():
        PresentationKeyStore.create(path, "pw", rng=SeededRandom("e"), scrypt_n=FAST).generate(1)
    data = json.loads(path.read_text())
    target = data["kdf"] if field in {"salt", "n", "r", "p"} else data
    original = target[field]
    target[field] = value
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    try:
        PresentationKeyStore.open(edited, "pw")
    except HonninError:
        return
    assert value == original

"""JWE ECDH-ES + AES-GCM: spec vector, round trips, strict header rules, limits, fuzzing."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwe as jc_jwe
from jwcrypto import jwk as jc_jwk

from specs.encoding import b64url_decode, b64url_encode
from specs.errors import (
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    NotFound,
    Unsupported,
)
from specs.jose.jwe import decrypt_compact, encrypt_compact, unverified_jwe_header
from specs.keys.jwk import strip_private
from specs.limits import Limits
from tests.conftest import VECTORS

VECTOR = json.loads((VECTORS / "openid4vp" / "encrypted_response.json").read_text())


def _key(crv: str = "P-256", kid: str = "k1") -> dict:
    kty = "OKP" if crv == "X25519" else "EC"
    jwk = json.loads(jc_jwk.JWK.generate(kty=kty, crv=crv).export_private())
    jwk.update(kid=kid, alg="ECDH-ES", use="enc")
    return jwk


@pytest.fixture(scope="module")
def key() -> dict:
    return _key()


def test_spec_example_decrypts() -> None:
    decrypted = decrypt_compact(VECTOR["response"], VECTOR["private_jwk"])
    assert decrypted.header == VECTOR["header"]
    assert decrypted.payload_json() == VECTOR["payload"]


@pytest.mark.parametrize("crv", ["P-256", "P-384", "X25519"])
@pytest.mark.parametrize("enc", ["A128GCM", "A256GCM"])
def test_round_trip(crv: str, enc: str) -> None:
    key = _key(crv)
    token = encrypt_compact({"vp_token": {"a": ["x"]}}, strip_private(key), enc=enc)
    header = unverified_jwe_header(token)
    assert header["kid"] == "k1"
    assert header["enc"] == enc
    assert "d" not in header["epk"]
    assert decrypt_compact(token, key).payload_json() == {"vp_token": {"a": ["x"]}}


def test_jwcrypto_interop(key: dict) -> None:
    token = encrypt_compact(b"hello", strip_private(key))
    other = jc_jwe.JWE()
    other.deserialize(token, jc_jwk.JWK(**key))
    assert other.payload == b"hello"


def test_wrong_key_fails(key: dict) -> None:
    token = encrypt_compact(b"x", strip_private(key))
    other = _key(kid="k1")
    with pytest.raises(InvalidSignature):
        decrypt_compact(token, other)


def test_unknown_kid(key: dict) -> None:
    token = encrypt_compact(b"x", strip_private(key))
    with pytest.raises(NotFound):
        decrypt_compact(token, _key(kid="other"))


def test_tampered_ciphertext_and_tag(key: dict) -> None:
    token = encrypt_compact(b"some plaintext", strip_private(key))
    parts = token.split(".")
    ciphertext = bytearray(b64url_decode(parts[3]))
    ciphertext[0] ^= 1
    with pytest.raises(InvalidSignature):
        decrypt_compact(".".join([*parts[:3], b64url_encode(bytes(ciphertext)), parts[4]]), key)
    with pytest.raises(InvalidSignature):
        decrypt_compact(".".join([*parts[:4], b64url_encode(b"\x00" * 16)]), key)


def _with_header(token: str, **changes: object) -> str:
    parts = token.split(".")
    header = unverified_jwe_header(token)
    header.update(changes)
    parts[0] = b64url_encode(json.dumps(header).encode())
    return ".".join(parts)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"alg": "RSA-OAEP"}, Unsupported),
        ({"alg": "ECDH-ES+A128KW"}, Unsupported),
        ({"alg": "dir"}, Unsupported),
        ({"enc": "A128CBC-HS256"}, Unsupported),
        ({"zip": "DEF"}, Unsupported),
        ({"jku": "https://evil.example/keys"}, Unsupported),
        ({"crit": ["exp"]}, Unsupported),
        ({"epk": None}, MalformedInput),
        ({"kid": 7}, MalformedInput),
    ],
)
def test_header_rules(key: dict, changes: dict, error: type[Exception]) -> None:
    token = _with_header(encrypt_compact(b"x", strip_private(key)), **changes)
    with pytest.raises(error):
        decrypt_compact(token, key)


def test_epk_on_other_curve(key: dict) -> None:
    other = strip_private(_key("P-384"))
    token = _with_header(encrypt_compact(b"x", strip_private(key)), epk=other)
    with pytest.raises(MalformedInput):
        decrypt_compact(token, key)


def test_caller_allow_list(key: dict) -> None:
    token = encrypt_compact(b"x", strip_private(key), enc="A256GCM")
    with pytest.raises(Unsupported):
        decrypt_compact(token, key, allowed_encs=["A128GCM"])


def test_encrypt_refuses_other_algorithms(key: dict) -> None:
    with pytest.raises(MalformedInput):
        encrypt_compact(b"", strip_private(key))
    with pytest.raises(Unsupported):
        encrypt_compact(b"x", strip_private(key), enc="A128CBC-HS256")
    with pytest.raises(Unsupported):
        encrypt_compact(b"x", {**strip_private(key), "alg": "RSA-OAEP"})
    with pytest.raises(Unsupported):
        encrypt_compact(b"x", {"kty": "RSA", "n": "AQAB", "e": "AQAB"})


@pytest.mark.parametrize("bad", ["", "a.b.c", "a.b.c.d.e.f", "!!.b.c.d.e", 12])
def test_malformed(key: dict, bad: object) -> None:
    with pytest.raises(MalformedInput):
        decrypt_compact(bad, key)  # type: ignore[arg-type]


def test_size_limits(key: dict) -> None:
    token = encrypt_compact(b"x" * 2000, strip_private(key))
    with pytest.raises(LimitExceeded):
        decrypt_compact(token, key, limits=Limits(max_token_bytes=500))
    with pytest.raises((LimitExceeded, InvalidSignature)):
        decrypt_compact(token, key, limits=Limits(max_json_bytes=1000))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_honnin_errors(text: str) -> None:
    key = VECTOR["private_jwk"]
    with contextlib.suppress(HonninError):
        decrypt_compact(text, key)


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=1, max_size=200))
def test_round_trip_property(data: bytes) -> None:
    key = VECTOR["private_jwk"]
    token = encrypt_compact(data, strip_private(key))
    assert decrypt_compact(token, key).plaintext == data

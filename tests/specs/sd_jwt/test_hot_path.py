"""The lean decoding on SD-JWT's verification path agrees with the strict reference helpers.

Each fast path replaces a slower, obviously-correct one (``specs.encoding``, the
``cryptography`` DER encoder, the per-entry digest loop, a dataclass ``__init__``); these
tests pin that the two give the same answers and raise the same error classes.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.encoding import b64url_encode
from specs.errors import (
    DigestMismatch,
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    Unsupported,
)
from specs.jose import sign_compact
from specs.keys import SoftwareSigner, verify_signature
from specs.keys.jwk import is_public_key, raw_to_der_ecdsa
from specs.limits import DEFAULT_LIMITS
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import (
    SD,
    Disclosure,
    KeyBindingCheck,
    digest,
    issue,
    make_disclosure,
    parse_disclosure,
    present,
    process_payload,
    verify,
)
from specs.sd_jwt.disclosure import _new_disclosure, parse_disclosures
from specs.sd_jwt.key_binding import public_key_from_jwk_cached
from specs.sd_jwt.processing import index_disclosures
from specs.sd_jwt.strict_json import b64url_decode, loads

ISSUER = SoftwareSigner.generate("ES256")
HOLDER = SoftwareSigner.generate("ES256")
CLOCK = FixedClock(datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
KB = KeyBindingCheck(aud="https://b.example", nonce="n-1")


# --- base64url -----------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_b64url_round_trip(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data), what="x") == data


@pytest.mark.parametrize(
    "text",
    ["ab+c", "ab/c", "abc=", "YQ==", "a", "abcde", "ab c", "ab.c", "ab\nc", "日本", "ab!c"],
)
def test_b64url_rejects(text: str) -> None:
    with pytest.raises(MalformedInput):
        b64url_decode(text, what="x")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_b64url_accepts_exactly_the_base64url_alphabet(text: str) -> None:
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    valid = set(text) <= alphabet and len(text) % 4 != 1
    try:
        decoded = b64url_decode(text, what="x")
    except MalformedInput:
        assert not valid
    else:
        assert valid
        assert decoded == base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- JSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a":1}', {"a": 1}),
        (b' {"a":1} ', {"a": 1}),
        (b'{"a":1}\n', {"a": 1}),
        (b"[1, 2]", [1, 2]),
        (b'"x"', "x"),
    ],
)
def test_loads_accepts_json_with_surrounding_whitespace(raw: bytes, expected: Any) -> None:
    assert loads(raw, what="x", limits=DEFAULT_LIMITS) == expected


@pytest.mark.parametrize(
    "raw",
    [b"", b" ", b'{"a":1} x', b'{"a":1}{}', b'{"a":1,"a":2}', b"[NaN]", b"\xff", b'{"a":1}\x0b'],
)
def test_loads_rejects(raw: bytes) -> None:
    with pytest.raises(MalformedInput):
        loads(raw, what="x", limits=DEFAULT_LIMITS)


def test_loads_limits() -> None:
    deep = b"[" * (DEFAULT_LIMITS.max_json_depth + 1) + b"]" * (DEFAULT_LIMITS.max_json_depth + 1)
    with pytest.raises(LimitExceeded):
        loads(deep, what="x", limits=DEFAULT_LIMITS)
    big = b'"' + b"a" * DEFAULT_LIMITS.max_json_bytes + b'"'
    with pytest.raises(LimitExceeded):
        loads(big, what="x", limits=DEFAULT_LIMITS)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=60))
def test_loads_raises_only_honnin_errors(raw: bytes) -> None:
    with contextlib.suppress(HonninError):
        loads(raw, what="x", limits=DEFAULT_LIMITS)


# --- raw r||s to DER -----------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([32, 48, 66]), st.data())
def test_raw_to_der_matches_the_library_encoder(half: int, data: Any) -> None:
    r = data.draw(st.integers(0, 2 ** (8 * half) - 1))
    s = data.draw(st.integers(0, 2 ** (8 * half) - 1))
    raw = r.to_bytes(half, "big") + s.to_bytes(half, "big")
    assert raw_to_der_ecdsa(raw) == encode_dss_signature(r, s)


def test_verify_signature_refuses_a_private_key_object() -> None:
    # A private key is not a verification key: it must never pass for one.
    private = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(Unsupported):
        verify_signature("ES256", private, b"data", b"\0" * 64)  # type: ignore[arg-type]
    assert not is_public_key(private)
    assert is_public_key(private.public_key())


def test_verify_signature_still_checks_curve_and_length() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(Unsupported):
        verify_signature("ES256", p384, b"data", b"\0" * 64)
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(InvalidSignature):
        verify_signature("ES256", p256, b"data", b"\0" * 63)
    with pytest.raises(InvalidSignature):
        verify_signature("ES256", p256, b"data", b"\1" * 64)


# --- disclosures ---------------------------------------------------------------------------


def test_slot_built_disclosure_equals_a_constructed_one() -> None:
    names = tuple(field.name for field in dataclasses.fields(Disclosure))
    assert names == Disclosure.__slots__
    built = _new_disclosure("e", "s", "n", [1], "d")
    assert built == Disclosure("e", "s", "n", [1], "d")
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.salt = "other"  # type: ignore[misc]


@settings(max_examples=60, deadline=None)
@given(
    salt=st.text(min_size=1, max_size=10),
    name=st.one_of(st.none(), st.text(min_size=1, max_size=10).filter(lambda n: n != "_sd")),
    value=st.one_of(st.integers(), st.text(max_size=10), st.lists(st.booleans(), max_size=3)),
    sd_alg=st.sampled_from(["sha-256", "sha-384", "sha-512"]),
)
def test_parsed_disclosure_matches_the_made_one(
    salt: str, name: str | None, value: Any, sd_alg: str
) -> None:
    if name == "...":
        return
    made = make_disclosure(salt, name, value, sd_alg)
    assert parse_disclosure(made.encoded, sd_alg) == made
    hashed = hashlib.new(sd_alg.replace("-", ""), made.encoded.encode()).digest()
    assert made.digest == digest(made.encoded, sd_alg) == b64url_encode(hashed)


def test_parse_disclosures_errors() -> None:
    with pytest.raises(Unsupported):
        parse_disclosures(["WyJhIiwiYiJd"], "md5")
    with pytest.raises(MalformedInput):
        parse_disclosures(["WyJhIiwiYiJd", "nöt"])
    with pytest.raises(LimitExceeded):
        parse_disclosures(["A" * (DEFAULT_LIMITS.max_token_bytes + 4)])
    as_text = b64url_encode(json.dumps(["s", "_sd", 1]).encode())
    with pytest.raises(MalformedInput):
        parse_disclosures([as_text])


# --- processing: the set-based path and the entry-by-entry path agree ----------------------


def _processed(payload: dict[str, Any], *disclosures: Disclosure) -> Any:
    return process_payload(payload, index_disclosures(disclosures))


def test_processing_finds_disclosures_in_digest_order() -> None:
    a, b = make_disclosure("s1", "a", 1), make_disclosure("s2", "b", 2)
    result = _processed({"_sd": [b.digest, "decoy", a.digest]}, a, b)
    assert list(result.claims) == ["b", "a"]
    assert result.disclosed == (("b",), ("a",))


@pytest.mark.parametrize(
    "sd",
    [
        ["x", "x"],  # a repeated decoy
        ["x", 5],  # a digest that is not a string
        ["x", None],
        ["x", ["y"]],  # unhashable
    ],
)
def test_processing_rejects_bad_digest_lists(sd: list[Any]) -> None:
    with pytest.raises(MalformedInput):
        _processed({"_sd": sd})


def test_processing_rejects_a_digest_seen_in_another_object() -> None:
    inner = make_disclosure("s1", "inner", 1)
    payload = {"_sd": ["x"], "child": {"_sd": ["x", inner.digest]}}
    with pytest.raises(MalformedInput):
        _processed(payload, inner)


# --- cached JWK parsing --------------------------------------------------------------------


def test_cached_jwk_ignores_members_that_do_not_make_the_key() -> None:
    jwk = dict(HOLDER.public_jwk)
    first = public_key_from_jwk_cached(jwk)
    assert public_key_from_jwk_cached({**jwk, "kid": "k1", "use": "sig"}) is first
    with pytest.raises(MalformedInput):
        public_key_from_jwk_cached({**jwk, "x": ["not", "a", "string"]})
    with pytest.raises(MalformedInput):
        public_key_from_jwk_cached({**jwk, "x": 5})
    with pytest.raises(MalformedInput):
        public_key_from_jwk_cached([("kty", "EC")])


# --- whole verification: another _sd_alg, and error order ----------------------------------


@pytest.mark.parametrize("sd_alg", ["sha-256", "sha-384", "sha-512"])
def test_verify_with_each_sd_alg(sd_alg: str) -> None:
    claims = {
        "iss": "https://a.example",
        "n": SD(1),
        "m": SD("x"),
        "cnf": {"jwk": HOLDER.public_jwk},
    }
    sd_jwt = issue(claims, ISSUER, random=SeededRandom(sd_alg), hash_alg=sd_alg)
    shown = present(sd_jwt, [("n",)], holder_signer=HOLDER, aud=KB.aud, nonce=KB.nonce, clock=CLOCK)
    result = verify(shown, ISSUER.public_jwk, clock=CLOCK, key_binding=KB)
    assert result.payload["n"] == 1
    assert "m" not in result.payload
    assert all(d.digest == digest(d.encoded, sd_alg) for d in result.disclosures)


def test_verify_with_a_disclosure_hashed_for_another_alg_fails() -> None:
    # The default-hash digests computed up front must not leak into a sha-512 credential.
    disclosure = make_disclosure("salt", "n", 1, "sha-256")
    payload = {"_sd_alg": "sha-512", "_sd": [disclosure.digest]}
    token = sign_compact(payload, ISSUER) + "~" + disclosure.encoded + "~"
    with pytest.raises(DigestMismatch):
        verify(token, ISSUER.public_jwk, clock=CLOCK)


def test_bad_signature_with_good_disclosures_is_invalid_signature() -> None:
    claims = {"iss": "https://a.example", "n": SD(1)}
    sd_jwt = issue(claims, ISSUER, random=SeededRandom("sig"))
    with pytest.raises(InvalidSignature):
        verify(sd_jwt, HOLDER.public_jwk, clock=CLOCK)

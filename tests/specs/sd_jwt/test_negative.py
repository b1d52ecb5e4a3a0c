"""Every way an SD-JWT or SD-JWT+KB can be wrong, each with the exact error class."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from specs.encoding import b64url_encode
from specs.errors import (
    AudienceMismatch,
    DigestMismatch,
    Expired,
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    NonceMismatch,
    NotFound,
    NotYetValid,
    Unsupported,
)
from specs.jose import sign_compact
from specs.keys import SoftwareSigner
from specs.limits import DEFAULT_LIMITS
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import (
    SD,
    KeyBindingCheck,
    create_kb_jwt,
    issue,
    make_disclosure,
    parse,
    present,
    to_json_serialization,
    verify,
)

ISSUER = SoftwareSigner.generate("ES256")
HOLDER = SoftwareSigner.generate("ES256")
OTHER = SoftwareSigner.generate("ES256")
KB = KeyBindingCheck(aud="https://b.example", nonce="nonce-1")


def _b64json(value: Any) -> str:
    return b64url_encode(json.dumps(value).encode())


def _signed(
    payload: dict[str, Any],
    disclosures: list[str],
    *,
    signer: SoftwareSigner = ISSUER,
    header: dict[str, Any] | None = None,
) -> str:
    payload = {"_sd_alg": "sha-256", **payload}
    return (
        sign_compact(payload, signer, header=header) + "~" + "".join(d + "~" for d in disclosures)
    )


def _d(name: str | None, value: Any, salt: str = "c2FsdHNhbHRzYWx0") -> Any:
    return make_disclosure(salt, name, value)


def _raw_disclosure(content: Any) -> str:
    return b64url_encode(json.dumps(content).encode())


def _credential(rng_seed: str = "neg", **extra: Any) -> str:
    claims = {
        "iss": "https://a.example",
        "iat": 1782896400 - 3600,
        "exp": 1782896400 + 86400,
        "given_name": SD("Taro"),
        "address": SD({"locality": SD("Chiyoda")}),
        "cnf": {"jwk": HOLDER.public_jwk},
        **extra,
    }
    return issue(claims, ISSUER, random=SeededRandom(rng_seed), decoys=1)


def _presented(
    clock: FixedClock, *, aud: str = KB.aud, nonce: str = KB.nonce, holder: SoftwareSigner = HOLDER
) -> str:
    return present(
        _credential(), [("given_name",)], holder_signer=holder, aud=aud, nonce=nonce, clock=clock
    )


def _kb_by_hand(
    sd_jwt: str, clock: FixedClock, header: dict[str, Any] | None = None, **claims: Any
) -> str:
    from specs.sd_jwt import sd_hash

    payload = {
        "iat": int(clock.now().timestamp()),
        "aud": KB.aud,
        "nonce": KB.nonce,
        "sd_hash": sd_hash(sd_jwt),
        **claims,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    return sd_jwt + sign_compact(payload, HOLDER, header=header, typ="kb+jwt")


def _flip_last_char(token: str) -> str:
    # Change a character in the middle of the signature (the last one may carry pad bits).
    index = len(token) - 10
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]


def _none_alg(clock: FixedClock) -> str:
    jwt = _credential().split("~")[0]
    header = _b64json({"alg": "none"})
    return header + "." + jwt.split(".")[1] + ".~"


Case = tuple[str, Callable[[FixedClock], Any], type[HonninError]]


def _verify(token: Any, clock: FixedClock, **kwargs: Any) -> Any:
    return verify(token, ISSUER.public_jwk, clock=clock, **kwargs)


def _sd_payload(*disclosures: Any, **plain: Any) -> dict[str, Any]:
    return {"_sd": [d.digest for d in disclosures], **plain}


CASES: list[Case] = [
    # --- issuer signature and header ---
    (
        "tampered signature",
        lambda c: _verify(_flip_last_char(_credential().split("~")[0]) + "~", c),
        InvalidSignature,
    ),
    ("tampered payload", lambda c: _verify(_tamper_payload(_credential()), c), InvalidSignature),
    (
        "wrong issuer key",
        lambda c: verify(_credential(), OTHER.public_jwk, clock=c),
        InvalidSignature,
    ),
    ("alg none", lambda c: _verify(_none_alg(c), c), Unsupported),
    ("alg HS256", lambda c: _verify(_with_header(_credential(), {"alg": "HS256"}), c), Unsupported),
    ("alg not allowed", lambda c: _verify(_credential(), c, allowed_algs={"EdDSA"}), Unsupported),
    ("jku header", lambda c: _verify(_signed({}, [], header={"jku": "https://x"}), c), Unsupported),
    (
        "unknown crit",
        lambda c: _verify(_signed({}, [], header={"crit": ["x"], "x": 1}), c),
        Unsupported,
    ),
    ("wrong typ", lambda c: _verify(_credential(), c, expected_typ="dc+sd-jwt"), MalformedInput),
    ("duplicate key in payload", lambda c: _verify(_dup_payload(), c), MalformedInput),
    # --- disclosure processing (RFC 9901 section 7.1) ---
    (
        "duplicate digest in _sd",
        lambda c: _verify(_signed({"_sd": [_d("a", 1).digest] * 2}, [_d("a", 1).encoded]), c),
        MalformedInput,
    ),
    (
        "duplicate digest in _sd and array",
        lambda c: _verify(
            _signed({"_sd": [_d(None, 1).digest], "l": [{"...": _d(None, 1).digest}]}, []), c
        ),
        MalformedInput,
    ),
    (
        "undisclosed digest repeated (decoys too)",
        lambda c: _verify(_signed({"_sd": ["x" * 43, "x" * 43]}, []), c),
        MalformedInput,
    ),
    (
        "'...' as object disclosure name",
        lambda c: _verify(_signed({"_sd": ["y"]}, [_raw_disclosure(["s", "...", 1])]), c),
        MalformedInput,
    ),
    (
        "'_sd' as disclosure name",
        lambda c: _verify(_signed({}, [_raw_disclosure(["s", "_sd", []])]), c),
        MalformedInput,
    ),
    (
        "unreferenced disclosure",
        lambda c: _verify(_signed({}, [_d("a", 1).encoded]), c),
        DigestMismatch,
    ),
    (
        "tampered disclosure value",
        lambda c: _verify(_signed(_sd_payload(_d("a", 1)), [_d("a", 2).encoded]), c),
        DigestMismatch,
    ),
    (
        "same disclosure twice",
        lambda c: _verify(_signed(_sd_payload(_d("a", 1)), [_d("a", 1).encoded] * 2), c),
        MalformedInput,
    ),
    (
        "collision with plaintext claim",
        lambda c: _verify(_signed(_sd_payload(_d("a", 1), a=0), [_d("a", 1).encoded]), c),
        MalformedInput,
    ),
    (
        "two disclosures same name",
        lambda c: _verify(
            _signed(
                _sd_payload(_d("a", 1, "s1"), _d("a", 2, "s2")),
                [_d("a", 1, "s1").encoded, _d("a", 2, "s2").encoded],
            ),
            c,
        ),
        MalformedInput,
    ),
    (
        "array disclosure in _sd",
        lambda c: _verify(_signed(_sd_payload(_d(None, 1)), [_d(None, 1).encoded]), c),
        MalformedInput,
    ),
    (
        "object disclosure in array",
        lambda c: _verify(_signed({"l": [{"...": _d("a", 1).digest}]}, [_d("a", 1).encoded]), c),
        MalformedInput,
    ),
    (
        "'...' with another key",
        lambda c: _verify(_signed({"l": [{"...": _d(None, 1).digest, "x": 1}]}, []), c),
        MalformedInput,
    ),
    (
        "'...' in a plain object",
        lambda c: _verify(_signed({"o": {"...": "abc"}}, []), c),
        MalformedInput,
    ),
    ("_sd not an array", lambda c: _verify(_signed({"_sd": "abc"}, []), c), MalformedInput),
    ("_sd entry not a string", lambda c: _verify(_signed({"_sd": [1]}, []), c), MalformedInput),
    ("unsupported _sd_alg", lambda c: _verify(_signed({"_sd_alg": "md5"}, []), c), Unsupported),
    (
        "_sd_alg refused by policy",
        lambda c: _verify(_signed({"_sd_alg": "sha-512"}, []), c, accepted_sd_algs={"sha-256"}),
        MalformedInput,
    ),
    (
        "too many digests in one object",
        lambda c: _verify(
            _signed({"_sd": [f"d{i}" for i in range(5)]}, []),
            c,
            limits=replace(DEFAULT_LIMITS, max_digests_per_object=4),
        ),
        LimitExceeded,
    ),
    (
        "recursive disclosures too deep",
        lambda c: _verify(_deep_recursive(6), c, limits=replace(DEFAULT_LIMITS, max_sd_depth=5)),
        LimitExceeded,
    ),
    # --- encoding and limits ---
    ("bad base64url disclosure", lambda c: _verify(_signed({}, ["not*base64"]), c), MalformedInput),
    (
        "padded disclosure",
        lambda c: _verify(_signed({}, [_d("a", 1).encoded + "="]), c),
        MalformedInput,
    ),
    (
        "disclosure not JSON",
        lambda c: _verify(_signed({}, [b64url_encode(b"[oops")]), c),
        MalformedInput,
    ),
    (
        "disclosure duplicate JSON keys",
        lambda c: _verify(_signed({}, [b64url_encode(b'["s","a",{"k":1,"k":2}]')]), c),
        MalformedInput,
    ),
    (
        "disclosure NaN",
        lambda c: _verify(_signed({}, [b64url_encode(b'["s","a",NaN]')]), c),
        MalformedInput,
    ),
    (
        "disclosure wrong length",
        lambda c: _verify(_signed({}, [_raw_disclosure(["s", "a", 1, 2])]), c),
        MalformedInput,
    ),
    (
        "disclosure not an array",
        lambda c: _verify(_signed({}, [_raw_disclosure({"s": 1})]), c),
        MalformedInput,
    ),
    (
        "disclosure salt not a string",
        lambda c: _verify(_signed({}, [_raw_disclosure([1, "a", 1])]), c),
        MalformedInput,
    ),
    (
        "disclosure name not a string",
        lambda c: _verify(_signed({}, [_raw_disclosure(["s", 1, 1])]), c),
        MalformedInput,
    ),
    (
        "deeply nested disclosure JSON",
        lambda c: _verify(_signed({}, [b64url_encode(("[" * 40 + "]" * 40).encode())]), c),
        LimitExceeded,
    ),
    ("empty disclosure", lambda c: _verify(_credential().replace("~", "~~", 1), c), MalformedInput),
    ("no separator", lambda c: _verify(_credential().split("~")[0], c), MalformedInput),
    (
        "oversize token",
        lambda c: _verify(_credential(), c, limits=replace(DEFAULT_LIMITS, max_token_bytes=200)),
        LimitExceeded,
    ),
    (
        "too many disclosures",
        lambda c: _verify(_credential(), c, limits=replace(DEFAULT_LIMITS, max_disclosures=2)),
        LimitExceeded,
    ),
    ("kb part not a JWS", lambda c: _verify(_credential() + "abc.def", c), MalformedInput),
    (
        "disclosures in second JSON signature",
        lambda c: _verify(_second_signature_disclosures(), c),
        MalformedInput,
    ),
    # --- time ---
    (
        "credential expired",
        lambda c: _verify(_signed({"exp": int(c.now().timestamp()) - 3600}, []), c),
        Expired,
    ),
    (
        "credential not yet valid",
        lambda c: _verify(_signed({"nbf": int(c.now().timestamp()) + 3600}, []), c),
        NotYetValid,
    ),
    (
        "credential issued in the future",
        lambda c: _verify(_signed({"iat": int(c.now().timestamp()) + 3600}, []), c),
        NotYetValid,
    ),
    ("exp not a number", lambda c: _verify(_signed({"exp": "tomorrow"}, []), c), MalformedInput),
    # --- key binding (RFC 9901 section 7.3) ---
    ("key binding missing", lambda c: _verify(_credential(), c, key_binding=KB), MalformedInput),
    (
        "wrong sd_hash",
        lambda c: _verify(_kb_by_hand(_credential(), c, sd_hash="x" * 43), c, key_binding=KB),
        DigestMismatch,
    ),
    (
        "sd_hash over other disclosures",
        lambda c: _verify(_drop_disclosure(_presented(c)), c, key_binding=KB),
        DigestMismatch,
    ),
    (
        "stale iat",
        lambda c: _verify(
            _kb_by_hand(_credential(), c, iat=int(c.now().timestamp()) - 3600), c, key_binding=KB
        ),
        Expired,
    ),
    (
        "iat in the future",
        lambda c: _verify(
            _kb_by_hand(_credential(), c, iat=int(c.now().timestamp()) + 3600), c, key_binding=KB
        ),
        NotYetValid,
    ),
    (
        "iat missing",
        lambda c: _verify(_kb_by_hand(_credential(), c, iat=None), c, key_binding=KB),
        MalformedInput,
    ),
    (
        "wrong aud",
        lambda c: _verify(_presented(c, aud="https://evil.example"), c, key_binding=KB),
        AudienceMismatch,
    ),
    (
        "wrong nonce",
        lambda c: _verify(_presented(c, nonce="other"), c, key_binding=KB),
        NonceMismatch,
    ),
    (
        "KB-JWT by another key",
        lambda c: _verify(_presented(c, holder=OTHER), c, key_binding=KB),
        InvalidSignature,
    ),
    (
        "KB-JWT wrong typ",
        lambda c: _verify(_with_kb_typ(_presented(c), "jwt"), c, key_binding=KB),
        MalformedInput,
    ),
    ("KB-JWT alg none", lambda c: _verify(_none_kb(_presented(c)), c, key_binding=KB), Unsupported),
    (
        "no cnf for key binding",
        lambda c: _verify(_kb_by_hand(_signed({}, []), c), c, key_binding=KB),
        MalformedInput,
    ),
    (
        "cnf with a private key",
        lambda c: _verify(
            _kb_by_hand(_signed({"cnf": {"jwk": HOLDER.export_private_jwk()}}, []), c),
            c,
            key_binding=KB,
        ),
        MalformedInput,
    ),
    (
        "cnf without jwk",
        lambda c: _verify(_kb_by_hand(_signed({"cnf": {"kid": "k"}}, []), c), c, key_binding=KB),
        Unsupported,
    ),
    # --- holder side ---
    (
        "holder given an SD-JWT+KB",
        lambda c: present(_presented(c), [("given_name",)]),
        MalformedInput,
    ),
    (
        "holder reveals an unknown claim",
        lambda c: present(_credential(), [("nickname",)]),
        NotFound,
    ),
    (
        "holder reveals past an array end",
        lambda c: present(_credential(n=[SD(1)]), [("n", 3)]),
        NotFound,
    ),
    (
        "holder key binding without nonce",
        lambda c: present(_credential(), [("given_name",)], holder_signer=HOLDER, aud="a", clock=c),
        MalformedInput,
    ),
    (
        "issuer: reserved claim name",
        lambda c: issue({"_sd": SD(1)}, ISSUER, random=SeededRandom("x")),
        MalformedInput,
    ),
    (
        "issuer: unknown hash",
        lambda c: issue({"a": SD(1)}, ISSUER, random=SeededRandom("x"), hash_alg="md5"),
        Unsupported,
    ),
    (
        "kb: empty aud",
        lambda c: create_kb_jwt("a.b.c~", HOLDER, aud="", nonce="n", clock=c),
        MalformedInput,
    ),
]


def _tamper_payload(sd_jwt: str) -> str:
    header, payload, signature = sd_jwt.split("~")[0].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["iss"] = "https://evil.example"
    rest = sd_jwt.split("~", 1)[1]
    return f"{header}.{_b64json(claims)}.{signature}~{rest}"


def _with_header(sd_jwt: str, header: dict[str, Any]) -> str:
    jwt, rest = sd_jwt.split("~", 1)
    _, payload, signature = jwt.split(".")
    return f"{_b64json(header)}.{payload}.{signature}~{rest}"


def _dup_payload() -> str:
    header = b64url_encode(b'{"alg":"ES256"}')
    payload = b64url_encode(b'{"iss":"a","iss":"b"}')
    signing_input = f"{header}.{payload}"
    return signing_input + "." + b64url_encode(ISSUER.sign(signing_input.encode())) + "~"


def _deep_recursive(depth: int) -> str:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"n": SD(value)}
    return issue(value, ISSUER, random=SeededRandom("deep"))


def _second_signature_disclosures() -> dict[str, Any]:
    document = to_json_serialization(_credential(), general=True)
    document["signatures"].append(
        {
            "protected": document["signatures"][0]["protected"],
            "signature": document["signatures"][0]["signature"],
            "header": {"disclosures": []},
        }
    )
    return document


def _drop_disclosure(presentation: str) -> str:
    parsed = parse(presentation)
    return parsed.with_parts(parsed.disclosures[:-1], parsed.kb_jwt).compact()


def _with_kb_typ(presentation: str, typ: str) -> str:
    parsed = parse(presentation)
    assert parsed.kb_jwt is not None
    _, payload, _ = parsed.kb_jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    kb = sign_compact(claims, HOLDER, typ=typ)
    return parsed.with_parts(parsed.disclosures, kb).compact()


def _none_kb(presentation: str) -> str:
    parsed = parse(presentation)
    assert parsed.kb_jwt is not None
    _, payload, _ = parsed.kb_jwt.split(".")
    kb = _b64json({"alg": "none", "typ": "kb+jwt"}) + "." + payload + "."
    return parsed.sd_jwt_string() + kb


@pytest.mark.parametrize(("name", "action", "error"), CASES, ids=[c[0] for c in CASES])
def test_negative(
    name: str, action: Callable[[FixedClock], Any], error: type[HonninError], clock: FixedClock
) -> None:
    with pytest.raises(HonninError) as info:
        action(clock)
    assert type(info.value) is error, f"{name}: got {type(info.value).__name__}: {info.value}"


def test_distinct_negative_cases() -> None:
    assert len({name for name, _, _ in CASES}) == len(CASES) >= 40


def test_positive_control(clock: FixedClock) -> None:
    # The fixtures above are valid when left alone, so each negative case fails for its reason.
    result = _verify(_presented(clock), clock, key_binding=KB)
    assert result.payload["given_name"] == "Taro"
    assert "address" not in result.payload
    assert _verify(_signed(_sd_payload(_d("a", 1)), [_d("a", 1).encoded]), clock).payload == {
        "a": 1
    }

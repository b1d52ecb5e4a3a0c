"""Compiled issuance (``compile_claims``): byte-identical to ``issue``/``make_disclosure``,
fresh salts and digests per instance, exact errors, limits, properties."""

from __future__ import annotations

import base64
import contextlib
import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.errors import HonninError, LimitExceeded, MalformedInput, Unsupported
from specs.jose import unverified_payload
from specs.keys import SoftwareSigner
from specs.limits import Limits
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import SD, issue, make_disclosure, verify
from specs.sd_jwt.issuance import compile_claims

ISSUER = SoftwareSigner.generate("ES256")
CLOCK = FixedClock(datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
CLAIMS: dict[str, Any] = {
    "given_name": SD("太郎"),
    "plain": {"a": 1, "b": [1, 2.5, None]},
    "address": SD({"locality": SD("千代田区"), "country": "JP", "deep": SD({"x": SD(1.5)})}),
    "nationalities": [SD("JP"), "US", SD({"q": SD(None)}), [SD(True)]],
    "mixed": {"in": SD(True), "keep": "k"},
    "amount": SD(9_600_000),
}


class ChunkedRandom:
    """Hands out 16-byte draws of a seeded stream however they are asked for, so one
    ``bytes(16 * n)`` call and ``n`` calls of ``bytes(16)`` yield the same salts."""

    def __init__(self, seed: str) -> None:
        self.inner = SeededRandom(seed)

    def bytes(self, n: int) -> bytes:
        assert n % 16 == 0
        return b"".join(self.inner.bytes(16) for _ in range(n // 16))


class ShortRandom:
    def bytes(self, n: int) -> bytes:
        return b"\x00" * (n // 2)


def _decode(encoded: str) -> list[Any]:
    data: list[Any] = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return data


def _strip(value: Any) -> Any:
    if isinstance(value, SD):
        return _strip(value.value)
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@pytest.mark.parametrize("decoys", [0, 3])
def test_same_bytes_as_issue_given_the_same_salts(decoys: int) -> None:
    leading = {"iss": "https://issuer.example", "cnf": {"jwk": {"kty": "EC", "crv": "P-256"}}}
    old = issue({**leading, **CLAIMS}, ISSUER, random=ChunkedRandom("s"), decoys=decoys)
    template = compile_claims(CLAIMS, decoys=decoys)
    new = template.issue(ISSUER, random=ChunkedRandom("s"), leading=leading)
    old_parts, new_parts = old.split("~"), new.split("~")
    assert new_parts[1:] == old_parts[1:]
    # The payload segment is byte-identical (the ES256 signatures differ by design).
    assert new_parts[0].split(".")[1] == old_parts[0].split(".")[1]
    # Five objects carry digests (root, address, deep, {q}, mixed), so five sets of decoys.
    assert template.salt_count == len(new_parts) - 2 + decoys * 5


def test_disclosures_are_byte_identical_to_make_disclosure() -> None:
    payload, disclosures = compile_claims(CLAIMS).render(SeededRandom("x"))
    assert len(disclosures) == 11
    for encoded in disclosures:
        content = _decode(encoded)
        name = None if len(content) == 2 else content[1]
        made = make_disclosure(content[0], name, content[-1])
        assert made.encoded == encoded
    assert payload["_sd_alg"] == "sha-256"


def test_every_instance_has_fresh_salts_and_own_digests() -> None:
    template = compile_claims(CLAIMS, decoys=2)
    rng = SeededRandom("instances")
    rendered = [template.render(rng) for _ in range(4)]
    salts = [{_decode(d)[0] for d in disclosures} for _, disclosures in rendered]
    digests = [_digests(payload) for payload, _ in rendered]
    for i in range(4):
        for j in range(i + 1, 4):
            assert not salts[i] & salts[j]
            assert not digests[i] & digests[j]


def _digests(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        found.update(value.get("_sd", []))
        if "..." in value:
            found.add(value["..."])
        for item in value.values():
            found |= _digests(item)
    elif isinstance(value, list):
        for item in value:
            found |= _digests(item)
    return found


def test_issued_template_verifies_to_the_plain_claims() -> None:
    sd_jwt = compile_claims(CLAIMS, decoys=1).issue(ISSUER, random=SeededRandom("v"))
    result = verify(sd_jwt, ISSUER.public_jwk, clock=CLOCK)
    assert result.payload == _strip(CLAIMS)


def test_hash_algorithm_is_honoured() -> None:
    sd_jwt = compile_claims(CLAIMS, hash_alg="sha-512").issue(ISSUER, random=SeededRandom("h"))
    assert unverified_payload(sd_jwt.split("~")[0])["_sd_alg"] == "sha-512"
    assert verify(sd_jwt, ISSUER.public_jwk, clock=CLOCK).payload == _strip(CLAIMS)


@pytest.mark.parametrize(
    ("claims", "kwargs", "error"),
    [
        (["not", "an", "object"], {}, MalformedInput),
        ({"_sd_alg": "sha-256"}, {}, MalformedInput),
        ({"a": SD(1)}, {"decoys": -1}, MalformedInput),
        ({"a": SD(1)}, {"hash_alg": "md5"}, Unsupported),
        ({"_sd": [1]}, {}, MalformedInput),
        ({"a": {"...": SD(1)}}, {}, MalformedInput),
        ({"a": SD(SD(1))}, {}, MalformedInput),
        ({"a": [SD(SD(1))]}, {}, MalformedInput),
        ({1: SD(1)}, {}, MalformedInput),
        ({"a": SD(math.nan)}, {}, MalformedInput),
        ({"a": {"b": math.inf, "c": SD(1)}}, {}, MalformedInput),
        ({"a": SD(object())}, {}, MalformedInput),
        ({"a": {1, 2}}, {}, MalformedInput),
        ({"a": SD({"_sd": 1})}, {}, MalformedInput),
    ],
)
def test_bad_claims_raise_the_exact_error(
    claims: Any, kwargs: dict[str, Any], error: type[HonninError]
) -> None:
    with pytest.raises(error) as caught:
        compile_claims(claims, **kwargs)
    assert type(caught.value) is error


@pytest.mark.parametrize(
    "leading",
    [{"given_name": "x"}, {"plain": 1}, {"_sd_alg": "x"}, {"cnf": SD(1)}, {"cnf": {"_sd": []}}],
)
def test_bad_leading_members_raise_malformed_input(leading: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput):
        compile_claims({"plain": 1, "given_name": SD("x")}).render(SeededRandom("l"), leading)


def test_a_short_random_source_is_refused() -> None:
    with pytest.raises(MalformedInput):
        compile_claims(CLAIMS).render(ShortRandom())


def test_depth_and_disclosure_count_limits() -> None:
    deep: Any = SD(1)
    for _ in range(40):
        deep = {"n": deep}
    with pytest.raises(LimitExceeded):
        compile_claims(deep)
    compile_claims(deep, limits=Limits(max_json_depth=64))
    many = {f"c{i}": SD(i) for i in range(11)}
    with pytest.raises(LimitExceeded):
        compile_claims(many, limits=Limits(max_disclosures=10))
    assert len(compile_claims(many).render(SeededRandom("m"))[1]) == 11


json_leaf = st.one_of(
    st.integers(-(2**53), 2**53),
    st.text(max_size=8),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)


def _marked(draw: Any, depth: int) -> Any:
    kind = draw(st.integers(0, 2 if depth < 3 else 0))
    if kind == 0:
        value: Any = draw(json_leaf)
    elif kind == 1:
        names = draw(st.lists(st.text(min_size=1, max_size=6), max_size=4, unique=True))
        value = {n: _marked(draw, depth + 1) for n in names if n not in ("_sd", "...")}
    else:
        value = [_marked(draw, depth + 1) for _ in range(draw(st.integers(0, 3)))]
    return SD(value) if depth and draw(st.booleans()) else value


@st.composite
def marked_claims(draw: Any) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from([f"c{i}" for i in range(6)]), max_size=6, unique=True))
    return {name: _marked(draw, 1) for name in names}


@settings(max_examples=60, deadline=None)
@given(marked_claims(), st.integers(0, 2))
def test_property_equals_issue_and_round_trips(claims: dict[str, Any], decoys: int) -> None:
    template = compile_claims(claims, decoys=decoys)
    new = template.issue(ISSUER, random=ChunkedRandom("p"))
    old = issue(claims, ISSUER, random=ChunkedRandom("p"), decoys=decoys)
    assert new.split("~")[1:] == old.split("~")[1:]
    assert new.split(".")[1] == old.split(".")[1]
    assert verify(new, ISSUER.public_jwk, clock=CLOCK).payload == _strip(claims)


anything = st.recursive(
    st.one_of(
        st.none(),
        st.integers(),
        st.floats(),
        st.text(max_size=5),
        st.builds(object),
        st.sampled_from(["_sd", "...", "_sd_alg"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.one_of(st.text(max_size=4), st.integers(), st.just("_sd")), children, max_size=3
        ),
        st.builds(SD, children),
        st.tuples(children),
    ),
    max_leaves=12,
)


@settings(max_examples=80, deadline=None)
@given(anything, st.integers(-1, 2))
def test_property_anything_raises_only_honnin_errors(claims: Any, decoys: int) -> None:
    with contextlib.suppress(HonninError):
        compile_claims(claims, decoys=decoys).render(SeededRandom("a"))

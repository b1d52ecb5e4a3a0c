"""Hypothesis properties: issue -> present(any subset) -> verify reveals exactly that subset;
arbitrary input into every parser raises only HonninError subclasses."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from specs.errors import HonninError
from specs.keys import SoftwareSigner
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import (
    SD,
    KeyBindingCheck,
    issue,
    parse,
    parse_disclosure,
    present,
    verify,
)

ISSUER = SoftwareSigner.generate("ES256")
HOLDER = SoftwareSigner.generate("ES256")
CLOCK = FixedClock(datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
KB = KeyBindingCheck(aud="https://b.example", nonce="n")
NAMES = [f"item_{i}" for i in range(8)]
values = st.one_of(
    st.integers(-(2**53), 2**53),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
    st.lists(st.integers(0, 9), max_size=3),
)


@settings(max_examples=40, deadline=None)
@given(
    items=st.dictionaries(st.sampled_from(NAMES), values, min_size=1, max_size=8),
    data=st.data(),
)
def test_present_reveals_exactly_the_chosen_claims(items: dict[str, Any], data: Any) -> None:
    chosen = data.draw(st.sets(st.sampled_from(sorted(items))))
    claims = {name: SD(value) for name, value in items.items()}
    claims["cnf"] = {"jwk": HOLDER.public_jwk}
    sd_jwt = issue(claims, ISSUER, random=SeededRandom(repr(items)), decoys=1)
    presentation = present(
        sd_jwt,
        [(n,) for n in chosen],
        holder_signer=HOLDER,
        aud=KB.aud,
        nonce=KB.nonce,
        clock=CLOCK,
    )
    result = verify(presentation, ISSUER.public_jwk, clock=CLOCK, key_binding=KB)
    payload = dict(result.payload)
    payload.pop("cnf")
    assert payload == {n: items[n] for n in chosen}
    assert {p[0] for p in result.disclosed} == chosen


@settings(max_examples=30, deadline=None)
@given(items=st.lists(values, min_size=1, max_size=5), data=st.data())
def test_array_elements_round_trip(items: list[Any], data: Any) -> None:
    chosen = data.draw(st.sets(st.integers(0, len(items) - 1)))
    sd_jwt = issue({"list": [SD(v) for v in items]}, ISSUER, random=SeededRandom("a"))
    presentation = present(sd_jwt, [("list", i) for i in sorted(chosen)])
    result = verify(presentation, ISSUER.public_jwk, clock=CLOCK)
    assert result.payload["list"] == [items[i] for i in sorted(chosen)]


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300))
def test_parsers_raise_only_honnin_errors_on_text(text: str) -> None:
    for action in (
        lambda: parse(text),
        lambda: parse_disclosure(text),
        lambda: verify(text, ISSUER.public_jwk, clock=CLOCK),
        lambda: present(text, [("a",)]),
    ):
        with contextlib.suppress(HonninError):
            action()


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=200), tail=st.lists(st.binary(max_size=40), max_size=3))
def test_tokens_built_from_arbitrary_bytes(raw: bytes, tail: list[bytes]) -> None:
    from specs.encoding import b64url_encode

    sd_jwt = issue({"a": SD(1)}, ISSUER, random=SeededRandom("x"))
    jwt = sd_jwt.split("~")[0]
    header, _, signature = jwt.split(".")
    token = f"{header}.{b64url_encode(raw)}.{signature}~" + "".join(
        b64url_encode(t) + "~" for t in tail
    )
    for candidate in (token, jwt + "~" + "".join(b64url_encode(t) + "~" for t in tail)):
        with contextlib.suppress(HonninError):
            verify(candidate, ISSUER.public_jwk, clock=CLOCK)
        with contextlib.suppress(HonninError):
            present(candidate, [("a",)])

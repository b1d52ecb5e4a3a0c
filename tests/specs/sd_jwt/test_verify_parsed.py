"""``unverified_sd_jwt`` + ``verify_parsed`` (the verifier pipeline's path) agree with ``verify``.

The pipeline reads the issuer JWT's header and payload once, before the signature check, and
has ``verify_parsed`` check the signature over the very bytes they came from. These tests
pin that this path accepts exactly what ``verify`` accepts, returns the same result, and
raises the same error class on every negative case of ``test_negative`` and on hypothesis
mutations of a valid presentation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.errors import HonninError, LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS
from specs.ports import FixedClock
from specs.sd_jwt import parse, present, to_json_serialization, verify
from specs.sd_jwt.verification import UnverifiedSdJwt, unverified_sd_jwt, verify_parsed

from . import test_negative
from .test_negative import CASES, HOLDER, ISSUER, KB, _credential

CLOCK = FixedClock(datetime(2026, 7, 1, 9, 0, tzinfo=UTC))


def _via_parsed(presentation: Any, issuer_key: Any, **kwargs: Any) -> Any:
    limits = kwargs.get("limits", DEFAULT_LIMITS)
    return verify_parsed(unverified_sd_jwt(presentation, limits=limits), issuer_key, **kwargs)


def _presentation() -> str:
    return present(
        _credential(),
        [("given_name",), ("address", "locality")],
        holder_signer=HOLDER,
        aud=KB.aud,
        nonce=KB.nonce,
        clock=CLOCK,
    )


def _same(a: Any, b: Any) -> None:
    for field in dataclasses.fields(a):
        assert getattr(a, field.name) == getattr(b, field.name), field.name


@pytest.mark.parametrize("form", ["compact", "flattened", "general"])
def test_same_result_as_verify(form: str) -> None:
    presentation: str | Mapping[str, Any] = _presentation()
    if form != "compact":
        presentation = to_json_serialization(presentation, general=form == "general")
    expected = verify(presentation, ISSUER.public_jwk, clock=CLOCK, key_binding=KB)
    got = _via_parsed(presentation, ISSUER.public_jwk, clock=CLOCK, key_binding=KB)
    _same(expected, got)
    assert got.key_binding is not None
    assert got.payload["address"] == {"locality": "Chiyoda"}


def test_unverified_header_and_payload_are_the_signed_ones() -> None:
    presentation = _presentation()
    unverified = unverified_sd_jwt(presentation)
    result = verify_parsed(unverified, ISSUER.public_jwk, clock=CLOCK, key_binding=KB)
    assert result.issuer_payload == unverified.payload
    assert result.header == unverified.header
    lazy = unverified_sd_jwt(presentation, decode_payload=False)
    assert lazy.payload is None
    _same(result, verify_parsed(lazy, ISSUER.public_jwk, clock=CLOCK, key_binding=KB))


def test_without_key_binding_drops_only_the_kb_jwt() -> None:
    unverified = unverified_sd_jwt(_presentation())
    bare = unverified.without_key_binding()
    assert bare.sd_jwt.kb_jwt is None
    assert bare.sd_jwt.sd_jwt_string() == unverified.sd_jwt.sd_jwt_string()
    assert bare.without_key_binding() is bare
    result = verify_parsed(bare, ISSUER.public_jwk, clock=CLOCK, require_key_binding=False)
    assert result.key_binding is None
    # Asked for key binding, the stripped form is refused: the decision is the caller's.
    with pytest.raises(MalformedInput):
        verify_parsed(bare, ISSUER.public_jwk, clock=CLOCK, key_binding=KB)


def test_limits_apply_to_the_unverified_read() -> None:
    with pytest.raises(LimitExceeded):
        unverified_sd_jwt(
            _presentation(), limits=dataclasses.replace(DEFAULT_LIMITS, max_json_bytes=50)
        )
    with pytest.raises(LimitExceeded):
        unverified_sd_jwt(
            _presentation(), limits=dataclasses.replace(DEFAULT_LIMITS, max_disclosures=1)
        )


@pytest.mark.parametrize(("name", "action", "error"), CASES, ids=[c[0] for c in CASES])
def test_negative_cases_raise_the_same_class(
    name: str, action: Any, error: type[HonninError], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every negative case again, with test_negative's verify() replaced by this path.
    monkeypatch.setattr(test_negative, "verify", _via_parsed)
    with pytest.raises(error):
        action(CLOCK)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutations_get_the_same_verdict(data: st.DataObject) -> None:
    presentation = _presentation()
    index = data.draw(st.integers(min_value=0, max_value=len(presentation) - 1))
    char = data.draw(st.sampled_from('A_-~.{}"eyJ0'))
    mutated = presentation[:index] + char + presentation[index + 1 :]
    try:
        expected: Any = verify(mutated, ISSUER.public_jwk, clock=CLOCK, key_binding=KB)
    except HonninError as exc:
        expected = type(exc)
    try:
        unverified = unverified_sd_jwt(mutated)
    except HonninError:
        # Read before the signature check, a broken payload fails here: verify failed too.
        assert isinstance(expected, type)
        return
    try:
        got: Any = verify_parsed(unverified, ISSUER.public_jwk, clock=CLOCK, key_binding=KB)
    except HonninError as exc:
        got = type(exc)
    if isinstance(expected, type):
        assert got is expected, (mutated, expected, got)
    else:
        _same(expected, got)


def test_parse_result_is_accepted_as_input() -> None:
    parsed = parse(_presentation())
    assert unverified_sd_jwt(parsed).sd_jwt is parsed
    assert isinstance(unverified_sd_jwt(parsed), UnverifiedSdJwt)

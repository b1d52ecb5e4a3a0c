"""Interop both ways with the sd-jwt reference implementation (openwallet-foundation-labs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from specs.keys import SoftwareSigner
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import SD, KeyBindingCheck, issue, present, verify

AUD = "https://employer-b.example"
NONCE = "n-0S6_WzA2Mj"


def _now() -> FixedClock:
    # The reference holder stamps KB-JWTs with the real time, so check against it.
    return FixedClock(datetime.now(UTC))


def _as_reference(value: Any) -> Any:
    """Translate honnin SD markers into the reference implementation's SDObj keys/items."""
    if isinstance(value, SD):
        return _as_reference(value.value)
    if isinstance(value, dict):
        return {(SDObj(k) if isinstance(v, SD) else k): _as_reference(v) for k, v in value.items()}
    if isinstance(value, list):
        return [SDObj(_as_reference(v)) if isinstance(v, SD) else _as_reference(v) for v in value]
    return value


CASES: list[tuple[str, dict[str, Any], list[tuple[Any, ...]], dict[str, Any], dict[str, Any]]] = [
    (
        "flat",
        {
            "iss": "https://a.example",
            "given_name": SD("太郎"),
            "family_name": SD("佐藤"),
            "year": 2026,
        },
        [("family_name",)],
        {"family_name": True},
        {"iss": "https://a.example", "family_name": "佐藤", "year": 2026},
    ),
    (
        "structured",
        {"address": {"locality": SD("千代田区"), "region": SD("東京都"), "country": "JP"}},
        [("address", "region")],
        {"address": {"region": True}},
        {"address": {"region": "東京都", "country": "JP"}},
    ),
    (
        "recursive",
        {"address": SD({"locality": SD("Chiyoda"), "postal_code": SD("100-0001")})},
        [("address", "postal_code")],
        {"address": {"postal_code": True}},
        {"address": {"postal_code": "100-0001"}},
    ),
    (
        "arrays",
        {"nationalities": [SD("JP"), SD("US"), "FR"], "n": [[SD(1), SD(2)], SD([SD(3)])]},
        [("nationalities", 1), ("n", 1, 0)],
        {"nationalities": [False, True], "n": [[], [True]]},
        {"nationalities": ["US", "FR"], "n": [[], [3]]},
    ),
]


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    issuer = SoftwareSigner.generate("ES256")
    holder = SoftwareSigner.generate("ES256")
    return {
        "issuer": issuer,
        "holder": holder,
        "issuer_jwcrypto": JWK.from_json(json.dumps(issuer.export_private_jwk())),
        "holder_jwcrypto": JWK.from_json(json.dumps(holder.export_private_jwk())),
    }


@pytest.mark.parametrize(
    ("name", "claims", "reveal", "_sel", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_ours_issue_and_present_theirs_verify(
    keys: dict[str, Any], name: str, claims: dict[str, Any], reveal: Any, _sel: Any, expected: Any
) -> None:
    claims = {**claims, "cnf": {"jwk": keys["holder"].public_jwk}}
    sd_jwt = issue(claims, keys["issuer"], random=SeededRandom(name), decoys=2)
    presentation = present(
        sd_jwt, reveal, holder_signer=keys["holder"], aud=AUD, nonce=NONCE, clock=_now()
    )
    verifier = SDJWTVerifier(
        presentation,
        lambda _iss, _header: keys["issuer_jwcrypto"],
        expected_aud=AUD,
        expected_nonce=NONCE,
    )
    payload = verifier.get_verified_payload()
    payload.pop("cnf")
    assert payload == expected


@pytest.mark.parametrize(
    ("name", "claims", "_reveal", "selection", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_theirs_issue_and_present_ours_verify(
    keys: dict[str, Any],
    name: str,
    claims: dict[str, Any],
    _reveal: Any,
    selection: Any,
    expected: Any,
) -> None:
    issuer = SDJWTIssuer(
        _as_reference(claims),
        keys["issuer_jwcrypto"],
        holder_key=keys["holder_jwcrypto"],
        add_decoy_claims=True,
    )
    holder = SDJWTHolder(issuer.sd_jwt_issuance)
    holder.create_presentation(selection, NONCE, AUD, keys["holder_jwcrypto"])
    result = verify(
        holder.sd_jwt_presentation,
        keys["issuer"].public_jwk,
        clock=_now(),
        key_binding=KeyBindingCheck(aud=AUD, nonce=NONCE),
    )
    payload = dict(result.payload)
    payload.pop("cnf")
    assert payload == expected
    assert result.key_binding is not None
    assert result.key_binding["aud"] == AUD


def test_theirs_issue_ours_present_theirs_verify_json(keys: dict[str, Any]) -> None:
    claims = {"given_name": SD("Hanako"), "employee_no": SD("A-1"), "year": 2026}
    issuer = SDJWTIssuer(
        _as_reference(claims),
        keys["issuer_jwcrypto"],
        holder_key=keys["holder_jwcrypto"],
        serialization_format="json",
    )
    presentation = present(
        issuer.sd_jwt_issuance,
        [("employee_no",)],
        holder_signer=keys["holder"],
        aud=AUD,
        nonce=NONCE,
        clock=_now(),
    )
    verifier = SDJWTVerifier(
        presentation,
        lambda _iss, _header: keys["issuer_jwcrypto"],
        expected_aud=AUD,
        expected_nonce=NONCE,
        serialization_format="json",
    )
    payload = verifier.get_verified_payload()
    assert payload["employee_no"] == "A-1"
    assert "given_name" not in payload
    ours = verify(
        presentation,
        keys["issuer"].public_jwk,
        clock=_now(),
        key_binding=KeyBindingCheck(aud=AUD, nonce=NONCE),
    )
    assert ours.payload["employee_no"] == "A-1"

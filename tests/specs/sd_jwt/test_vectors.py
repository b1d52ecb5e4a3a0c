"""Published vectors: RFC 9901 examples verify, and re-issuing with their salts reproduces them."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from specs.jose import sign_json_flattened, unverified_payload
from specs.keys import SoftwareSigner
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import (
    SD,
    KeyBindingCheck,
    issue,
    parse,
    parse_disclosure,
    present,
    to_json_serialization,
    verify,
)
from specs.sd_jwt.constants import ARRAY_DIGEST_KEY, SD_DIGESTS_KEY

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
SD_JWT_VECTORS = VECTORS / "sd_jwt"
SD_JWT_VC_VECTORS = VECTORS / "sd_jwt_vc"
EXAMPLES = SD_JWT_VECTORS / "spec_examples"
KB_TIME = FixedClock(datetime.fromtimestamp(1748536865, UTC))
EXAMPLE_KB = KeyBindingCheck(aud="https://verifier.example.org", nonce="1234567890")


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def issuer_public_jwk() -> dict[str, Any]:
    return _json(EXAMPLES / "appA5_issuer_public_jwk.json")  # type: ignore[no-any-return]


def test_sec5_issuance_verifies_to_all_claims(issuer_public_jwk: dict[str, Any]) -> None:
    result = verify(_text(EXAMPLES / "sec5_sd_jwt_issuance.txt"), issuer_public_jwk, clock=KB_TIME)
    expected = _json(EXAMPLES / "sec5_input_claims.json")
    signed = _json(EXAMPLES / "sec5_sd_jwt_payload.json")
    for name in ("iss", "iat", "exp", "cnf"):
        expected[name] = signed[name]
    assert result.payload == expected
    assert result.key_binding is None
    assert len(result.disclosed) == 10


def test_sec5_presentation_with_key_binding(issuer_public_jwk: dict[str, Any]) -> None:
    result = verify(
        _text(EXAMPLES / "sec5_sd_jwt_kb_presentation.txt"),
        issuer_public_jwk,
        clock=KB_TIME,
        key_binding=EXAMPLE_KB,
    )
    assert result.payload == _json(EXAMPLES / "sec5_processed_payload.json")
    assert result.key_binding == _json(EXAMPLES / "sec5_kb_jwt_payload.json")


@pytest.mark.parametrize(
    ("name", "with_kb"),
    [
        ("sec8_2_flattened_json_issuance.json", False),
        ("sec8_2_flattened_json_presentation_kb.json", True),
        ("sec8_3_general_json_presentation_kb.json", True),
    ],
)
def test_sec8_json_serialization(
    issuer_public_jwk: dict[str, Any], name: str, with_kb: bool
) -> None:
    document = _json(EXAMPLES / name)
    result = verify(
        document,
        issuer_public_jwk,
        clock=KB_TIME,
        key_binding=EXAMPLE_KB if with_kb else None,
    )
    assert result.payload["iss"] == "https://issuer.example.com"
    assert (result.key_binding is not None) == with_kb
    # The same document as JSON text verifies too.
    assert verify(json.dumps(document), issuer_public_jwk, clock=KB_TIME).payload == result.payload


def _rebuild(
    value: Any, by_digest: dict[str, Any], path: tuple[Any, ...], salts: dict[Any, str]
) -> Any:
    """Turn an issuer payload plus its disclosures back into claims with SD markers."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for name, item in value.items():
            if name not in (SD_DIGESTS_KEY, "_sd_alg"):
                out[name] = _rebuild(item, by_digest, (*path, name), salts)
        for digest in value.get(SD_DIGESTS_KEY, []):
            disclosure = by_digest[digest]
            here = (*path, disclosure.name)
            salts[here] = disclosure.salt
            out[disclosure.name] = SD(_rebuild(disclosure.value, by_digest, here, salts))
        return out
    if isinstance(value, list):
        items: list[Any] = []
        for item in value:
            here = (*path, len(items))
            if isinstance(item, dict) and ARRAY_DIGEST_KEY in item:
                disclosure = by_digest[item[ARRAY_DIGEST_KEY]]
                salts[here] = disclosure.salt
                items.append(SD(_rebuild(disclosure.value, by_digest, here, salts)))
            else:
                items.append(_rebuild(item, by_digest, here, salts))
        return items
    return value


@pytest.mark.parametrize(
    "path",
    [
        EXAMPLES / "sec5_sd_jwt_issuance.txt",
        SD_JWT_VC_VECTORS / "from_sd_jwt_spec_appA3" / "sd_jwt_issuance.txt",
        SD_JWT_VC_VECTORS / "spec_examples" / "fig07_sd_jwt_vc_example.txt",
        SD_JWT_VC_VECTORS / "spec_examples" / "fig24_issued_sd_jwt.txt",
    ],
    ids=lambda p: p.name,
)
def test_issuance_with_vector_salts_reproduces_disclosures(
    path: Path, example_keys: dict[str, Any], issuer_public_jwk: dict[str, Any]
) -> None:
    vector = parse(_text(path))
    signed = unverified_payload(vector.issuer_jwt)
    disclosures = [parse_disclosure(d) for d in vector.disclosures]
    by_digest = {d.digest: d for d in disclosures}
    salts: dict[Any, str] = {}
    claims = _rebuild(signed, by_digest, (), salts)
    ours = parse(
        issue(
            claims,
            example_keys["issuer"],
            random=SeededRandom("unused"),
            salts=salts,
            typ=json.loads(base64.urlsafe_b64decode(vector.issuer_jwt.split(".")[0] + "==")).get(
                "typ"
            ),
        )
    )
    assert sorted(ours.disclosures) == sorted(vector.disclosures)
    assert unverified_payload(ours.issuer_jwt) == signed
    # Both verify to the same processed payload with the example issuer key.
    theirs = verify(vector.compact(), issuer_public_jwk, clock=KB_TIME)
    mine = verify(ours.compact(), example_keys["issuer_jwk"], clock=KB_TIME)
    assert mine.payload == theirs.payload


TESTCASES = sorted(
    p.parent.name for p in (SD_JWT_VECTORS / "testcases").glob("*/specification.yml")
)


@pytest.mark.parametrize("case", TESTCASES)
def test_reference_testcase_round_trip(
    case: str, yaml_cases: Any, example_keys: dict[str, Any], clock: FixedClock
) -> None:
    spec = yaml_cases.load_yaml(SD_JWT_VECTORS / "testcases" / case / "specification.yml")
    keys = spec.get("settings_override", {}).get("key_settings", {}).get("issuer_keys")
    issuer_jwks = keys or [example_keys["issuer_jwk"]]
    signers = [SoftwareSigner.from_jwk(jwk, "ES256") for jwk in issuer_jwks]
    holder = example_keys["holder"]
    key_binding = bool(spec.get("key_binding"))
    claims = yaml_cases.to_sd(spec["user_claims"])
    if key_binding:
        claims["cnf"] = {"jwk": holder.public_jwk}
    header = spec.get("extra_header_parameters")
    sd_jwt = issue(claims, signers[0], random=SeededRandom(case), header=header, decoys=1)
    serialization = spec.get("serialization_format", "compact")
    issued: Any = sd_jwt
    if serialization == "json":
        general = len(signers) > 1
        issued = to_json_serialization(sd_jwt, general=general)
        if general:
            issued["signatures"][0]["header"]["kid"] = issuer_jwks[0].get("kid")
            payload_bytes = base64.urlsafe_b64decode(issued["payload"] + "==")
            for signer, jwk in zip(signers[1:], issuer_jwks[1:], strict=True):
                extra = sign_json_flattened(
                    payload_bytes, signer, unprotected={"kid": jwk.get("kid")}
                )
                assert extra["payload"] == issued["payload"]
                issued["signatures"].append({k: v for k, v in extra.items() if k != "payload"})
    reveal = yaml_cases.reveal_paths(spec["holder_disclosed_claims"])
    kb = KeyBindingCheck(aud="https://example.com/verifier", nonce="1234567890")
    presentation = present(
        issued,
        reveal,
        holder_signer=holder if key_binding else None,
        aud=kb.aud,
        nonce=kb.nonce,
        clock=clock,
    )
    if serialization == "json":
        assert presentation.startswith("{")
    # Every issuer key verifies its own signature of a general JSON serialization.
    for jwk in issuer_jwks:
        result = verify(presentation, jwk, clock=clock, key_binding=kb if key_binding else None)
        payload = dict(result.payload)
        payload.pop("cnf", None)
        assert payload == spec["expect_verified_user_claims"]
        if header:
            assert result.header["kid"] == header["kid"]

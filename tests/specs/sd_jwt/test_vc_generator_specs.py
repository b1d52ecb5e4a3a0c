"""The SD-JWT VC draft's generator inputs (``yaml_specs``) through our SD-JWT VC issuer and verifier.

The draft's figures were produced from these specifications with random salts, so the
signed figures cannot be re-created byte for byte; what must match is the processed payload
the draft prints for each one (fig09, fig11, fig28), given the same keys, times and choices.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from specs.keys import SoftwareSigner
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import KeyBindingCheck, present
from specs.sd_jwt_vc import StaticIssuerKey, issue_sd_jwt_vc, verify_sd_jwt_vc

VC = Path(__file__).resolve().parents[2] / "vectors" / "sd_jwt_vc"
SETTINGS = yaml.safe_load((VC / "yaml_specs" / "settings.yml").read_text(encoding="utf-8"))
CASES = {
    "01": "fig09_verified_sd_jwt_payload_example.json",
    "02": "fig11_processed_sd_jwt_payload_example.json",
    "03-pid": "fig28_processed_sd_jwt_payload.json",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_generator_spec_yields_the_drafts_processed_payload(case: str, yaml_cases: Any) -> None:
    spec = yaml_cases.load_yaml(VC / "yaml_specs" / case / "specification.yml")
    expected = json.loads((VC / "spec_examples" / CASES[case]).read_text(encoding="utf-8"))
    keys = SETTINGS["key_settings"]
    issuer = SoftwareSigner.from_jwk(keys["issuer_key"], "ES256")
    holder = SoftwareSigner.from_jwk(keys["holder_key"], "ES256")
    iat = SETTINGS["iat"]
    clock = FixedClock(datetime.fromtimestamp(iat, UTC))
    claims = yaml_cases.to_sd(spec["user_claims"])
    vct = claims.pop("vct")
    iss = claims.pop("iss", SETTINGS["identifiers"]["issuer"])
    key_binding = bool(spec["key_binding"])
    issued = issue_sd_jwt_vc(
        claims,
        issuer,
        vct=vct,
        iss=iss,
        clock=clock,
        random=SeededRandom(case),
        holder_jwk=holder.public_jwk if key_binding else None,
        expires_in=expected["exp"] - iat,
        kid=spec.get("extra_header_parameters", {}).get("kid"),
        decoys=0 if spec.get("add_decoy_claims") is False else 2,
    )
    check = KeyBindingCheck(
        aud=SETTINGS["identifiers"]["verifier"], nonce=SETTINGS["key_binding_nonce"]
    )
    presentation = present(
        issued,
        yaml_cases.reveal_paths(spec["holder_disclosed_claims"]),
        holder_signer=holder if key_binding else None,
        aud=check.aud,
        nonce=check.nonce,
        clock=clock,
    )
    result = verify_sd_jwt_vc(
        presentation,
        issuer_keys=StaticIssuerKey(issuer.public_jwk, iss=iss),
        clock=clock,
        key_binding=check if key_binding else None,
    )
    assert result.payload == expected

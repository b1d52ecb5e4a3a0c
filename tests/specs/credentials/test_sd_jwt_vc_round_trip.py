"""A withholding slip issued as SD-JWT VC round-trips with every subset of disclosures."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.credentials import WITHHOLDING_SLIP_V1
from specs.credentials.constants import CLAIM_VCT, CLAIM_VCT_INTEGRITY
from specs.encoding import b64url_decode, b64url_encode
from specs.errors import DigestMismatch, ValidationError
from specs.keys import SoftwareSigner
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import KeyBindingCheck, present
from specs.sd_jwt_vc import StaticIssuerKey, issue_sd_jwt_vc, verify_sd_jwt_vc

EXAMPLES = json.loads((Path(__file__).parent / "valid_examples.json").read_text("utf-8"))
CLOCK = FixedClock(datetime(2026, 7, 1, 9, 0, 0, tzinfo=UTC))
ISSUER = SoftwareSigner.generate("ES256")
HOLDER = SoftwareSigner.generate("ES256")
ISS = "https://employer-a.example"
AUD = "https://employer-b.example"
REGISTERED = {"iss", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"}
FULL = EXAMPLES["withholding-slip"]
T = WITHHOLDING_SLIP_V1


def _present(claims: dict[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = claims
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


SD_PATHS = sorted(p for p in T.disclosable_paths() if _present(FULL, p))


def issue_slip(claims: dict[str, Any]) -> str:
    return issue_sd_jwt_vc(
        T.mark_disclosable(claims),
        ISSUER,
        vct=T.vct,
        vct_integrity=T.integrity(),
        iss=ISS,
        clock=CLOCK,
        random=SeededRandom(b"slip"),
        holder_jwk=HOLDER.public_jwk,
        expires_in=400 * 86400,
    )


ISSUED = issue_slip(FULL)


def expected_payload(
    claims: dict[str, Any], chosen: set[tuple[str, ...]], prefix: tuple[str, ...] = ()
) -> dict[str, Any]:
    """What a verifier sees: never-SD claims, the chosen claims with all below, their parents."""
    sd = T.disclosable_paths()
    out: dict[str, Any] = {}
    for key, value in claims.items():
        path = (*prefix, key)
        if path in sd:
            below_chosen = any(path[: len(c)] == c for c in chosen)
            above_chosen = any(c[: len(path)] == path for c in chosen)
            if not (below_chosen or above_chosen):
                continue
            if below_chosen:
                out[key] = copy.deepcopy(value)
                continue
        out[key] = expected_payload(value, chosen, path) if isinstance(value, dict) else value
    return out


def verify(presentation: str, nonce: str) -> dict[str, Any]:
    result = verify_sd_jwt_vc(
        presentation,
        issuer_keys=StaticIssuerKey(ISSUER.public_jwk, iss=ISS),
        clock=CLOCK,
        key_binding=KeyBindingCheck(aud=AUD, nonce=nonce),
        accepted_vcts={T.vct},
    )
    assert result.vct == T.vct
    assert result.payload[CLAIM_VCT_INTEGRITY] == T.integrity()
    for path in result.disclosed:
        assert tuple(p for p in path if isinstance(p, str)) in T.disclosable_paths()
    return {k: v for k, v in result.payload.items() if k not in REGISTERED}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.sets(st.sampled_from(SD_PATHS)),
    st.text(alphabet="abcdef0123456789", min_size=8, max_size=16),
)
def test_every_subset_of_disclosures_round_trips(chosen: set[tuple[str, ...]], nonce: str) -> None:
    presentation = present(
        ISSUED, list(chosen), holder_signer=HOLDER, aud=AUD, nonce=nonce, clock=CLOCK
    )
    assert verify(presentation, nonce) == expected_payload(FULL, chosen)


def test_no_disclosure_shows_only_issuer_type_and_year() -> None:
    shown = verify(
        present(ISSUED, [], holder_signer=HOLDER, aud=AUD, nonce="n1", clock=CLOCK), "n1"
    )
    assert shown == {
        "tax_year": 2026,
        "tax_year_era": "令和8年",
        "payer": FULL["payer"],
        "recipient": {},
    }


def test_full_disclosure_parses_back_into_the_slip() -> None:
    presentation = present(
        ISSUED, [(k,) for k in FULL], holder_signer=HOLDER, aud=AUD, nonce="n2", clock=CLOCK
    )
    shown = verify(presentation, "n2")
    assert shown == FULL
    assert T.parse(shown) == T.parse(FULL)


def test_every_personal_and_monetary_item_is_a_separate_disclosure() -> None:
    disclosures = ISSUED.split("~")[1:-1]
    # One disclosure per disclosable claim present in the credential, nothing bundled.
    assert len(disclosures) == len(SD_PATHS)


def test_partial_slip_fails_model_validation_not_silently() -> None:
    presentation = present(
        ISSUED, [("withheld_tax",)], holder_signer=HOLDER, aud=AUD, nonce="n3", clock=CLOCK
    )
    shown = verify(presentation, "n3")
    assert shown["withheld_tax"] == FULL["withheld_tax"]
    with pytest.raises(ValidationError) as caught:
        T.parse(shown)
    assert caught.value.claim_path == ("recipient", "address")


def test_a_changed_amount_is_rejected() -> None:
    jwt, disclosure, end = present(ISSUED, [("payment_amount",)]).split("~")
    salt, name, value = json.loads(b64url_decode(disclosure))
    forged = b64url_encode(json.dumps([salt, name, value + 1]).encode())
    with pytest.raises(DigestMismatch):
        verify_sd_jwt_vc(
            "~".join([jwt, forged, end]),
            issuer_keys=StaticIssuerKey(ISSUER.public_jwk),
            clock=CLOCK,
            require_key_binding=False,
        )


def test_vct_is_the_registered_one() -> None:
    result = verify_sd_jwt_vc(
        present(ISSUED, []),
        issuer_keys=StaticIssuerKey(ISSUER.public_jwk),
        clock=CLOCK,
        require_key_binding=False,
    )
    assert result.payload[CLAIM_VCT] == "https://honnin.example/credentials/withholding-slip/1"

"""The job change with the slip as a W3C VC (ecdsa-sd-2023): A issues ldp_vc, B verifies.

The real issuer app, wallet core and verifier app in-process (the ``tests/integration``
world). Negative cases post hand-made presentations built by the wallet's own
``present_ldp_vc`` and then altered, so B's pipeline is what refuses them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from issuer.w3c_issuance import ldp_vc_configuration_id
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.ports import FixedClock
from verifier.pipeline import PASSED, STEPS
from verifier.purposes import YEAR_END_ADJUSTMENT_LDP_VC
from wallet.constants import OUTCOME_DISCLOSED
from wallet.presenting import PendingPresentation, approve_all
from wallet.w3c_presentation import FORMAT_LDP_VC, present_ldp_vc

from .conftest import World, assert_refused, build_world


@pytest.fixture
def w3c_world(tmp_path: Path, clock: FixedClock) -> Iterator[World]:
    """A, B (also registered for the ldp_vc purpose) and a card-less wallet on SQLite."""
    with build_world(tmp_path, clock, extra_purposes=[YEAR_END_ADJUSTMENT_LDP_VC]) as w:
        yield w


def received_vc(world: World) -> str:
    """The wallet redeems an ldp_vc offer; return the stored credential id."""
    (received,) = world.receive(world.offer(credential_format="ldp_vc"))
    assert received.instances == 4
    assert received.credential.format == FORMAT_LDP_VC
    return received.credential.id


@dataclass(frozen=True)
class _Request:
    client_id: str
    nonce: str


def hand_made(world: World, pending: PendingPresentation, **changes: str) -> dict[str, Any]:
    """The VP the wallet would send for every shareable item, for another client_id/nonce."""
    (screen,) = pending.screens
    instance = world.wallet.store.instance_for(screen.credential.id, pending.verifier_id)
    assert instance is not None
    request = pending.verified.request
    target = _Request(
        client_id=changes.get("client_id", request.client_id),
        nonce=changes.get("nonce", request.nonce),
    )
    return present_ldp_vc(
        world.wallet,
        instance,
        screen.screen.shareable,
        target,  # type: ignore[arg-type]
        world.wallet.pseudonym(pending.verifier_id),
    )


def test_metadata_offers_the_slip_as_ldp_vc(w3c_world: World) -> None:
    metadata = w3c_world.issuer_metadata()
    config = metadata["credential_configurations_supported"][
        ldp_vc_configuration_id(WITHHOLDING_SLIP_V1.id)
    ]
    assert config["format"] == "ldp_vc"
    assert config["credential_definition"] == {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://honnin.example/contexts/credentials/v2",
        ],
        "type": ["VerifiableCredential", "WithholdingSlipCredential"],
    }
    assert config["cryptographic_binding_methods_supported"] == ["did:key"]
    assert config["credential_signing_alg_values_supported"] == ["ecdsa-sd-2023"]
    assert "vct" not in config
    paths = [c["path"] for c in config["credential_metadata"]["claims"]]
    assert ["credentialSubject", "payer", "name"] in paths


def test_w3c_job_change(w3c_world: World) -> None:
    world = w3c_world
    credential_id = received_vc(world)
    stored = world.wallet.store.credential(credential_id)
    assert stored.claims == world.slip_claims
    assert stored.vct == WITHHOLDING_SLIP_V1.vct

    request = world.hr_request("b", YEAR_END_ADJUSTMENT_LDP_VC)
    pending, outcome, entry = world.present(request["request_link"])
    (screen,) = pending.screens
    labels = {i.path: i.label for i in screen.screen.items}
    assert labels[("payment_amount",)] == "支払金額"
    assert outcome.outcome == OUTCOME_DISCLOSED
    assert entry["response_status"] == 200
    # The same hash-chained log as for SD-JWT VC.
    assert world.wallet.store.verify_log() >= 1

    result = world.hr_result("b", request["transaction_id"])
    assert result["outcome"] == "verified", result
    checks = {c["name"]: c["outcome"] for c in result["checks"]}
    assert all(checks[step] == PASSED for step in STEPS), checks
    claims = result["claims"]
    slip = world.slip_claims
    assert claims["payer/name"] == slip["payer"]["name"]
    assert claims["payment_amount"] == slip["payment_amount"]
    assert claims["mid_year_change/date"] == "2026-06-30"
    # Items the purpose does not ask for never reach B's result.
    assert "recipient/address" not in claims
    assert "recipient/birth_date" not in claims
    assert result["issuer"]["entity_id"] == "employer-a"
    assert result["pseudonym"] == world.wallet.pseudonym("employer-b")


def test_only_consented_items_leave_the_wallet(w3c_world: World) -> None:
    world = w3c_world
    received_vc(world)
    request = world.hr_request("b", YEAR_END_ADJUSTMENT_LDP_VC)
    pending = world.pending(request["request_link"])
    vp = hand_made(world, pending)
    subject = vp["verifiableCredential"][0]["credentialSubject"]
    assert "address" not in subject["recipient"]
    assert "birth_date" not in subject["recipient"]
    assert subject["id"].startswith("did:key:")
    assert vp["holder"] == subject["id"]
    assert vp["proof"]["challenge"] == pending.verified.request.nonce
    assert vp["proof"]["domain"] == pending.verified.request.client_id


def test_tampered_statement_fails_the_signature(w3c_world: World) -> None:
    world = w3c_world
    received_vc(world)
    request = world.hr_request("b", YEAR_END_ADJUSTMENT_LDP_VC)
    pending = world.pending(request["request_link"])
    vp = copy.deepcopy(hand_made(world, pending))
    vp["verifiableCredential"][0]["credentialSubject"]["payment_amount"] += 1
    world.post_vp_token(pending, vp)
    result = world.hr_result("b", request["transaction_id"])
    assert_refused(result, "signature", "invalid_signature")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"client_id": "x509_san_dns:verifier-c.example"}, "audience_mismatch"),
        ({"nonce": "a-nonce-of-another-transaction"}, "nonce_mismatch"),
    ],
)
def test_proof_for_another_domain_or_challenge_fails_key_binding(
    w3c_world: World, changes: dict[str, str], code: str
) -> None:
    world = w3c_world
    received_vc(world)
    request = world.hr_request("b", YEAR_END_ADJUSTMENT_LDP_VC)
    pending = world.pending(request["request_link"])
    world.post_vp_token(pending, hand_made(world, pending, **changes))
    result = world.hr_result("b", request["transaction_id"])
    assert_refused(result, "key_binding", code)


def test_revoked_vc_fails_the_status_step(w3c_world: World) -> None:
    world = w3c_world
    offer = world.offer(credential_format="ldp_vc")
    world.receive(offer)
    status, body = world.admin(f"/credentials/{offer['offer_id']}/revoke")
    assert status == 200, body
    request = world.hr_request("b", YEAR_END_ADJUSTMENT_LDP_VC)
    world.present(request["request_link"], approve_all)
    result = world.hr_result("b", request["transaction_id"])
    assert_refused(result, "status", "revoked")
    assert any("/w3c-status-lists/" in url for url in world.router.fetched)

"""The job change with the slip as an ISO mdoc: A issues mso_mdoc, the wallet consents, B verifies."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from issuer.mdoc_issuance import mdoc_configuration_id
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.credentials.constants import MDOC_DEVICE_NAMESPACE, MDOC_PSEUDONYM_ELEMENT
from specs.credentials.mdoc import mdoc_doctype
from specs.errors import ClaimPath
from specs.mdoc import decode_cbor, decode_device_response
from specs.mdoc.cbor import unembed
from specs.mdoc.model import parse_issuer_signed_item
from specs.ports import FixedClock
from verifier.pipeline import PASSED, STEPS
from verifier.purposes import YEAR_END_ADJUSTMENT_MDOC, purpose
from wallet.constants import OUTCOME_DISCLOSED
from wallet.mdoc_presentation import FORMAT_MSO_MDOC, present_mdoc
from wallet.presenting import PendingPresentation, approve_all, respond
from wallet.store import CredentialInstance
from wallet.transport import WalletHttp

from .conftest import World, assert_refused, build_world
from .test_job_change import leaves

NAMESPACE = WITHHOLDING_SLIP_V1.mdoc_namespace


@pytest.fixture
def mdoc_world(tmp_path: Path, clock: FixedClock) -> Iterator[World]:
    """A, B (also registered for the mdoc purpose) and a card-less wallet on SQLite."""
    with build_world(tmp_path, clock, extra_purposes=[YEAR_END_ADJUSTMENT_MDOC]) as w:
        yield w


def received_mdoc(world: World) -> str:
    """The wallet redeems an mdoc offer; return the stored credential id."""
    (received,) = world.receive(world.offer(credential_format="mso_mdoc"))
    assert received.instances == 4
    assert received.credential.format == FORMAT_MSO_MDOC
    return received.credential.id


def instance_for(world: World, pending: PendingPresentation) -> CredentialInstance:
    """The wallet's instance of the one requested credential kept for this verifier."""
    (screen,) = pending.screens
    instance = world.wallet.store.instance_for(screen.credential.id, pending.verifier_id)
    assert instance is not None
    return instance


def hand_made(
    world: World,
    pending: PendingPresentation,
    *,
    instance: CredentialInstance | None = None,
    elements: Sequence[ClaimPath] | None = None,
    pseudonym: str | None = None,
) -> str:
    """The DeviceResponse the wallet's own ``present_mdoc`` builds for a pending request: by
    default every shareable element, the instance kept for this verifier, its pseudonym."""
    (screen,) = pending.screens
    return present_mdoc(
        world.wallet,
        screen.credential,
        instance or instance_for(world, pending),
        screen.screen.shareable if elements is None else elements,
        pending.verified.request,
        world.wallet.pseudonym(pending.verifier_id) if pseudonym is None else pseudonym,
    )


def elements_sent(token: str) -> dict[str, set[str]]:
    """The issuer-signed element identifiers inside a vp_token entry."""
    response = decode_device_response(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    (document,) = response.documents
    return {
        ns: {parse_issuer_signed_item(item).element_identifier for item in items}
        for ns, items in document.issuer_signed.namespaces.items()
    }


def test_metadata_offers_the_slip_as_mdoc(mdoc_world: World) -> None:
    configs = mdoc_world.issuer_metadata()["credential_configurations_supported"]
    config = configs[mdoc_configuration_id(WITHHOLDING_SLIP_V1.id)]
    assert config["format"] == "mso_mdoc"
    assert config["doctype"] == "jp.honnin.withholding_slip.1"
    assert config["credential_signing_alg_values_supported"] == [-7]
    assert config["cryptographic_binding_methods_supported"] == ["cose_key"]
    sd_jwt = configs["withholding-slip-sd-jwt"]
    assert config["proof_types_supported"] == sd_jwt["proof_types_supported"]
    claims = {tuple(c["path"]): c for c in config["credential_metadata"]["claims"]}
    assert claims[(NAMESPACE, "payer_name")]["display"][0] == {
        "name": "氏名又は名称",
        "locale": "ja-JP",
    }
    assert (NAMESPACE, "mid_year_change_date") in claims


def test_mdoc_job_change(mdoc_world: World) -> None:
    world = mdoc_world
    credential_id = received_mdoc(world)
    stored = world.wallet.store.credential(credential_id)
    assert stored.vct == mdoc_doctype(WITHHOLDING_SLIP_V1)
    assert stored.claims == world.slip_claims

    request = world.hr_request("b", YEAR_END_ADJUSTMENT_MDOC)
    pending, outcome, entry = world.present(request["request_link"])
    (screen,) = pending.screens
    labels = {i.path: i.label for i in screen.screen.items}
    assert labels[("payment_amount",)] == "支払金額"
    assert outcome.outcome == OUTCOME_DISCLOSED
    assert entry["response_status"] == 200

    result = world.hr_result("b", request["transaction_id"])
    assert result["outcome"] == "verified", result
    checks = {c["name"]: c["outcome"] for c in result["checks"]}
    assert set(checks) >= {*STEPS, "dcql_satisfied"}
    assert set(checks.values()) == {PASSED}, result["checks"]
    status_check = next(c for c in result["checks"] if c["name"] == "status")
    assert "/status-lists/" in status_check["detail"]

    disclosed = outcome.disclosed[screen.query_id]
    assert set(disclosed) <= set(purpose(YEAR_END_ADJUSTMENT_MDOC).requested_paths)
    expected: dict[str, Any] = {}
    for path in disclosed:
        expected.update(leaves(world.slip_claims, path))
    assert result["claims"] == expected
    assert "recipient/address" not in result["claims"]
    assert result["claims"]["mid_year_change/date"] == "2026-06-30"
    assert result["issuer"]["entity_id"] == "employer-a"
    assert result["pseudonym"] == world.wallet.pseudonym("employer-b")

    assert world.wallet.store.verify_log() == 1
    (logged,) = list(world.wallet.store.log())
    assert logged.entry["credentials"][0]["type"] == WITHHOLDING_SLIP_V1.id


def test_element_not_consented_is_not_sent(mdoc_world: World) -> None:
    world = mdoc_world
    received_mdoc(world)
    request = world.hr_request("b", YEAR_END_ADJUSTMENT_MDOC)
    pending = world.pending(request["request_link"])
    (screen,) = pending.screens
    approved = {
        screen.query_id: [p for p in screen.screen.shareable if p != ("social_insurance_premiums",)]
    }
    token = hand_made(world, pending, elements=approved[screen.query_id])
    sent = elements_sent(token)[NAMESPACE]
    assert "social_insurance_premiums" not in sent
    assert "recipient_address" not in sent
    assert "payment_amount" in sent

    # Through the real respond path: B verifies without the withheld item (a smaller set).
    outcome = respond(world.wallet, pending, approved)
    world.send(outcome)
    result = world.hr_result("b", request["transaction_id"])
    assert result["outcome"] == "verified", result
    assert "social_insurance_premiums" not in result["claims"]
    assert "payment_amount" in result["claims"]


def test_device_auth_with_another_key_fails_key_binding(mdoc_world: World) -> None:
    world = mdoc_world
    received_mdoc(world)
    request = world.hr_request("b", YEAR_END_ADJUSTMENT_MDOC)
    pending = world.pending(request["request_link"])
    instance = instance_for(world, pending)
    (other,) = world.wallet.keys.generate(1)
    forged = CredentialInstance(instance.id, instance.credential, str(other["kid"]))
    world.post_vp_token(pending, hand_made(world, pending, instance=forged))
    result = world.hr_result("b", request["transaction_id"])
    assert_refused(result, "key_binding", "invalid_signature")
    checks = {c["name"]: c["outcome"] for c in result["checks"]}
    assert checks["signature"] == PASSED
    assert checks["status"] == PASSED


def test_transcript_of_another_session_fails_key_binding(mdoc_world: World) -> None:
    world = mdoc_world
    received_mdoc(world)
    first = world.hr_request("b", YEAR_END_ADJUSTMENT_MDOC)
    second = world.hr_request("b", YEAR_END_ADJUSTMENT_MDOC)
    pending_first = world.pending(first["request_link"])
    pending_second = world.pending(second["request_link"])
    # DeviceAuth over the first session's transcript, answered to the second transaction.
    world.post_vp_token(pending_second, hand_made(world, pending_first))
    result = world.hr_result("b", second["transaction_id"])
    assert_refused(result, "key_binding", "invalid_signature")


def test_replayed_mdoc_response_is_refused(mdoc_world: World) -> None:
    world = mdoc_world
    received_mdoc(world)
    request = world.hr_request("b", YEAR_END_ADJUSTMENT_MDOC)
    pending = world.pending(request["request_link"])
    outcome = respond(world.wallet, pending, approve_all(pending))
    assert world.send(outcome)["response_status"] == 200
    assert outcome.submission is not None

    async def again(client: Any) -> int:
        assert outcome.submission is not None
        reply = await WalletHttp(client).post_form(
            outcome.submission.response_uri, outcome.submission.form
        )
        return reply.status

    assert world.run(again) >= 400
    assert world.hr_result("b", request["transaction_id"])["outcome"] == "verified"


def test_revoked_mdoc_fails_the_status_step(mdoc_world: World) -> None:
    world = mdoc_world
    offer = world.offer(credential_format="mso_mdoc")
    world.receive(offer)
    status, body = world.admin(f"/credentials/{offer['offer_id']}/revoke")
    assert status == 200, body
    request = world.hr_request("b", YEAR_END_ADJUSTMENT_MDOC)
    world.present(request["request_link"])
    result = world.hr_result("b", request["transaction_id"])
    assert_refused(result, "status", "revoked")


def test_pseudonym_is_device_signed(mdoc_world: World) -> None:
    world = mdoc_world
    received_mdoc(world)
    request = world.hr_request("b", YEAR_END_ADJUSTMENT_MDOC)
    pending = world.pending(request["request_link"])
    token = hand_made(world, pending, pseudonym="someone-else")
    response = decode_device_response(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    (document,) = response.documents
    assert document.device_signed is not None
    device = unembed(document.device_signed.namespaces, what="DeviceNameSpacesBytes")
    assert device == {MDOC_DEVICE_NAMESPACE: {MDOC_PSEUDONYM_ELEMENT: "someone-else"}}
    assert decode_cbor(document.to_cbor())["docType"] == mdoc_doctype(WITHHOLDING_SLIP_V1)

"""After the first disclosure: revocation, re-issue, over-asking and unlinkability across roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from specs.credentials import WITHHOLDING_SLIP_V1
from specs.dcql import parse_dcql_query
from specs.errors import Revoked
from specs.openid4vp import PresentationContext, VerifiedPresentation
from specs.ports import FixedClock
from specs.sd_jwt import parse
from verifier import purposes
from verifier.pipeline import FAILED, NOT_RUN, PASSED, STEP_KEY_BINDING, STEP_STATUS, StepLog
from verifier.purposes import SLIP_QUERY_ID, YEAR_END_ADJUSTMENT, Purpose
from verifier.status import DEFAULT_REFRESH_SECONDS
from wallet.consent import ItemStatus
from wallet.constants import OUTCOME_DISCLOSED, STATUS_SUPERSEDED, STATUS_VALID
from wallet.presenting import PendingPresentation

from .conftest import World, build_world, year_end_items


def share_with(world: World, key: str = "b") -> tuple[dict[str, Any], dict[str, Any]]:
    """B (or C) asks, the wallet approves everything shareable; return request and result."""
    request = world.hr_request(key)
    world.present(request["request_link"])
    return request, world.hr_result(key, request["transaction_id"])


def test_revocation_at_a_fails_bs_next_verification_at_the_status_step(world: World) -> None:
    offer = world.offer()
    (received,) = world.receive(offer)
    _, first = share_with(world)
    assert first["outcome"] == "verified", first
    status_uris = [u for u in world.router.fetched if "/status-lists/" in u]
    assert len(status_uris) == 1  # B fetched A's list through the transport

    status, change = world.admin(f"/credentials/{offer['offer_id']}/revoke")
    assert status == 200, change
    assert len(change["credential_ids"]) == received.instances
    # B re-fetches once its cached copy is due (draft-ietf-oauth-status-list section 13.7).
    world.clock.advance(DEFAULT_REFRESH_SECONDS + 1)

    _, second = share_with(world)
    assert second["outcome"] == "failed", second
    assert second["reason"]["check"] == STEP_STATUS
    assert second["reason"]["code"] == Revoked.code
    outcomes = {c["name"]: c["outcome"] for c in second["checks"]}
    assert outcomes[STEP_STATUS] == FAILED
    assert outcomes[STEP_KEY_BINDING] == NOT_RUN
    assert second["claims"] == {}
    assert [u for u in world.router.fetched if "/status-lists/" in u] == status_uris * 2


def test_suspension_holds_b_at_the_status_step_until_a_resumes(world: World) -> None:
    offer = world.offer()
    world.receive(offer)
    assert share_with(world)[1]["outcome"] == "verified"
    results = []
    for action in ("suspend", "resume"):
        status, change = world.admin(f"/credentials/{offer['offer_id']}/{action}")
        assert status == 200, change
        world.clock.advance(DEFAULT_REFRESH_SECONDS + 1)
        results.append(share_with(world)[1])
    suspended, resumed = results
    assert suspended["outcome"] == "failed", suspended
    assert suspended["reason"]["check"] == STEP_STATUS
    assert "SUSPENDED" in suspended["reason"]["detail"]
    assert resumed["outcome"] == "verified", resumed


def test_reissue_supersedes_the_old_slip_and_b_sees_the_correction(world: World) -> None:
    offer = world.offer()
    (old,) = world.receive(offer)
    corrected = {**world.slip_claims, "withheld_tax": world.slip_claims["withheld_tax"] + 1200}
    status, reissued = world.admin(
        f"/credentials/{offer['offer_id']}/reissue", {"claims": corrected, "by_reference": True}
    )
    assert "credential_offer_uri=" in reissued["offer_uri"]
    assert status == 201, reissued
    assert reissued["revoked"]["offer_id"] == offer["offer_id"]

    (new,) = world.receive(reissued)
    assert new.superseded == (old.credential.id,)
    assert world.wallet.store.credential(old.credential.id).status == STATUS_SUPERSEDED
    assert world.wallet.store.credential(new.credential.id).status == STATUS_VALID

    # B is answered from the corrected slip; the superseded one is no longer offered.
    request = world.hr_request("b")
    pending = world.pending(request["request_link"])
    assert [s.credential.id for s in pending.screens] == [new.credential.id]
    world.present(request["request_link"])
    result = world.hr_result("b", request["transaction_id"])
    assert result["outcome"] == "verified", result
    assert result["claims"]["withheld_tax"] == corrected["withheld_tax"]


# Items B is NOT registered for; the slip holds them, so the wallet's DCQL match asks for them.
OVER_ASKED = (("recipient", "address"), ("recipient", "birth_date"))


def over_asking_purpose() -> Purpose:
    """B's year-end purpose with two extra recipient items in its first claim set."""
    registered = [tuple(p) for p in year_end_items()]
    ids = {p: "_".join(map(str, p)) for p in (*registered, *OVER_ASKED)}
    core = [ids[p] for p in registered[:8]]
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": SLIP_QUERY_ID,
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [WITHHOLDING_SLIP_V1.vct]},
                    "claims": [{"id": ids[p], "path": list(p)} for p in ids],
                    "claim_sets": [[*core, *(ids[p] for p in OVER_ASKED)], core],
                }
            ]
        }
    )
    return Purpose(YEAR_END_ADJUSTMENT, "年末調整", "year-end", WITHHOLDING_SLIP_V1, query)


def approve_everything(pending: PendingPresentation) -> dict[str, list[Any]]:
    """The person taps "yes" on every item, including the ones the wallet refuses."""
    return {s.query_id: [i.path for i in s.screen.items] for s in pending.screens}


def test_over_asking_is_refused_by_the_wallet_even_with_consent(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # B misbehaves: it skips its own registration check and asks beyond the trust list.
    service = world.verifier_app("b").state.service
    monkeypatch.setattr(service, "check_registration", lambda chosen: None)
    monkeypatch.setitem(purposes.PURPOSES, YEAR_END_ADJUSTMENT, over_asking_purpose())
    world.receive(world.offer())

    request = world.hr_request("b")
    pending, outcome, _ = world.present(request["request_link"], approve_everything)
    (screen,) = pending.screens
    statuses = {i.path: i.status for i in screen.screen.items}
    for path in OVER_ASKED:
        assert statuses[path] is ItemStatus.NOT_REGISTERED
    assert outcome.outcome == OUTCOME_DISCLOSED
    assert not set(OVER_ASKED) & set(outcome.disclosed[screen.query_id])

    result = world.hr_result("b", request["transaction_id"])
    assert result["outcome"] == "verified", result
    for path in OVER_ASKED:
        assert "/".join(path) not in result["claims"]
    assert "payment_amount" in result["claims"]
    (logged,) = list(world.wallet.store.log())
    withheld = logged.entry["credentials"][0]["withheld"]
    assert withheld == {"/".join(p): "not_registered" for p in OVER_ASKED}


@pytest.fixture
def two_verifiers(tmp_path: Path, clock: FixedClock) -> Iterator[World]:
    """A, B, C and a card-less wallet; B and C are both registered for the year-end items."""
    with build_world(tmp_path, clock, verifier_keys=("b", "c")) as w:
        yield w


def record_presentations(world: World, key: str, seen: list[str]) -> None:
    """Let verifier ``key``'s pipeline note every presentation it receives (then verify it)."""
    pipeline = world.verifier_app(key).state.service.pipeline
    verify = pipeline.verify

    def recording(context: PresentationContext, log: StepLog) -> VerifiedPresentation:
        assert isinstance(context.presentation, str)
        seen.append(context.presentation)
        return verify(context, log)

    pipeline.verify = recording


def test_two_verifiers_get_different_instances_and_pseudonyms(two_verifiers: World) -> None:
    world = two_verifiers
    world.receive(world.offer())
    seen: dict[str, list[str]] = {"b": [], "c": []}
    for key in seen:
        record_presentations(world, key, seen[key])
    results = {key: share_with(world, key)[1] for key in seen}
    for result in results.values():
        assert result["outcome"] == "verified", result
        assert {c["outcome"] for c in result["checks"]} == {PASSED}
    (at_b,), (at_c,) = seen["b"], seen["c"]
    b, c = parse(at_b), parse(at_c)
    # Different issuer signatures, holder keys and salts: nothing to join the two on.
    assert b.issuer_jwt != c.issuer_jwt
    assert not set(b.disclosures) & set(c.disclosures)
    assert results["b"]["pseudonym"] != results["c"]["pseudonym"]
    assert results["b"]["pseudonym"] == world.wallet.pseudonym("employer-b")
    assert results["c"]["pseudonym"] == world.wallet.pseudonym("employer-c")
    # The same verifier asking again sees its own instance and pseudonym again.
    _, again = share_with(world, "b")
    assert again["pseudonym"] == results["b"]["pseudonym"]
    assert parse(seen["b"][1]).issuer_jwt == b.issuer_jwt

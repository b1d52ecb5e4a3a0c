"""How B handles the wallet's other answers: a refusal, a replayed response, plain direct_post."""

from __future__ import annotations

from pathlib import Path

from specs.ports import FixedClock
from verifier.pipeline import PASSED
from wallet.constants import OUTCOME_DECLINED
from wallet.presenting import respond

from .conftest import World, build_world


def test_declining_sends_access_denied_and_b_records_the_wallet_error(world: World) -> None:
    world.receive(world.offer())
    request = world.hr_request("b")
    pending = world.pending(request["request_link"])
    outcome = respond(world.wallet, pending, None)
    assert outcome.outcome == OUTCOME_DECLINED
    entry = world.send(outcome)
    assert entry["response_status"] == 200
    result = world.hr_result("b", request["transaction_id"])
    assert result["outcome"] == "wallet_error", result
    assert result["reason"]["error"] == "access_denied"
    assert result["claims"] == {}
    assert "pseudonym" not in result


def test_a_replayed_response_is_refused_and_the_first_result_stands(world: World) -> None:
    world.receive(world.offer())
    request = world.hr_request("b")
    _, outcome, entry = world.present(request["request_link"])
    assert entry["response_status"] == 200
    first = world.hr_result("b", request["transaction_id"])
    assert first["outcome"] == "verified", first
    again = world.send(outcome)
    assert again["response_status"] == 409  # Replay: the transaction was claimed once
    assert world.hr_result("b", request["transaction_id"]) == first


def test_plain_direct_post_between_the_real_roles(tmp_path: Path, clock: FixedClock) -> None:
    world = build_world(tmp_path, clock, response_mode="direct_post")
    try:
        world.receive(world.offer())
        request = world.hr_request("b")
        _, outcome, _ = world.present(request["request_link"])
        assert outcome.submission is not None
        assert "vp_token" in outcome.submission.form  # sent in the clear, as B asked
        result = world.hr_result("b", request["transaction_id"])
        assert result["outcome"] == "verified", result
        assert {c["outcome"] for c in result["checks"]} == {PASSED}
    finally:
        world.close()

"""Receive from a real issuer, present to a real verifier, over httpx in-process."""

from __future__ import annotations

from typing import Any

import pytest

from specs.errors import ValidationError
from specs.openid4vp import VerifiedRequest
from wallet.constants import OUTCOME_DECLINED, OUTCOME_DISCLOSED, STATUS_SUPERSEDED
from wallet.presenting import (
    Outcome,
    PendingPresentation,
    approve_all,
    approve_names,
    deliver,
    fetch_request,
    prepare,
    respond,
    verify_incoming,
)
from wallet.receiving import Received, receive
from wallet.transport import WalletHttp

from .conftest import World


def receive_slip(world: World, *, tx: bool = True) -> list[Received]:
    link, code = world.issuer.offer(tx=tx)
    return world.run(lambda http: receive(world.wallet, http, link, tx_code=code))


def pending_for(world: World, link: str) -> PendingPresentation:
    async def step(http: WalletHttp) -> PendingPresentation:
        request_link, request_object = await fetch_request(http, link)
        trust = world.wallet.trust_list()
        verified: VerifiedRequest = verify_incoming(
            world.wallet, request_link, request_object, trust
        )
        return prepare(world.wallet, verified, trust)

    return world.run(step)


def send(world: World, outcome: Outcome) -> dict[str, Any]:
    return world.run(lambda http: deliver(world.wallet, http, outcome))


def test_receive_stores_a_batch_and_notifies(world: World) -> None:
    (got,) = receive_slip(world)
    assert got.instances == 4
    assert got.notified
    assert world.issuer.notifications == ["credential_accepted"]
    stored = world.wallet.store.credential(got.credential.id)
    assert stored.type_id == "withholding-slip"
    assert stored.claims["payment_amount"] == world.issuer.slip_claims["payment_amount"]
    assert "cnf" not in stored.claims
    assert world.wallet.store.instances_left(stored.id) == 4
    assert len(world.wallet.keys.public_jwks()) == 4


def test_wrong_tx_code_is_refused_and_nothing_stored(world: World) -> None:
    link, code = world.issuer.offer()
    assert code is not None
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    with pytest.raises(ValidationError):
        world.run(lambda http: receive(world.wallet, http, link, tx_code=wrong))
    assert world.wallet.store.credentials() == []


def test_reissue_supersedes_the_old_credential(world: World) -> None:
    (first,) = receive_slip(world)
    (second,) = receive_slip(world)
    assert second.superseded == (first.credential.id,)
    assert world.wallet.store.credential(first.credential.id).status == STATUS_SUPERSEDED


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
def test_present_only_consented_items_with_pseudonym(
    world: World, mode: str, request: pytest.FixtureRequest
) -> None:
    if mode == "direct_post":
        from .conftest import make_verifier

        world.verifier = make_verifier(request.getfixturevalue("pki"), world.clock, mode=mode)
    receive_slip(world)
    pending = pending_for(world, world.verifier.ask())
    assert pending.verifier_name == "株式会社ビー"  # from the trust list
    assert pending.purpose == "年末調整"
    (item,) = pending.screens
    labels = {i.path: i.label for i in item.screen.items}
    assert labels[("payment_amount",)] == "支払金額"
    outcome = respond(
        world.wallet, pending, approve_names(pending, ["payment_amount", "withheld_tax"])
    )
    assert outcome.outcome == OUTCOME_DISCLOSED
    entry = send(world, outcome)
    assert entry["response_status"] == 200
    (result,) = world.verifier.results
    # the person did not approve the address: the verifier's DCQL check fails on it, but the
    # wallet sent only what was consented
    claims = result.presentations["slip"][0].presented.claims if result.presentations else None
    pseudonym = world.wallet.pseudonym("employer-b")
    assert world.verifier.pseudonyms == [pseudonym]
    if claims is not None:
        assert "recipient" not in claims
    log = list(world.wallet.store.log())
    assert log[-1].entry["outcome"] == OUTCOME_DISCLOSED
    assert log[-1].entry["credentials"][0]["items"] == ["payment_amount", "withheld_tax"]
    assert log[-1].entry["pseudonym"] == pseudonym
    assert world.wallet.store.verify_log() == 1


def test_full_consent_is_accepted_by_the_verifier(world: World) -> None:
    receive_slip(world)
    pending = pending_for(world, world.verifier.ask())
    outcome = respond(world.wallet, pending, approve_all(pending))
    send(world, outcome)
    (result,) = world.verifier.results
    assert result.ok, result.to_json()
    assert (
        result.claims["slip"][0][("payment_amount",)] == world.issuer.slip_claims["payment_amount"]
    )


def test_instances_unlinkable_and_pseudonym_rotates_on_unlink(world: World) -> None:
    receive_slip(world)
    outcome = respond(world.wallet, p := pending_for(world, world.verifier.ask()), approve_all(p))
    send(world, outcome)
    again = respond(world.wallet, p2 := pending_for(world, world.verifier.ask()), approve_all(p2))
    send(world, again)
    assert world.verifier.pseudonyms[0] == world.verifier.pseudonyms[1]
    # the same verifier sees the same instance; three stay for other verifiers
    (cred,) = world.wallet.store.credentials()
    assert world.wallet.store.instances_left(cred.id) == 3
    world.wallet.store.set_rule("employer-b", "year_end_tax_adjustment", "remember")
    epoch, dropped = world.wallet.unlink("employer-b")
    assert (epoch, dropped) == (1, 1)
    third = respond(world.wallet, p3 := pending_for(world, world.verifier.ask()), approve_all(p3))
    send(world, third)
    assert world.verifier.pseudonyms[2] != world.verifier.pseudonyms[0]


def test_decline_sends_access_denied_at_once(world: World) -> None:
    receive_slip(world)
    pending = pending_for(world, world.verifier.ask())
    outcome = respond(world.wallet, pending, None)
    assert outcome.outcome == OUTCOME_DECLINED
    assert "access_denied" in outcome.message
    send(world, outcome)
    (result,) = world.verifier.results
    assert not result.ok
    assert result.wallet_error is not None
    assert result.wallet_error.error == "access_denied"
    assert world.verifier.pseudonyms == []
    (entry,) = list(world.wallet.store.log())
    assert entry.entry["outcome"] == OUTCOME_DECLINED
    assert entry.entry["credentials"][0]["items"] == []


def test_deny_rule_declines_without_asking(world: World) -> None:
    receive_slip(world)
    world.wallet.store.set_rule("employer-b", "year_end_tax_adjustment", "deny")
    pending = pending_for(world, world.verifier.ask())
    outcome = respond(world.wallet, pending, approve_all(pending))
    assert outcome.outcome == OUTCOME_DECLINED
    send(world, outcome)
    assert world.verifier.results[0].wallet_error is not None


def test_batch_exhaustion_asks_for_refill(world: World) -> None:
    link, code = world.issuer.offer()
    world.run(lambda http: receive(world.wallet, http, link, tx_code=code, batch_size=1))
    pending = pending_for(world, world.verifier.ask())
    outcome = respond(world.wallet, pending, approve_all(pending))
    assert outcome.refill  # the only instance is now bound to employer B

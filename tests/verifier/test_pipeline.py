"""The verification pipeline through VerifierService: the happy path and every negative case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from specs.errors import LimitExceeded, MalformedInput, NotFound, PolicyViolation, Replay
from specs.keys import SoftwareSigner
from specs.openid4vp import build_error_response
from specs.trustlist import constants as c

from .conftest import SLIP_PATHS, World, holder_answer, wallet_verify

HOLDER = SoftwareSigner.generate("ES256")


def _request(world: World, service: Any) -> tuple[Any, Any]:
    created = service.create_request("year-end-adjustment", session_hash="s")
    verified = wallet_verify(
        world, created.request_link, service.request_object(created.transaction_id)
    )
    return created, verified


def _checks(result: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["outcome"] for c in result["checks"]}


def _failed(result: dict[str, Any]) -> dict[str, Any]:
    assert result["outcome"] == "failed", result
    return next(c for c in result["checks"] if c["outcome"] == "failed")


def test_full_pipeline_verifies_and_keeps_only_requested_items(world: World) -> None:
    service = world.service()
    created, verified = _request(world, service)
    assert created.request_link.startswith("openid4vp://?client_id=x509_hash%3A")
    assert verified.request.client_id == world.client_id
    credential = world.credential(HOLDER)
    extra = [*SLIP_PATHS, ("recipient", "address"), ("recipient", "birth_date")]
    post = holder_answer(world, verified, credential, HOLDER, paths=extra, pseudonym="pw-123")
    assert set(post.form) == {"response"}  # direct_post.jwt: encrypted
    result = service.accept(post.form)
    assert result["outcome"] == "verified", result
    assert all(c["outcome"] == "passed" for c in result["checks"]), result["checks"]
    assert list(_checks(result)) == [
        "transaction_single_use",
        "transaction_fresh",
        "response_encrypted",
        "well_formed",
        "issuer_trusted",
        "signature",
        "validity",
        "status",
        "key_binding",
        "schema",
        "dcql_satisfied",
    ]
    claims = result["claims"]
    assert claims["payment_amount"] > 0
    assert claims["payer/corporate_number"]
    assert claims["mid_year_change/kind"] == "leave"
    # Extra disclosed items are dropped, not stored.
    assert "recipient/address" not in claims
    assert "recipient/birth_date" not in claims
    stored = service.result(created.transaction_id, "s")
    assert stored == result
    assert "address" not in str(service.repository.audit_records())
    assert result["issuer"]["name"]["ja"] == "株式会社エー"
    assert result["pseudonym"] == "pw-123"


def test_result_bound_to_the_creating_session(world: World) -> None:
    service = world.service()
    created = service.create_request("year-end-adjustment", session_hash="mine")
    with pytest.raises(NotFound):
        service.result(created.transaction_id, "someone-else")
    assert service.result(created.transaction_id, "mine")["outcome"] == "pending"


def test_replayed_response_refused(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    post = holder_answer(world, verified, world.credential(HOLDER), HOLDER)
    assert service.accept(post.form)["outcome"] == "verified"
    with pytest.raises(Replay):
        service.accept(post.form)


def test_nonce_of_another_transaction(world: World) -> None:
    service = world.service()
    first, _ = _request(world, service)
    _, verified = _request(world, service)
    other_nonce = service.repository.transaction(first.transaction_id).nonce
    post = holder_answer(world, verified, world.credential(HOLDER), HOLDER, nonce=other_nonce)
    failed = _failed(service.accept(post.form))
    assert (failed["name"], failed["code"]) == ("key_binding", "nonce_mismatch")


def test_kb_jwt_for_another_audience(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    post = holder_answer(
        world, verified, world.credential(HOLDER), HOLDER, aud="x509_san_dns:other.example"
    )
    result = service.accept(post.form)
    failed = _failed(result)
    assert (failed["name"], failed["code"]) == ("key_binding", "audience_mismatch")
    assert _checks(result)["schema"] == "not_run"
    assert _checks(result)["dcql_satisfied"] == "failed"
    assert result["claims"] == {}


def test_kb_jwt_too_old(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    post = holder_answer(world, verified, world.credential(HOLDER), HOLDER)
    world.clock.advance(400)  # past kb_max_age_seconds + leeway, within the transaction TTL
    failed = _failed(service.accept(post.form))
    assert (failed["name"], failed["code"]) == ("key_binding", "expired")


def test_revoked_credential(world: World) -> None:
    world.status.status_list.set(3, 1)
    service = world.service()
    _, verified = _request(world, service)
    failed = _failed(
        service.accept(holder_answer(world, verified, world.credential(HOLDER), HOLDER).form)
    )
    assert (failed["name"], failed["code"]) == ("status", "revoked")


def test_stale_status_list(world: World) -> None:
    world.status.issued_at = world.clock.now() - timedelta(days=3)
    service = world.service()
    _, verified = _request(world, service)
    failed = _failed(
        service.accept(holder_answer(world, verified, world.credential(HOLDER), HOLDER).form)
    )
    assert (failed["name"], failed["code"]) == ("status", "stale_data")


def test_status_list_cached_then_stale_when_issuer_unreachable(world: World) -> None:
    service = world.service()
    credential = world.credential(HOLDER)
    _, verified = _request(world, service)
    assert (
        service.accept(holder_answer(world, verified, credential, HOLDER).form)["outcome"]
        == "verified"
    )
    assert world.status.hits == 1
    _, verified = _request(world, service)
    assert (
        service.accept(holder_answer(world, verified, credential, HOLDER).form)["outcome"]
        == "verified"
    )
    assert world.status.hits == 1  # served from the cache within its ttl
    world.status.down = True
    world.clock.advance(120)  # ttl passed: refetch fails, the cached copy is still young enough
    _, verified = _request(world, service)
    assert (
        service.accept(holder_answer(world, verified, credential, HOLDER).form)["outcome"]
        == "verified"
    )
    world.clock.advance(25 * 3600)  # beyond the staleness bound
    credential = world.credential(HOLDER)
    world.publish()
    _, verified = _request(world, service)
    failed = _failed(service.accept(holder_answer(world, verified, credential, HOLDER).form))
    assert (failed["name"], failed["code"]) == ("status", "stale_data")


def test_issuer_not_authorised_for_the_type(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    credential = world.credential(HOLDER, issuer=world.other)
    failed = _failed(service.accept(holder_answer(world, verified, credential, HOLDER).form))
    assert (failed["name"], failed["code"]) == ("issuer_trusted", "policy_violation")


def test_withdrawn_issuer(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    # Issued after the withdrawal (30 days ago): refused.
    credential = world.credential(HOLDER, issuer=world.withdrawn)
    failed = _failed(service.accept(holder_answer(world, verified, credential, HOLDER).form))
    assert (failed["name"], failed["code"]) == ("issuer_trusted", "untrusted_issuer")


def test_issued_before_withdrawal_is_judged_at_issuance(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    credential = world.credential(
        HOLDER,
        issuer=world.withdrawn,
        issued_at=world.clock.now() - timedelta(days=60),
        status_idx=None,
    )
    result = service.accept(holder_answer(world, verified, credential, HOLDER).form)
    assert result["outcome"] == "verified", result
    assert result["issuer"]["entity_id"] == "employer-w"


def test_unknown_issuer(world: World) -> None:
    from .conftest import make_issuer

    service = world.service()
    _, verified = _request(world, service)
    credential = world.credential(
        HOLDER, issuer=make_issuer("stranger", "https://stranger.example")
    )
    failed = _failed(service.accept(holder_answer(world, verified, credential, HOLDER).form))
    assert (failed["name"], failed["code"]) == ("issuer_trusted", "untrusted_issuer")


def test_missing_required_claim(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    paths = [p for p in SLIP_PATHS if p != ("withheld_tax",)]
    result = service.accept(
        holder_answer(world, verified, world.credential(HOLDER), HOLDER, paths=paths).form
    )
    failed = _failed(result)
    assert failed["name"] == "dcql_satisfied"
    assert _checks(result)["schema"] == "passed"


def test_expired_credential(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    credential = world.credential(
        HOLDER, expires_in=3600, issued_at=world.clock.now() - timedelta(days=2)
    )
    result = service.accept(holder_answer(world, verified, credential, HOLDER).form)
    failed = _failed(result)
    assert (failed["name"], failed["code"]) == ("validity", "expired")
    assert _checks(result)["signature"] == "passed"


def test_forged_disclosure_fails_signature(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    other_holder = SoftwareSigner.generate("ES256")
    credential = world.credential(HOLDER)
    # A KB-JWT by a key other than the cnf key.
    post = holder_answer(world, verified, credential, other_holder)
    failed = _failed(service.accept(post.form))
    assert (failed["name"], failed["code"]) == ("key_binding", "invalid_signature")


def test_invalid_claim_value_fails_schema(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    claims = world.slip_claims()
    claims["payment_amount"] = -5
    result = service.accept(
        holder_answer(world, verified, world.credential(HOLDER, claims=claims), HOLDER).form
    )
    failed = _failed(result)
    assert failed["name"] == "schema"
    assert failed["code"] == "validation_error"
    assert failed["claim_path"] == ["payment_amount"]


def test_wallet_error_ends_the_transaction(world: World) -> None:
    service = world.service()
    created, verified = _request(world, service)
    post = build_error_response(verified, "access_denied", "the person declined", encrypt=False)
    result = service.accept(post.form)
    assert result["outcome"] == "wallet_error"
    assert result["reason"] == {
        "error": "access_denied",
        "error_description": "the person declined",
        "state": verified.request.state,
    }
    assert _checks(result)["signature"] == "not_run"
    assert service.result(created.transaction_id, "s")["outcome"] == "wallet_error"
    post = holder_answer(world, verified, world.credential(HOLDER), HOLDER)
    with pytest.raises(Replay):
        service.accept(post.form)


def test_oversize_response(world: World) -> None:
    service = world.service()
    with pytest.raises(LimitExceeded):
        service.accept({"response": "a" * (service.limits.max_request_bytes + 1)})


def test_malformed_jwe(world: World) -> None:
    service = world.service()
    _request(world, service)
    with pytest.raises(MalformedInput):
        service.accept({"response": "not.a.jwe.at.all"})
    with pytest.raises(MalformedInput):
        service.accept({"response": "eyJhbGciOiJFQ0RILUVTIn0...."})


def test_request_refused_when_not_registered_for_the_items(world: World) -> None:
    world.registered_claims = [["payment_amount"]]
    world.publish()
    service = world.service()
    with pytest.raises(PolicyViolation):
        service.create_request("year-end-adjustment", session_hash=None)
    with pytest.raises(NotFound):
        service.create_request("no-such-purpose", session_hash=None)


def test_expired_transaction(world: World) -> None:
    service = world.service()
    _, verified = _request(world, service)
    post = holder_answer(world, verified, world.credential(HOLDER), HOLDER)
    world.clock.advance(3600)
    result = service.accept(post.form)
    failed = _failed(result)
    assert (failed["name"], failed["code"]) == ("transaction_fresh", "expired")


def test_plain_direct_post(world: World) -> None:
    service = world.service(response_mode="direct_post")
    _, verified = _request(world, service)
    post = holder_answer(world, verified, world.credential(HOLDER), HOLDER)
    assert "vp_token" in post.form
    assert service.accept(post.form)["outcome"] == "verified"


def test_retention_really_deletes(world: World) -> None:
    service = world.service()
    created, verified = _request(world, service)
    service.accept(holder_answer(world, verified, world.credential(HOLDER), HOLDER).form)
    assert service.purge() == 0
    world.clock.advance(91 * 86400)
    assert service.purge() == 1
    with pytest.raises(NotFound):
        service.result(created.transaction_id, None)
    assert service.repository.audit_records() == []


def test_unknown_type_in_trust_list_entry_by_short_id(world: World) -> None:
    doc_type = world.document()[c.ISSUERS][1][c.CREDENTIAL_TYPES]
    assert doc_type == ["withholding-slip"]

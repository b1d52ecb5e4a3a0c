"""The pipeline's caches (parsed x5c chains, chain-to-issuer decisions) never change an outcome."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from specs.encoding import b64url_encode, dump_json_compact
from specs.errors import Expired, InvalidSignature, MalformedInput, NotYetValid
from specs.jose import unverified_header
from specs.keys import SoftwareSigner
from specs.openid4vp import PresentationContext, session_transcript_for
from specs.sd_jwt import present
from verifier.pipeline import (
    FAILED,
    NOT_RUN,
    PASSED,
    STEP_ISSUER_TRUSTED,
    STEP_SIGNATURE,
    StepLog,
)

from .conftest import World, wallet_verify

HOLDER = SoftwareSigner.generate("ES256")


def _presentation(world: World, service: Any) -> PresentationContext:
    created = service.create_request("year-end-adjustment", session_hash=None)
    request = wallet_verify(
        world, created.request_link, service.request_object(created.transaction_id)
    ).request
    presentation = present(
        world.credential(HOLDER),
        [("tax_year",), ("payment_amount",)],
        holder_signer=HOLDER,
        aud=request.client_id,
        nonce=request.nonce,
        clock=world.clock,
    )
    return PresentationContext(
        query=request.dcql_query.credentials[0],
        presentation=presentation,
        client_id=request.client_id,
        nonce=request.nonce,
        response_uri=request.response_uri,
        session_transcript=session_transcript_for(request),
        now=world.clock.now(),
    )


def _outcomes(log: StepLog) -> dict[str, str]:
    return {o.name: o.outcome for o in log.outcomes}


def test_cached_chain_is_still_judged_at_the_verification_time(world: World) -> None:
    service = world.service()
    context = _presentation(world, service)
    first = StepLog()
    service.pipeline.verify(context, first)
    assert set(_outcomes(first).values()) == {PASSED}
    cert = world.issuer.cert
    for at, error in (
        (cert.not_valid_after_utc + timedelta(seconds=1), Expired),
        (cert.not_valid_before_utc - timedelta(seconds=1), NotYetValid),
    ):
        log = StepLog()
        with pytest.raises(error):
            service.pipeline.verify(replace(context, now=at), log)
        assert _outcomes(log)[STEP_ISSUER_TRUSTED] == FAILED
    assert service.pipeline._issuer_chains.hits == 0


def test_cached_chain_does_not_excuse_a_bad_signature(world: World) -> None:
    service = world.service()
    context = _presentation(world, service)
    service.pipeline.verify(context, StepLog())
    jwt, rest = context.presentation.split("~", 1)
    head, payload, signature = jwt.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    log = StepLog()
    with pytest.raises(InvalidSignature):
        service.pipeline.verify(
            replace(context, presentation=f"{head}.{payload}.{flipped}~{rest}"), log
        )
    outcomes = _outcomes(log)
    # The chain decision came from the cache; the signature was still checked and failed.
    assert service.pipeline._issuer_chains.hits == 1
    assert outcomes[STEP_ISSUER_TRUSTED] == PASSED
    assert outcomes[STEP_SIGNATURE] == FAILED
    assert list(outcomes.values())[-1] == NOT_RUN


def test_garbage_x5c_is_refused_and_not_cached(world: World) -> None:
    service = world.service()
    context = _presentation(world, service)
    jwt, rest = context.presentation.split("~", 1)
    _head, payload, signature = jwt.split(".")
    header = unverified_header(jwt)
    for bad in ([], ["not base64!"], [123], "x"):
        header["x5c"] = bad
        forged = b64url_encode(dump_json_compact(header).encode())
        log = StepLog()
        with pytest.raises(MalformedInput):
            service.pipeline.verify(
                replace(context, presentation=f"{forged}.{payload}.{signature}~{rest}"), log
            )
        assert _outcomes(log)[STEP_ISSUER_TRUSTED] == FAILED
    assert service.pipeline._chains == {}

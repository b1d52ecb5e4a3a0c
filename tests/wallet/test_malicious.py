"""Malicious or invalid requests: refused with a clear error, nothing disclosed or logged as such."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.dcql import parse_dcql_query
from specs.encoding import b64url_decode, b64url_encode
from specs.errors import (
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    PolicyViolation,
    Unsupported,
    UntrustedKey,
    UntrustedVerifier,
)
from specs.openid4vp import parse_request_link, parse_response_form
from specs.sd_jwt import parse, unverified_processed
from wallet.consent import ItemStatus
from wallet.constants import OUTCOME_DISCLOSED, OUTCOME_REFUSED
from wallet.presenting import prepare, refuse, respond, verify_incoming
from wallet.receiving import receive

from .conftest import (
    EVIL_DNS,
    SLIP_QUERY,
    VERIFIER_CLIENT_ID,
    Pki,
    World,
    make_verifier,
)
from .test_flow import receive_slip, send


def _request(world: World, query: dict[str, Any] = SLIP_QUERY) -> tuple[Any, str]:
    link = world.verifier.ask(query)
    transaction_id = link.rsplit("%2F", 1)[-1]
    return parse_request_link(link), world.verifier.request_objects[transaction_id]


def _nothing_logged(world: World) -> None:
    assert all(e.entry["outcome"] != OUTCOME_DISCLOSED for e in world.wallet.store.log())
    assert world.verifier.pseudonyms == []


def test_unsigned_request_refused(world: World) -> None:
    link, token = _request(world)
    _, payload, _ = token.split(".")
    none_header = b64url_encode(b'{"alg":"none"}')
    unsigned = f"{none_header}.{payload}."
    with pytest.raises(Unsupported, match="alg none"):
        verify_incoming(world.wallet, link, unsigned, world.wallet.trust_list())
    _nothing_logged(world)


def test_tampered_request_refused(world: World) -> None:
    link, token = _request(world)
    header, payload, signature = token.split(".")
    claims = b64url_decode(payload).replace(b"response_uri", b"response_urx")
    with pytest.raises(InvalidSignature):
        verify_incoming(
            world.wallet,
            link,
            f"{header}.{b64url_encode(claims)}.{signature}",
            world.wallet.trust_list(),
        )
    _nothing_logged(world)


def test_verifier_not_in_trust_list(world: World, pki: Pki) -> None:
    world.verifier = make_verifier(
        pki,
        world.clock,
        signer=pki.evil_key,
        cert=pki.evil_cert,
        client_id=f"x509_san_dns:{EVIL_DNS}",
        response_uri=f"https://{EVIL_DNS}/response",
    )
    link, token = _request(world)
    with pytest.raises(UntrustedKey):
        verify_incoming(world.wallet, link, token, world.wallet.trust_list())
    _nothing_logged(world)


def test_client_id_mismatch(world: World) -> None:
    _, token = _request(world)
    other = parse_request_link(
        f"openid4vp://?client_id=x509_san_dns%3A{EVIL_DNS}&request_uri=https%3A%2F%2F{EVIL_DNS}%2Fr"
    )
    with pytest.raises(HonninError) as caught:
        verify_incoming(world.wallet, other, token, world.wallet.trust_list())
    assert isinstance(caught.value, MalformedInput | UntrustedVerifier)


def test_response_uri_of_another_host(world: World, pki: Pki) -> None:
    world.verifier = make_verifier(pki, world.clock, response_uri=f"https://{EVIL_DNS}/response")
    link, token = _request(world)
    with pytest.raises(UntrustedVerifier, match="response_uri host"):
        verify_incoming(world.wallet, link, token, world.wallet.trust_list())
    _nothing_logged(world)


def test_huge_request_refused(world: World) -> None:
    link, token = _request(world)
    with pytest.raises(LimitExceeded):
        verify_incoming(world.wallet, link, token + "A" * 2_000_000, world.wallet.trust_list())
    with pytest.raises(LimitExceeded):
        parse_request_link("openid4vp://?client_id=x&request=" + "A" * 2_000_000)


def test_unknown_credential_type_refused_with_error_response(world: World) -> None:
    receive_slip(world)
    query = {
        "credentials": [
            {
                "id": "x",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": ["https://unknown.example/vct/health-record"]},
                "claims": [{"path": ["diagnosis"]}],
            }
        ]
    }
    link, token = _request(world, query)
    trust = world.wallet.trust_list()
    verified = verify_incoming(world.wallet, link, token, trust)
    with pytest.raises(PolicyViolation) as caught:
        prepare(world.wallet, verified, trust)
    outcome = refuse(world.wallet, verified, caught.value, trust)
    assert outcome.outcome == OUTCOME_REFUSED
    assert outcome.sent == "error=access_denied"
    send(world, outcome)
    (result,) = world.verifier.results
    assert result.wallet_error is not None
    assert result.wallet_error.error == "access_denied"
    (entry,) = list(world.wallet.store.log())
    assert entry.entry["outcome"] == OUTCOME_REFUSED
    assert entry.entry["credentials"] == []
    assert entry.entry["verifier"] == "employer-b"


def test_over_asking_is_refused_even_with_consent(world: World) -> None:
    receive_slip(world)
    query = {
        "credentials": [
            {
                "id": "slip",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": SLIP_QUERY["credentials"][0]["meta"]["vct_values"]},
                "claims": [
                    {"path": ["payment_amount"]},
                    {"path": ["recipient", "birth_date"]},
                    {"path": ["payer", "name"]},
                ],
            }
        ]
    }
    link, token = _request(world, query)
    trust = world.wallet.trust_list()
    pending = prepare(world.wallet, verify_incoming(world.wallet, link, token, trust), trust)
    statuses = {i.path: i.status for i in pending.screens[0].screen.items}
    assert statuses[("recipient", "birth_date")] is ItemStatus.NOT_REGISTERED
    everything = {"slip": [i.path for i in pending.screens[0].screen.items]}
    outcome = respond(world.wallet, pending, everything)  # the person says yes to all
    assert outcome.disclosed == {"slip": (("payment_amount",),)}
    assert outcome.submission is not None
    disclosed = _disclosed_paths(world, outcome.submission.form)
    assert disclosed == {("payment_amount",)}


def _disclosed_paths(world: World, form: Any) -> set[tuple[Any, ...]]:
    from .conftest import ENC_KEY

    response, _ = parse_response_form(form, decryption_keys=ENC_KEY)
    (presentation,) = response.vp_token["slip"]  # type: ignore[union-attr]
    _, processed = unverified_processed(parse(presentation))
    return {tuple(p) for p in processed.disclosed}


def test_offer_from_nowhere_fails_cleanly(world: World) -> None:
    with pytest.raises(HonninError):
        world.run(
            lambda http: receive(
                world.wallet,
                http,
                "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fnowhere.example%2Fo",
            )
        )


PATHS = [
    ("payment_amount",),
    ("withheld_tax",),
    ("recipient", "address"),
    ("recipient", "name"),
    ("recipient", "birth_date"),
    ("payer", "name"),
]
REGISTERED = {
    ("payment_amount",),
    ("withheld_tax",),
    ("recipient", "address"),
    ("recipient", "name"),
}


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    requested=st.lists(st.sampled_from(PATHS), min_size=1, max_size=6, unique=True),
    consented=st.lists(st.sampled_from(PATHS), max_size=6, unique=True),
)
def test_property_only_requested_registered_consented_leaves(
    world: World, requested: list[tuple[str, ...]], consented: list[tuple[str, ...]]
) -> None:
    """For any DCQL request and consent, what leaves ⊆ requested ∩ registered ∩ consented."""
    if not world.wallet.store.credentials():
        receive_slip(world)
    query = {
        "credentials": [
            {
                "id": "slip",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": SLIP_QUERY["credentials"][0]["meta"]["vct_values"]},
                "claims": [{"path": list(p)} for p in requested],
            }
        ]
    }
    parse_dcql_query(query)
    link, token = _request(world, query)
    trust = world.wallet.trust_list()
    pending = prepare(world.wallet, verify_incoming(world.wallet, link, token, trust), trust)
    outcome = respond(world.wallet, pending, {"slip": consented})
    allowed = set(requested) & REGISTERED & set(consented)
    if outcome.outcome != OUTCOME_DISCLOSED:
        assert not allowed
        return
    assert outcome.submission is not None
    disclosed = _disclosed_paths(world, outcome.submission.form)
    # a disclosed leaf brings its parent object's disclosure along (RFC 9901 recursive SD)
    leaves = {p for p in disclosed if p in set(PATHS)}
    assert leaves <= allowed
    assert leaves == allowed
    assert pending.verified.request.client_id == VERIFIER_CLIENT_ID

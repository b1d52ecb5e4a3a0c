"""Full pre-authorized code flows, issuer core <-> wallet steps, with the in-memory stores.

Each failure is asserted twice: the exact ``HonninError`` class the core raises, and the
wire error the one table in ``specs.openid4vci.errors`` turns it into.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.errors import (
    AudienceMismatch,
    Expired,
    HonninError,
    LimitExceeded,
    MalformedInput,
    NonceMismatch,
    NotFound,
    PolicyViolation,
    Replay,
    Unsupported,
    ValidationError,
)
from specs.keys import SoftwareSigner
from specs.limits import Limits
from specs.openid4vci import (
    CredentialIssuerCore,
    CredentialIssuerMetadata,
    Endpoint,
    InMemoryNonceStore,
    InMemoryNotificationStore,
    InMemoryOfferStore,
    IssuerPolicy,
    TxCode,
    build_jwt_proof,
    parse_offer_link,
    wire_error,
)
from specs.openid4vci.wallet import (
    build_credential_request,
    build_notification,
    build_proofs,
    build_token_request,
    parse_credential_response,
    parse_nonce_response,
    parse_token_response,
)
from specs.ports import FixedClock, SeededRandom

ISSUER = "https://issuer.example.jp"
CONFIG_ID = "withholding-slip"
MetadataFactory = Callable[..., CredentialIssuerMetadata]


class Issuer:
    """The core plus its stores, as a service would hold them."""

    def __init__(
        self,
        metadata: CredentialIssuerMetadata,
        clock: FixedClock,
        *,
        verifier: Any = None,
        limits: Limits | None = None,
    ) -> None:
        self.offers = InMemoryOfferStore()
        self.nonces = InMemoryNonceStore()
        self.notifications = InMemoryNotificationStore()
        self.core = CredentialIssuerCore(
            metadata,
            offers=self.offers,
            nonces=self.nonces,
            notifications=self.notifications,
            clock=clock,
            rng=SeededRandom(b"issuer"),
            key_attestation_verifier=verifier,
            policy=IssuerPolicy(max_tx_code_attempts=3),
            limits=limits or Limits(),
        )


def _wire(exc: pytest.ExceptionInfo[HonninError], endpoint: Endpoint) -> tuple[int, str]:
    error = wire_error(exc.value, endpoint)
    return error.status, error.error


@pytest.fixture
def issuer(make_metadata: MetadataFactory, clock: FixedClock) -> Issuer:
    return Issuer(make_metadata(), clock)


def _redeem(issuer: Issuer, *, tx: bool = True) -> tuple[str, Any]:
    created = issuer.core.create_offer([CONFIG_ID], tx_code=TxCode() if tx else None)
    link = parse_offer_link(created.link())
    assert link.offer is not None
    form = build_token_request(link.offer, tx_code=created.tx_code)
    token = parse_token_response(issuer.core.token(form).to_json())
    return token.access_token, created


def test_full_flow_with_batch_and_notification(issuer: Issuer, clock: FixedClock) -> None:
    # Issuer side: an offer whose tx_code travels on another channel.
    created = issuer.core.create_offer([CONFIG_ID], tx_code=TxCode(description="郵送した6桁"))
    assert created.tx_code is not None
    assert len(created.tx_code) == 6
    assert created.tx_code.isdigit()
    link = created.link()
    assert created.tx_code not in link.split("pre-authorized_code")[0]
    offer_json = json.dumps(created.offer.to_json())
    assert created.tx_code not in offer_json.replace(created.pre_authorized_code, "")

    # Wallet side: parse the link, redeem the code with the tx_code.
    parsed = parse_offer_link(link)
    assert parsed.offer == created.offer
    form = build_token_request(parsed.offer, tx_code=created.tx_code)
    token = parse_token_response(issuer.core.token(form).to_json())
    assert token.token_type == "Bearer"

    nonce = parse_nonce_response(issuer.core.nonce().to_json()).c_nonce
    keys = [SoftwareSigner.generate("ES256") for _ in range(4)]
    proofs = build_proofs(keys, audience=ISSUER, clock=clock, nonce=nonce)
    request = build_credential_request(CONFIG_ID, proofs)
    decision = issuer.core.credential(token.access_token, json.dumps(request.to_json()))
    assert decision.credential_configuration_id == CONFIG_ID
    assert decision.offer_id == created.offer_id
    assert decision.holder_keys == tuple(k.public_jwk for k in keys)
    assert decision.notification_id is not None

    # The service issues one credential per key; here stand-in strings.
    response = decision.response([f"credential-{i}" for i in range(4)])
    parsed_response = parse_credential_response(response.to_json(), keys_sent=4)
    assert [c.credential for c in parsed_response.credentials or []] == [
        f"credential-{i}" for i in range(4)
    ]
    issuer.notifications.register(decision.notification_id)
    note = build_notification(decision.notification_id, "credential_accepted")
    issuer.core.notification(token.access_token, note.to_json())
    issuer.core.notification(token.access_token, note.to_json())  # idempotent
    assert issuer.notifications.events[decision.notification_id] == ["credential_accepted"] * 2


def test_flow_without_tx_code(issuer: Issuer, clock: FixedClock) -> None:
    access_token, created = _redeem(issuer, tx=False)
    assert created.tx_code is None
    nonce = issuer.core.nonce().c_nonce
    proofs = build_proofs([SoftwareSigner.generate()], audience=ISSUER, clock=clock, nonce=nonce)
    decision = issuer.core.credential(
        access_token, build_credential_request(CONFIG_ID, proofs).to_json()
    )
    assert len(decision.holder_keys) == 1


def test_text_tx_code(issuer: Issuer) -> None:
    created = issuer.core.create_offer([CONFIG_ID], tx_code=TxCode(input_mode="text", length=8))
    assert created.tx_code is not None
    assert len(created.tx_code) == 8
    assert created.tx_code.isalnum()


# --- token endpoint failures ---


def test_replayed_code(issuer: Issuer) -> None:
    created = issuer.core.create_offer([CONFIG_ID])
    assert created.offer is not None
    form = build_token_request(created.offer)
    issuer.core.token(form)
    with pytest.raises(Replay) as info:
        issuer.core.token(form)
    assert _wire(info, Endpoint.TOKEN) == (400, "invalid_grant")


def test_wrong_tx_code_then_locked(issuer: Issuer) -> None:
    created = issuer.core.create_offer([CONFIG_ID], tx_code=TxCode())
    assert created.tx_code is not None
    wrong = "000000" if created.tx_code != "000000" else "111111"
    form = build_token_request(created.offer, tx_code=wrong)
    for _ in range(3):
        with pytest.raises(ValidationError) as info:
            issuer.core.token(form)
        assert _wire(info, Endpoint.TOKEN) == (400, "invalid_grant")
    # Three wrong attempts lock the offer: even the right code no longer works.
    right = build_token_request(created.offer, tx_code=created.tx_code)
    with pytest.raises(PolicyViolation) as locked:
        issuer.core.token(right)
    assert _wire(locked, Endpoint.TOKEN) == (400, "invalid_grant")


def test_right_tx_code_after_one_wrong(issuer: Issuer) -> None:
    created = issuer.core.create_offer([CONFIG_ID], tx_code=TxCode())
    assert created.tx_code is not None
    wrong = "000000" if created.tx_code != "000000" else "111111"
    with pytest.raises(ValidationError):
        issuer.core.token(build_token_request(created.offer, tx_code=wrong))
    assert issuer.core.token(build_token_request(created.offer, tx_code=created.tx_code))


def test_missing_and_unexpected_tx_code(issuer: Issuer) -> None:
    with_tx = issuer.core.create_offer([CONFIG_ID], tx_code=TxCode())
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": with_tx.pre_authorized_code,
    }
    with pytest.raises(MalformedInput) as info:
        issuer.core.token(form)
    assert _wire(info, Endpoint.TOKEN) == (400, "invalid_request")
    without_tx = issuer.core.create_offer([CONFIG_ID])
    form = {**form, "pre-authorized_code": without_tx.pre_authorized_code, "tx_code": "123456"}
    with pytest.raises(MalformedInput):
        issuer.core.token(form)


def test_unknown_and_expired_code(
    make_metadata: MetadataFactory, clock: FixedClock, issuer: Issuer
) -> None:
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": "nope",
    }
    with pytest.raises(NotFound) as info:
        issuer.core.token(form)
    assert _wire(info, Endpoint.TOKEN) == (400, "invalid_grant")
    created = issuer.core.create_offer([CONFIG_ID])
    clock.advance(IssuerPolicy().pre_authorized_code_lifetime + 1)
    with pytest.raises(Expired) as expired:
        issuer.core.token(build_token_request(created.offer))
    assert _wire(expired, Endpoint.TOKEN) == (400, "invalid_grant")


def test_unsupported_grant_type(issuer: Issuer) -> None:
    with pytest.raises(Unsupported) as info:
        issuer.core.token({"grant_type": "authorization_code", "code": "x"})
    assert _wire(info, Endpoint.TOKEN) == (400, "unsupported_grant_type")
    with pytest.raises(MalformedInput):
        issuer.core.token({"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code"})


def test_create_offer_for_unknown_configuration(issuer: Issuer) -> None:
    with pytest.raises(NotFound):
        issuer.core.create_offer(["no-such-thing"])


# --- credential endpoint failures ---


def _request(clock: FixedClock, nonce: str, n: int = 1, audience: str = ISSUER) -> dict[str, Any]:
    keys = [SoftwareSigner.generate() for _ in range(n)]
    proofs = build_proofs(keys, audience=audience, clock=clock, nonce=nonce)
    return build_credential_request(CONFIG_ID, proofs).to_json()


def test_bad_access_token(issuer: Issuer, clock: FixedClock) -> None:
    nonce = issuer.core.nonce().c_nonce
    for token in (None, "", "unknown-token"):
        with pytest.raises((NotFound, MalformedInput)) as info:
            issuer.core.credential(token, _request(clock, nonce))
        error = wire_error(info.value, Endpoint.CREDENTIAL)
        assert (error.status, error.error) == (401, "invalid_token")
        assert error.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_expired_access_token(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    clock.advance(IssuerPolicy().access_token_lifetime + 1)
    with pytest.raises(NotFound) as info:
        issuer.core.credential(access_token, _request(clock, issuer.core.nonce().c_nonce))
    assert _wire(info, Endpoint.CREDENTIAL) == (401, "invalid_token")


def test_expired_nonce(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    nonce = issuer.core.nonce().c_nonce
    clock.advance(IssuerPolicy().nonce_lifetime + 1)
    with pytest.raises(NonceMismatch) as info:
        issuer.core.credential(access_token, _request(clock, nonce))
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_nonce")


def test_replayed_nonce_and_request(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    nonce = issuer.core.nonce().c_nonce
    request = _request(clock, nonce, n=2)
    issuer.core.credential(access_token, request)
    with pytest.raises(NonceMismatch) as info:
        issuer.core.credential(access_token, request)
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_nonce")


def test_unknown_nonce(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    with pytest.raises(NonceMismatch):
        issuer.core.credential(access_token, _request(clock, "made-up"))


def test_proof_for_another_issuer(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    nonce = issuer.core.nonce().c_nonce
    with pytest.raises(AudienceMismatch) as info:
        issuer.core.credential(
            access_token, _request(clock, nonce, audience="https://evil.example")
        )
    assert info.value.claim_path == ("proofs", "jwt", 0, "aud")
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_proof")


def test_proof_with_stale_iat(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    nonce = issuer.core.nonce().c_nonce
    request = _request(clock, nonce)
    clock.advance(IssuerPolicy().proof_max_age + 1)
    with pytest.raises(Expired) as info:
        issuer.core.credential(access_token, request)
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_proof")


def test_proof_without_nonce(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    proof = build_jwt_proof(SoftwareSigner.generate(), audience=ISSUER, clock=clock)
    body = {"credential_configuration_id": CONFIG_ID, "proofs": {"jwt": [proof]}}
    with pytest.raises(MalformedInput) as info:
        issuer.core.credential(access_token, body)
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_proof")


def test_missing_proofs(issuer: Issuer) -> None:
    access_token, _ = _redeem(issuer)
    with pytest.raises(MalformedInput) as info:
        issuer.core.credential(access_token, {"credential_configuration_id": CONFIG_ID})
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_proof")


def test_unknown_configuration_id(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    body = {**_request(clock, issuer.core.nonce().c_nonce), "credential_configuration_id": "x"}
    with pytest.raises(NotFound) as info:
        issuer.core.credential(access_token, body)
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "unknown_credential_configuration")


def test_configuration_not_in_the_offer(issuer: Issuer) -> None:
    access_token, _ = _redeem(issuer)
    with pytest.raises(PolicyViolation) as info:
        issuer.core.credential(access_token, {"credential_configuration_id": "employment"})
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "credential_request_denied")


def test_credential_identifier_unknown(issuer: Issuer) -> None:
    access_token, _ = _redeem(issuer)
    with pytest.raises(NotFound) as info:
        issuer.core.credential(access_token, {"credential_identifier": "CivilEngineering-2023"})
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "unknown_credential_identifier")


def test_encryption_requested(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    body = {
        **_request(clock, issuer.core.nonce().c_nonce),
        "credential_response_encryption": {"jwk": {"kty": "EC"}, "enc": "A128GCM"},
    }
    with pytest.raises(Unsupported) as info:
        issuer.core.credential(access_token, body)
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_encryption_parameters")


def test_batch_larger_than_metadata_allows(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    with pytest.raises(LimitExceeded) as info:
        issuer.core.credential(access_token, _request(clock, issuer.core.nonce().c_nonce, n=5))
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_credential_request")


def test_same_key_twice(issuer: Issuer, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    nonce = issuer.core.nonce().c_nonce
    key = SoftwareSigner.generate()
    proofs = build_proofs([key, key], audience=ISSUER, clock=clock, nonce=nonce)
    with pytest.raises(MalformedInput) as info:
        issuer.core.credential(access_token, build_credential_request(CONFIG_ID, proofs).to_json())
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_proof")


def test_oversize_request(make_metadata: MetadataFactory, clock: FixedClock) -> None:
    issuer = Issuer(make_metadata(), clock, limits=Limits(max_request_bytes=4096))
    access_token, _ = _redeem(issuer)
    body = json.dumps({**_request(clock, issuer.core.nonce().c_nonce), "padding": "x" * 5000})
    with pytest.raises(LimitExceeded) as info:
        issuer.core.credential(access_token, body)
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_credential_request")


@pytest.mark.parametrize(
    "body", ['{"credential_configuration_id": ', "[]", '{"a":1,"a":2}', b"\xff\xfe", "null"]
)
def test_malformed_json(issuer: Issuer, body: str | bytes) -> None:
    access_token, _ = _redeem(issuer)
    with pytest.raises(MalformedInput) as info:
        issuer.core.credential(access_token, body)
    assert type(info.value) is MalformedInput
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_credential_request")


def test_proof_type_not_supported(issuer: Issuer, provider: Any, clock: FixedClock) -> None:
    access_token, _ = _redeem(issuer)
    attestation = provider.attest([SoftwareSigner.generate()], clock=clock, nonce="n")
    body = {"credential_configuration_id": CONFIG_ID, "proofs": {"attestation": [attestation]}}
    with pytest.raises(Unsupported) as info:
        issuer.core.credential(access_token, body)
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_proof")


# --- key attestation flows ---


def test_attestation_proof_covers_a_batch(
    make_metadata: MetadataFactory, clock: FixedClock, provider: Any
) -> None:
    issuer = Issuer(make_metadata(attestation_proof=True), clock, verifier=provider.verifier)
    access_token, _ = _redeem(issuer)
    nonce = issuer.core.nonce().c_nonce
    keys = [SoftwareSigner.generate() for _ in range(4)]
    body = {
        "credential_configuration_id": CONFIG_ID,
        "proofs": {"attestation": [provider.attest(keys, clock=clock, nonce=nonce)]},
    }
    decision = issuer.core.credential(access_token, body)
    assert decision.holder_keys == tuple(k.public_jwk for k in keys)
    too_many = [SoftwareSigner.generate() for _ in range(5)]
    access_token, _ = _redeem(issuer)
    nonce = issuer.core.nonce().c_nonce
    body["proofs"] = {"attestation": [provider.attest(too_many, clock=clock, nonce=nonce)]}
    with pytest.raises(LimitExceeded):
        issuer.core.credential(access_token, body)


def test_key_attestation_required(
    make_metadata: MetadataFactory, clock: FixedClock, provider: Any
) -> None:
    issuer = Issuer(make_metadata(attestation=True), clock, verifier=provider.verifier)
    access_token, _ = _redeem(issuer)
    nonce = issuer.core.nonce().c_nonce
    with pytest.raises(PolicyViolation) as info:
        issuer.core.credential(access_token, _request(clock, nonce))
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_proof")
    key = SoftwareSigner.generate()
    proof = build_jwt_proof(
        key,
        audience=ISSUER,
        clock=clock,
        nonce=nonce,
        key_attestation=provider.attest([key], clock=clock, nonce=nonce),
    )
    body = {"credential_configuration_id": CONFIG_ID, "proofs": {"jwt": [proof]}}
    assert issuer.core.credential(access_token, body).holder_keys == (key.public_jwk,)


def test_key_not_attested(make_metadata: MetadataFactory, clock: FixedClock, provider: Any) -> None:
    issuer = Issuer(make_metadata(attestation=True), clock, verifier=provider.verifier)
    access_token, _ = _redeem(issuer)
    nonce = issuer.core.nonce().c_nonce
    attested = provider.attest([SoftwareSigner.generate()], clock=clock, nonce=nonce)
    proof = build_jwt_proof(
        SoftwareSigner.generate(),
        audience=ISSUER,
        clock=clock,
        nonce=nonce,
        key_attestation=attested,
    )
    body = {"credential_configuration_id": CONFIG_ID, "proofs": {"jwt": [proof]}}
    with pytest.raises(PolicyViolation) as info:
        issuer.core.credential(access_token, body)
    assert _wire(info, Endpoint.CREDENTIAL) == (400, "invalid_proof")


# --- notification endpoint failures ---


def test_notification_errors(issuer: Issuer) -> None:
    access_token, _ = _redeem(issuer)
    with pytest.raises(NotFound) as unknown:
        issuer.core.notification(
            access_token, {"notification_id": "nope", "event": "credential_accepted"}
        )
    assert _wire(unknown, Endpoint.NOTIFICATION) == (400, "invalid_notification_id")
    with pytest.raises(MalformedInput) as bad:
        issuer.core.notification(access_token, {"notification_id": "n", "event": "lost"})
    assert _wire(bad, Endpoint.NOTIFICATION) == (400, "invalid_notification_request")
    with pytest.raises(NotFound) as token:
        issuer.core.notification("bad", {"notification_id": "n", "event": "credential_deleted"})
    assert _wire(token, Endpoint.NOTIFICATION) == (401, "invalid_token")


# --- wallet-side checks ---


def test_wallet_refuses_bad_inputs(issuer: Issuer) -> None:
    created = issuer.core.create_offer([CONFIG_ID], tx_code=TxCode())
    with pytest.raises(MalformedInput):
        build_token_request(created.offer)
    with pytest.raises(ValidationError):
        build_token_request(created.offer, tx_code="12ab56")
    with pytest.raises(ValidationError):
        build_token_request(created.offer, tx_code="1234567")
    with pytest.raises(ValidationError):
        parse_credential_response(
            {"credentials": [{"credential": "a"}, {"credential": "b"}]}, keys_sent=1
        )
    with pytest.raises(Unsupported):
        parse_token_response({"access_token": "a", "token_type": "DPoP"})


def test_wire_error_body_and_non_honnin_errors() -> None:
    error = wire_error(NonceMismatch('bad "nonce" ü'), Endpoint.CREDENTIAL)
    assert error.body() == {"error": "invalid_nonce", "error_description": "bad ?nonce? ?"}
    assert wire_error(RuntimeError("boom"), Endpoint.TOKEN).error == "server_error"
    assert wire_error(HonninError("x"), Endpoint.NOTIFICATION).error == (
        "invalid_notification_request"
    )


# --- properties: arbitrary input fails only with HonninError ---

_PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_PROPERTY
@given(body=st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_property_credential_endpoint_raises_only_honnin_errors(
    make_metadata: MetadataFactory, body: str | bytes
) -> None:
    issuer = Issuer(make_metadata(), FixedClock(datetime(2026, 7, 1, tzinfo=UTC)))
    access_token, _ = _redeem(issuer, tx=False)
    with contextlib.suppress(HonninError):
        issuer.core.credential(access_token, body)


@_PROPERTY
@given(
    form=st.dictionaries(
        st.sampled_from(["grant_type", "pre-authorized_code", "tx_code", "client_id", "x"]),
        st.text(max_size=20),
        max_size=5,
    )
)
def test_property_token_endpoint_raises_only_honnin_errors(
    make_metadata: MetadataFactory, form: dict[str, str]
) -> None:
    issuer = Issuer(make_metadata(), FixedClock(datetime(2026, 7, 1, tzinfo=UTC)))
    issuer.core.create_offer([CONFIG_ID], tx_code=TxCode())
    with contextlib.suppress(HonninError):
        issuer.core.token(form)

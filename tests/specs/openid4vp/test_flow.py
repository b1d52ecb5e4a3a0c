"""The verifier and wallet cores end to end: transaction, request, response, checks, replay.

Presentations here are ``jwt_vc_json`` JWTs signed by the holder (real ES256 signatures)
binding ``aud`` = client_id and ``nonce`` (section 14.1.2); the format verifier below is
what a real one does for that format, minus the issuer signature layer.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.dcql import Presented, parse_dcql_query
from specs.encoding import b64url_encode
from specs.errors import (
    AudienceMismatch,
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    NonceMismatch,
    NotFound,
    Replay,
)
from specs.jose import sign_compact, verify_compact
from specs.jose.jwe import decrypt_compact
from specs.keys import SoftwareSigner
from specs.limits import Limits
from specs.openid4vp import (
    InMemoryTransactionStore,
    PresentationContext,
    VerifiedPresentation,
    VerifierCore,
    build_error_response,
    build_response,
    parse_request_link,
    parse_response_endpoint_reply,
    response_endpoint_reply,
    session_transcript_for,
    verify_request,
)
from specs.openid4vp.response import error_code_for, error_response, parse_response_form
from specs.ports import FixedClock, SeededRandom

from .conftest import DNS, Pki

CLIENT_ID = f"x509_san_dns:{DNS}"
RESPONSE_URI = f"https://{DNS}/response"
QUERY = parse_dcql_query(
    {
        "credentials": [
            {
                "id": "slip",
                "format": "jwt_vc_json",
                "meta": {"type_values": [["VerifiableCredential", "WithholdingSlip"]]},
                "claims": [
                    {"path": ["credentialSubject", "payment_amount"]},
                    {"path": ["credentialSubject", "withheld_tax"]},
                ],
            }
        ]
    }
)
SLIP = {
    "type": ["VerifiableCredential", "WithholdingSlip"],
    "credentialSubject": {"payment_amount": 3_000_000, "withheld_tax": 60_000, "name": "佐藤"},
}
HOLDER = SoftwareSigner.generate("ES256")
ENCRYPTION_KEY = {
    "kty": "EC",
    "crv": "P-256",
    "kid": "enc-1",
    "x": "YO4epjifD-KWeq1sL2tNmm36BhXnkJ0He-WqMYrp9Fk",
    "y": "Hekpm0zfK7C-YccH5iBjcIXgf6YdUvNUac_0At55Okk",
    "d": "Et-3ce0omz8_TuZ96Df9lp0GAaaDoUnDe6X-CRO7Aww",
}


def jwt_vp_verifier(context: PresentationContext) -> VerifiedPresentation:
    """Verify a holder-signed JWT VP: signature, aud = client_id, nonce of this transaction."""
    if not isinstance(context.presentation, str):
        raise MalformedInput("a jwt_vc_json presentation is a string")
    payload = verify_compact(
        context.presentation, HOLDER.public_jwk, allowed_algs={"ES256"}
    ).payload_json()
    if payload.get("aud") != context.client_id:
        raise AudienceMismatch("presentation is for another verifier")
    if payload.get("nonce") != context.nonce:
        raise NonceMismatch("presentation carries another transaction's nonce")
    vc = payload["vc"]
    return VerifiedPresentation(
        presented=Presented(format="jwt_vc_json", claims=vc, types=tuple(vc["type"]))
    )


def _presentation(
    nonce: str, aud: str = CLIENT_ID, vc: dict[str, Any] = SLIP, signer: SoftwareSigner = HOLDER
) -> str:
    return sign_compact({"aud": aud, "nonce": nonce, "vc": vc}, signer)


def _core(
    pki: Pki,
    clock: FixedClock,
    store: InMemoryTransactionStore,
    mode: str = "direct_post.jwt",
    seed: str = "v",
) -> VerifierCore:
    return VerifierCore(
        client_id=CLIENT_ID,
        response_uri=RESPONSE_URI,
        signer=pki.signer,
        chain=[pki.leaf],
        store=store,
        clock=clock,
        random=SeededRandom(seed),
        verifiers={"jwt_vc_json": jwt_vp_verifier},
        encryption_key=ENCRYPTION_KEY,
        response_mode=mode,
    )


def _wallet_side(core: VerifierCore, transaction: Any, pki: Pki, clock: FixedClock) -> Any:
    link = parse_request_link(core.request_link(f"https://{DNS}/request/{transaction.id}"))
    return verify_request(link, core.request_object(transaction), anchors=[pki.anchor], clock=clock)


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
def test_full_flow(pki: Pki, clock: FixedClock, mode: str) -> None:
    store = InMemoryTransactionStore()
    core = _core(pki, clock, store, mode)
    transaction = core.create_transaction(QUERY)
    verified = _wallet_side(core, transaction, pki, clock)
    request = verified.request
    assert request.nonce == transaction.nonce
    assert request.response_mode == mode
    post = build_response(verified, {"slip": [_presentation(request.nonce)]})
    assert post.response_uri == RESPONSE_URI
    assert ("response" in post.form) is (mode == "direct_post.jwt")
    result = core.accept_response(post.form)
    assert result.ok, result.to_json()
    assert result.encrypted is (mode == "direct_post.jwt")
    names = [c.name for c in result.checks]
    assert names[:2] == ["transaction_single_use", "transaction_fresh"]
    assert names[-1] == "dcql_satisfied"
    assert all(c.ok for c in result.checks)
    # the name was disclosed but not asked for: dropped
    assert result.claims["slip"][0] == {
        ("credentialSubject", "payment_amount"): 3_000_000,
        ("credentialSubject", "withheld_tax"): 60_000,
    }
    assert result.to_json()["claims"]["slip"][0]["credentialSubject/payment_amount"] == 3_000_000


def test_encrypted_response_goes_to_the_request_key(pki: Pki, clock: FixedClock) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    transaction = core.create_transaction(QUERY)
    post = build_response(
        _wallet_side(core, transaction, pki, clock), {"slip": [_presentation(transaction.nonce)]}
    )
    decrypted = decrypt_compact(post.form["response"], ENCRYPTION_KEY)
    assert decrypted.header["kid"] == "enc-1"
    assert decrypted.header["enc"] == "A128GCM"
    assert decrypted.payload_json()["state"] == transaction.state


def test_replayed_response_refused(pki: Pki, clock: FixedClock) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    transaction = core.create_transaction(QUERY)
    post = build_response(
        _wallet_side(core, transaction, pki, clock), {"slip": [_presentation(transaction.nonce)]}
    )
    assert core.accept_response(post.form).ok
    with pytest.raises(Replay):
        core.accept_response(post.form)


def test_replica_sharing_store_refuses_second_accept(pki: Pki, clock: FixedClock) -> None:
    store = InMemoryTransactionStore()
    first, second = _core(pki, clock, store, seed="a"), _core(pki, clock, store, seed="b")
    transaction = first.create_transaction(QUERY)
    post = build_response(
        _wallet_side(first, transaction, pki, clock), {"slip": [_presentation(transaction.nonce)]}
    )
    assert second.accept_response(post.form).ok
    with pytest.raises(Replay):
        first.accept_response(post.form)


def test_nonce_of_another_transaction(pki: Pki, clock: FixedClock) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    first, second = core.create_transaction(QUERY), core.create_transaction(QUERY)
    verified = _wallet_side(core, second, pki, clock)
    post = build_response(verified, {"slip": [_presentation(first.nonce)]})
    result = core.accept_response(post.form)
    assert not result.ok
    failed = [c for c in result.checks if not c.ok]
    assert [c.code for c in failed] == ["nonce_mismatch", "validation_error"]
    assert failed[0].query_id == "slip"
    assert result.claims == {}


def test_presentation_for_another_audience(pki: Pki, clock: FixedClock) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    transaction = core.create_transaction(QUERY)
    post = build_response(
        _wallet_side(core, transaction, pki, clock),
        {"slip": [_presentation(transaction.nonce, aud="x509_san_dns:other.example")]},
    )
    result = core.accept_response(post.form)
    assert not result.ok
    assert result.checks[3].code == "audience_mismatch"


def test_forged_presentation(pki: Pki, clock: FixedClock) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    transaction = core.create_transaction(QUERY)
    forged = _presentation(transaction.nonce, signer=SoftwareSigner.generate("ES256"))
    post = build_response(_wallet_side(core, transaction, pki, clock), {"slip": [forged]})
    result = core.accept_response(post.form)
    assert result.checks[3].code == InvalidSignature.code


def test_missing_claim_fails_dcql(pki: Pki, clock: FixedClock) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    transaction = core.create_transaction(QUERY)
    partial = {**SLIP, "credentialSubject": {"payment_amount": 1}}
    post = build_response(
        _wallet_side(core, transaction, pki, clock),
        {"slip": [_presentation(transaction.nonce, vc=partial)]},
    )
    result = core.accept_response(post.form)
    assert not result.ok
    assert result.checks[-1].name == "dcql_satisfied"
    assert result.checks[-1].code == "validation_error"


def test_wallet_error_ends_transaction(pki: Pki, clock: FixedClock) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    transaction = core.create_transaction(QUERY)
    verified = _wallet_side(core, transaction, pki, clock)
    post = build_error_response(verified, "access_denied", "the person declined")
    result = core.accept_response(post.form)
    assert not result.ok
    assert result.wallet_error is not None
    assert result.wallet_error.error == "access_denied"
    assert result.checks[-1].code == "access_denied"
    with pytest.raises(Replay):
        core.accept_response(post.form)


def test_unencrypted_error_accepted_but_unencrypted_token_refused(
    pki: Pki, clock: FixedClock
) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    transaction = core.create_transaction(QUERY)
    verified = _wallet_side(core, transaction, pki, clock)
    plain = build_error_response(verified, "invalid_request", encrypt=False)
    assert "error" in plain.form
    assert core.accept_response(plain.form).wallet_error is not None
    other = core.create_transaction(QUERY)
    verified = _wallet_side(core, other, pki, clock)
    form = {"vp_token": json.dumps({"slip": [_presentation(other.nonce)]}), "state": other.state}
    result = core.accept_response(form)
    assert not result.ok
    assert result.checks[-1].name == "response_encrypted"


def test_expired_transaction(pki: Pki, clock: FixedClock) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    transaction = core.create_transaction(QUERY)
    post = build_response(
        _wallet_side(core, transaction, pki, clock), {"slip": [_presentation(transaction.nonce)]}
    )
    clock.advance(601)
    result = core.accept_response(post.form)
    assert not result.ok
    assert result.checks[-1].code == "expired"


def test_unknown_state_and_malformed_jwe(pki: Pki, clock: FixedClock) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    with pytest.raises(NotFound):
        core.accept_response({"vp_token": "{}", "state": "nope"} | {"vp_token": '{"a":["x"]}'})
    with pytest.raises(MalformedInput):
        core.accept_response({"response": "not.a.jwe"})
    with pytest.raises(MalformedInput):
        core.accept_response({"vp_token": '{"a":["x"]}'})


def test_oversize_response(pki: Pki, clock: FixedClock) -> None:
    with pytest.raises(LimitExceeded):
        parse_response_form(
            {"vp_token": json.dumps({"a": ["x" * 100]})}, limits=Limits(max_request_bytes=50)
        )
    many = json.dumps({"a": ["x"] * 70})
    with pytest.raises(LimitExceeded):
        parse_response_form({"vp_token": many, "state": "s"})


def test_session_transcript_matches_on_both_sides(pki: Pki, clock: FixedClock) -> None:
    seen: list[bytes] = []

    def capture(context: PresentationContext) -> VerifiedPresentation:
        seen.append(context.session_transcript)
        return jwt_vp_verifier(context)

    core = VerifierCore(
        client_id=CLIENT_ID,
        response_uri=RESPONSE_URI,
        signer=pki.signer,
        chain=[pki.leaf],
        store=InMemoryTransactionStore(),
        clock=clock,
        random=SeededRandom("t"),
        verifiers={"jwt_vc_json": capture},
        encryption_key=ENCRYPTION_KEY,
    )
    transaction = core.create_transaction(QUERY)
    verified = _wallet_side(core, transaction, pki, clock)
    core.accept_response(
        build_response(verified, {"slip": [_presentation(transaction.nonce)]}).form
    )
    assert seen == [session_transcript_for(verified.request)]


def test_holder_refuses_ids_outside_the_query(pki: Pki, clock: FixedClock) -> None:
    core = _core(pki, clock, InMemoryTransactionStore())
    verified = _wallet_side(core, core.create_transaction(QUERY), pki, clock)
    with pytest.raises(MalformedInput):
        build_response(verified, {"other": ["x"]})
    with pytest.raises(MalformedInput):
        build_response(verified, {"slip": ["a", "b"]})


def test_error_mapping_and_reply() -> None:
    from specs.errors import ConsentRequired, PolicyViolation, Unsupported, UntrustedVerifier

    assert error_code_for(ConsentRequired("declined")) == "access_denied"
    assert error_code_for(PolicyViolation("not registered")) == "access_denied"
    assert error_code_for(UntrustedVerifier("bad cert")) == "invalid_request"
    assert (
        error_code_for(Unsupported("request_uri_method 'x' is neither"))
        == "invalid_request_uri_method"
    )
    assert (
        error_code_for(Unsupported("Credential Format 'x' is not supported"))
        == "vp_formats_not_supported"
    )
    with pytest.raises(MalformedInput):
        error_response("made_up")
    assert error_response("access_denied", "同意なし").error_description == "????"
    reply = response_endpoint_reply(
        "https://verifier.example.jp/cb#response_code=091535f699ea575c7937fa5f0f454aee"
    )
    assert parse_response_endpoint_reply(json.dumps(reply)) == reply["redirect_uri"]
    assert parse_response_endpoint_reply("{}") is None


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["vp_token", "state", "error", "response", "x"]),
        st.text(max_size=60),
        max_size=4,
    )
)
def test_arbitrary_forms_raise_only_honnin_errors(form: dict[str, str]) -> None:
    with contextlib.suppress(HonninError):
        parse_response_form(form, decryption_keys=ENCRYPTION_KEY)


def test_unsigned_vp_token_value_shapes() -> None:
    for bad in ["[]", "{}", '{"a": []}', '{"a": [1]}', '{"a": "x"}', "not json"]:
        with pytest.raises(MalformedInput):
            parse_response_form({"vp_token": bad, "state": "s"})
    assert b64url_encode(b"x")

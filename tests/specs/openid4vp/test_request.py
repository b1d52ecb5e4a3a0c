"""Request Objects, client identifier prefixes, request links: sign, verify, refuse."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.dcql import parse_dcql_query
from specs.encoding import b64url_encode
from specs.errors import (
    AudienceMismatch,
    Expired,
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    NonceMismatch,
    Unsupported,
    UntrustedKey,
    UntrustedVerifier,
)
from specs.jose import sign_compact
from specs.keys.x509 import encode_x5c
from specs.limits import Limits
from specs.openid4vp import (
    AuthorizationRequest,
    ClientMetadata,
    build_request_link,
    parse_authorization_request,
    parse_client_id,
    parse_client_metadata,
    parse_request_link,
    sign_request_object,
    verify_request_object,
    x509_hash,
)
from specs.ports import FixedClock
from tests.conftest import VECTORS

from .conftest import DNS, Pki

QUERY = parse_dcql_query(json.loads((VECTORS / "dcql" / "simple.json").read_text()))
ENC_KEY = {
    "kty": "EC",
    "crv": "P-256",
    "kid": "enc-1",
    "use": "enc",
    "alg": "ECDH-ES",
    "x": "YO4epjifD-KWeq1sL2tNmm36BhXnkJ0He-WqMYrp9Fk",
    "y": "Hekpm0zfK7C-YccH5iBjcIXgf6YdUvNUac_0At55Okk",
}
METADATA = ClientMetadata(jwks=(ENC_KEY,), vp_formats_supported={"dc+sd-jwt": {}})


def _request(client_id: str = f"x509_san_dns:{DNS}", **kw: Any) -> AuthorizationRequest:
    fields: dict[str, Any] = {
        "client_id": client_id,
        "response_uri": f"https://{DNS}/response",
        "nonce": "n-0S6_WzA2Mj",
        "state": "st-123",
        "dcql_query": QUERY,
        "client_metadata": METADATA,
    }
    fields.update(kw)
    return AuthorizationRequest(**fields)


def _verify(token: str, pki: Pki, clock: FixedClock, **kw: Any) -> Any:
    return verify_request_object(token, anchors=[pki.anchor], clock=clock, **kw)


def test_sign_and_verify_x509_san_dns(pki: Pki, clock: FixedClock) -> None:
    request = _request()
    token = sign_request_object(request, pki.signer, [pki.leaf], clock=clock)
    verified = _verify(token, pki, clock, expected_client_id=request.client_id)
    assert verified.request == request
    assert verified.certificate == pki.leaf
    assert verified.header["typ"] == "oauth-authz-req+jwt"


def test_sign_and_verify_x509_hash(pki: Pki, clock: FixedClock) -> None:
    request = _request(
        f"x509_hash:{x509_hash(pki.leaf)}", response_uri="https://elsewhere.example/r"
    )
    token = sign_request_object(request, pki.signer, [pki.leaf], clock=clock)
    assert _verify(token, pki, clock).request.client_id == request.client_id


def _forge(
    pki: Pki, claims: dict[str, Any], header: dict[str, Any] | None = None, signer: Any = None
) -> str:
    base = {"x5c": encode_x5c([pki.leaf])}
    base.update(header or {})
    return sign_compact(claims, signer or pki.signer, typ="oauth-authz-req+jwt", header=base)


def _claims(clock: FixedClock, **changes: Any) -> dict[str, Any]:
    claims = _request().to_claims()
    now = int(clock.now().timestamp())
    claims.update(aud="https://self-issued.me/v2", iat=now, exp=now + 600)
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_unsigned_request_refused(pki: Pki, clock: FixedClock) -> None:
    header = b64url_encode(json.dumps({"alg": "none", "typ": "oauth-authz-req+jwt"}).encode())
    payload = b64url_encode(json.dumps(_claims(clock)).encode())
    with pytest.raises(Unsupported):
        _verify(f"{header}.{payload}.", pki, clock)


def test_wrongly_signed_request_refused(pki: Pki, clock: FixedClock) -> None:
    token = _forge(pki, _claims(clock), signer=pki.other_signer)
    with pytest.raises(InvalidSignature):
        _verify(token, pki, clock)


def test_tampered_payload_refused(pki: Pki, clock: FixedClock) -> None:
    token = sign_request_object(_request(), pki.signer, [pki.leaf], clock=clock)
    header, _, signature = token.split(".")
    payload = b64url_encode(
        json.dumps(_claims(clock, response_uri=f"https://{DNS}/steal")).encode()
    )
    with pytest.raises(InvalidSignature):
        _verify(f"{header}.{payload}.{signature}", pki, clock)


def test_untrusted_chain_refused(pki: Pki, clock: FixedClock) -> None:
    token = _forge(
        pki, _claims(clock), header={"x5c": encode_x5c([pki.other_leaf])}, signer=pki.other_signer
    )
    with pytest.raises(UntrustedKey):
        _verify(token, pki, clock)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"client_id": "x509_san_dns:other.example.jp"}, UntrustedVerifier),
        ({"client_id": "x509_hash:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, UntrustedVerifier),
        ({"response_uri": "https://attacker.example/response"}, UntrustedVerifier),
        ({"client_id": "redirect_uri:https://verifier.example.jp/cb"}, Unsupported),
        ({"client_id": "decentralized_identifier:did:example:1"}, Unsupported),
        ({"client_id": "plain-client"}, Unsupported),
        ({"aud": "https://wallet.example"}, AudienceMismatch),
        ({"exp": 1}, Expired),
        ({"response_type": "code"}, Unsupported),
        ({"response_mode": "fragment"}, Unsupported),
        ({"response_uri": "http://verifier.example.jp/response"}, MalformedInput),
        ({"redirect_uri": "https://verifier.example.jp/cb"}, MalformedInput),
        ({"nonce": "has space"}, MalformedInput),
        ({"nonce": None}, MalformedInput),
        ({"state": "bad/state"}, MalformedInput),
        ({"dcql_query": None}, MalformedInput),
        ({"scope": "x"}, MalformedInput),
        ({"transaction_data": ["e30"]}, Unsupported),
        ({"client_metadata": None}, MalformedInput),
        (
            {
                "client_metadata": {
                    "vp_formats_supported": {},
                    "jwks": {"keys": [{**ENC_KEY, "alg": "RSA-OAEP"}]},
                }
            },
            Unsupported,
        ),
    ],
)
def test_request_rules(
    pki: Pki, clock: FixedClock, changes: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        _verify(_forge(pki, _claims(clock, **changes)), pki, clock)


def test_dcql_with_duplicate_ids_refused(pki: Pki, clock: FixedClock) -> None:
    query = QUERY.to_json()
    query["credentials"].append(query["credentials"][0])
    with pytest.raises(MalformedInput):
        _verify(_forge(pki, _claims(clock, dcql_query=query)), pki, clock)


def test_dcql_with_unknown_format_refused(pki: Pki, clock: FixedClock) -> None:
    query = QUERY.to_json()
    query["credentials"][0]["format"] = "vc+sd-jwt-legacy"
    with pytest.raises(Unsupported):
        _verify(_forge(pki, _claims(clock, dcql_query=query)), pki, clock)


def test_trusted_client_may_choose_response_uri(pki: Pki, clock: FixedClock) -> None:
    token = _forge(pki, _claims(clock, response_uri="https://hr.example.com/response"))
    verified = _verify(token, pki, clock, trusted_client_ids=[f"x509_san_dns:{DNS}"])
    assert verified.request.response_uri == "https://hr.example.com/response"


def test_wrong_typ_refused(pki: Pki, clock: FixedClock) -> None:
    token = sign_compact(
        _claims(clock), pki.signer, typ="JWT", header={"x5c": encode_x5c([pki.leaf])}
    )
    with pytest.raises(MalformedInput):
        _verify(token, pki, clock)


def test_missing_x5c_refused(pki: Pki, clock: FixedClock) -> None:
    token = sign_compact(_claims(clock), pki.signer, typ="oauth-authz-req+jwt")
    with pytest.raises(UntrustedVerifier):
        _verify(token, pki, clock)


def test_link_client_id_must_match(pki: Pki, clock: FixedClock) -> None:
    token = sign_request_object(_request(), pki.signer, [pki.leaf], clock=clock)
    with pytest.raises(UntrustedVerifier):
        _verify(token, pki, clock, expected_client_id="x509_san_dns:other.example")


def test_wallet_nonce(pki: Pki, clock: FixedClock) -> None:
    token = sign_request_object(_request(wallet_nonce="wn-1"), pki.signer, [pki.leaf], clock=clock)
    assert _verify(token, pki, clock, wallet_nonce="wn-1").request.wallet_nonce == "wn-1"
    with pytest.raises(NonceMismatch):
        _verify(token, pki, clock, wallet_nonce="wn-2")


def test_signing_refuses_mismatched_client_id(pki: Pki, clock: FixedClock) -> None:
    with pytest.raises(UntrustedVerifier):
        sign_request_object(
            _request("x509_san_dns:not-mine.example"), pki.signer, [pki.leaf], clock=clock
        )


def test_oversize_request_refused(pki: Pki, clock: FixedClock) -> None:
    token = sign_request_object(_request(), pki.signer, [pki.leaf], clock=clock)
    with pytest.raises(LimitExceeded):
        _verify(token, pki, clock, limits=Limits(max_request_bytes=200))
    with pytest.raises(LimitExceeded):
        _verify("a" * (Limits().max_request_bytes + 1), pki, clock)


def test_client_id_prefixes() -> None:
    assert parse_client_id("x509_san_dns:a.example").prefix == "x509_san_dns"
    assert parse_client_id("x509_san_dns:a.example").value == "a.example"
    assert parse_client_id("https://a.example").prefix is None
    assert parse_client_id("decentralized_identifier:did:web:a").value == "did:web:a"
    with pytest.raises(MalformedInput):
        parse_client_id("x509_hash:")
    with pytest.raises(MalformedInput):
        parse_client_id("")


@pytest.mark.parametrize(
    "name", ["sd_jwt_vc_verifier_metadata.json", "mso_mdoc_verifier_metadata.json"]
)
def test_spec_client_metadata(name: str) -> None:
    raw = json.loads((VECTORS / "openid4vp" / name).read_text())
    metadata = parse_client_metadata(raw)
    assert metadata.to_json() == raw
    assert metadata.encryption_enc() == "A128GCM"


def test_client_metadata_rules() -> None:
    with pytest.raises(MalformedInput):
        parse_client_metadata(
            {"jwks": {"keys": [{k: v for k, v in ENC_KEY.items() if k != "kid"}]}}
        )
    with pytest.raises(MalformedInput):
        parse_client_metadata({"jwks": {"keys": [{**ENC_KEY, "d": "x"}]}})
    with pytest.raises(MalformedInput):
        parse_client_metadata({"encrypted_response_enc_values_supported": []})
    metadata = parse_client_metadata(
        {
            "jwks": {"keys": [{**ENC_KEY, "use": "sig", "kid": "s"}, ENC_KEY]},
            "encrypted_response_enc_values_supported": ["A128CBC-HS256", "A256GCM"],
        }
    )
    assert metadata.encryption_jwk()["kid"] == "enc-1"
    assert metadata.encryption_enc() == "A256GCM"


def test_request_link_round_trip() -> None:
    link = build_request_link(
        f"x509_san_dns:{DNS}", f"https://{DNS}/request/abc", request_uri_method="get"
    )
    assert link.startswith("openid4vp://?client_id=x509_san_dns%3A")
    parsed = parse_request_link(link)
    assert parsed.client_id == f"x509_san_dns:{DNS}"
    assert parsed.request_uri == f"https://{DNS}/request/abc"
    assert parsed.request_uri_method == "get"


@pytest.mark.parametrize(
    ("link", "error"),
    [
        ("openid4vp://?request_uri=https%3A%2F%2Fa.example%2Fr", MalformedInput),
        ("openid4vp://?client_id=x", MalformedInput),
        (
            "openid4vp://?client_id=x&request_uri=https%3A%2F%2Fa.example&request=e30",
            MalformedInput,
        ),
        ("openid4vp://?client_id=x&request_uri=ftp%3A%2F%2Fa.example", MalformedInput),
        (
            "openid4vp://?client_id=x&request_uri=https%3A%2F%2Fa.example&request_uri_method=PUT",
            Unsupported,
        ),
        ("openid4vp://?client_id=x&request=e30&request_uri_method=get", MalformedInput),
        ("openid4vp://?client_id=x&client_id=y&request=e30", MalformedInput),
    ],
)
def test_request_link_refusals(link: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_request_link(link)


def test_loopback_http_allowed_for_demo() -> None:
    assert parse_request_link(
        "openid4vp://?client_id=x&request_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fr"
    ).request_uri


def test_parse_authorization_request_round_trip() -> None:
    request = _request()
    assert parse_authorization_request(request.to_claims()) == request
    plain = replace(request, response_mode="direct_post", client_metadata=None)
    assert parse_authorization_request(plain.to_claims()) == plain


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_request_text_raises_only_honnin_errors(text: str) -> None:
    from datetime import UTC, datetime

    clock = FixedClock(datetime(2026, 7, 1, tzinfo=UTC))
    for candidate in (text, f"openid4vp://?{text}"):
        with contextlib.suppress(HonninError):
            verify_request_object(candidate, anchors=[], clock=clock)
        with contextlib.suppress(HonninError):
            parse_request_link(candidate)

"""JWS: signing, strict header checks, and interop with jwcrypto."""

from __future__ import annotations

import json

import pytest
from jwcrypto import jwk as jc_jwk
from jwcrypto import jws as jc_jws

from specs.encoding import b64url_encode
from specs.errors import InvalidSignature, LimitExceeded, MalformedInput, Unsupported
from specs.jose import sign_compact, sign_json_flattened, verify_compact, verify_json
from specs.keys import SoftwareSigner
from specs.limits import Limits


@pytest.fixture(scope="module")
def signer() -> SoftwareSigner:
    return SoftwareSigner.generate("ES256")


def _forge(header: dict, payload: dict, signer: SoftwareSigner) -> str:
    signing_input = (
        b64url_encode(json.dumps(header).encode())
        + "."
        + b64url_encode(json.dumps(payload).encode())
    )
    return signing_input + "." + b64url_encode(signer.sign(signing_input.encode()))


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512", "EdDSA", "PS256"])
def test_round_trip_every_alg(alg: str) -> None:
    s = SoftwareSigner.generate(alg)
    token = sign_compact({"x": 1}, s, typ="example+jwt")
    assert verify_compact(token, s.public_jwk, expected_typ="example+jwt").payload_json() == {
        "x": 1
    }


def test_jwcrypto_verifies_ours_and_we_verify_theirs(signer: SoftwareSigner) -> None:
    token = sign_compact({"a": "本人"}, signer)
    theirs = jc_jws.JWS()
    theirs.deserialize(token)
    theirs.verify(jc_jwk.JWK(**signer.public_jwk))
    key = jc_jwk.JWK.generate(kty="EC", crv="P-256")
    made = jc_jws.JWS(b'{"b":2}')
    made.add_signature(key, alg="ES256", protected=json.dumps({"alg": "ES256"}))
    assert (
        verify_compact(made.serialize(compact=True), json.loads(key.export_public())).payload
        == b'{"b":2}'
    )


def test_rs256_only_when_listed() -> None:
    s = SoftwareSigner.generate("RS256")
    token = sign_compact({"x": 1}, s)
    with pytest.raises(Unsupported):
        verify_compact(token, s.public_jwk)
    verify_compact(token, s.public_jwk, allowed_algs={"RS256"})


def test_alg_none_rejected(signer: SoftwareSigner) -> None:
    token = b64url_encode(b'{"alg":"none"}') + "." + b64url_encode(b"{}") + "."
    with pytest.raises(Unsupported):
        verify_compact(token, signer.public_jwk)


def test_hmac_rejected(signer: SoftwareSigner) -> None:
    with pytest.raises(Unsupported):
        verify_compact(
            _forge({"alg": "HS256"}, {}, signer), signer.public_jwk, allowed_algs={"HS256"}
        )


def test_alg_key_mismatch(signer: SoftwareSigner) -> None:
    with pytest.raises(Unsupported):
        verify_compact(_forge({"alg": "ES384"}, {}, signer), signer.public_jwk)


@pytest.mark.parametrize("param", ["jku", "x5u"])
def test_fetching_headers_rejected(signer: SoftwareSigner, param: str) -> None:
    token = sign_compact({}, signer, header={param: "https://example.com/k"})
    with pytest.raises(Unsupported):
        verify_compact(token, signer.public_jwk)


def test_unknown_crit_rejected(signer: SoftwareSigner) -> None:
    token = sign_compact({}, signer, header={"crit": ["exp"], "exp": 1})
    with pytest.raises(Unsupported):
        verify_compact(token, signer.public_jwk)


def test_tampered_payload(signer: SoftwareSigner) -> None:
    token = sign_compact({"x": 1}, signer)
    h, _, s = token.split(".")
    forged = b64url_encode(b'{"x":2}')
    with pytest.raises(InvalidSignature):
        verify_compact(f"{h}.{forged}.{s}", signer.public_jwk)


def test_wrong_typ(signer: SoftwareSigner) -> None:
    with pytest.raises(MalformedInput):
        verify_compact(
            sign_compact({}, signer, typ="jwt"), signer.public_jwk, expected_typ="kb+jwt"
        )


def test_oversize(signer: SoftwareSigner) -> None:
    token = sign_compact({"x": "y" * 2000}, signer)
    with pytest.raises(LimitExceeded):
        verify_compact(token, signer.public_jwk, limits=Limits(max_token_bytes=1000))


def test_json_serialization(signer: SoftwareSigner) -> None:
    doc = sign_json_flattened({"x": 1}, signer, unprotected={"kid": "k1"})
    assert verify_json(doc, signer.public_jwk).payload_json() == {"x": 1}
    general = {
        "payload": doc["payload"],
        "signatures": [{k: doc[k] for k in ("protected", "signature")}],
    }
    assert verify_json(general, signer.public_jwk).payload_json() == {"x": 1}
    with pytest.raises(MalformedInput):
        verify_json({**doc, "header": {"alg": "ES256"}}, signer.public_jwk)

"""The honnin v2 context (claim names of specs.credentials) and did:jwk issuer keys."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honnin.sample_data import SampleData
from specs.credentials import CREDENTIAL_TYPES, WITHHOLDING_SLIP_V1
from specs.encoding import b64url_encode
from specs.errors import HonninError, InvalidSignature, LimitExceeded, MalformedInput, Unsupported
from specs.keys import SoftwareSigner
from specs.limits import Limits
from specs.ports import SeededRandom
from specs.w3c_vc import DocumentLoader, build_credential
from specs.w3c_vc import ecdsa_sd_2023 as sd
from specs.w3c_vc.constants import HONNIN_CREDENTIALS_V2_CONTEXT, HONNIN_VOCAB
from specs.w3c_vc.did_jwk import (
    did_jwk_for,
    did_jwk_verification_method,
    resolve_did_jwk,
    unverified_did_jwk,
)
from specs.w3c_vc.multikey import did_key_for
from specs.w3c_vc.vocabulary import (
    credential_definition_types,
    credential_type_by_expanded_type,
    expanded_types,
    honnin_context_v2_document,
    subject_pointer,
    w3c_type_name,
)


def test_v2_context_is_generated_from_the_credential_definitions() -> None:
    served = DocumentLoader()(HONNIN_CREDENTIALS_V2_CONTEXT)["document"]
    assert served == honnin_context_v2_document()
    context = served["@context"]
    for ctype in CREDENTIAL_TYPES.values():
        assert context[w3c_type_name(ctype)] == {"@id": HONNIN_VOCAB + w3c_type_name(ctype)}
    # Nested claims get property-scoped terms (recipient/name is not schema.org's name).
    assert context["recipient"]["@context"]["name"] == {"@id": HONNIN_VOCAB + "name"}
    assert "name" not in context  # a top-level name keeps the credentials v2 meaning


def test_type_names_and_expanded_types() -> None:
    assert w3c_type_name(WITHHOLDING_SLIP_V1) == "WithholdingSlipCredential"
    assert credential_definition_types(WITHHOLDING_SLIP_V1) == [
        "VerifiableCredential",
        "WithholdingSlipCredential",
    ]
    iri = expanded_types(WITHHOLDING_SLIP_V1)[1]
    assert credential_type_by_expanded_type(iri) is WITHHOLDING_SLIP_V1
    assert credential_type_by_expanded_type(HONNIN_VOCAB + "Nothing") is None
    assert subject_pointer(("payer", "a/b~c")) == "/credentialSubject/payer/a~1b~0c"


def _slip_document(holder: SoftwareSigner) -> dict[str, Any]:
    from datetime import date

    sample = SampleData(7)
    slip = sample.withholding_slip(
        sample.person(), SampleData(1).employer(), leave_date=date(2026, 6, 30)
    )
    return build_credential(
        types=credential_definition_types(WITHHOLDING_SLIP_V1),
        issuer="https://issuer-a.example",
        subject={
            "id": did_key_for(holder.public_key),
            **WITHHOLDING_SLIP_V1.to_claims(slip),
        },
        valid_from=datetime(2026, 7, 1, tzinfo=UTC),
        contexts=(HONNIN_CREDENTIALS_V2_CONTEXT,),
    )


def test_a_slip_in_the_v2_context_is_selectively_disclosed() -> None:
    loader = DocumentLoader()
    issuer = SoftwareSigner.generate("ES256")
    jwk = {**issuer.public_jwk, "x5c": ["AAAA"]}
    method = did_jwk_verification_method(jwk)
    document = _slip_document(SoftwareSigner.generate("ES256"))
    base = sd.create_base_proof(
        document,
        issuer,
        verification_method=method,
        mandatory_pointers=[
            "/issuer",
            "/type",
            "/credentialSubject/id",
            "/credentialSubject/payer",
        ],
        rng=SeededRandom("v2"),
        loader=loader,
    )
    derived = sd.derive_proof(base, ["/credentialSubject/recipient/name"], loader=loader)
    subject = derived["credentialSubject"]
    assert set(subject) == {"id", "payer", "recipient"}
    assert set(subject["recipient"]) == {"name"}
    verified = sd.verify_derived_proof(derived, loader=loader, key_resolver=resolve_did_jwk)
    assert verified.document["credentialSubject"]["recipient"]["name"]
    derived["credentialSubject"]["recipient"]["name"] = "someone else"
    with pytest.raises(InvalidSignature):
        sd.verify_derived_proof(derived, loader=loader, key_resolver=resolve_did_jwk)


def test_did_jwk_round_trip_and_refusals() -> None:
    signer = SoftwareSigner.generate("ES256")
    jwk = {**signer.public_jwk, "x5c": ["MIIB"]}
    method = did_jwk_verification_method(jwk)
    assert method.startswith("did:jwk:")
    assert method.endswith("#0")
    assert unverified_did_jwk(method) == jwk
    assert unverified_did_jwk(did_jwk_for(jwk)) == jwk
    assert resolve_did_jwk(method).public_numbers() == signer.public_key.public_numbers()
    with pytest.raises(MalformedInput):
        did_jwk_for({**jwk, "d": "secret"})
    with pytest.raises(MalformedInput):
        unverified_did_jwk(method[:-2] + "#1")
    with pytest.raises(MalformedInput):
        unverified_did_jwk("did:jwk:" + b64url_encode(b'{"kty":"EC","d":"x"}'))
    with pytest.raises(MalformedInput):
        unverified_did_jwk("did:jwk:" + b64url_encode(b"[1]"))
    with pytest.raises(Unsupported):
        unverified_did_jwk("did:key:z6Mk")
    with pytest.raises(LimitExceeded):
        unverified_did_jwk(method, Limits(max_json_bytes=64))
    with pytest.raises(Unsupported):
        resolve_did_jwk(
            did_jwk_for({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(bytes(32))})
        )


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=120).map(lambda b: "did:jwk:" + b64url_encode(b)))
def test_did_jwk_never_crashes(text: str) -> None:
    with contextlib.suppress(HonninError):
        resolve_did_jwk(text)

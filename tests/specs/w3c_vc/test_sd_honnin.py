"""ecdsa-sd-2023 and ecdsa-rdfc-2019 on honnin credentials: round trips and every refusal."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.errors import (
    AudienceMismatch,
    Expired,
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    NonceMismatch,
    NotYetValid,
    PolicyViolation,
    Unsupported,
    ValidationError,
)
from specs.ports import FixedClock, SeededRandom
from specs.w3c_vc import (
    DocumentLoader,
    check_validity_period,
    honnin_mandatory_pointers,
    parse_credential,
)
from specs.w3c_vc import ecdsa_rdfc_2019 as rdfc
from specs.w3c_vc import ecdsa_sd_2023 as sd
from specs.w3c_vc.constants import HONNIN_MANDATORY_POINTERS
from specs.w3c_vc.multikey import multibase_base64url
from specs.w3c_vc.vocabulary import WITHHOLDING_SLIP_MANDATORY_SUBJECT_FIELDS

from .conftest import DeterministicSigner, build_slip

REQUIRED = ["/issuer", "/type", "/validFrom"]
SELECTABLE = [
    "/credentialSubject/recipientName",
    "/credentialSubject/recipientNameKana",
    "/credentialSubject/recipientBirthDate",
    "/credentialSubject/paymentAmount",
    "/credentialSubject/withheldTax",
    "/credentialSubject/socialInsurancePremiums",
    "/credentialSubject/leaveDate",
    "/credentialSubject/payerName",
    "/credentialSubject/payerCorporateNumber",
]


@pytest.fixture(scope="module")
def base_slip(loader: DocumentLoader, issuer_signer: DeterministicSigner) -> dict[str, Any]:
    """A withholding slip with an ecdsa-sd-2023 base proof and honnin's mandatory pointers."""
    document = build_slip()
    return sd.create_base_proof(
        document,
        issuer_signer,
        verification_method=issuer_signer.verification_method,
        mandatory_pointers=honnin_mandatory_pointers(
            document, WITHHOLDING_SLIP_MANDATORY_SUBJECT_FIELDS
        ),
        rng=SeededRandom("w3c-vc-tests"),
        loader=loader,
    )


@pytest.fixture(scope="module")
def derived_slip(base_slip: dict[str, Any], loader: DocumentLoader) -> dict[str, Any]:
    """The slip with only payment amount and withheld tax selectively revealed."""
    return sd.derive_proof(
        base_slip,
        ["/credentialSubject/paymentAmount", "/credentialSubject/withheldTax"],
        loader=loader,
    )


def test_honnin_mandatory_pointers_cover_issuer_type_validity_schema_year(
    make_slip: Callable[..., dict[str, Any]],
) -> None:
    pointers = honnin_mandatory_pointers(make_slip(), WITHHOLDING_SLIP_MANDATORY_SUBJECT_FIELDS)
    assert pointers == [*HONNIN_MANDATORY_POINTERS, "/credentialSubject/taxYear"]


def test_base_proof_verifies_for_the_holder(
    base_slip: dict[str, Any], loader: DocumentLoader
) -> None:
    verified = sd.verify_base_proof(base_slip, loader=loader)
    assert verified.document["credentialSubject"]["recipientName"] == "佐藤 花子"


def test_derived_proof_reveals_only_consented_items_and_verifies(
    derived_slip: dict[str, Any], loader: DocumentLoader
) -> None:
    verified = sd.verify_derived_proof(derived_slip, loader=loader, required_pointers=REQUIRED)
    subject = verified.document["credentialSubject"]
    assert set(subject) == {"type", "taxYear", "paymentAmount", "withheldTax"}
    assert verified.document["issuer"] == "did:web:employer-a.example"
    assert verified.document["credentialSchema"]["type"] == "JsonSchema"
    credential = parse_credential(verified.document)
    check_validity_period(credential, FixedClock(credential.valid_from))  # type: ignore[arg-type]


def test_validity_period_is_enforced(derived_slip: dict[str, Any]) -> None:
    credential = parse_credential({k: v for k, v in derived_slip.items() if k != "proof"})
    from datetime import UTC, datetime

    with pytest.raises(NotYetValid):
        check_validity_period(credential, FixedClock(datetime(2026, 6, 30, tzinfo=UTC)))
    with pytest.raises(Expired):
        check_validity_period(credential, FixedClock(datetime(2031, 7, 1, tzinfo=UTC)))


def test_rdfc_2019_round_trip_and_policy(
    make_slip: Callable[..., dict[str, Any]],
    issuer_signer: DeterministicSigner,
    loader: DocumentLoader,
) -> None:
    secured = rdfc.add_proof(
        make_slip(),
        issuer_signer,
        verification_method=issuer_signer.verification_method,
        loader=loader,
        proof_purpose="authentication",
        domain="https://employer-b.example",
        challenge="n-0S6_WzA2Mj",
    )
    rdfc.verify_proof(
        secured,
        loader=loader,
        proof_purpose="authentication",
        domain="https://employer-b.example",
        challenge="n-0S6_WzA2Mj",
    )
    with pytest.raises(PolicyViolation):
        rdfc.verify_proof(secured, loader=loader)
    with pytest.raises(AudienceMismatch):
        rdfc.verify_proof(
            secured, loader=loader, proof_purpose="authentication", domain="https://evil.example"
        )
    with pytest.raises(NonceMismatch):
        rdfc.verify_proof(secured, loader=loader, proof_purpose="authentication", challenge="other")


# --- negative tests named by the issue --------------------------------------------------


def test_context_substitution_inline_context_is_refused(
    derived_slip: dict[str, Any], loader: DocumentLoader
) -> None:
    forged = copy.deepcopy(derived_slip)
    forged["@context"].append({"paymentAmount": "https://evil.example/vocab#tip"})
    with pytest.raises(MalformedInput):
        sd.verify_derived_proof(forged, loader=loader)


def test_context_substitution_of_a_bundled_url_is_refused() -> None:
    with pytest.raises(MalformedInput):
        DocumentLoader({"https://www.w3.org/ns/credentials/v2": {"@context": {}}})


def test_context_substitution_by_swapping_context_breaks_the_signature(
    base_slip: dict[str, Any],
) -> None:
    # The same terms mapped elsewhere by another (here: loader-added) context.
    evil_url = "https://evil.example/contexts/v1"
    evil = {
        "@context": {
            "@protected": True,
            "WithholdingSlipCredential": "https://evil.example/v#Other",
            "WithholdingSlip": "https://evil.example/v#Slip",
            **{
                name: f"https://evil.example/v#{name}"
                for name in base_slip["credentialSubject"]
                if name != "type"
            },
        }
    }
    evil_loader = DocumentLoader({evil_url: evil})
    derived = sd.derive_proof(
        base_slip, ["/credentialSubject/paymentAmount"], loader=DocumentLoader()
    )
    derived["@context"] = [derived["@context"][0], evil_url]
    with pytest.raises(InvalidSignature):
        sd.verify_derived_proof(derived, loader=evil_loader)


def test_remote_context_attempt_is_refused_without_network(
    derived_slip: dict[str, Any], loader: DocumentLoader
) -> None:
    remote = copy.deepcopy(derived_slip)
    remote["@context"].append("https://attacker.example/context.jsonld")
    with pytest.raises(Unsupported):
        sd.verify_derived_proof(remote, loader=loader)
    with pytest.raises(Unsupported):
        loader("https://attacker.example/context.jsonld")
    # Even below check_contexts (a nested scoped context), pyld asks our loader and fails.
    from specs.w3c_vc import canonicalize

    nested = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "VerifiableCredential",
        "credentialSubject": {"@context": "https://attacker.example/c", "x": 1},
    }
    with pytest.raises(Unsupported):
        canonicalize(nested, loader)


def test_tampered_statement_is_rejected(
    derived_slip: dict[str, Any], loader: DocumentLoader
) -> None:
    tampered = copy.deepcopy(derived_slip)
    tampered["credentialSubject"]["paymentAmount"] = 9_999_999
    with pytest.raises(InvalidSignature):
        sd.verify_derived_proof(tampered, loader=loader)
    mandatory_tampered = copy.deepcopy(derived_slip)
    mandatory_tampered["validUntil"] = "2099-01-01T00:00:00Z"
    with pytest.raises(InvalidSignature):
        sd.verify_derived_proof(mandatory_tampered, loader=loader)


def test_added_statement_is_rejected(derived_slip: dict[str, Any], loader: DocumentLoader) -> None:
    added = copy.deepcopy(derived_slip)
    added["credentialSubject"]["remarks"] = "added by the holder"
    with pytest.raises(InvalidSignature):
        sd.verify_derived_proof(added, loader=loader)
    # An undefined term would be dropped by JSON-LD and "verify" unsigned: refused instead.
    undefined = copy.deepcopy(derived_slip)
    undefined["credentialSubject"]["bonusYen"] = 1_000_000
    with pytest.raises(MalformedInput):
        sd.verify_derived_proof(undefined, loader=loader)


def test_mandatory_pointer_missing_is_rejected(
    derived_slip: dict[str, Any],
    base_slip: dict[str, Any],
    make_slip: Callable[..., dict[str, Any]],
    issuer_signer: DeterministicSigner,
    loader: DocumentLoader,
) -> None:
    # A holder dropping a mandatory statement breaks the mandatory hash.
    dropped = copy.deepcopy(derived_slip)
    del dropped["validUntil"]
    with pytest.raises(InvalidSignature):
        sd.verify_derived_proof(dropped, loader=loader)
    # An issuer that forgot validity in its mandatory pointers: the verifier's policy refuses.
    document = make_slip()
    lax = sd.create_base_proof(
        document,
        issuer_signer,
        verification_method=issuer_signer.verification_method,
        mandatory_pointers=["/issuer", "/type"],
        rng=SeededRandom("lax"),
        loader=loader,
    )
    derived = sd.derive_proof(lax, ["/credentialSubject/withheldTax"], loader=loader)
    with pytest.raises(ValidationError):
        sd.verify_derived_proof(derived, loader=loader, required_pointers=REQUIRED)
    # A mandatory pointer that names nothing is refused at issuance.
    with pytest.raises(MalformedInput):
        sd.create_base_proof(
            document,
            issuer_signer,
            verification_method=issuer_signer.verification_method,
            mandatory_pointers=["/issuer", "/nothingHere"],
            rng=SeededRandom("x"),
            loader=loader,
        )


def test_wrong_cryptosuite_is_rejected(
    derived_slip: dict[str, Any], base_slip: dict[str, Any], loader: DocumentLoader
) -> None:
    wrong = copy.deepcopy(derived_slip)
    wrong["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    with pytest.raises(Unsupported):
        sd.verify_derived_proof(wrong, loader=loader)
    with pytest.raises(Unsupported):
        rdfc.verify_proof(derived_slip, loader=loader)
    with pytest.raises(Unsupported):
        sd.verify_derived_proof(
            {**derived_slip, "proof": {**derived_slip["proof"], "type": "Ed25519Signature2020"}},
            loader=loader,
        )
    # A base proof presented where a derived one is expected.
    with pytest.raises(Unsupported):
        sd.verify_derived_proof(base_slip, loader=loader)


def test_blank_node_explosion_is_rejected_within_the_bound(loader: DocumentLoader) -> None:
    # Ten mutually linked, indistinguishable blank nodes: RDFC-1.0 would try 10! orders.
    import time

    nodes = [{"@id": f"_:n{i}"} for i in range(10)]
    for i, node in enumerate(nodes):
        node["https://example.org/link"] = [{"@id": f"_:n{j}"} for j in range(10) if j != i]
    from specs.w3c_vc import canonicalize

    start = time.monotonic()
    with pytest.raises(LimitExceeded):
        canonicalize({"@graph": nodes}, loader)
    assert time.monotonic() - start < 5
    # Plain size: too many blank nodes / quads before canonicalization starts.
    many = {"@graph": [{"https://example.org/p": i} for i in range(2000)]}
    with pytest.raises(LimitExceeded):
        canonicalize(many, loader)


def test_work_bound_counts_n_degree_hashing(loader: DocumentLoader) -> None:
    from specs.limits import Limits
    from specs.w3c_vc import canonicalize

    ring = [
        {"@id": f"_:r{i}", "https://example.org/next": {"@id": f"_:r{(i + 1) % 6}"}}
        for i in range(6)
    ]
    canonicalize({"@graph": ring}, loader)  # within default bounds
    with pytest.raises(LimitExceeded):
        canonicalize({"@graph": ring}, loader, limits=Limits(max_rdfc_deep_calls=3))


def test_signature_count_mismatch_is_rejected(
    derived_slip: dict[str, Any], loader: DocumentLoader
) -> None:
    parsed = sd.parse_derived_proof_value(derived_slip["proof"]["proofValue"])
    fewer = sd.serialize_derived_proof_value(
        sd.DerivedProofValue(
            parsed.base_signature,
            parsed.public_key,
            parsed.signatures[:-1],
            parsed.label_map,
            parsed.mandatory_indexes,
        )
    )
    forged = copy.deepcopy(derived_slip)
    forged["proof"]["proofValue"] = fewer
    with pytest.raises(InvalidSignature):
        sd.verify_derived_proof(forged, loader=loader)


def test_untrusted_key_resolver_refusal_propagates(
    derived_slip: dict[str, Any], loader: DocumentLoader
) -> None:
    from specs.errors import UntrustedIssuer

    def refuse(_: str) -> Any:
        raise UntrustedIssuer("not in the trust list")

    with pytest.raises(UntrustedIssuer):
        sd.verify_derived_proof(derived_slip, loader=loader, key_resolver=refuse)


def test_p384_issuer_is_refused_for_sd(
    make_slip: Callable[..., dict[str, Any]], loader: DocumentLoader
) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    signer = DeterministicSigner(ec.derive_private_key(12345, ec.SECP384R1()))
    with pytest.raises(Unsupported):
        sd.create_base_proof(
            make_slip(),
            signer,
            verification_method=signer.verification_method,
            mandatory_pointers=["/issuer"],
            rng=SeededRandom("p384"),
            loader=loader,
        )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("zabc", MalformedInput),
        ("u" + "AAAA", MalformedInput),
        (multibase_base64url(b"\xd9\x5d\x00" + cbor2.dumps([b"x"] * 5)), Unsupported),
        (multibase_base64url(b"\xd9\x5d\x01" + b"\xff\xff"), MalformedInput),
        (multibase_base64url(b"\xd9\x5d\x01" + cbor2.dumps([b"x"] * 4)), MalformedInput),
        (
            multibase_base64url(b"\xd9\x5d\x01" + cbor2.dumps(cbor2.CBORTag(24, b""))),
            MalformedInput,
        ),
        (
            multibase_base64url(
                b"\xd9\x5d\x01" + cbor2.dumps([b"\0" * 64, b"\0" * 35, [], {0: b"\0" * 31}, []])
            ),
            MalformedInput,
        ),
        (
            multibase_base64url(
                b"\xd9\x5d\x01" + cbor2.dumps([b"\0" * 64, b"\0" * 35, [], {}, [-1]])
            ),
            MalformedInput,
        ),
        (multibase_base64url(b"\xd9\x5d\x01" + b"\0" * 300_000), LimitExceeded),
    ],
)
def test_derived_proof_value_parser_refusals(value: str, error: type[HonninError]) -> None:
    with pytest.raises(error):
        sd.parse_derived_proof_value(value)


def test_base_proof_value_round_trip(base_slip: dict[str, Any]) -> None:
    parsed = sd.parse_base_proof_value(base_slip["proof"]["proofValue"])
    assert sd.serialize_base_proof_value(parsed) == base_slip["proof"]["proofValue"]
    assert len(parsed.hmac_key) == 32
    with pytest.raises(Unsupported):
        sd.parse_base_proof_value(
            sd.serialize_derived_proof_value(
                sd.DerivedProofValue(parsed.base_signature, parsed.public_key, (), {}, ())
            )
        )


# --- properties ----------------------------------------------------------------------


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sets(st.sampled_from(SELECTABLE)))
def test_property_any_consented_subset_derives_and_verifies(
    base_slip: dict[str, Any], loader: DocumentLoader, chosen: set[str]
) -> None:
    derived = sd.derive_proof(base_slip, sorted(chosen), loader=loader)
    verified = sd.verify_derived_proof(derived, loader=loader, required_pointers=REQUIRED)
    revealed = {f"/credentialSubject/{k}" for k in verified.document["credentialSubject"]}
    assert revealed & set(SELECTABLE) == chosen


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_property_derived_parser_raises_only_honnin_errors(data: bytes) -> None:
    for value in (multibase_base64url(b"\xd9\x5d\x01" + data), multibase_base64url(data)):
        with contextlib.suppress(HonninError):
            sd.parse_derived_proof_value(value)
        with contextlib.suppress(HonninError):
            sd.parse_base_proof_value(value)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["@context", "type", "issuer", "proof", "credentialSubject", "@id", "x"]),
        _json,
        max_size=5,
    )
)
def test_property_verify_raises_only_honnin_errors(
    loader: DocumentLoader, document: dict[str, Any]
) -> None:
    with pytest.raises(HonninError):
        sd.verify_derived_proof(document, loader=loader)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_json)
def test_property_canonicalize_raises_only_honnin_errors(
    loader: DocumentLoader, value: Any
) -> None:
    from specs.w3c_vc import canonicalize

    document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "credentialSubject": value}
    with contextlib.suppress(HonninError):
        canonicalize(document, loader)

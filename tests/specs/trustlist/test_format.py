"""The trust-list format: schema, consistency rules, canonical form and operator signature."""

from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.encoding import b64url_decode, b64url_encode, dump_json_compact
from specs.errors import (
    Expired,
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    Unsupported,
    UntrustedKey,
    ValidationError,
)
from specs.jose.jws import sign_compact
from specs.keys.x509 import encode_x5c
from specs.limits import DEFAULT_LIMITS
from specs.trustlist import (
    canonical_bytes,
    diff_trust_lists,
    parse_trust_list,
    sign_trust_list,
    unverified_trust_list_document,
    verify_trust_list,
)
from specs.trustlist import constants as c
from tests.trustlist import pki as P  # noqa: N812 (the short name these tests use)

NOW = P.NOW


@pytest.fixture(scope="module")
def document(pki: Any) -> dict[str, Any]:
    return P.make_document(pki)


@pytest.fixture(scope="module")
def token(pki: Any, document: dict[str, Any]) -> str:
    return sign_trust_list(document, pki.operator.signer, pki.operator.chain)


def verify(pki: Any, token: str, **kwargs: Any) -> Any:
    return verify_trust_list(token, pki.operator.chain, NOW, **kwargs)


def test_sign_verify_round_trip(pki: Any, document: dict[str, Any], token: str) -> None:
    verified = verify(pki, token)
    tl = verified.trust_list
    assert tl.document == document
    assert tl.sequence_number == 1
    assert [i.entity_id for i in tl.issuers] == ["employer-a", "school-x"]
    assert tl.verifiers[1].my_number_legal_basis is not None
    assert verified.header["typ"] == c.TRUST_LIST_TYP
    assert verified.signer_certificate == pki.operator.chain[0]
    # The payload is exactly the RFC 8785 form of the document.
    payload = b64url_decode(token.split(".")[1])
    assert payload == canonical_bytes(document)
    assert unverified_trust_list_document(token) == document


def test_jcs_orders_members_and_keeps_utf8() -> None:
    assert canonical_bytes({"b": 1, "a": "本人"}) == '{"a":"本人","b":1}'.encode()


def _tamper_signature(token: str) -> str:
    head, payload, sig = token.split(".")
    raw = bytearray(b64url_decode(sig))
    raw[5] ^= 0x01
    return f"{head}.{payload}.{b64url_encode(bytes(raw))}"


def test_tampered_signature_is_invalid(pki: Any, token: str) -> None:
    with pytest.raises(InvalidSignature):
        verify(pki, _tamper_signature(token))


def test_tampered_payload_is_invalid(pki: Any, token: str, document: dict[str, Any]) -> None:
    head, _, sig = token.split(".")
    changed = P.variant(document)
    changed[c.ISSUERS][0][c.CREDENTIAL_TYPES].append("urn:honnin:credential:anything")
    forged = f"{head}.{b64url_encode(canonical_bytes(changed))}.{sig}"
    with pytest.raises(InvalidSignature):
        verify(pki, forged)


def test_unknown_signer_is_untrusted(pki: Any, document: dict[str, Any]) -> None:
    forged = sign_trust_list(document, pki.other_operator.signer, pki.other_operator.chain)
    with pytest.raises(UntrustedKey):
        verify(pki, forged)


def test_signer_must_match_certificate(pki: Any, document: dict[str, Any]) -> None:
    with pytest.raises(UntrustedKey):
        sign_trust_list(document, pki.other_operator.signer, pki.operator.chain)


def test_expired_operator_certificate(pki: Any, document: dict[str, Any], token: str) -> None:
    with pytest.raises(Expired):
        verify_trust_list(token, pki.operator.chain, P.T0 + timedelta(days=4000))


def test_wrong_typ_and_alg_none(pki: Any, document: dict[str, Any]) -> None:
    header = {"x5c": encode_x5c(pki.operator.chain)}
    wrong_typ = sign_compact(
        canonical_bytes(document), pki.operator.signer, typ="JWT", header=header
    )
    with pytest.raises(MalformedInput):
        verify(pki, wrong_typ)
    none = (
        b64url_encode(
            dump_json_compact({"alg": "none", "typ": c.TRUST_LIST_TYP, **header}).encode()
        )
        + "."
        + b64url_encode(canonical_bytes(document))
        + "."
    )
    with pytest.raises(Unsupported):
        verify(pki, none)


def test_missing_x5c(pki: Any, document: dict[str, Any]) -> None:
    token = sign_compact(canonical_bytes(document), pki.operator.signer, typ=c.TRUST_LIST_TYP)
    with pytest.raises(MalformedInput):
        verify(pki, token)


def test_non_canonical_payload_rejected(pki: Any, document: dict[str, Any]) -> None:
    pretty = json.dumps(document, indent=2, ensure_ascii=False).encode()
    token = sign_compact(
        pretty,
        pki.operator.signer,
        typ=c.TRUST_LIST_TYP,
        header={"x5c": encode_x5c(pki.operator.chain)},
    )
    with pytest.raises(MalformedInput, match="canonical"):
        verify(pki, token)


def test_duplicate_json_member_rejected(pki: Any, document: dict[str, Any]) -> None:
    raw = canonical_bytes(document)
    duplicated = raw[:-1] + b',"issuers":[]}'
    token = sign_compact(
        duplicated,
        pki.operator.signer,
        typ=c.TRUST_LIST_TYP,
        header={"x5c": encode_x5c(pki.operator.chain)},
    )
    with pytest.raises(MalformedInput, match="duplicate"):
        verify(pki, token)


# --- consistency rules ---------------------------------------------------------------------


def _mutate(document: dict[str, Any], change: Any) -> dict[str, Any]:
    copy = P.variant(document)
    change(copy)
    return copy


DUPLICATES = {
    "entity_id across categories": lambda d: d[c.VERIFIERS][0].update({c.ENTITY_ID: "employer-a"}),
    "issuer twice": lambda d: d[c.ISSUERS].append(P.variant(d[c.ISSUERS][0])),
    "client_id": lambda d: d[c.VERIFIERS][1].update({c.CLIENT_ID: d[c.VERIFIERS][0][c.CLIENT_ID]}),
    "issuer corporate number": lambda d: d[c.ISSUERS][1].update(
        {c.CORPORATE_NUMBER: d[c.ISSUERS][0][c.CORPORATE_NUMBER]}
    ),
    "key under two entities": lambda d: d[c.STATUS_LIST_PROVIDERS][0][c.DIGITAL_IDENTITY].update(
        {c.JWKS: d[c.ISSUERS][0][c.DIGITAL_IDENTITY][c.JWKS]}
    ),
    "same key twice": lambda d: d[c.ISSUERS][0][c.DIGITAL_IDENTITY][c.JWKS].append(
        dict(d[c.ISSUERS][0][c.DIGITAL_IDENTITY][c.JWKS][0], kid="again")
    ),
    "access certificate": lambda d: d[c.VERIFIERS][1].update(
        {c.ACCESS_CERTIFICATES: d[c.VERIFIERS][0][c.ACCESS_CERTIFICATES]}
    ),
    "purpose": lambda d: d[c.VERIFIERS][0][c.INTENDED_USES].append(
        P.variant(d[c.VERIFIERS][0][c.INTENDED_USES][0])
    ),
    "status prefix": lambda d: d[c.STATUS_LIST_PROVIDERS].append(
        dict(
            P.variant(d[c.STATUS_LIST_PROVIDERS][0]),
            entity_id="other",
            digital_identity={c.X509_CERTIFICATES: d[c.CARD_CAS][0][c.X509_CERTIFICATES]},
        )
    ),
}


@pytest.mark.parametrize("name", sorted(DUPLICATES))
def test_duplicate_entries_rejected(document: dict[str, Any], name: str) -> None:
    with pytest.raises(ValidationError, match=r"duplicate|twice"):
        parse_trust_list(_mutate(document, DUPLICATES[name]))


INCONSISTENT = {
    "next update before issue": lambda d: d[c.LIST_AND_SCHEME_INFORMATION].update(
        {c.NEXT_UPDATE: "2020-01-01T00:00:00Z"}
    ),
    "history not chronological": lambda d: d[c.ISSUERS][0][c.STATUS_HISTORY].append(
        {c.STATUS: c.STATUS_WITHDRAWN, c.STATUS_STARTING_TIME: "2025-01-01T00:00:00Z"}
    ),
    "history repeats": lambda d: d[c.ISSUERS][0][c.STATUS_HISTORY].append(
        {c.STATUS: c.STATUS_GRANTED, c.STATUS_STARTING_TIME: "2026-03-01T00:00:00Z"}
    ),
    "private key member": lambda d: d[c.ISSUERS][0][c.DIGITAL_IDENTITY][c.JWKS][0].update(
        {"d": "AAAA"}
    ),
    "my number without legal basis": lambda d: d[c.VERIFIERS][0][c.INTENDED_USES][0][c.CREDENTIALS][
        0
    ][c.CLAIMS].append(["my_number"]),
    "corporate number check": lambda d: d[c.ISSUERS][0].update({c.CORPORATE_NUMBER: "12345678901"}),
}


@pytest.mark.parametrize("name", sorted(INCONSISTENT))
def test_inconsistent_documents_rejected(document: dict[str, Any], name: str) -> None:
    with pytest.raises((ValidationError, MalformedInput)) as info:
        parse_trust_list(_mutate(document, INCONSISTENT[name]))
    expected = MalformedInput if name == "corporate number check" else ValidationError
    assert type(info.value) is expected


def test_corporate_number_check_digit(document: dict[str, Any]) -> None:
    number = document[c.VERIFIERS][0][c.CORPORATE_NUMBER]
    wrong = str((int(number[0]) + 1) % 10) + number[1:]
    bad = _mutate(document, lambda d: d[c.VERIFIERS][0].update({c.CORPORATE_NUMBER: wrong}))
    with pytest.raises(ValidationError, match="check digit") as info:
        parse_trust_list(bad)
    assert info.value.claim_path == (c.VERIFIERS, 0, c.CORPORATE_NUMBER)


def test_corporate_number_hook(document: dict[str, Any]) -> None:
    def strict(number: str) -> None:
        if number[0] != "0":
            raise ValidationError("check digit does not match")

    with pytest.raises(ValidationError) as info:
        parse_trust_list(document, corporate_number_check=strict)
    assert info.value.claim_path == (c.ISSUERS, 0, c.CORPORATE_NUMBER)


MALFORMED = {
    "missing member": lambda d: d[c.ISSUERS][0].pop(c.LEGAL_NAME),
    "extra member": lambda d: d[c.ISSUERS][0].update({"extra": 1}),
    "extra top member": lambda d: d.update({"x": []}),
    "bad time": lambda d: d[c.LIST_AND_SCHEME_INFORMATION].update(
        {c.ISSUE_TIME: "2026-07-01 09:00:00"}
    ),
    "impossible date": lambda d: d[c.LIST_AND_SCHEME_INFORMATION].update(
        {c.ISSUE_TIME: "2026-02-30T09:00:00Z"}
    ),
    "unknown status": lambda d: d[c.ISSUERS][0][c.STATUS_HISTORY][0].update({c.STATUS: "active"}),
    "wrong lote type": lambda d: d[c.LIST_AND_SCHEME_INFORMATION].update({c.TYPE: "x"}),
    "float sequence": lambda d: d[c.LIST_AND_SCHEME_INFORMATION].update({c.SEQUENCE_NUMBER: 1.5}),
    "bad certificate": lambda d: d[c.CARD_CAS][0].update(
        {c.X509_CERTIFICATES: [base64.b64encode(b"not a certificate").decode()]}
    ),
    "bad jwk": lambda d: d[c.ISSUERS][0][c.DIGITAL_IDENTITY][c.JWKS][0].update({"x": "AA"}),
    "no keys": lambda d: d[c.ISSUERS][0].update({c.DIGITAL_IDENTITY: {}}),
    "http prefix": lambda d: d[c.STATUS_LIST_PROVIDERS][0].update(
        {c.URI_PREFIXES: ["http://status.example.jp/"]}
    ),
    "prefix without slash": lambda d: d[c.STATUS_LIST_PROVIDERS][0].update(
        {c.URI_PREFIXES: ["https://status.example.jp"]}
    ),
    "empty claim path": lambda d: d[c.VERIFIERS][0][c.INTENDED_USES][0][c.CREDENTIALS][0].update(
        {c.CLAIMS: [[]]}
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_documents_rejected(document: dict[str, Any], name: str) -> None:
    with pytest.raises(MalformedInput) as info:
        parse_trust_list(_mutate(document, MALFORMED[name]))
    assert type(info.value) is MalformedInput


def test_schema_error_names_the_member(document: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput) as info:
        parse_trust_list(_mutate(document, MALFORMED["extra member"]))
    assert info.value.claim_path == (c.ISSUERS, 0)


# --- limits --------------------------------------------------------------------------------


def test_entity_count_limit(document: dict[str, Any]) -> None:
    limits = replace(DEFAULT_LIMITS, max_trust_list_entities=3)
    with pytest.raises(LimitExceeded):
        parse_trust_list(document, limits=limits)


def test_keys_per_entity_limit(document: dict[str, Any]) -> None:
    limits = replace(DEFAULT_LIMITS, max_trust_list_keys_per_entity=0)
    with pytest.raises(LimitExceeded):
        parse_trust_list(document, limits=limits)


def test_oversize_document_refused_when_signing_and_verifying(
    pki: Any, document: dict[str, Any], token: str
) -> None:
    small = replace(DEFAULT_LIMITS, max_trust_list_bytes=1024)
    with pytest.raises(LimitExceeded):
        sign_trust_list(document, pki.operator.signer, pki.operator.chain, limits=small)
    with pytest.raises(LimitExceeded):
        verify(pki, token, limits=small)


def test_oversize_token_refused(pki: Any) -> None:
    huge = "a" * (DEFAULT_LIMITS.max_trust_list_bytes * 2) + ".b.c"
    with pytest.raises(LimitExceeded):
        verify(pki, huge)


def test_deep_payload_refused(pki: Any) -> None:
    deep = b"[" * 100 + b"]" * 100
    token = sign_compact(
        deep,
        pki.operator.signer,
        typ=c.TRUST_LIST_TYP,
        header={"x5c": encode_x5c(pki.operator.chain)},
    )
    with pytest.raises(LimitExceeded):
        verify(pki, token)


# --- diff ----------------------------------------------------------------------------------


def test_diff_reports_added_removed_changed(document: dict[str, Any]) -> None:
    new = P.variant(document)
    new[c.LIST_AND_SCHEME_INFORMATION][c.SEQUENCE_NUMBER] = 2
    new[c.ISSUERS][0][c.STATUS_HISTORY].append(
        {c.STATUS: c.STATUS_WITHDRAWN, c.STATUS_STARTING_TIME: "2026-06-01T00:00:00Z"}
    )
    removed = new[c.VERIFIERS].pop(1)
    new[c.CARD_CAS].append(dict(P.variant(new[c.CARD_CAS][0]), entity_id="jpki-2"))
    diff = diff_trust_lists(document, new)
    kinds = {(ch.category, ch.entity_id): (ch.kind, ch.members) for ch in diff.changes}
    assert kinds == {
        (c.ISSUERS, "employer-a"): ("changed", (c.STATUS_HISTORY,)),
        (c.VERIFIERS, removed[c.ENTITY_ID]): ("removed", ()),
        (c.CARD_CAS, "jpki-2"): ("added", ()),
    }
    assert diff.scheme_members == (c.SEQUENCE_NUMBER,)
    assert (diff.old_sequence_number, diff.new_sequence_number) == (1, 2)
    assert diff_trust_lists(document, document).changes == ()


# --- properties ----------------------------------------------------------------------------


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_arbitrary_token_raises_only_honnin_errors(pki: Any, text: str) -> None:
    with contextlib.suppress(HonninError):
        verify(pki, text)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_documents_raise_only_honnin_errors(document: dict[str, Any], data: Any) -> None:
    mutated = P.variant(document)
    # Replace one randomly chosen value somewhere in the document with arbitrary JSON.
    node: Any = mutated
    for _ in range(data.draw(st.integers(0, 5))):
        if isinstance(node, dict) and node:
            key = data.draw(st.sampled_from(sorted(node)))
            if not isinstance(node[key], dict | list) or data.draw(st.booleans()):
                node[key] = data.draw(JSON)
                break
            node = node[key]
        elif isinstance(node, list) and node:
            index = data.draw(st.integers(0, len(node) - 1))
            if not isinstance(node[index], dict | list) or data.draw(st.booleans()):
                node[index] = data.draw(JSON)
                break
            node = node[index]
    with contextlib.suppress(HonninError):
        parse_trust_list(mutated)

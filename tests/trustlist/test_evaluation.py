"""The evaluation API: issuers, verifiers, card CAs and status-list providers, at a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.errors import (
    MalformedInput,
    PolicyViolation,
    UntrustedIssuer,
    UntrustedKey,
    UntrustedVerifier,
    ValidationError,
)
from specs.trustlist import constants as c
from specs.trustlist import format_time, sign_trust_list, verify_trust_list
from tests.trustlist import pki as P  # noqa: N812 (the short name these tests use)
from trustlist.evaluation import (
    WithdrawalPolicy,
    authorize_issuer,
    card_ca_trust,
    check_card_ca,
    check_request,
    path_allowed,
    status_list_trust,
    verifier_permissions,
)

NOW = P.NOW
WITHDRAWN_AT = NOW - timedelta(days=10)


@pytest.fixture(scope="module")
def trust_list(pki: Any) -> Any:
    document = P.make_document(pki)
    # employer-a is withdrawn ten days before NOW.
    document[c.ISSUERS][0][c.STATUS_HISTORY].append(
        {c.STATUS: c.STATUS_WITHDRAWN, c.STATUS_STARTING_TIME: format_time(WITHDRAWN_AT)}
    )
    token = sign_trust_list(document, pki.operator.signer, pki.operator.chain)
    return verify_trust_list(token, pki.operator.chain, NOW).trust_list


def test_issuer_by_certificate_chain(pki: Any, trust_list: Any) -> None:
    decision = authorize_issuer(
        trust_list, credential_type=P.ENROLLMENT, at=NOW, chain=pki.school_signer.chain[:1]
    )
    assert decision.issuer.entity_id == "school-x"
    assert decision.withdrawn_since is None


def test_issuer_not_authorised_for_type(pki: Any, trust_list: Any) -> None:
    with pytest.raises(PolicyViolation):
        authorize_issuer(
            trust_list, credential_type=P.WITHHOLDING_SLIP, at=NOW, chain=pki.school_signer.chain
        )


def test_unknown_issuer_key_and_chain(pki: Any, trust_list: Any) -> None:
    with pytest.raises(UntrustedIssuer):
        authorize_issuer(trust_list, credential_type=P.ENROLLMENT, at=NOW, jwk=pki.city.jwk)
    with pytest.raises(UntrustedIssuer):
        authorize_issuer(trust_list, credential_type=P.ENROLLMENT, at=NOW, chain=pki.city.chain)


def test_withdrawn_issuer_under_both_policies(pki: Any, trust_list: Any) -> None:
    key = pki.employer_a_key.jwk
    before = WITHDRAWN_AT - timedelta(days=30)
    after = WITHDRAWN_AT + timedelta(days=1)
    # at_verification: the withdrawal voids everything, whenever it was issued.
    with pytest.raises(UntrustedIssuer, match="withdrawn"):
        authorize_issuer(trust_list, credential_type=P.WITHHOLDING_SLIP, at=NOW, jwk=key)
    with pytest.raises(UntrustedIssuer):
        authorize_issuer(
            trust_list,
            credential_type=P.WITHHOLDING_SLIP,
            at=NOW,
            jwk=key,
            issued_at=before,
            policy=WithdrawalPolicy.AT_VERIFICATION,
        )
    # at_issuance: issued while granted stays acceptable, issued after withdrawal does not.
    decision = authorize_issuer(
        trust_list,
        credential_type=P.WITHHOLDING_SLIP,
        at=NOW,
        jwk=key,
        issued_at=before,
        policy=WithdrawalPolicy.AT_ISSUANCE,
    )
    assert decision.withdrawn_since == WITHDRAWN_AT
    with pytest.raises(UntrustedIssuer):
        authorize_issuer(
            trust_list,
            credential_type=P.WITHHOLDING_SLIP,
            at=NOW,
            jwk=key,
            issued_at=after,
            policy=WithdrawalPolicy.AT_ISSUANCE,
        )
    # Before the first grant the issuer was not trusted either.
    with pytest.raises(UntrustedIssuer, match="not yet granted"):
        authorize_issuer(
            trust_list,
            credential_type=P.WITHHOLDING_SLIP,
            at=NOW,
            jwk=key,
            issued_at=P.T0 - timedelta(days=1),
            policy=WithdrawalPolicy.AT_ISSUANCE,
        )


def test_issuer_call_errors(pki: Any, trust_list: Any) -> None:
    with pytest.raises(MalformedInput):
        authorize_issuer(trust_list, credential_type=P.ENROLLMENT, at=NOW)
    with pytest.raises(MalformedInput):
        authorize_issuer(
            trust_list, credential_type=P.ENROLLMENT, at=NOW, jwk=pki.city.jwk, chain=pki.city.chain
        )
    with pytest.raises(MalformedInput):
        authorize_issuer(
            trust_list,
            credential_type=P.WITHHOLDING_SLIP,
            at=NOW,
            jwk=pki.employer_a_key.jwk,
            policy=WithdrawalPolicy.AT_ISSUANCE,
        )
    with pytest.raises(ValidationError):
        authorize_issuer(
            trust_list,
            credential_type=P.WITHHOLDING_SLIP,
            at=NOW,
            jwk=pki.employer_a_key.jwk,
            issued_at=NOW + timedelta(days=1),
            policy=WithdrawalPolicy.AT_ISSUANCE,
        )


def test_verifier_permissions_and_over_asking(pki: Any, trust_list: Any) -> None:
    perms = verifier_permissions(
        trust_list,
        purpose_id="year_end_tax_adjustment",
        at=NOW,
        client_id="x509_san_dns:verifier.b.example.jp",
        access_certificate=pki.verifier_b.chain[0],
    )
    assert perms.verifier.entity_id == "employer-b"
    assert perms.my_number_legal_basis is None
    assert ("withheld_tax",) in perms.allowed_claims[P.WITHHOLDING_SLIP]
    check_request(
        perms,
        {
            P.WITHHOLDING_SLIP: [
                ("payment_amount",),
                ("dependants", 0, "name"),
                ("dependants", None, "name"),
                ("recipient", "address", "locality"),
            ]
        },
    )
    with pytest.raises(PolicyViolation) as info:
        check_request(perms, {P.WITHHOLDING_SLIP: [("payment_amount",), ("recipient", "name")]})
    assert info.value.claim_path == ("recipient", "name")
    with pytest.raises(PolicyViolation):
        check_request(perms, {P.WITHHOLDING_SLIP: [("dependants",)]})
    with pytest.raises(PolicyViolation):
        check_request(perms, {P.ENROLLMENT: [("school",)]})
    with pytest.raises(PolicyViolation, match="My Number"):
        check_request(perms, {P.WITHHOLDING_SLIP: [("my_number",)]})
    with pytest.raises(PolicyViolation):
        verifier_permissions(
            trust_list, purpose_id="marketing", at=NOW, client_id=perms.verifier.client_id
        )


def test_my_number_with_legal_basis(pki: Any, trust_list: Any) -> None:
    perms = verifier_permissions(
        trust_list, purpose_id="resident_tax", at=NOW, access_certificate=pki.city.chain[0]
    )
    assert perms.my_number_legal_basis is not None
    assert perms.my_number_legal_basis.law == "番号法"
    check_request(perms, {P.WITHHOLDING_SLIP: [("my_number",)]})


def test_unknown_or_mismatched_verifier(pki: Any, trust_list: Any) -> None:
    with pytest.raises(UntrustedVerifier):
        verifier_permissions(trust_list, purpose_id="x", at=NOW, client_id="https://evil.example")
    with pytest.raises(UntrustedVerifier):
        verifier_permissions(
            trust_list, purpose_id="x", at=NOW, access_certificate=pki.other_operator.chain[0]
        )
    with pytest.raises(UntrustedVerifier, match="different verifier"):
        verifier_permissions(
            trust_list,
            purpose_id="resident_tax",
            at=NOW,
            client_id="https://city.example.jp",
            access_certificate=pki.verifier_b.chain[0],
        )
    with pytest.raises(UntrustedVerifier):
        verifier_permissions(
            trust_list,
            purpose_id="resident_tax",
            at=P.T0 - timedelta(days=1),
            client_id="https://city.example.jp",
        )


def test_card_ca(pki: Any, trust_list: Any) -> None:
    trust = card_ca_trust(trust_list, NOW)
    assert trust.anchors == (pki.jpki_root.chain[0],)
    assert trust.crl_distribution_points == ("https://jpki.example.jp/crl/user-auth.crl",)
    found = check_card_ca(trust_list, pki.card.chain[:2], NOW)
    assert found.entries[0].entity_id == "jpki-test-root"
    with pytest.raises(UntrustedKey):
        check_card_ca(trust_list, pki.school_signer.chain, NOW)
    with pytest.raises(UntrustedKey):
        card_ca_trust(trust_list, P.T0 - timedelta(days=1))


def test_status_list_provider(pki: Any, trust_list: Any) -> None:
    trust = status_list_trust(trust_list, "https://status.a.example.jp/lists/7", NOW)
    assert trust.provider.entity_id == "employer-a-status"
    assert trust.jwks[0]["x"] == pki.status_key.jwk["x"]
    for uri in (
        "https://status.a.example.jp/other/7",
        "https://status.a.example.jp.evil.example/lists/7",
        "https://status.a.example.jp/list",
    ):
        with pytest.raises(UntrustedIssuer):
            status_list_trust(trust_list, uri, NOW)
    for uri in ("http://status.a.example.jp/lists/7", "https://status.a.example.jp/lists/../x"):
        with pytest.raises(MalformedInput):
            status_list_trust(trust_list, uri, NOW)


PATHS = st.lists(
    st.one_of(st.sampled_from(["a", "b", "c"]), st.integers(0, 2), st.none()),
    min_size=1,
    max_size=4,
).map(tuple)


@settings(max_examples=100, deadline=None)
@given(PATHS, st.lists(PATHS, max_size=3))
def test_path_allowed_is_prefix_matching(requested: tuple[Any, ...], allowed: list[Any]) -> None:
    result = path_allowed(requested, allowed)
    # Anything an allowed pattern covers is itself; extending a covered path stays covered.
    assert path_allowed(requested, [requested]) is True
    if result:
        assert path_allowed((*requested, "z"), allowed) is True


# --- build -> sign -> verify -> evaluate round trip -----------------------------------------

CREDENTIAL_TYPES = st.lists(
    st.sampled_from([P.WITHHOLDING_SLIP, P.ENROLLMENT, P.EMPLOYMENT]), min_size=1, unique=True
)
CLAIM = st.lists(st.sampled_from(["name", "amount", "address", "year"]), min_size=1, max_size=2)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    types=CREDENTIAL_TYPES,
    claims=st.lists(CLAIM, min_size=1, max_size=4),
    withdraw_days=st.one_of(st.none(), st.integers(1, 100)),
    sequence=st.integers(1, 2**40),
)
def test_round_trip_build_sign_verify_evaluate(
    pki: Any, types: list[str], claims: list[list[str]], withdraw_days: int | None, sequence: int
) -> None:
    document = P.make_document(pki, sequence_number=sequence)
    issuer = document[c.ISSUERS][0]
    issuer[c.CREDENTIAL_TYPES] = types
    if withdraw_days is not None:
        issuer[c.STATUS_HISTORY].append(
            {
                c.STATUS: c.STATUS_WITHDRAWN,
                c.STATUS_STARTING_TIME: format_time(NOW - timedelta(days=withdraw_days)),
            }
        )
    unique_claims = [list(x) for x in dict.fromkeys(tuple(x) for x in claims)]
    use = document[c.VERIFIERS][0][c.INTENDED_USES][0]
    use[c.CREDENTIALS] = [{c.CREDENTIAL_TYPE: t, c.CLAIMS: unique_claims} for t in types]

    token = sign_trust_list(document, pki.operator.signer, pki.operator.chain)
    tl = verify_trust_list(token, pki.operator.chain, NOW).trust_list
    assert tl.document == document
    assert tl.sequence_number == sequence

    for credential_type in [P.WITHHOLDING_SLIP, P.ENROLLMENT, P.EMPLOYMENT]:
        call = {"credential_type": credential_type, "at": NOW, "jwk": pki.employer_a_key.jwk}
        if withdraw_days is not None:
            with pytest.raises(UntrustedIssuer):
                authorize_issuer(tl, **call)
        elif credential_type in types:
            assert authorize_issuer(tl, **call).issuer.entity_id == "employer-a"
        else:
            with pytest.raises(PolicyViolation):
                authorize_issuer(tl, **call)

    perms = verifier_permissions(
        tl, purpose_id=use[c.PURPOSE_ID], at=NOW, client_id=document[c.VERIFIERS][0][c.CLIENT_ID]
    )
    check_request(perms, {t: [tuple(x) for x in unique_claims] for t in types})
    with pytest.raises(PolicyViolation):
        check_request(perms, {types[0]: [("not_registered",)]})

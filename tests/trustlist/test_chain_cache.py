"""IssuerChainCache: the cached chain lookup answers exactly as the uncached one, at any time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.errors import Expired, HonninError, NotYetValid, UntrustedIssuer
from specs.trustlist import constants as c
from specs.trustlist import sign_trust_list, verify_trust_list
from tests.trustlist import pki as P  # noqa: N812 (the short name these tests use)
from trustlist.evaluation import IssuerChainCache, authorize_issuer

NOW = P.NOW


def _verified(pki: Any, document: dict[str, Any]) -> Any:
    token = sign_trust_list(document, pki.operator.signer, pki.operator.chain)
    return verify_trust_list(token, pki.operator.chain, NOW).trust_list


@pytest.fixture(scope="module")
def trust_list(pki: Any) -> Any:
    return _verified(pki, P.make_document(pki))


def _outcome(trust_list: Any, chain: Any, at: Any, cache: IssuerChainCache | None) -> Any:
    try:
        decision = authorize_issuer(
            trust_list, credential_type=P.ENROLLMENT, at=at, chain=chain, chain_cache=cache
        )
    except HonninError as exc:
        return type(exc)
    return decision.issuer.entity_id


def test_second_lookup_is_a_hit_with_the_same_answer(pki: Any, trust_list: Any) -> None:
    cache = IssuerChainCache()
    chain = pki.school_signer.chain
    first = cache.issuer_for_chain(trust_list, chain, NOW)
    # Equal DER loaded into new objects is the same key.
    again = [
        x509.load_der_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
        for cert in chain
    ]
    second = cache.issuer_for_chain(trust_list, again, NOW + timedelta(days=1))
    assert first is second
    assert first.entity_id == "school-x"
    assert (cache.misses, cache.hits) == (1, 1)


def test_expired_and_not_yet_valid_chains_fail_even_after_a_hit(pki: Any, trust_list: Any) -> None:
    cache = IssuerChainCache()
    chain = pki.school_signer.chain
    cache.issuer_for_chain(trust_list, chain, NOW)
    after = chain[0].not_valid_after_utc + timedelta(seconds=1)
    before = chain[0].not_valid_before_utc - timedelta(seconds=1)
    with pytest.raises(Expired):
        cache.issuer_for_chain(trust_list, chain, after)
    with pytest.raises(NotYetValid):
        cache.issuer_for_chain(trust_list, chain, before)
    assert cache.hits == 0


def test_unknown_chain_is_refused_every_time_and_not_remembered(pki: Any, trust_list: Any) -> None:
    cache = IssuerChainCache()
    for _ in range(2):
        with pytest.raises(UntrustedIssuer):
            cache.issuer_for_chain(trust_list, pki.city.chain, NOW)
    assert (cache.misses, cache.hits) == (2, 0)


def test_a_new_trust_list_starts_a_new_cache(pki: Any, trust_list: Any) -> None:
    cache = IssuerChainCache()
    chain = pki.school_signer.chain
    assert cache.issuer_for_chain(trust_list, chain, NOW).entity_id == "school-x"
    # Same sequence number, but the school is gone: the old decision must not leak.
    document = P.make_document(pki)
    document[c.ISSUERS] = [e for e in document[c.ISSUERS] if e[c.ENTITY_ID] != "school-x"]
    reduced = _verified(pki, document)
    assert reduced.scheme.sequence_number == trust_list.scheme.sequence_number
    with pytest.raises(UntrustedIssuer):
        cache.issuer_for_chain(reduced, chain, NOW)
    with pytest.raises(UntrustedIssuer):
        authorize_issuer(
            reduced, credential_type=P.ENROLLMENT, at=NOW, chain=chain, chain_cache=cache
        )


def test_bounded_cache_stays_correct(pki: Any, trust_list: Any) -> None:
    cache = IssuerChainCache(max_entries=1)
    chains = [pki.school_signer.chain, pki.school_signer.chain[:1]]
    for _ in range(3):
        for chain in chains:
            assert cache.issuer_for_chain(trust_list, chain, NOW).entity_id == "school-x"
    assert cache.hits + cache.misses == 6


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    days=st.lists(st.integers(min_value=-8000, max_value=8000), min_size=1, max_size=6),
    which=st.lists(st.sampled_from(["school", "school_leaf", "city", "card"]), min_size=1),
)
def test_cached_answers_equal_uncached(
    pki: Any, trust_list: Any, days: list[int], which: list[str]
) -> None:
    chains = {
        "school": pki.school_signer.chain,
        "school_leaf": pki.school_signer.chain[:1],
        "city": pki.city.chain,
        "card": pki.card.chain,
    }
    cache = IssuerChainCache()
    for day in days:
        at = NOW + timedelta(days=day)
        for name in which:
            chain = chains[name]
            assert _outcome(trust_list, chain, at, cache) == _outcome(trust_list, chain, at, None)

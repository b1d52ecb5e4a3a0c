"""``prepare_sd_jwt_vc``: the batch-issuance path gives what ``issue_sd_jwt_vc`` gives."""

from __future__ import annotations

from typing import Any

import pytest

from specs.errors import LimitExceeded, MalformedInput
from specs.jose import unverified_header
from specs.keys import SoftwareSigner
from specs.limits import Limits
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import SD, KeyBindingCheck, present
from specs.sd_jwt_vc import StaticIssuerKey, StatusListReference, issue_sd_jwt_vc, verify_sd_jwt_vc
from specs.sd_jwt_vc.credential import prepare_sd_jwt_vc

ISSUER = SoftwareSigner.generate("ES256")
HOLDER = SoftwareSigner.generate("ES256")
CLAIMS: dict[str, Any] = {
    "payment_amount": SD(3_150_000),
    "recipient": SD({"name": SD("佐藤"), "address": SD("東京都")}),
    "tax_year": 2026,
}
OPTIONS: dict[str, Any] = {
    "vct": "urn:honnin:slip",
    "iss": "https://a.example",
    "vct_integrity": "sha256-abc",
    "expires_in": 3600,
    "not_before": 1_700_000_000,
    "kid": "k1",
    "x5c": ["MIIB"],
    "decoys": 2,
}


class ChunkedRandom:
    def __init__(self, seed: str) -> None:
        self.inner = SeededRandom(seed)

    def bytes(self, n: int) -> bytes:
        return b"".join(self.inner.bytes(16) for _ in range(n // 16))


def test_same_payload_header_and_disclosures_as_issue_sd_jwt_vc(clock: FixedClock) -> None:
    status = StatusListReference(7, "https://a.example/status/1")
    old = issue_sd_jwt_vc(
        CLAIMS,
        ISSUER,
        clock=clock,
        random=ChunkedRandom("s"),
        holder_jwk=HOLDER.public_jwk,
        status=status,
        **OPTIONS,
    )
    template = prepare_sd_jwt_vc(CLAIMS, **OPTIONS)
    new = template.issue(
        ISSUER, clock=clock, random=ChunkedRandom("s"), holder_jwk=HOLDER.public_jwk, status=status
    )
    assert new.split("~")[1:] == old.split("~")[1:]
    assert new.split(".")[:2] == old.split(".")[:2]
    assert unverified_header(new)["typ"] == "dc+sd-jwt"


def test_instances_verify_and_share_nothing_random(clock: FixedClock, rng: SeededRandom) -> None:
    template = prepare_sd_jwt_vc(CLAIMS, vct="urn:honnin:slip", iss="https://a.example")
    issued = [
        template.issue(
            ISSUER,
            clock=clock,
            random=rng,
            holder_jwk=HOLDER.public_jwk,
            status=StatusListReference(i, "https://a.example/status/1"),
        )
        for i in range(4)
    ]
    disclosures = [set(c.split("~")[1:-1]) for c in issued]
    assert all(not disclosures[i] & disclosures[j] for i in range(4) for j in range(i + 1, 4))
    for index, credential in enumerate(issued):
        presentation = present(
            credential,
            [("recipient", "name")],
            holder_signer=HOLDER,
            aud="v",
            nonce="n",
            clock=clock,
        )
        result = verify_sd_jwt_vc(
            presentation,
            issuer_keys=StaticIssuerKey(ISSUER.public_jwk, iss="https://a.example"),
            clock=clock,
            key_binding=KeyBindingCheck(aud="v", nonce="n"),
        )
        assert result.payload["recipient"] == {"name": "佐藤"}
        assert result.status == StatusListReference(index, "https://a.example/status/1")


@pytest.mark.parametrize("name", ["iss", "iat", "exp", "nbf", "cnf", "vct", "status"])
def test_registered_claims_in_claims_are_refused(name: str) -> None:
    with pytest.raises(MalformedInput):
        prepare_sd_jwt_vc({name: 1}, vct="urn:x")


@pytest.mark.parametrize("vct", ["", 5])
def test_vct_must_be_a_non_empty_string(vct: Any) -> None:
    with pytest.raises(MalformedInput):
        prepare_sd_jwt_vc({}, vct=vct)


def test_limits_are_passed_on() -> None:
    with pytest.raises(LimitExceeded):
        prepare_sd_jwt_vc(CLAIMS, vct="urn:x", limits=Limits(max_disclosures=2))

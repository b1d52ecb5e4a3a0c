"""Version 2 of the withholding slip only adds an optional claim; a version-1 verifier accepts it."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pytest

from specs.credentials import (
    CREDENTIAL_TYPES,
    WITHHOLDING_SLIP_V1,
    Claim,
    CredentialType,
    WithholdingSlip,
    accept_any,
    accept_type,
)
from specs.credentials.values import Date
from specs.credentials.withholding_slip import withholding_slip_rules
from specs.errors import DigestMismatch, NotFound, Unsupported
from specs.sd_jwt_vc import parse_type_metadata, resolve_type_metadata

EXAMPLES = json.loads((Path(__file__).parent / "valid_examples.json").read_text("utf-8"))


@dataclass(frozen=True, slots=True)
class WithholdingSlipV2(WithholdingSlip):
    """Version 2 adds the first move-in date of the housing loan credit (居住開始年月日)."""

    housing_loan_move_in_date: Annotated[
        date | None, Claim(Date(), "居住開始年月日(1回目)", "Housing loan move-in date")
    ] = None


WITHHOLDING_SLIP_V2: CredentialType[WithholdingSlipV2] = CredentialType(
    id="withholding-slip",
    version=2,
    model=WithholdingSlipV2,
    name_ja=WITHHOLDING_SLIP_V1.name_ja,
    name_en=WITHHOLDING_SLIP_V1.name_en,
    description_ja=WITHHOLDING_SLIP_V1.description_ja,
    description_en=WITHHOLDING_SLIP_V1.description_en,
    rules=withholding_slip_rules,
    extends=WITHHOLDING_SLIP_V1,
)


def v2_claims() -> dict[str, Any]:
    claims = copy.deepcopy(EXAMPLES["withholding-slip"])
    claims["housing_loan_move_in_date"] = "2021-03-15"
    return claims


def v2_metadata(**changes: Any) -> dict[str, Any]:
    return copy.deepcopy(WITHHOLDING_SLIP_V2.metadata()) | changes


def test_v2_metadata_extends_v1_with_integrity() -> None:
    doc = WITHHOLDING_SLIP_V2.metadata()
    assert doc["vct"] == "https://honnin.example/credentials/withholding-slip/2"
    assert doc["extends"] == WITHHOLDING_SLIP_V1.vct
    assert doc["extends#integrity"] == WITHHOLDING_SLIP_V1.integrity()


def test_v1_verifier_accepts_v2_and_reads_the_v1_claims() -> None:
    presented = parse_type_metadata(WITHHOLDING_SLIP_V2.metadata_bytes())
    assert accept_type(WITHHOLDING_SLIP_V1, presented) is WITHHOLDING_SLIP_V1
    assert accept_any(CREDENTIAL_TYPES.values(), presented) is WITHHOLDING_SLIP_V1
    v1_view = WITHHOLDING_SLIP_V1.parse(v2_claims())
    assert type(v1_view) is WithholdingSlip
    assert v1_view == WITHHOLDING_SLIP_V1.parse(EXAMPLES["withholding-slip"])
    v2_view = WITHHOLDING_SLIP_V2.parse(v2_claims())
    assert v2_view.housing_loan_move_in_date == date(2021, 3, 15)
    # A v2 credential without the new claim is also a valid v1 credential and vice versa.
    assert WITHHOLDING_SLIP_V2.parse(EXAMPLES["withholding-slip"]).housing_loan_move_in_date is None


def test_v2_type_metadata_resolves_through_the_chain() -> None:
    served = {t.vct: t.metadata_bytes() for t in (WITHHOLDING_SLIP_V1, WITHHOLDING_SLIP_V2)}

    def load(vct: str) -> bytes:
        if vct not in served:
            raise NotFound(vct)
        return served[vct]

    effective = resolve_type_metadata(
        WITHHOLDING_SLIP_V2.vct, load, integrity=WITHHOLDING_SLIP_V2.integrity()
    )
    paths = {tuple(c.path) for c in effective.claims}
    assert {info.path for info in WITHHOLDING_SLIP_V1.claims()} < paths
    assert ("housing_loan_move_in_date",) in paths


def test_same_version_is_accepted() -> None:
    presented = parse_type_metadata(WITHHOLDING_SLIP_V1.metadata_bytes())
    assert accept_type(WITHHOLDING_SLIP_V1, presented) is WITHHOLDING_SLIP_V1


def _claim(doc: dict[str, Any], path: list[str]) -> dict[str, Any]:
    return next(c for c in doc["claims"] if c["path"] == path)


def test_adding_a_mandatory_claim_is_not_backward_compatible() -> None:
    doc = v2_metadata()
    _claim(doc, ["housing_loan_move_in_date"])["mandatory"] = True
    with pytest.raises(Unsupported, match="mandatory"):
        accept_type(WITHHOLDING_SLIP_V1, parse_type_metadata(doc))


def test_changing_sd_of_a_known_claim_is_rejected() -> None:
    doc = v2_metadata()
    _claim(doc, ["payment_amount"])["sd"] = "never"
    with pytest.raises(Unsupported, match=r"5\.6\.5\.1"):
        accept_type(WITHHOLDING_SLIP_V1, parse_type_metadata(doc))
    doc = v2_metadata()
    _claim(doc, ["tax_year"])["sd"] = "always"
    with pytest.raises(Unsupported):
        accept_type(WITHHOLDING_SLIP_V1, parse_type_metadata(doc))


def test_making_a_mandatory_claim_optional_is_rejected() -> None:
    doc = v2_metadata()
    _claim(doc, ["withheld_tax"])["mandatory"] = False
    with pytest.raises(Unsupported, match="optional"):
        accept_type(WITHHOLDING_SLIP_V1, parse_type_metadata(doc))


def test_a_type_that_does_not_extend_the_known_one_is_rejected() -> None:
    doc = v2_metadata(extends="https://honnin.example/credentials/employment-certificate/1")
    doc.pop("extends#integrity")
    with pytest.raises(Unsupported):
        accept_type(WITHHOLDING_SLIP_V1, parse_type_metadata(doc))
    with pytest.raises(Unsupported):
        accept_any([WITHHOLDING_SLIP_V1], parse_type_metadata(v2_metadata(extends=None)))


def test_extends_integrity_must_match_the_known_document() -> None:
    doc = v2_metadata()
    doc["extends#integrity"] = CREDENTIAL_TYPES["basic-pension-number"].integrity()
    with pytest.raises(DigestMismatch):
        accept_type(WITHHOLDING_SLIP_V1, parse_type_metadata(doc))


def test_v1_verifier_reads_an_issued_v2_sd_jwt_vc() -> None:
    from datetime import UTC, datetime

    from specs.keys import SoftwareSigner
    from specs.ports import FixedClock, SeededRandom
    from specs.sd_jwt import present
    from specs.sd_jwt_vc import StaticIssuerKey, issue_sd_jwt_vc, verify_sd_jwt_vc

    clock = FixedClock(datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    issuer = SoftwareSigner.generate("ES256")
    issued = issue_sd_jwt_vc(
        WITHHOLDING_SLIP_V2.mark_disclosable(v2_claims()),
        issuer,
        vct=WITHHOLDING_SLIP_V2.vct,
        vct_integrity=WITHHOLDING_SLIP_V2.integrity(),
        clock=clock,
        random=SeededRandom(b"v2"),
    )
    everything = [(k,) for k in v2_claims()]
    result = verify_sd_jwt_vc(
        present(issued, everything),
        issuer_keys=StaticIssuerKey(issuer.public_jwk),
        clock=clock,
        require_key_binding=False,
    )
    # The verifier looks up the presented type's metadata (the wallet or a registry serves
    # the bytes), checks vct#integrity on them, then decides with its v1 knowledge.
    presented = parse_type_metadata(WITHHOLDING_SLIP_V2.metadata_bytes())
    assert result.payload["vct#integrity"] == WITHHOLDING_SLIP_V2.integrity()
    known = accept_any([WITHHOLDING_SLIP_V1], presented)
    slip = known.parse(result.payload)
    assert slip == WITHHOLDING_SLIP_V1.parse(EXAMPLES["withholding-slip"])

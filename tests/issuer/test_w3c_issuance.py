"""ldp_vc issuance in the service: base proofs per holder key, mandatory pointers, status lists."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from honnin_issuer_test_support import make_settings, slip_claims

from issuer.service import IssuerDeps, IssuerService
from issuer.w3c_issuance import ldp_vc_configuration_id, mandatory_subject_paths
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.errors import NotFound, Revoked
from specs.keys import SoftwareSigner
from specs.status_list.bitstring import check_status, parse_status_entry, require_not_revoked
from specs.w3c_vc import DocumentLoader, ecdsa_rdfc_2019, ecdsa_sd_2023
from specs.w3c_vc.did_jwk import resolve_did_jwk, unverified_did_jwk
from specs.w3c_vc.multikey import did_key_for


def test_mandatory_subject_paths_are_the_never_disclosable_leaves() -> None:
    assert set(mandatory_subject_paths(WITHHOLDING_SLIP_V1)) == {
        ("tax_year",),
        ("tax_year_era",),
        ("payer", "name"),
        ("payer", "corporate_number"),
        ("payer", "address"),
        ("payer", "phone"),
    }


def test_ldp_vc_batch_status_lists_and_revocation(
    tmp_path: Path, make_deps: Callable[..., IssuerDeps]
) -> None:
    service = IssuerService(make_settings(tmp_path, f"sqlite:///{tmp_path}/i.db"), make_deps())
    loader = DocumentLoader()
    try:
        offer, _ = service.create_offer(
            WITHHOLDING_SLIP_V1.id, slip_claims(), credential_format="ldp_vc"
        )
        assert offer.configuration_id == ldp_vc_configuration_id(WITHHOLDING_SLIP_V1.id)
        record = service.repository.offer(offer.offer_id)
        holders = [SoftwareSigner.generate("ES256") for _ in range(2)]
        issued = service.w3c.issue_batch(
            record, [h.public_jwk for h in holders], now=service.clock.now()
        )
        subjects = []
        for vc, holder in zip(issued, holders, strict=True):
            verified = ecdsa_sd_2023.verify_base_proof(
                vc, loader=loader, key_resolver=resolve_did_jwk
            )
            subject = verified.document["credentialSubject"]
            assert subject["id"] == did_key_for(holder.public_key)
            subjects.append(subject.pop("id"))
            assert subject == slip_claims()
            jwk = unverified_did_jwk(vc["proof"]["verificationMethod"])
            assert jwk["x5c"] == list(service.x5c)
        assert len(set(subjects)) == 2

        def status_of(vc: dict[str, Any], purpose: str) -> Any:
            (entry,) = [
                parse_status_entry(e)
                for e in vc["credentialStatus"]
                if e["statusPurpose"] == purpose
            ]
            index = entry.status_list_credential.split("/")[-2]
            listed = service.w3c.status_list_credential(index, purpose)
            verified = ecdsa_rdfc_2019.verify_proof(
                listed, loader=loader, key_resolver=resolve_did_jwk
            )
            return check_status(entry, verified.document)

        assert status_of(issued[0], "revocation").valid
        service.revoke(offer.offer_id)
        with pytest.raises(Revoked):
            require_not_revoked(status_of(issued[0], "revocation"))
        with pytest.raises(Revoked):
            require_not_revoked(status_of(issued[1], "revocation"))
        assert status_of(issued[0], "suspension").valid
        with pytest.raises(NotFound):
            service.w3c.status_list_credential("1", "refresh")
        with pytest.raises(NotFound):
            service.w3c.status_list_credential("no-such-list", "revocation")
    finally:
        service.close()

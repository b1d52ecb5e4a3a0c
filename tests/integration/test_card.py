"""A card-bound wallet: the SoftHSM2 test My Number Card attests the keys A binds the slip to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from honnin.testcard import JpkiTestCa, SoftHsm, create_test_card
from specs.errors import ValidationError
from specs.ports import FixedClock
from verifier.pipeline import PASSED
from wallet.card.token import Pkcs11Signer
from wallet.holder import Wallet

from .conftest import FAST_SCRYPT, PASSPHRASE, CardSetup, World, build_world

pytestmark = pytest.mark.softhsm


@pytest.fixture
def card_world(
    softhsm_module: str, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    """A with ``key_attestation_required`` and the test card CA in the list; a card wallet."""
    hsm = SoftHsm(tmp_path / "softhsm", module=softhsm_module)
    hsm.write_config()
    monkeypatch.setenv("SOFTHSM2_CONF", str(hsm.config))  # private to this test
    hsm.activate()
    now = clock.now()
    ca = JpkiTestCa.create(now)
    card = create_test_card(hsm, ca, now=now)
    signer = Pkcs11Signer.open(softhsm_module, card.pin, token_label=card.token_label)
    setup = CardSetup(
        signer=signer,
        chain=card.chain,
        ca_pem=ca.certificate.public_bytes(serialization.Encoding.PEM),
        crl_pem=ca.issue_crl(now - timedelta(hours=1)).public_bytes(serialization.Encoding.PEM),
    )
    w = build_world(tmp_path, clock, card=setup)
    try:
        yield w
    finally:
        w.close()
        signer.close()


def test_card_wallet_receives_with_a_key_attestation_and_b_verifies(card_world: World) -> None:
    world = card_world
    assert world.wallet.profile.card_bound
    (received,) = world.receive(world.offer())
    assert received.instances == 4
    # A asked for attested keys only; the wallet kept exactly the four the card attested.
    config = world.issuer_app.state.service.metadata.to_json()
    proofs = config["credential_configurations_supported"]["withholding-slip-sd-jwt"]
    assert proofs["proof_types_supported"]["jwt"]["key_attestations_required"] == {}
    assert len(world.wallet.keys.public_jwks()) == 4

    request = world.hr_request("b")
    world.present(request["request_link"])
    result = world.hr_result("b", request["transaction_id"])
    assert result["outcome"] == "verified", result
    assert {c["outcome"] for c in result["checks"]} == {PASSED}
    assert result["pseudonym"] == world.wallet.pseudonym("employer-b")


def test_card_less_wallet_is_refused_when_a_requires_key_attestation(
    card_world: World, tmp_path: Path
) -> None:
    world = card_world
    world.wallet = Wallet.create(
        tmp_path / "plain-wallet",
        PASSPHRASE,
        clock=world.clock,
        random=world.wallet.random,
        trust_list=world.trust_list_path,
        trust_list_anchor=world.anchor_path,
        scrypt_n=FAST_SCRYPT,
    )
    world.card = None
    with pytest.raises(ValidationError, match=r"invalid_proof|key attestation"):
        world.receive(world.offer())
    assert world.wallet.store.credentials() == []
    assert world.wallet.keys.public_jwks() == []

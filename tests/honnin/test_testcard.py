"""The test CA, SoftHSM2 test cards and the `honnin card` commands."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pkcs11
import pytest
from cryptography import x509
from pkcs11 import Attribute, ObjectClass
from typer.testing import CliRunner

from honnin.cli import app
from honnin.testcard import JpkiTestCa, SoftHsm, create_test_card
from specs.card import check_user_authentication_profile, validate_card_certificate
from specs.card.constants import (
    JPKI_USER_AUTHENTICATION_CA_CERT_LABEL,
    JPKI_USER_AUTHENTICATION_CERT_LABEL,
    JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
)
from specs.errors import Expired, Revoked

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> JpkiTestCa:
    return JpkiTestCa.create(NOW)


@pytest.fixture
def hsm(softhsm_module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SoftHsm:
    hsm = SoftHsm(tmp_path / "softhsm", module=softhsm_module)
    hsm.write_config()
    monkeypatch.setenv("SOFTHSM2_CONF", str(hsm.config))
    hsm.activate()
    return hsm


def test_ca_is_a_test_ca_and_issues_profile_certificates(ca: JpkiTestCa) -> None:
    assert "not J-LIS" in ca.certificate.subject.rfc4514_string()
    key = ca.key.public_key()  # any RSA-2048 key will do for the profile check
    cert = ca.issue_user_certificate(key, serial=12, not_before=NOW)
    check_user_authentication_profile(cert)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(days=5 * 365)


def test_crl_lists_revoked_serials(ca: JpkiTestCa) -> None:
    local = JpkiTestCa(key=ca.key, certificate=ca.certificate)
    local.revoke(99, NOW - timedelta(days=1))
    crl = local.issue_crl(NOW)
    assert crl.get_revoked_certificate_by_serial_number(99) is not None
    assert crl.next_update_utc == NOW + timedelta(days=1)
    assert crl.is_signature_valid(ca.certificate.public_key())  # type: ignore[arg-type]


def test_save_and_load(ca: JpkiTestCa, tmp_path: Path) -> None:
    local = JpkiTestCa(key=ca.key, certificate=ca.certificate, revoked={7: NOW})
    local.save(tmp_path)
    loaded = JpkiTestCa.load(tmp_path)
    assert loaded.certificate == ca.certificate
    assert loaded.revoked == {7: NOW}
    assert oct((tmp_path / "ca-key.pem").stat().st_mode & 0o777) == "0o600"


@pytest.mark.softhsm
def test_config_is_private(hsm: SoftHsm, tmp_path: Path) -> None:
    assert os.environ["SOFTHSM2_CONF"] == str(hsm.config)
    assert f"directories.tokendir = {hsm.token_dir}" in hsm.config.read_text()
    assert hsm.token_dir.is_relative_to(tmp_path)


@pytest.mark.softhsm
def test_card_objects_mirror_a_real_card(hsm: SoftHsm, ca: JpkiTestCa) -> None:
    card = create_test_card(hsm, ca, now=NOW)
    assert card.token_label == JPKI_USER_AUTHENTICATION_TOKEN_LABEL
    assert any(hsm.token_dir.iterdir())
    token = pkcs11.lib(hsm.module).get_token(token_label=card.token_label)
    with token.open() as session:  # public objects: no PIN
        certs = {
            obj[Attribute.LABEL]: x509.load_der_x509_certificate(obj[Attribute.VALUE])
            for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
        }
    assert certs[JPKI_USER_AUTHENTICATION_CERT_LABEL] == card.certificate
    assert certs[JPKI_USER_AUTHENTICATION_CA_CERT_LABEL] == ca.certificate
    key = card.certificate.public_key()
    assert getattr(key, "key_size", None) == 2048


@pytest.mark.softhsm
def test_revoked_and_expired_cards(hsm: SoftHsm) -> None:
    ca = JpkiTestCa.create(NOW)
    revoked = create_test_card(hsm, ca, now=NOW, label="revoked", status="revoked")
    expired = create_test_card(hsm, ca, now=NOW, label="expired", status="expired")
    valid = create_test_card(hsm, ca, now=NOW, label="valid")
    crls = [ca.issue_crl(NOW)]
    validate_card_certificate(valid.chain, anchors=[ca.certificate], crls=crls, at=NOW)
    with pytest.raises(Revoked):
        validate_card_certificate(revoked.chain, anchors=[ca.certificate], crls=crls, at=NOW)
    with pytest.raises(Expired):
        validate_card_certificate(expired.chain, anchors=[ca.certificate], crls=crls, at=NOW)
    with pytest.raises(ValueError, match="unknown card status"):
        create_test_card(hsm, ca, now=NOW, label="x", status="lost")


@pytest.mark.softhsm
def test_cli_round_trip(
    softhsm_module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    directory = tmp_path / "cards"
    monkeypatch.setenv("SOFTHSM2_CONF", str(directory / "softhsm2.conf"))
    result = runner.invoke(app, ["card", "init-test", str(directory), "--json"])
    assert result.exit_code == 0, result.output
    made = json.loads(result.stdout)
    result = runner.invoke(
        app,
        [
            "card",
            "init-test",
            str(directory),
            "--label",
            "revoked card",
            "--status",
            "revoked",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    env = {
        "HONNIN_PKCS11_MODULE": softhsm_module,
        "HONNIN_CARD_PIN": "1234",
        "HONNIN_KEYSTORE_PASSPHRASE": "pw",
    }

    shown = runner.invoke(app, ["card", "show", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["serial"] == made["serial"]

    ca_args = ["--ca", made["ca"], "--crl", made["crl"]]
    ok = runner.invoke(app, ["card", "check", made["certificate"], *ca_args, "--json"])
    assert ok.exit_code == 0, ok.output
    refused = runner.invoke(
        app, ["card", "check", str(directory / "revoked-card.pem"), *ca_args, "--json"]
    )
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["error"]["code"] == "revoked"

    attested = runner.invoke(
        app,
        [
            "card",
            "attest",
            "--nonce",
            "n-1",
            "--keystore",
            str(tmp_path / "keys.json"),
            "--count",
            "2",
        ],
        env=env,
    )
    assert attested.exit_code == 0, attested.output
    (tmp_path / "att.jwt").write_text(attested.stdout)
    verified = runner.invoke(
        app,
        [
            "card",
            "verify-attestation",
            str(tmp_path / "att.jwt"),
            "--nonce",
            "n-1",
            *ca_args,
            "--json",
        ],
    )
    assert verified.exit_code == 0, verified.output
    assert len(json.loads(verified.stdout)["attested_keys"]) == 2
    wrong = runner.invoke(
        app,
        [
            "card",
            "verify-attestation",
            str(tmp_path / "att.jwt"),
            "--nonce",
            "other",
            *ca_args,
            "--json",
        ],
    )
    assert json.loads(wrong.stdout)["error"]["code"] == "nonce_mismatch"

    first = runner.invoke(app, ["card", "pseudonym", "https://b.example"], env=env)
    second = runner.invoke(app, ["card", "pseudonym", "https://b.example", "--epoch", "1"], env=env)
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() != second.stdout.strip()
    bad_pin = runner.invoke(
        app, ["card", "pseudonym", "v", "--json"], env={**env, "HONNIN_CARD_PIN": "0000"}
    )
    assert bad_pin.exit_code == 1
    assert json.loads(bad_pin.stdout)["error"]["code"] == "card_error"


def test_help_explains_the_commands() -> None:
    result = CliRunner().invoke(app, ["card", "--help"])
    assert result.exit_code == 0
    for command in ("init-test", "show", "check", "attest", "verify-attestation", "pseudonym"):
        assert command in result.stdout

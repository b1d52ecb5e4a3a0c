"""`honnin wallet trust-list`: show the list the wallet judges by, or switch to another."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from honnin.cli import app
from specs.trustlist import constants as c
from specs.trustlist.signature import sign_trust_list
from tests.wallet.conftest import PASSPHRASE, Pki, access_party, trust_document
from tests.wallet.conftest import pki as pki

runner = CliRunner()


def _wallet(tmp_path: Path, pki: Pki) -> list[str]:
    listed = tmp_path / "trustlist.jws"
    listed.write_text(sign_trust_list(trust_document(pki), pki.operator, [pki.operator_cert]))
    anchor = tmp_path / "operator.pem"
    anchor.write_bytes(pki.operator_cert.public_bytes(serialization.Encoding.PEM))
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE)
    common = ["--home", str(tmp_path / "home"), "--passphrase-file", str(secret)]
    init = [
        "wallet", "init", *common, "--trust-list", str(listed),
        "--trust-list-anchor", str(anchor), "--scrypt-n", "1024",
    ]  # fmt: skip
    assert runner.invoke(app, init).exit_code == 0
    return common


def test_shows_the_configured_list(tmp_path: Path, pki: Pki) -> None:
    common = _wallet(tmp_path, pki)
    result = runner.invoke(app, ["wallet", "trust-list", *common, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["trust_list"] == str((tmp_path / "trustlist.jws").resolve())
    assert out["sequence_number"] == 1
    assert out["operator"]["en"] == "honnin trust list operator"
    assert (out["issuers"], out["verifiers"]) == (1, 1)
    shown = runner.invoke(app, ["wallet", "trust-list", *common])
    assert "本人トラストリスト運営者" in shown.stdout


def test_switches_to_another_operators_list_only_when_it_verifies(tmp_path: Path, pki: Pki) -> None:
    common = _wallet(tmp_path, pki)
    signer, cert = access_party("trust.other-operator.example", 30)
    document = trust_document(pki)
    document[c.LIST_AND_SCHEME_INFORMATION][c.OPERATOR_NAME]["en"] = "another operator"
    other = tmp_path / "other.jws"
    other.write_text(sign_trust_list(document, signer, [cert]))
    other_anchor = tmp_path / "other.pem"
    other_anchor.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    first_anchor = tmp_path / "operator.pem"
    switch = ["wallet", "trust-list", *common, "--trust-list", str(other)]

    wrong = runner.invoke(app, [*switch, "--trust-list-anchor", str(first_anchor), "--json"])
    assert wrong.exit_code == 1
    assert json.loads(wrong.stdout)["error"]["code"]
    unchanged = json.loads(runner.invoke(app, ["wallet", "trust-list", *common, "--json"]).stdout)
    assert unchanged["operator"]["en"] == "honnin trust list operator"

    right = runner.invoke(app, [*switch, "--trust-list-anchor", str(other_anchor), "--json"])
    assert right.exit_code == 0, right.output
    assert json.loads(right.stdout)["operator"]["en"] == "another operator"
    again = json.loads(runner.invoke(app, ["wallet", "trust-list", *common, "--json"]).stdout)
    assert again["trust_list_anchor"] == str(other_anchor.resolve())


def test_list_and_anchor_go_together(tmp_path: Path, pki: Pki) -> None:
    common = _wallet(tmp_path, pki)
    alone = runner.invoke(
        app, ["wallet", "trust-list", *common, "--trust-list", str(tmp_path / "x.jws")]
    )
    assert alone.exit_code == 1
    assert "give --trust-list and --trust-list-anchor together" in alone.output

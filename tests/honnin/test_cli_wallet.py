"""`honnin wallet` end to end against in-process issuer and verifier apps."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp
from cryptography.hazmat.primitives import serialization
from PIL import Image
from typer.testing import CliRunner

import honnin.cli.wallet as wallet_cli
from honnin.cli import app
from specs.ports import FixedClock
from specs.trustlist.signature import sign_trust_list
from tests.wallet.conftest import (
    ISSUER,
    PASSPHRASE,
    VERIFIER_ORIGIN,
    Pki,
    make_client,
    make_issuer,
    make_verifier,
    trust_document,
)
from tests.wallet.conftest import pki as pki

runner = CliRunner()


def _qr_png(text: str, path: Path) -> Path:
    image = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_image(scale=4)
    view = memoryview(image)
    Image.frombytes("L", (view.shape[1], view.shape[0]), bytes(view)).save(path)
    return path


def test_cli_receive_present_log(tmp_path: Path, pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    issuer, verifier = make_issuer(pki, clock), make_verifier(pki, clock)
    monkeypatch.setattr(
        wallet_cli,
        "client_factory",
        lambda: make_client((ISSUER, issuer.app), (VERIFIER_ORIGIN, verifier.app)),
    )
    listed = tmp_path / "trustlist.jws"
    listed.write_text(sign_trust_list(trust_document(pki), pki.operator, [pki.operator_cert]))
    anchor = tmp_path / "operator.pem"
    anchor.write_bytes(pki.operator_cert.public_bytes(serialization.Encoding.PEM))
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE)
    home = tmp_path / "home"
    common = ["--home", str(home), "--passphrase-file", str(secret)]

    result = runner.invoke(
        app,
        [
            "wallet",
            "init",
            *common,
            "--trust-list",
            str(listed),
            "--trust-list-anchor",
            str(anchor),
            "--scrypt-n",
            "1024",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["card_bound"] is False

    link, code = issuer.offer()
    qr = _qr_png(link, tmp_path / "offer.png")
    result = runner.invoke(
        app, ["wallet", "receive", "--qr", str(qr), "--tx-code", str(code), *common, "--json"]
    )
    assert result.exit_code == 0, result.output
    (got,) = json.loads(result.stdout)
    assert got["instances"] == 4

    result = runner.invoke(app, ["wallet", "list", *common, "--json"])
    (row,) = json.loads(result.stdout)
    assert row["name"] == "給与所得の源泉徴収票"

    result = runner.invoke(app, ["wallet", "show", row["id"][:8], *common])
    assert "支払金額" in result.stdout

    result = runner.invoke(
        app,
        ["wallet", "present", verifier.ask(), "--approve", "all", "--remember", *common, "--json"],
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["outcome"] == "disclosed"
    assert verifier.results[-1].ok

    result = runner.invoke(
        app, ["wallet", "present", verifier.ask(), "--decline", *common, "--json"]
    )
    assert json.loads(result.stdout)["sent"] == "error=access_denied"
    assert verifier.results[-1].wallet_error is not None

    result = runner.invoke(app, ["wallet", "rules", *common, "--json"])
    assert json.loads(result.stdout)[0]["decision"] == "remember"

    result = runner.invoke(app, ["wallet", "log", "--format", "csv", *common])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["outcome"] for r in rows] == ["disclosed", "declined"]
    assert rows[0]["verifier_name"] == "株式会社ビー"

    result = runner.invoke(app, ["wallet", "unlink", "employer-b", *common, "--json"])
    assert json.loads(result.stdout) == {"verifier": "employer-b", "epoch": 1, "rules_dropped": 1}

    out = tmp_path / "export.json"
    result = runner.invoke(app, ["wallet", "export", "--output", str(out), *common])
    assert result.exit_code == 0
    exported = json.loads(out.read_text())["log"]
    assert len(exported) == 2
    # The verifier's answer, recorded after each entry, is part of the export.
    assert all(isinstance(e["response_status"], int) for e in exported)
    result = runner.invoke(app, ["wallet", "log", "--format", "json", *common])
    assert [e["response_status"] for e in json.loads(result.stdout)] == [
        e["response_status"] for e in exported
    ]

    result = runner.invoke(app, ["wallet", "log", "--verify", *common, "--json"])
    assert json.loads(result.stdout) == {"verified": True, "entries": 2}
    with sqlite3.connect(home / "wallet.db") as conn:  # rewrite history: delete an entry
        conn.execute("delete from wallet_disclosure_log where seq = 2")
    result = runner.invoke(app, ["wallet", "log", "--verify", *common])
    assert result.exit_code == 1
    assert "disclosure log" in result.output


def test_cli_wrong_passphrase_and_missing_wallet(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["wallet", "list", "--home", str(tmp_path / "none")],
        env={"HONNIN_WALLET_PASSPHRASE": "x"},
    )
    assert result.exit_code == 1
    assert "honnin wallet init" in result.output

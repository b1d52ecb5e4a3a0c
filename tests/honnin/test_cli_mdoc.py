"""`honnin mdoc issue | present | verify`, with the command lines the issue spells out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner

from honnin.cli import app
from specs.keys import SoftwareSigner, private_jwk
from tests.support.certificates import iaca_and_document_signer

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "mdoc"
DOC_TYPE = "jp.honnin.withholding_slip.1"
OID4VP = "x509_san_dns:verifier.example.jp,https://verifier.example.jp/response,n-0S6_WzA2Mj"

runner = CliRunner()


def _pem(cert: object) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    iaca, ds = iaca_and_document_signer("CLI")
    device = SoftwareSigner.generate()
    paths = {
        "iaca": tmp_path / "iaca.pem",
        "ds_cert": tmp_path / "ds.pem",
        "ds_key": tmp_path / "ds_key.pem",
        "device_public": tmp_path / "device.pub.jwk",
        "device_private": tmp_path / "device.jwk",
        "namespaces": tmp_path / "namespaces.json",
        "request": tmp_path / "request.json",
    }
    paths["iaca"].write_bytes(_pem(iaca.certificate))
    paths["ds_cert"].write_bytes(_pem(ds.certificate))
    paths["ds_key"].write_bytes(
        ds.signer.private_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths["device_public"].write_text(json.dumps(device.public_jwk))
    paths["device_private"].write_text(json.dumps(device.export_private_jwk()))
    paths["namespaces"].write_text(
        json.dumps(
            {
                DOC_TYPE: {
                    "year": 2026,
                    "recipient_name": "佐藤 花子",
                    "birth_date": {"$full-date": "1990-04-01"},
                    "payment_amount": 3600000,
                }
            },
            ensure_ascii=False,
        )
    )
    paths["request"].write_text(
        json.dumps(
            {"docType": DOC_TYPE, "nameSpaces": {DOC_TYPE: ["payment_amount", "birth_date"]}}
        )
    )
    return paths


def _issue(files: dict[str, Path], tmp_path: Path) -> Path:
    result = runner.invoke(
        app,
        [
            "mdoc", "issue",
            "--ds-key", str(files["ds_key"]),
            "--ds-cert", str(files["ds_cert"]),
            "--device-key", str(files["device_public"]),
            "--doctype", DOC_TYPE,
            "--namespaces", str(files["namespaces"]),
            "--now", "2026-06-30T00:00:00Z",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    issued = tmp_path / "issued.hex"
    issued.write_text(result.stdout)
    return issued


def _present(files: dict[str, Path], issued: Path, tmp_path: Path, *transcript: str) -> Path:
    result = runner.invoke(
        app,
        [
            "mdoc", "present",
            "--device-key", str(files["device_private"]),
            "--request", str(files["request"]),
            *transcript,
            str(issued),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    response = tmp_path / "response.hex"
    response.write_text(result.stdout)
    return response


def test_issue_present_verify(files: dict[str, Path], tmp_path: Path) -> None:
    issued = _issue(files, tmp_path)
    response = _present(files, issued, tmp_path, "--oid4vp", OID4VP)
    common = ["mdoc", "verify", "--iaca", str(files["iaca"]), "--oid4vp", OID4VP]
    result = runner.invoke(app, [*common, "--now", "2026-07-01T09:00:00Z", "--json", str(response)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    (document,) = out["documents"]
    assert document["docType"] == DOC_TYPE
    assert document["nameSpaces"] == {
        DOC_TYPE: {"payment_amount": 3600000, "birth_date": {"$full-date": "1990-04-01"}}
    }
    human = runner.invoke(app, [*common, "--now", "2026-07-01T09:00:00Z", str(response)])
    assert human.exit_code == 0, human.output
    assert "payment_amount" in human.stdout
    assert "recipient_name" not in human.stdout


def test_verify_fails_clearly(files: dict[str, Path], tmp_path: Path) -> None:
    issued = _issue(files, tmp_path)
    response = _present(files, issued, tmp_path, "--oid4vp", OID4VP)
    other = OID4VP.replace("n-0S6_WzA2Mj", "another-nonce")
    result = runner.invoke(
        app,
        ["mdoc", "verify", "--iaca", str(files["iaca"]), "--oid4vp", other, "--json",
         "--now", "2026-07-01T09:00:00Z", str(response)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "invalid_signature"
    expired = runner.invoke(
        app,
        ["mdoc", "verify", "--iaca", str(files["iaca"]), "--oid4vp", OID4VP,
         "--now", "2027-07-01T00:00:00Z", str(response)],
    )  # fmt: skip
    assert expired.exit_code == 1
    assert "expired" in expired.stderr
    neither = runner.invoke(app, ["mdoc", "verify", "--iaca", str(files["iaca"]), str(response)])
    assert neither.exit_code == 1
    assert "--transcript" in neither.stderr


def test_transcript_hex_option(files: dict[str, Path], tmp_path: Path) -> None:
    from specs.mdoc import openid4vp_session_transcript

    transcript = openid4vp_session_transcript("c", "n", "https://r").hex()
    issued = _issue(files, tmp_path)
    response = _present(files, issued, tmp_path, "--transcript", transcript)
    result = runner.invoke(
        app,
        ["mdoc", "verify", "--iaca", str(files["iaca"]), "--transcript", transcript,
         "--now", "2026-07-01T09:00:00Z", str(response)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_verify_annex_d_with_device_mac(tmp_path: Path) -> None:
    hexes = {
        name: (VECTORS / f"iso_18013_5_annex_d_{name}.hex").read_text().strip()
        for name in ("device_response", "ds_cert", "session_transcript_bytes")
    }
    from specs.keys.x509 import load_der_certificate

    anchor = tmp_path / "ds.pem"
    anchor.write_bytes(_pem(load_der_certificate(bytes.fromhex(hexes["ds_cert"]))))
    response = tmp_path / "response.hex"
    response.write_text(hexes["device_response"])
    keys = json.loads((VECTORS / "iso_18013_5_annex_d_keys.json").read_text())
    reader = ec.derive_private_key(
        int(keys["ISO_18013_5_ANNEX_D_EPHEMERAL_READER_KEY_D"], 16), ec.SECP256R1()
    )
    reader_file = tmp_path / "reader.jwk"
    reader_file.write_text(json.dumps(private_jwk(reader)))
    result = runner.invoke(
        app,
        ["mdoc", "verify", "--iaca", str(anchor), "--transcript", hexes["session_transcript_bytes"],
         "--now", "2021-01-01T00:00:00Z", "--reader-key", str(reader_file), "--json",
         str(response)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)["documents"][0]
    assert document["nameSpaces"]["org.iso.18013.5.1"]["family_name"] == "Doe"

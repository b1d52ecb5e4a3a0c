"""`honnin sd-jwt issue|present|verify|decode` and `honnin demo sd-jwt`, run through typer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from honnin.cli import app
from specs.keys import SoftwareSigner

runner = CliRunner()
AUD = "https://employer-b.example"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for name in ("issuer", "holder"):
        signer = SoftwareSigner.generate("ES256")
        out[name] = tmp_path / f"{name}.jwk"
        out[name].write_text(json.dumps(signer.export_private_jwk()))
        out[f"{name}_pub"] = tmp_path / f"{name}.pub.jwk"
        out[f"{name}_pub"].write_text(json.dumps(signer.public_jwk))
    out["claims"] = tmp_path / "claims.json"
    out["claims"].write_text(
        json.dumps(
            {
                "iss": "https://employer-a.example",
                "year": 2026,
                "name": "佐藤 花子",
                "payment_amount": 3150000,
                "withheld_tax": 57400,
                "address": {"locality": "千代田区", "country": "JP"},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return out


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def _issue(files: dict[str, Path], disclose: str, *extra: str) -> Result:
    """`honnin sd-jwt issue` of the claims file, by the issuer key, to the holder key."""
    return runner.invoke(
        app,
        [
            "sd-jwt",
            "issue",
            "--issuer-key",
            str(files["issuer"]),
            "--holder-key",
            str(files["holder_pub"]),
            "--claims",
            str(files["claims"]),
            "--disclose",
            disclose,
            *extra,
        ],
    )


def _verify(
    issuer_key: Path, presentation: Path, *flags: str, aud: str = AUD, nonce: str = "n-1"
) -> Result:
    """`honnin sd-jwt verify` of the presentation file against one issuer key."""
    return runner.invoke(
        app,
        [
            "sd-jwt",
            "verify",
            "--issuer-key",
            str(issuer_key),
            "--aud",
            aud,
            "--nonce",
            nonce,
            *flags,
            str(presentation),
        ],
    )


def _issue_present(files: dict[str, Path], tmp_path: Path, *extra: str) -> Path:
    issued = _issue(files, "name,payment_amount,withheld_tax,address.locality", *extra)
    code, sd_jwt = issued.exit_code, issued.stdout
    assert code == 0, sd_jwt
    assert sd_jwt.strip().endswith("~")
    assert sd_jwt.count("~") == 5
    (tmp_path / "sd.txt").write_text(sd_jwt)
    code, presentation = _run(
        "sd-jwt",
        "present",
        "--holder-key",
        str(files["holder"]),
        "--reveal",
        "payment_amount,address.locality",
        "--aud",
        AUD,
        "--nonce",
        "n-1",
        str(tmp_path / "sd.txt"),
    )
    assert code == 0, presentation
    (tmp_path / "p.txt").write_text(presentation)
    return tmp_path / "p.txt"


@pytest.mark.parametrize("vct", [None, "https://honnin.example/vct/withholding-slip/v1"])
def test_issue_present_verify_json(files: dict[str, Path], tmp_path: Path, vct: str | None) -> None:
    presentation = _issue_present(files, tmp_path, *(["--vct", vct] if vct else []))
    verified = _verify(files["issuer_pub"], presentation, "--json")
    assert verified.exit_code == 0, verified.stdout
    result = json.loads(verified.stdout)
    assert result["claims"]["payment_amount"] == 3150000
    assert result["claims"]["address"] == {"locality": "千代田区", "country": "JP"}
    assert "name" not in result["claims"]
    assert "withheld_tax" not in result["claims"]
    assert sorted(result["disclosed"]) == ["address.locality", "payment_amount"]
    assert result["key_binding"]["aud"] == AUD
    assert (result["header"].get("typ") == "dc+sd-jwt") == (vct is not None)


def test_verify_human_output(files: dict[str, Path], tmp_path: Path) -> None:
    verified = _verify(files["issuer_pub"], _issue_present(files, tmp_path))
    assert verified.exit_code == 0
    assert "valid" in verified.stdout
    assert "payment_amount" in verified.stdout


@pytest.mark.parametrize(
    ("aud", "nonce", "key", "code_name"),
    [
        ("https://other.example", "n-1", "issuer_pub", "audience_mismatch"),
        (AUD, "n-2", "issuer_pub", "nonce_mismatch"),
        (AUD, "n-1", "holder_pub", "invalid_signature"),
    ],
)
def test_verify_failures_exit_non_zero(
    files: dict[str, Path], tmp_path: Path, aud: str, nonce: str, key: str, code_name: str
) -> None:
    presentation = _issue_present(files, tmp_path)
    verified = _verify(files[key], presentation, "--json", aud=aud, nonce=nonce)
    assert verified.exit_code == 1
    assert json.loads(verified.stdout)["error"]["code"] == code_name


def test_issue_unknown_disclose_name_fails(files: dict[str, Path]) -> None:
    result = _issue(files, "nickname")
    assert result.exit_code == 1
    assert "no such claim" in result.output


def test_vc_forbids_disclosing_iss(files: dict[str, Path]) -> None:
    result = _issue(files, "iss", "--vct", "urn:x")
    assert result.exit_code == 1


def test_missing_file_fails_with_hint(files: dict[str, Path], tmp_path: Path) -> None:
    result = _verify(files["issuer_pub"], tmp_path / "absent.txt", nonce="n")
    assert result.exit_code == 1
    assert "file not found" in result.output


def test_decode_json(files: dict[str, Path], tmp_path: Path) -> None:
    _issue_present(files, tmp_path)
    code, out = _run("sd-jwt", "decode", "--json", str(tmp_path / "sd.txt"))
    assert code == 0
    decoded = json.loads(out)
    assert decoded["verified"] is False
    assert sorted(d["path"] for d in decoded["disclosures"]) == [
        "address.locality",
        "name",
        "payment_amount",
        "withheld_tax",
    ]


def test_demo_sd_jwt() -> None:
    result = runner.invoke(app, ["demo", "sd-jwt"])
    assert result.exit_code == 0, result.output
    for text in (
        "Step 1",
        "Step 2",
        "Step 3",
        "Step 4",
        "Step 5",
        "verified",
        "payment_amount",
        "withheld_tax",
        "2 of 10 disclosures",
        "rejected",
        "nonce_mismatch",
    ):
        assert text in result.output, text
    assert "佐藤" not in result.output  # the name was not disclosed

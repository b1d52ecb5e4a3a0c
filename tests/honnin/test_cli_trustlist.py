"""`honnin trustlist`: init, add entities, sign, verify, show, diff, with the exact command lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from honnin.cli import app
from specs.keys.certificates import issue_certificate
from specs.keys.jwk import public_jwk
from specs.keys.software import generate_private_key

runner = CliRunner()
NOW = datetime.now(UTC).replace(microsecond=0)


def corporate_number(base: str) -> str:
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return str(9 - total % 9) + base


def cert_file(path: Path, cn: str, *, ca: bool = False) -> Path:
    key = generate_private_key("ES256")
    cert = issue_certificate(
        subject_public_key=key.public_key(),
        issuer_key=key,
        issuer=None,
        common_name=cn,
        not_before=NOW - timedelta(days=1),
        days=365,
        serial_number=7,
        ca=ca,
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def invoke(*args: str) -> dict:
    result = runner.invoke(app, ["trustlist", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_full_operator_workflow(tmp_path: Path) -> None:
    op = tmp_path / "op"
    init = invoke(
        "init",
        str(op),
        "--name-ja",
        "運営者",
        "--name-en",
        "Operator",
        "--policy-uri",
        "https://trust.example.jp/policy",
        "--next-update-days",
        "7",
    )
    anchor = Path(init["anchor"])
    assert (op / "operator" / "operator.jwk").stat().st_mode & 0o077 == 0

    jwk_path = tmp_path / "employer-a.jwk"
    jwk_path.write_text(json.dumps(public_jwk(generate_private_key("ES256"))))
    invoke(
        "add-issuer",
        str(op),
        "--id",
        "employer-a",
        "--name-ja",
        "株式会社エー",
        "--name-en",
        "A Corporation",
        "--corporate-number",
        corporate_number("234567890123"),
        "--credential-types",
        "withholding_slip,employment",
        "--jwk",
        str(jwk_path),
    )
    invoke(
        "add-verifier",
        str(op),
        "--id",
        "employer-b",
        "--name-ja",
        "株式会社ビー",
        "--name-en",
        "B Corporation",
        "--corporate-number",
        corporate_number("456789012345"),
        "--client-id",
        "x509_san_dns:verifier.b.example.jp",
        "--cert",
        str(cert_file(tmp_path / "b.pem", "B access")),
        "--purpose",
        "year_end_tax_adjustment=withholding_slip:payment_amount,withheld_tax",
        "--purpose",
        "year_end_tax_adjustment=withholding_slip:dependants/*/name",
    )
    invoke(
        "add-card-ca",
        str(op),
        "--id",
        "jpki",
        "--name-ja",
        "JPKI",
        "--name-en",
        "JPKI",
        "--cert",
        str(cert_file(tmp_path / "root.pem", "JPKI root", ca=True)),
        "--crl-uri",
        "https://jpki.example.jp/crl",
    )
    first = invoke("sign", str(op), "--out", str(tmp_path / "v1.jws"))
    assert first["sequence_number"] == 1

    verified = invoke("verify", str(tmp_path / "v1.jws"), "--anchor", str(anchor))
    assert verified["valid"] is True
    assert verified["warning"] is None

    shown = invoke("show", str(tmp_path / "v1.jws"), "--anchor", str(anchor))
    assert shown["verified"] is True
    uses = shown["document"]["verifiers"][0]["intended_uses"]
    assert uses[0]["credentials"][0]["claims"] == [
        ["payment_amount"],
        ["withheld_tax"],
        ["dependants", None, "name"],
    ]

    invoke(
        "add-issuer",
        str(op),
        "--id",
        "employer-a",
        "--name-ja",
        "株式会社エー",
        "--name-en",
        "A Corporation",
        "--corporate-number",
        corporate_number("234567890123"),
        "--credential-types",
        "withholding_slip",
        "--jwk",
        str(jwk_path),
        "--granted-at",
        "2026-01-01T00:00:00Z",
        "--withdrawn-at",
        "2026-06-01T00:00:00Z",
        "--replace",
    )
    invoke("sign", str(op), "--out", str(tmp_path / "v2.jws"))
    changes = invoke(
        "diff", str(tmp_path / "v1.jws"), str(tmp_path / "v2.jws"), "--anchor", str(anchor)
    )
    assert changes["old_sequence_number"] == 1
    assert changes["new_sequence_number"] == 2
    assert changes["changes"] == [
        {
            "category": "issuers",
            "entity_id": "employer-a",
            "kind": "changed",
            "members": ["credential_types", "status_history"],
        }
    ]
    # Human output: rich tables.
    table = runner.invoke(
        app, ["trustlist", "diff", str(tmp_path / "v1.jws"), str(tmp_path / "v2.jws")]
    )
    assert table.exit_code == 0
    assert "employer-a" in table.stdout
    assert "changed" in table.stdout
    plain = runner.invoke(app, ["trustlist", "show", str(tmp_path / "v2.jws")])
    assert "UNVERIFIED" in plain.stdout
    assert "withdrawn" in plain.stdout


def test_failures_exit_non_zero_with_codes(tmp_path: Path) -> None:
    op = tmp_path / "op"
    invoke(
        "init", str(op), "--name-ja", "運", "--name-en", "Op", "--policy-uri", "https://x.example/p"
    )
    other = tmp_path / "other"
    invoke(
        "init",
        str(other),
        "--name-ja",
        "他",
        "--name-en",
        "Other",
        "--policy-uri",
        "https://x.example/p",
    )
    invoke("sign", str(op), "--out", str(tmp_path / "v1.jws"))

    wrong = runner.invoke(
        app,
        [
            "trustlist",
            "verify",
            str(tmp_path / "v1.jws"),
            "--anchor",
            str(other / "operator" / "operator.pem"),
            "--json",
        ],
    )
    assert wrong.exit_code == 1
    assert json.loads(wrong.stdout)["error"]["code"] == "untrusted_key"

    stale = runner.invoke(
        app,
        [
            "trustlist",
            "verify",
            str(tmp_path / "v1.jws"),
            "--anchor",
            str(op / "operator" / "operator.pem"),
            "--at",
            (NOW + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "--json",
        ],
    )
    assert stale.exit_code == 1
    assert json.loads(stale.stdout)["error"]["code"] == "stale_data"

    rollback = runner.invoke(app, ["trustlist", "sign", str(op), "--sequence", "1", "--json"])
    assert rollback.exit_code == 1
    assert json.loads(rollback.stdout)["error"]["code"] == "rollback"

    bad = runner.invoke(
        app,
        [
            "trustlist",
            "add-verifier",
            str(op),
            "--id",
            "v",
            "--name-ja",
            "v",
            "--name-en",
            "v",
            "--corporate-number",
            "1234567890123",
            "--client-id",
            "https://v.example",
            "--purpose",
            "no-colon",
        ],
    )
    assert bad.exit_code == 1
    assert "PURPOSE=CREDENTIAL_TYPE" in bad.stderr

    missing = runner.invoke(app, ["trustlist", "serve", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1

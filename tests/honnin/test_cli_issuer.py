"""`honnin issuer`: init, offer (the exact --json contract), revoke/suspend/reissue, import,
and the service over real loopback HTTP with uvicorn."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from honnin.cli import app
from honnin.sample_data import SampleData
from issuer.app import create_app
from issuer.service import IssuerService
from issuer.settings import load_settings
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.keys import SoftwareSigner
from specs.openid4vci import parse_offer_link
from specs.openid4vci.wallet import (
    build_credential_request,
    build_proofs,
    build_token_request,
    parse_credential_response,
)
from specs.ports import SystemClock
from specs.status_list import STATUS_INVALID
from tests.support.servers import free_port, serving

runner = CliRunner()


def _claims(seed: int = 3) -> dict[str, Any]:
    data = SampleData(seed)
    return WITHHOLDING_SLIP_V1.to_claims(data.withholding_slip(data.person(), data.employer()))


def _init(tmp_path: Path, url: str = "https://issuer.example") -> Path:
    result = runner.invoke(
        app,
        [
            "issuer", "init", str(tmp_path / "iss"),
            "--name", "株式会社サンプル/Sample Corporation",
            "--url", url,
            "--types", "withholding-slip,employment-certificate",
            "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return Path(json.loads(result.stdout)["config"])


def test_init_offer_contract_revoke_reissue(tmp_path: Path) -> None:
    config = _init(tmp_path)
    settings = load_settings(config)
    assert settings.name.ja == "株式会社サンプル"
    assert settings.name.en == "Sample Corporation"
    again = runner.invoke(
        app, ["issuer", "init", str(tmp_path / "iss"), "--name", "x", "--url", "https://a.example"]
    )
    assert again.exit_code == 1

    claims_file = tmp_path / "claims.json"
    claims_file.write_text(json.dumps(_claims(), ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "issuer", "offer", "--config", str(config), "--type", "withholding-slip",
            "--data", str(claims_file), "--json",
            "--qr", str(tmp_path / "offer.svg"), "--letter", str(tmp_path / "letter.txt"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"offer_uri", "tx_code"}
    assert out["offer_uri"].startswith("openid-credential-offer://?credential_offer=")
    assert out["tx_code"] not in out["offer_uri"]
    parsed = parse_offer_link(out["offer_uri"])
    assert parsed.offer is not None
    assert parsed.offer.credential_configuration_ids == ["withholding-slip-sd-jwt"]
    assert (tmp_path / "offer.svg").read_text().lstrip().startswith("<?xml")
    assert out["tx_code"] in (tmp_path / "letter.txt").read_text(encoding="utf-8")
    offer_id = result.stderr.split("offer id:")[1].strip()

    bad = runner.invoke(
        app,
        ["issuer", "offer", "--config", str(config), "--type", "nope", "--data", str(claims_file)],
    )
    assert bad.exit_code == 1

    revoke = runner.invoke(app, ["issuer", "revoke", "--config", str(config), offer_id, "--json"])
    assert revoke.exit_code == 0, revoke.output
    assert json.loads(revoke.stdout)["offer_locked"] is True
    suspend = runner.invoke(app, ["issuer", "suspend", "--config", str(config), offer_id])
    assert suspend.exit_code == 1  # revoked before anything was issued: nothing to suspend
    reissue = runner.invoke(app, ["issuer", "reissue", "--config", str(config), offer_id, "--json"])
    assert reissue.exit_code == 0, reissue.output
    new = json.loads(reissue.stdout)
    assert new["offer_id"] != offer_id
    missing = runner.invoke(app, ["issuer", "revoke", "--config", str(config), "nope"])
    assert missing.exit_code == 1


def test_import_reports_bad_rows_and_is_idempotent(tmp_path: Path) -> None:
    config = _init(tmp_path)
    text = SampleData(5).payroll_csv(6)
    lines = text.splitlines()
    header = lines[0].split(",")
    bad = lines[2].split(",")
    bad[header.index("payment_amount")] = "lots"
    lines[2] = ",".join(bad)
    lines.append(lines[3])  # the same person twice
    payroll = tmp_path / "payroll.csv"
    payroll.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    args = [
        "issuer", "import", str(payroll), "--config", str(config),
        "--offers-dir", str(tmp_path / "offers"), "--tx-codes-dir", str(tmp_path / "tx"),
        "--json",
    ]  # fmt: skip
    first = runner.invoke(app, args)
    assert first.exit_code == 1  # bad rows are reported; good rows are imported
    summary = json.loads(first.stdout)
    assert summary["created"] == 5
    problems = {(e["line"], e["column"]) for e in summary["errors"]}
    assert (3, "payment_amount") in problems
    assert any(line == 8 for line, _ in problems)
    with (tmp_path / "offers" / "offers.csv").open(encoding="utf-8") as f:
        offers = list(csv.DictReader(f))
    with (tmp_path / "tx" / "tx-codes.csv").open(encoding="utf-8") as f:
        codes = list(csv.DictReader(f))
    assert len(offers) == len(codes) == 5
    for row, code in zip(offers, codes, strict=True):
        assert code["tx_code"] not in row["offer_uri"]
        assert "tx_code" not in row
        assert (tmp_path / "offers" / row["qr_file"]).read_bytes().startswith(b"\x89PNG")
        assert code["tx_code"] in (tmp_path / "tx" / code["letter_file"]).read_text(
            encoding="utf-8"
        )

    second = runner.invoke(app, args)
    again = json.loads(second.stdout)
    assert again["created"] == 0
    assert again["already_imported"] == 5
    service = IssuerService(load_settings(config))
    with service.engine.connect() as conn:
        count = conn.exec_driver_sql("select count(*) from issuer_offers").scalar()
    service.close()
    assert count == 5


def test_service_over_loopback_http(tmp_path: Path) -> None:
    port = free_port()
    config = _init(tmp_path, url=f"http://127.0.0.1:{port}")
    settings = load_settings(config)
    admin_token = (tmp_path / "iss" / "admin-token.txt").read_text().strip()
    # serving() also checks that the server thread stopped afterwards.
    with serving(create_app(settings), port) as base:
        asyncio.run(_loopback_flow(base, admin_token))


async def _loopback_flow(base: str, admin_token: str) -> None:
    clock = SystemClock()
    async with httpx.AsyncClient(timeout=20) as client:
        created = await client.post(
            f"{base}/admin/offers",
            json={"claims": _claims(), "by_reference": True},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert created.status_code == 201, created.text
        body = created.json()
        link = parse_offer_link(body["offer_uri"])
        assert link.offer_uri is not None
        offer_json = (await client.get(link.offer_uri)).json()
        meta = (await client.get(f"{base}/.well-known/openid-credential-issuer")).json()
        from specs.openid4vci.wallet import parse_credential_offer

        offer = parse_credential_offer(offer_json)
        token = await client.post(
            f"{base}/token", data=build_token_request(offer, tx_code=body["tx_code"])
        )
        assert token.status_code == 200, token.text
        access = token.json()["access_token"]
        nonce = (await client.post(meta["nonce_endpoint"])).json()["c_nonce"]
        signers = [SoftwareSigner.generate("ES256") for _ in range(2)]
        proofs = build_proofs(signers, audience=base, clock=clock, nonce=nonce)
        request = build_credential_request("withholding-slip-sd-jwt", proofs)
        issued = await client.post(
            meta["credential_endpoint"],
            json=request.to_json(),
            headers={"Authorization": f"Bearer {access}"},
        )
        assert issued.status_code == 200, issued.text
        response = parse_credential_response(issued.content, keys_sent=2)
        assert response.credentials is not None
        assert len(response.credentials) == 2
        revoke = await client.post(
            f"{base}/admin/credentials/{body['offer_id']}/revoke",
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert revoke.json()["status"] == STATUS_INVALID
        status = await client.get(f"{base}/status-lists/1")
        assert status.headers["content-type"].startswith("application/statuslist+jwt")


@pytest.mark.parametrize("name", ["", "/English only"])
def test_init_rejects_empty_japanese_name(tmp_path: Path, name: str) -> None:
    result = runner.invoke(
        app, ["issuer", "init", str(tmp_path / "x"), "--name", name, "--url", "https://a.example"]
    )
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("credential_format", "configuration_id"),
    [("mso_mdoc", "withholding-slip-mdoc"), ("ldp_vc", "withholding-slip-ldp-vc")],
)
def test_offer_in_another_format(
    tmp_path: Path, credential_format: str, configuration_id: str
) -> None:
    config = _init(tmp_path)
    claims_file = tmp_path / "claims.json"
    claims_file.write_text(json.dumps(_claims(), ensure_ascii=False), encoding="utf-8")
    base = ["issuer", "offer", "--config", str(config), "--data", str(claims_file), "--json"]
    result = runner.invoke(app, [*base, "--format", credential_format])
    assert result.exit_code == 0, result.output
    parsed = parse_offer_link(json.loads(result.stdout)["offer_uri"])
    assert parsed.offer is not None
    assert parsed.offer.credential_configuration_ids == [configuration_id]
    unknown = runner.invoke(app, [*base, "--format", "jwt_vc_json"])
    assert unknown.exit_code == 1
    assert json.loads(unknown.stdout)["error"]["code"] == "unsupported"


def test_suspend_before_issuance_says_what_it_means_for_later_credentials(tmp_path: Path) -> None:
    config = _init(tmp_path)
    claims_file = tmp_path / "claims.json"
    claims_file.write_text(json.dumps(_claims(), ensure_ascii=False), encoding="utf-8")
    offer = runner.invoke(
        app,
        [
            "issuer", "offer", "--config", str(config), "--type", "withholding-slip",
            "--data", str(claims_file), "--json",
        ],
    )  # fmt: skip
    assert offer.exit_code == 0, offer.output
    offer_id = offer.stderr.split("offer id:")[1].strip()
    suspend = runner.invoke(app, ["issuer", "suspend", "--config", str(config), offer_id])
    assert suspend.exit_code == 0, suspend.output
    said = " ".join(suspend.stdout.split())  # rich wraps at the terminal's width
    assert "0 credential(s)" in said
    assert "what the offer issues later is suspended too, until `resume`" in said
    resume = runner.invoke(app, ["issuer", "resume", "--config", str(config), offer_id])
    assert resume.exit_code == 0, resume.output
    assert "what the offer issues later is valid" in " ".join(resume.stdout.split())

"""`honnin wallet status` against the real issuer app in-process (revoke, JSON shape, failures)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import honnin.cli.wallet as wallet_cli
from honnin.cli import app
from specs.ports import FixedClock
from tests.wallet.conftest import PASSPHRASE
from tests.wallet.test_receipt_checks import ISSUER_URL, SD_JWT, Deployment, deploy, offer
from tests.wallet.test_status_check import StatusNetwork, admin

runner = CliRunner()


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[Deployment]:
    """Issuer R on today's clock (the CLI wallet runs on the system clock)."""
    deployment = deploy(
        tmp_path / "issuer-r", FixedClock(datetime.now(UTC).replace(microsecond=0)), seed="r"
    )
    try:
        yield deployment
    finally:
        deployment.app.state.service.close()


@pytest.fixture
def common(tmp_path: Path) -> list[str]:
    """A fresh card-less wallet without a trust list; its --home and --passphrase-file."""
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE)
    common = ["--home", str(tmp_path / "home"), "--passphrase-file", str(secret)]
    result = runner.invoke(app, ["wallet", "init", *common, "--scrypt-n", "1024", "--json"])
    assert result.exit_code == 0, result.output
    return common


def use_network(monkeypatch: pytest.MonkeyPatch, network: StatusNetwork) -> None:
    """Route the CLI's HTTP client to the issuer app through ``network``."""
    monkeypatch.setattr(
        wallet_cli, "client_factory", lambda: httpx.AsyncClient(mounts={ISSUER_URL: network})
    )


def receive(issuer: Deployment, common: list[str]) -> str:
    """`wallet receive` one dc+sd-jwt slip; return its offer id."""
    made = offer(issuer, SD_JWT)
    result = runner.invoke(
        app,
        ["wallet", "receive", made["offer_uri"], "--tx-code", made["tx_code"], *common, "--json"],
    )
    assert result.exit_code == 0, result.output
    return str(made["offer_id"])


def test_status_json_and_revoke(
    issuer: Deployment, common: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    network = StatusNetwork(issuer.app)
    use_network(monkeypatch, network)
    offer_id = receive(issuer, common)

    result = runner.invoke(app, ["wallet", "list", *common, "--json"])
    (row,) = json.loads(result.stdout)
    assert (row["status"], row["status_checked_at"]) == ("valid", None)

    result = runner.invoke(app, ["wallet", "status", *common, "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    uri = f"{ISSUER_URL}/status-lists/1"
    assert shown == {
        "checked_at": shown["checked_at"],
        "credentials": [
            {
                "id": row["id"],
                "type": "withholding-slip",
                "name": row["name"],
                "status": "valid",
                "previous_status": "valid",
                "issuer_status": "valid",
                "checked_at": shown["checked_at"],
                "lists": [uri],
                "error": None,
            }
        ],
        "lists": [{"uri": uri, "verified": True, "error": None}],
    }
    datetime.fromisoformat(shown["checked_at"])

    admin(issuer, offer_id, "revoke")
    result = runner.invoke(app, ["wallet", "status", *common])
    assert result.exit_code == 0, result.output
    assert "revoked" in result.stdout

    result = runner.invoke(app, ["wallet", "list", *common, "--json"])
    (row,) = json.loads(result.stdout)
    assert row["status"] == "revoked"
    assert row["status_checked_at"] is not None
    assert dict(network.fetched) == {"/status-lists/1": 2}


def test_unreachable_list_exits_1_and_records_nothing(
    issuer: Deployment, common: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_network(monkeypatch, StatusNetwork(issuer.app))
    offer_id = receive(issuer, common)
    admin(issuer, offer_id, "revoke")
    use_network(
        monkeypatch,
        StatusNetwork(issuer.app, lambda *_: httpx.Response(404, content=b"gone")),
    )

    result = runner.invoke(app, ["wallet", "status", *common, "--json"])
    assert result.exit_code == 1
    shown = json.loads(result.stdout)
    (item,) = shown["credentials"]
    assert item["error"]["code"] == "not_found"
    assert "HTTP 404" in item["error"]["detail"]
    assert (item["status"], item["issuer_status"], item["checked_at"]) == ("valid", None, None)
    assert shown["lists"][0]["verified"] is False

    result = runner.invoke(app, ["wallet", "list", *common, "--json"])
    (row,) = json.loads(result.stdout)
    assert (row["status"], row["status_checked_at"]) == ("valid", None)


def test_help_states_what_a_fetch_tells_the_issuer() -> None:
    result = runner.invoke(app, ["wallet", "status", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "IP address" in text
    assert "never which credential" in text

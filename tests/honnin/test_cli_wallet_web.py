"""`honnin wallet web`: the wallet's own page served on loopback only (the demo's --interactive)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from typer.testing import CliRunner

from honnin.cli import app
from honnin.demo.commands import honnin_argv
from honnin.demo.processes import ServiceGroup, free_port

runner = CliRunner()
PASSPHRASE = "web test passphrase"


def _wallet(home: Path) -> None:
    result = runner.invoke(
        app,
        ["wallet", "init", "--home", str(home), "--scrypt-n", "1024", "--language", "en"],
        env={"HONNIN_WALLET_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 0, result.output


def test_wallet_web_serves_the_page_on_loopback_and_stops(tmp_path: Path) -> None:
    home = tmp_path / "wallet"
    _wallet(home)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "HONNIN_WALLET_PASSPHRASE": PASSPHRASE}
    argv = [*honnin_argv(), "wallet", "web", "--home", str(home), "--port", str(port)]
    with ServiceGroup(tmp_path / "logs", env=env) as services:
        service = services.start("wallet-web", argv, ready_url=url, timeout=60)
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200
        assert "honnin wallet" in page.text  # the English title of wallet/web
        assert "Your credentials" in page.text
    assert service.process.poll() is not None


def test_wallet_web_refuses_a_non_loopback_address(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["wallet", "web", "--home", str(tmp_path), "--host", "0.0.0.0"],  # noqa: S104
        env={"HONNIN_WALLET_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 1
    assert "not a loopback address" in result.output


def test_wallet_web_with_a_wrong_passphrase_fails_clearly(tmp_path: Path) -> None:
    home = tmp_path / "wallet"
    _wallet(home)
    result = runner.invoke(
        app,
        ["wallet", "web", "--home", str(home), "--port", str(free_port())],
        env={"HONNIN_WALLET_PASSPHRASE": "not the passphrase"},
    )
    assert result.exit_code == 1
    assert "error" in result.output

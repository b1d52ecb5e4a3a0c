"""`honnin verifier` command lines, exactly as the issue spells them, against a real deployment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from honnin.cli import app
from specs.keys import SoftwareSigner
from verifier.app import create_app
from verifier.service import VerifierDeps
from verifier.settings import load_settings

from ..verifier.conftest import World, holder_answer, wallet_verify
from ..verifier.conftest import world as world

runner = CliRunner()
HOLDER = SoftwareSigner.generate("ES256")


def _run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_init_request_result(world: World, tmp_path: Path) -> None:
    directory = tmp_path / "b-corp"
    init = _run(
        "verifier",
        "init",
        str(directory),
        "--name",
        "株式会社ビー",
        "--url",
        "http://127.0.0.1:8711",
        "--trust-list",
        str(world.trust_list_path),
        "--trust-list-anchor",
        str(tmp_path / "operator.pem"),
        "--json",
    )
    assert init.exit_code == 0, init.output
    info = json.loads(init.output)
    assert info["client_id"].startswith("x509_hash:")
    config = directory / "verifier.toml"
    # The CLI runs on the system clock: move the world's clock there, keep the list fresh.
    world.clock.advance((datetime.now(UTC) - world.clock.now()).total_seconds() + 60)
    world.next_update = datetime.now(UTC) + timedelta(days=30)
    world.publish()
    # Not registered yet: a clear error, non-zero exit.
    refused = _run(
        "verifier", "request", "--config", str(config), "--purpose", "year-end-adjustment", "--json"
    )
    assert refused.exit_code == 1
    assert json.loads(refused.output)["error"]["code"] == "untrusted_verifier"
    # The operator registers the verifier.
    world.client_id = info["client_id"]
    world.access_cert = x509.load_pem_x509_certificate(
        Path(info["access_certificate"]).read_bytes()
    )
    world.publish()
    made = _run(
        "verifier", "request", "--config", str(config), "--purpose", "year-end-adjustment", "--json"
    )
    assert made.exit_code == 0, made.output
    printed = json.loads(made.output)
    assert list(printed) == ["request_link", "transaction_id"]
    assert printed["request_link"].startswith("openid4vp://?client_id=x509_hash%3A")
    assert (
        "&request_uri=http%3A%2F%2F127.0.0.1%3A8711%2Fopenid4vp%2Frequest%2F"
        in printed["request_link"]
    )
    tid = printed["transaction_id"]
    pending = _run("verifier", "result", "--config", str(config), tid, "--json")
    assert pending.exit_code == 0
    assert json.loads(pending.output)["outcome"] == "pending"
    # A wallet answers through the running service.
    settings = load_settings(config)
    with TestClient(
        create_app(settings, VerifierDeps(clock=world.clock, http=world.http))
    ) as client:
        request_uri = httpx.URL(str(httpx.URL(printed["request_link"]).params["request_uri"]))
        verified = wallet_verify(world, printed["request_link"], client.get(request_uri.path).text)
        post = holder_answer(world, verified, world.credential(HOLDER), HOLDER)
        assert client.post("/openid4vp/response", data=post.form).status_code == 200
    done = _run("verifier", "result", "--config", str(config), tid, "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["outcome"] == "verified"
    assert {c["outcome"] for c in result["checks"]} == {"passed"}
    assert result["claims"]["withheld_tax"] >= 0
    exported = _run("verifier", "export", "--config", str(config), tid, "--format", "csv")
    assert exported.exit_code == 0
    assert exported.output.splitlines()[0].startswith("transaction_id,purpose,")
    unknown = _run("verifier", "result", "--config", str(config), "nope", "--json")
    assert unknown.exit_code == 1
    assert json.loads(unknown.output)["error"]["code"] == "not_found"
    purged = _run("verifier", "purge", "--config", str(config), "--json")
    assert json.loads(purged.output) == {"deleted_transactions": 0}


def test_init_refuses_existing_folder_and_missing_anchor(world: World, tmp_path: Path) -> None:
    other_list = tmp_path / "elsewhere" / "list.jws"
    other_list.parent.mkdir()
    other_list.write_text(world.trust_list_path.read_text())
    missing = _run(
        "verifier",
        "init",
        str(tmp_path / "x"),
        "--name",
        "X",
        "--url",
        "http://127.0.0.1:1",
        "--trust-list",
        str(other_list),
        "--json",
    )
    assert missing.exit_code == 1
    assert "trust-list-anchor" in json.loads(missing.output)["error"]["detail"]
    again = _run(
        "verifier",
        "init",
        str(world.settings_path.parent),
        "--name",
        "X",
        "--url",
        "http://127.0.0.1:1",
        "--trust-list",
        str(world.trust_list_path),
        "--json",
    )
    assert again.exit_code == 1

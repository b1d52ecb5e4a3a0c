"""The demo orchestration: real child processes, readiness, cleanup, loud failure.

The whole job-change demo runs in tests/honnin/test_readme.py (the README's quick start),
so the suite pays for it once.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from honnin.cli import app
from honnin.demo import job_change
from honnin.demo.commands import HonninCli, InProcessCli, honnin_argv, missing_commands
from honnin.demo.job_change import REQUIRED_COMMANDS
from honnin.demo.processes import DemoError, ServiceGroup, free_port

runner = CliRunner()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); ask /proc whether it has exited.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def _http_server(port: int) -> list[str]:
    return [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]


def test_service_group_starts_waits_and_stops(tmp_path: Path) -> None:
    port = free_port()
    with ServiceGroup(tmp_path / "logs") as services:
        service = services.start(
            "static", _http_server(port), ready_url=f"http://127.0.0.1:{port}/", timeout=20
        )
        pid = service.process.pid
        assert _alive(pid)
    assert service.process.poll() is not None
    assert not _alive(pid)


def test_service_group_stops_every_process_when_the_block_raises(tmp_path: Path) -> None:
    ports = [free_port(), free_port()]
    pids = []

    def run_services_then_fail() -> None:
        with ServiceGroup(tmp_path) as group:
            for n, port in enumerate(ports):
                service = group.start(
                    f"s{n}", _http_server(port), ready_url=f"http://127.0.0.1:{port}/", timeout=20
                )
                pids.append(service.process.pid)
            raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError, match="a later step failed"):
        run_services_then_fail()
    assert len(pids) == 2
    assert not any(_alive(pid) for pid in pids)


def test_service_that_exits_early_is_reported_with_its_output(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; print('cannot bind'); sys.exit(3)"]
    with (
        pytest.raises(DemoError, match="exited with status 3") as info,
        ServiceGroup(tmp_path) as g,
    ):
        g.start("broken", argv, ready_url=f"http://127.0.0.1:{free_port()}/", timeout=20)
    assert "cannot bind" in str(info.value)
    assert info.value.hint is not None


def test_a_port_answered_by_another_program_is_not_taken_for_ours(tmp_path: Path) -> None:
    """Someone else listens on the chosen port; ours cannot bind and exits: that is an error."""
    port = free_port()
    with ServiceGroup(tmp_path / "other") as other:
        other.start("other", _http_server(port), ready_url=f"http://127.0.0.1:{port}/")
        with ServiceGroup(tmp_path / "ours") as ours, pytest.raises(DemoError, match="exited"):
            ours.start("ours", _http_server(port), ready_url=f"http://127.0.0.1:{port}/")


def test_service_that_never_answers_times_out_and_is_stopped(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(60)"]
    with ServiceGroup(tmp_path) as group:
        url = f"http://127.0.0.1:{free_port()}/"
        service = group.start("silent", argv, ready_url=url, wait=False)
        with pytest.raises(DemoError, match="did not answer"):
            group.wait_ready(service, 0.5)
    assert service.process.poll() is not None


def test_free_ports_are_bindable_and_distinct() -> None:
    ports = {free_port() for _ in range(5)}
    assert len(ports) >= 4
    assert all(1024 <= p < 65536 for p in ports)


def test_missing_commands_reads_the_real_command_tree() -> None:
    assert missing_commands([("demo", "sd-jwt"), ("trustlist", "sign")]) == []
    assert missing_commands([("demo", "no-such-demo"), ("nothing", "at-all")]) == [
        "demo no-such-demo",
        "nothing at-all",
    ]


def test_cli_runner_reports_the_failing_command() -> None:
    with pytest.raises(DemoError, match="failed") as info:
        HonninCli().run(["trustlist", "verify", "/nonexistent.jws", "--anchor", "/none.pem"])
    assert "honnin trustlist verify" in str(info.value)


def test_job_change_refuses_loudly_when_a_role_command_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(
        job_change, "REQUIRED_COMMANDS", (*REQUIRED_COMMANDS, ("wallet", "teleport"))
    )
    result = runner.invoke(app, ["demo", "job-change", "--workdir", str(tmp_path / "w")])
    assert result.exit_code == 1
    assert "wallet teleport" in result.output
    # Nothing was started or written: the check runs before any step.
    assert not (tmp_path / "w").exists()


def test_job_change_rejects_an_unknown_scenario(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "job-change", "--scenario", "nonsense", "--workdir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "unknown scenario" in result.output


def test_sd_jwt_demo_still_runs() -> None:
    result = runner.invoke(app, ["demo", "sd-jwt"])
    assert result.exit_code == 0, result.output
    assert "a replayed presentation is refused" in result.output


def test_in_process_cli_runs_the_real_command_and_parses_json() -> None:
    cli = InProcessCli()
    result = cli.run(["demo", "--help"])
    assert "job-change" in result.stdout
    assert cli.history == [["demo", "--help"]]


def test_in_process_cli_reports_the_failing_command_with_its_error() -> None:
    with pytest.raises(DemoError, match="failed \\(exit 1\\)") as info:
        InProcessCli().run(["trustlist", "verify", "/nonexistent.jws", "--anchor", "/none.pem"])
    assert "honnin trustlist verify" in str(info.value)
    assert "file not found: /nonexistent.jws" in str(info.value)


def test_in_process_cli_reports_usage_errors() -> None:
    with pytest.raises(DemoError, match="exit 2"):
        InProcessCli().run(["verifier", "request", "--no-such-option"])


def test_in_process_cli_sets_the_environment_only_for_the_call(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HONNIN_DEMO_PROBE", raising=False)
    monkeypatch.setenv("HONNIN_DEMO_KEEP", "before")
    seen: dict[str, str | None] = {}

    def probe() -> None:
        seen["probe"] = os.environ.get("HONNIN_DEMO_PROBE")
        seen["keep"] = os.environ.get("HONNIN_DEMO_KEEP")

    import typer

    from honnin import cli as root

    extra = typer.Typer()
    extra.command("probe")(probe)
    monkeypatch.setattr(root, "app", typer.Typer())
    root.app.add_typer(extra, name="x")
    InProcessCli({"HONNIN_DEMO_PROBE": "1"}).run(["x", "probe"], env={"HONNIN_DEMO_KEEP": "during"})
    assert seen == {"probe": "1", "keep": "during"}
    assert "HONNIN_DEMO_PROBE" not in os.environ
    assert os.environ["HONNIN_DEMO_KEEP"] == "before"


def test_service_group_stops_one_service(tmp_path: Path) -> None:
    ports = [free_port(), free_port()]
    with ServiceGroup(tmp_path) as group:
        first, second = (
            group.start(f"s{n}", _http_server(p), ready_url=f"http://127.0.0.1:{p}/", timeout=20)
            for n, p in enumerate(ports)
        )
        group.stop(first)
        assert not _alive(first.process.pid)
        assert _alive(second.process.pid)
        assert group.services == [second]
    assert not _alive(second.process.pid)


def test_demo_scenarios_and_over_asked_items() -> None:
    assert job_change.DEFAULT_SCENARIO == "both"
    assert set(job_change.SCENARIOS) == {"both", "consent", "over-ask"}
    reasons = {path: reason for path, reason, _ in job_change.OVER_ASKED}
    # One item the consent engine refuses for each reason: My Number and not registered.
    assert reasons == {"recipient/my_number": "never_share", "recipient/address": "not_registered"}
    from verifier.purposes import purpose

    registered = {"/".join(map(str, p)) for p in purpose(job_change.YEAR_END).requested_paths}
    assert not set(reasons) & registered


def test_show_command_shortens_long_arguments() -> None:
    out = io.StringIO()
    demo = job_change.JobChangeDemo(Path("/nonexistent"), console=Console(file=out, width=400))
    demo.show_command(["wallet", "present", "openid4vp://?" + "x" * 500])
    text = out.getvalue()
    assert "openid4vp://?" in text
    assert "x" * 200 not in text
    assert len(text) < 200


def test_verifier_request_refuses_a_malformed_also_request_path(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "verifier", "request", "--config", str(tmp_path / "verifier.toml"),
            "--purpose", "year-end-adjustment", "--also-request", "recipient//address",
        ],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "is not a claim path" in result.output


@pytest.mark.slow
@pytest.mark.softhsm
def test_interactive_demo_is_answered_on_the_wallet_page(
    tmp_path: Path, softhsm_module: str
) -> None:
    """--interactive serves `honnin wallet web`; a person (here: this test) answers there."""
    import html
    import re
    import subprocess

    import httpx

    workdir = tmp_path / "demo"
    demo = subprocess.Popen(
        [*honnin_argv(), "demo", "job-change", "--interactive", "--scenario", "over-ask",
         "--workdir", str(workdir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "BROWSER": "true", "COLUMNS": "400"},  # no browser in a test
    )  # fmt: skip
    assert demo.stdout is not None
    output: list[str] = []
    wallet_url = ""
    screens: list[str] = []
    try:
        waiting_for_link = False
        for line in demo.stdout:
            output.append(line)
            found = re.search(r"wallet page: (http://127\.0\.0\.1:\d+/)", line)
            wallet_url = found.group(1) if found else wallet_url
            if "paste this request link" in line:
                waiting_for_link = True
            elif waiting_for_link and line.startswith("openid4vp://"):
                waiting_for_link = False
                page = httpx.post(wallet_url + "present", data={"link": line.strip()}, timeout=60)
                screens.append(page.text)
                key = re.search(r'action="/consent/([0-9a-f]+)', page.text)
                assert key is not None, page.text[-2000:]
                items = [
                    html.unescape(v) for v in re.findall(r'name="item" value="([^"]+)"', page.text)
                ]
                try:
                    answer = httpx.post(
                        wallet_url + f"consent/{key.group(1)}",
                        data={"action": "share", "item": items},
                        timeout=60,
                    )
                except httpx.TransportError as error:  # the demo stopped its page: say why
                    demo.wait(timeout=30)
                    rest = demo.stdout.read()
                    logs = "".join(
                        f"\n--- {log.name}\n" + log.read_text(errors="replace")[-3000:]
                        for log in sorted((workdir / "logs").glob("*.log"))
                    )
                    pytest.fail(
                        f"consent answer not delivered ({error}):\n{''.join(output)}{rest}{logs}"
                    )
                assert answer.status_code == 200
        assert demo.wait(timeout=240) == 0, "".join(output)[-4000:]
    finally:
        if demo.poll() is None:
            demo.terminate()  # the demo stops its services on SIGTERM; SIGKILL would orphan them
            try:
                demo.wait(timeout=30)
            except subprocess.TimeoutExpired:
                demo.kill()
                demo.wait()
    (screen,) = screens
    # The wallet page lists the over-asked items as refused, with no checkbox for them.
    assert "recipient/my_number" in screen
    assert "住所又は居所" in screen  # recipient/address, labelled from the slip type
    boxes = re.findall(r'name="item" value="([^"]+)"', screen)
    assert len(boxes) == 10  # the registered items only
    assert not [b for b in boxes if "my_number" in b or "address" in b]
    text = "".join(output)
    assert "recipient/my_number (never_share), recipient/address (not_registered)" in text
    assert sorted(p.name for p in (workdir / "logs").glob("*.log")) == [
        "issuer-a.log", "trust-list.log", "verifier-b.log", "wallet-web.log",
    ]  # fmt: skip
    with pytest.raises(httpx.TransportError):
        httpx.get(wallet_url, timeout=2)


class _ScriptedResults(InProcessCli):
    """Answers each `verifier result` with the next outcome, as B's database would."""

    def __init__(self, outcomes: list[str]) -> None:
        super().__init__()
        self.outcomes = outcomes

    def _execute(self, args, env, timeout):  # type: ignore[no-untyped-def]
        import json
        import subprocess

        outcome = self.outcomes.pop(0)
        body = {"transaction_id": "t", "outcome": outcome, "checks": []}
        return subprocess.CompletedProcess(args, 0, json.dumps(body), "")


def test_demo_waits_while_b_is_still_verifying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`processing` (a response claimed, checks running) is not an answer yet: keep polling."""
    monkeypatch.setattr(job_change.time, "sleep", lambda _seconds: None)
    cli = _ScriptedResults(["pending", "processing", "processing", "verified"])
    demo = job_change.JobChangeDemo(tmp_path, console=Console(file=io.StringIO()), cli=cli)
    demo.verifier_config = tmp_path / "verifier.toml"
    assert demo.result("t")["outcome"] == "verified"
    assert cli.outcomes == []


def test_demo_stops_on_a_final_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_change.time, "sleep", lambda _seconds: None)
    cli = _ScriptedResults(["processing", "failed"])
    demo = job_change.JobChangeDemo(tmp_path, console=Console(file=io.StringIO()), cli=cli)
    demo.verifier_config = tmp_path / "verifier.toml"
    with pytest.raises(DemoError, match="did not succeed"):
        demo.result("t")

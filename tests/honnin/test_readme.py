"""The README's quick start runs, its contract lines stay, and the guide is complete and linked."""

from __future__ import annotations

import csv
import io
import os
import re
import shlex
import subprocess
from pathlib import Path

import httpx
import pytest

from specs.errors import ALL_ERRORS

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def readme_lines() -> list[str]:
    """The README, line by line (1-based index = list index + 1)."""
    return README.read_text(encoding="utf-8").splitlines()


def error_table() -> str:
    """The error-code table of docs/errors.md, generated from ``ALL_ERRORS``."""
    rows = ["| code | class | parent | meaning |", "| --- | --- | --- | --- |"]
    for error in ALL_ERRORS:
        meaning = (error.__doc__ or "").strip().splitlines()[0]
        parent = error.__mro__[1].__name__
        rows.append(f"| `{error.code}` | `{error.__name__}` | `{parent}` | {meaning} |")
    return "\n".join(rows)


def test_first_lines_are_the_two_commands() -> None:
    lines = readme_lines()
    assert lines[2] == "```sh"
    assert lines[3].split("#")[0].strip() == "scripts/setup && .venv/bin/honnin demo job-change"
    assert lines[4].split("#")[0].strip() == "scripts/setup && scripts/check"
    assert lines[5] == "```"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/setup && scripts/check" in ci


def test_readme_has_the_sections_the_issue_asks_for() -> None:
    text = README.read_text(encoding="utf-8")
    assert "```mermaid" in text  # the picture of the roles
    assert "## Supported specifications" in text
    for role in ("honnin trustlist", "honnin issuer", "honnin wallet", "honnin verifier"):
        assert role in text
    assert "docs/README.md" in text


def test_error_table_lists_every_error_class() -> None:
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- errors-table:start -->\n(.*?)\n+<!-- errors-table:end -->", text, re.S)
    assert found is not None, "docs/errors.md lost its table markers"
    expected = error_table()
    assert found.group(1).strip() == expected, (
        "docs/errors.md is out of date; replace the table between the markers with:\n" + expected
    )
    codes = [e.code for e in ALL_ERRORS]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    "page", [README, *sorted(DOCS.glob("*.md"))], ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_relative_links_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_guide_links_the_card_page_and_every_page() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert f"({page.name})" in index, f"docs/README.md does not link {page.name}"


@pytest.mark.slow
@pytest.mark.softhsm
def test_readme_quick_start_runs(tmp_path: Path, softhsm_module: str) -> None:
    """Run the README's first command (after `scripts/setup &&`, which CI has just run)."""
    command = readme_lines()[3].split("#")[0].strip()
    setup, _, demo = command.partition(" && ")
    assert setup == "scripts/setup"
    workdir = tmp_path / "demo"
    result = subprocess.run(
        [*shlex.split(demo), "--workdir", str(workdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "160"},
    )
    assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-3000:])
    out = result.stdout
    assert "demo job-change finished" in out
    assert "B's verification" in out
    assert "the wallet's log" in out
    payroll = (workdir / "payroll-b.csv").read_text(encoding="utf-8")
    assert payroll.count("\n") >= 2
    assert "payment_amount" in payroll.splitlines()[0]
    # The leave date (中途就・退職) reaches B's payroll.
    (record,) = csv.DictReader(io.StringIO(payroll))
    assert record["mid_year_change_kind"] == "leave"
    assert record["mid_year_change_date"] == "2026-06-30"
    # The default runs both scenarios: the over-asked items are refused, each for its reason.
    assert "B over-asks" in out
    assert (
        "over-ask: the wallet refused recipient/my_number (never_share), "
        "recipient/address (not_registered); B received neither"
    ) in out
    assert "disclosure log intact: 2 entries" in out
    # Every service wrote its log, and none of them is still listening.
    logs = sorted(p.name for p in (workdir / "logs").glob("*.log"))
    assert logs == ["issuer-a.log", "trust-list.log", "verifier-b.log"]
    for line in out.splitlines():
        if " answers at http://127.0.0.1:" in line:
            url = line.split(" answers at ", 1)[1].split()[0]
            with pytest.raises(httpx.TransportError):
                httpx.get(url, timeout=2)

"""Every numbered script in examples/ runs to completion and prints what it promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, *args: str) -> str:
    """Run one example script with this interpreter; return its stdout, fail on non-zero exit."""
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=EXAMPLES.parent,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_every_numbered_example_has_a_test() -> None:
    scripts = sorted(p.name for p in EXAMPLES.glob("[0-9][0-9]_*.py"))
    tested = {name for name in globals() if name.startswith("test_example_")}
    numbers = [int(s[:2]) for s in scripts]
    assert numbers == list(range(1, len(numbers) + 1))
    for script in scripts:
        assert any(t.startswith(f"test_example_{script[:2]}_") for t in tested), script


def test_example_01_issues_a_verifiable_slip(tmp_path: Path) -> None:
    out = tmp_path / "slip.json"
    stdout = run_example("01_issue_a_slip.py", str(out))
    assert "issued https://honnin.example/credentials/withholding-slip/1" in stdout
    assert "vct#integrity" in stdout
    saved = json.loads(out.read_text(encoding="utf-8"))
    # The credential is a compact SD-JWT with disclosures, and the private keys round-trip.
    assert saved["credential"].count("~") >= 10
    assert saved["holder_private_jwk"]["kty"] == "EC"
    assert "d" in saved["issuer_private_jwk"]


def test_example_02_verifies_and_refuses_presentations() -> None:
    stdout = run_example("02_verify_a_presentation.py")
    assert "disclosed: payment_amount, recipient/name, withheld_tax" in stdout
    assert "NonceMismatch [nonce_mismatch]" in stdout
    assert "AudienceMismatch [audience_mismatch]" in stdout
    assert "UntrustedIssuer [untrusted_issuer]" in stdout


def test_example_03_builds_signs_and_evaluates_a_trust_list() -> None:
    stdout = run_example("03_build_a_trust_list.py")
    assert "verified list 1" in stdout
    assert "issuer key belongs to employer-a" in stdout
    assert "[policy_violation]" in stdout
    assert "[untrusted_verifier]" in stdout


def test_example_04_runs_a_wallet_against_in_process_issuer_and_verifier_apps() -> None:
    stdout = run_example("04_a_wallet_in_process.py")
    assert "received withholding-slip: 4 instances" in stdout
    assert "consent screen: Employer B asks, for 'year-end tax adjustment'" in stdout
    assert "  Payment amount: shareable" in stdout
    assert "B's result: verified" in stdout
    assert "  leave date: 2026-06-30" in stdout
    assert "  failed checks: []" in stdout
    assert "log #1: disclosed to employer-b: 10 items" in stdout
    assert "disclosure log intact: 1 entries" in stdout


def test_example_05_defines_validates_and_issues_a_new_type() -> None:
    stdout = run_example("05_add_a_credential_type.py")
    assert "vct: https://honnin.example/credentials/childcare-worker-registration/1" in stdout
    assert "refused ['registration_number']" in stdout
    assert "refused ['registration_date']" in stdout
    received = json.loads(stdout.split("the nursery received: ", 1)[1].splitlines()[0])
    # Only the disclosed item and the never-disclosable issuer-side item reached the verifier.
    assert received == {"registered_by": "東京都", "registration_number": "TK123456"}


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("[0-9][0-9]_*.py")))
def test_examples_have_a_docstring_that_says_how_to_run_them(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert text.startswith('"""' + name[:2] + ": ")
    assert f"examples/{name}" in text

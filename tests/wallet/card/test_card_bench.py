"""The card benchmark still runs (quick mode); timings are not asserted."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "card.py"

pytestmark = pytest.mark.softhsm


def test_bench_runs_in_quick_mode(
    softhsm_module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOFTHSM2_CONF", str(tmp_path / "unused.conf"))  # restored after the test
    spec = importlib.util.spec_from_file_location("bench_card", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "card.json"
    assert module.main(["--quick", "--batch", "2", "--output", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["batch"] == 2
    assert set(results["ratios"]) == {
        "pkcs11_sign_vs_bare_sign",
        "attestation_vs_bare_sign",
        "verify_vs_bare_sign",
    }
    assert all(v > 0 for v in results["seconds"].values())

"""The W3C VC benchmark still runs (quick mode); timings are not asserted."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "w3c_vc.py"


def test_bench_runs_in_quick_mode(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_w3c_vc", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "w3c_vc.json"
    assert module.main(["--quick", "--output", str(out)]) == 0
    results = json.loads(out.read_text())
    assert set(results["ratios"]) == {
        "derive_vs_bare_sign",
        "verify_derived_vs_bare_verify",
        "create_base_vs_bare_sign",
        "rdfc_verify_vs_bare_verify",
    }
    assert results["revealed_selective_statements"] == 2
    assert all(v > 0 for v in results["seconds"].values())
    assert all(0 < v <= 1 for v in results["canonicalization_share"].values())

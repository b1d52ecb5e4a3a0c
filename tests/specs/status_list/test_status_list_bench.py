"""The status list benchmark still runs (quick mode); timings are not asserted."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "status_list.py"


def test_bench_runs_in_quick_mode(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_status_list", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "status_list.json"
    assert module.main(["--quick", "--output", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["entries"] == 4096
    assert set(results["ratios"]) == {"sign_vs_bare_sign", "verify_vs_bare_verify"}
    assert all(v > 0 for v in results["seconds"].values())

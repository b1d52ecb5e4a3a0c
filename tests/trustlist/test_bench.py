"""The trust-list benchmark still runs (quick mode; timings are not asserted)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "trustlist_verify.py"


def test_bench_runs_in_quick_mode(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_trustlist_verify", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "trustlist_verify.json"
    results = module.main(["--quick", "--out", str(out)])
    written = json.loads(out.read_text())
    assert written == results
    row = written["sizes"]["10"]
    assert row["verify_ratio"] > 0
    assert row["bytes"] > 1000

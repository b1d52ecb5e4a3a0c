"""The mdoc benchmark runs (quick mode), so it cannot rot; timing ratios are not asserted."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "mdoc.py"


def test_bench_quick_mode(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_mdoc", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    output = tmp_path / "mdoc.json"
    results = module.main(["--quick", "--output", str(output)])
    written = json.loads(output.read_text())
    assert written == results
    assert written["es256_verifies_per_response"] == 3
    assert written["warm_es256_verifies_per_response"] == 2
    assert written["verify_per_second"] > 0
    assert written["warm_verify_per_second"] > 0
    # The check-free yardstick (bench/yardsticks.py) is measured in the same run.
    assert written["python_floor_per_second"] > 0
    assert written["warm_ratio_vs_python_floor"] > 0

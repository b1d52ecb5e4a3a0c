"""The verification benchmark still runs (quick mode; timings are not asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_bench_quick(tmp_path: Path, postgres_url: str) -> None:
    spec = importlib.util.spec_from_file_location(
        "bench_verification", REPO_ROOT / "bench" / "verification.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--quick", "--output", str(tmp_path / "out.json")])
    assert (tmp_path / "out.json").exists()
    assert set(result["in_process"]["per_second"]) == {
        "bare_signature_checks",
        "pipeline_steps",
        "accept_end_to_end",
        "python_floor",
    }
    assert result["in_process"]["ratio_vs_bare"]["python_floor"] > 0
    load = result["load_two_replicas_postgres"]
    assert load["double_accepts"] == 0
    assert load["never_accepted"] == 0

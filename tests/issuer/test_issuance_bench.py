"""The issuance benchmark still runs (quick mode); timings are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "issuance.py"


def test_bench_runs_in_quick_mode(tmp_path: Path) -> None:
    out = tmp_path / "issuance.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["quick"] is True
    assert result["issuance"]["credentials"] == 40
    assert result["import"]["rows"] == 50
    assert "ratio_issuing_to_bare_sign" in result["issuance"]

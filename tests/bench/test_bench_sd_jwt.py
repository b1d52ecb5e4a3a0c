"""The SD-JWT benchmark runs in quick mode and writes its JSON (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_sd_jwt_quick(tmp_path: Path) -> None:
    output = tmp_path / "sd_jwt.json"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sd_jwt.py"), "--quick", "--output", str(output)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = json.loads(output.read_text())
    assert set(result["ops_per_second"]) == {"honnin", "bare", "reference"}
    assert set(result["ops_per_second"]["honnin"]) == {"issue", "present", "verify"}
    assert result["ratios"]["verify_vs_2_verifies"] > 0
    assert set(result["ops_per_second"]["bare"]) == {
        "es256_sign",
        "es256_verify",
        "python_floor_verify",
    }
    assert result["ratios"]["python_floor_vs_2_verifies"] > 0

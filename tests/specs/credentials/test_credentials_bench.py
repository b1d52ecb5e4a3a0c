"""The credentials benchmark runs in quick mode and writes its JSON (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_bench_credentials_quick(tmp_path: Path) -> None:
    output = tmp_path / "credentials.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "credentials.py"),
            "--quick",
            "--output",
            str(output),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = json.loads(output.read_text())
    assert set(result["seconds"]) >= {"bare_es256_sign", "issue_slip_sd_jwt_vc", "validate_slip"}
    assert result["rows"] == 20
    assert all(value > 0 for value in result["ratios"].values())

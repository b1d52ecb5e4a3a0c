"""The OpenID4VP benchmark still runs (quick mode; timings are not asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_bench_quick(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "bench_openid4vp", REPO_ROOT / "bench" / "openid4vp_request.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--quick", "--output", str(tmp_path / "out.json")])
    assert (tmp_path / "out.json").exists()
    assert set(result["per_second"]) >= {"verify_request_object", "parse_encrypted_response"}

"""SoftHSM2 test cards for the wallet's card code: each test gets its own token directory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from honnin.testcard import JpkiTestCa, SoftHsm, TestCard, create_test_card

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> JpkiTestCa:
    """One test CA per module (RSA key generation is the slow part)."""
    return JpkiTestCa.create(NOW)


@pytest.fixture
def hsm(softhsm_module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SoftHsm:
    """A private SoftHSM2 config and token directory, active for this test only."""
    hsm = SoftHsm(tmp_path / "softhsm", module=softhsm_module)
    hsm.write_config()
    monkeypatch.setenv("SOFTHSM2_CONF", str(hsm.config))
    hsm.activate()
    return hsm


@pytest.fixture
def card(hsm: SoftHsm, ca: JpkiTestCa) -> TestCard:
    """A valid test My Number Card."""
    return create_test_card(hsm, ca, now=NOW)

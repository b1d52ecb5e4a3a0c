"""Shared fixtures: fixed clocks, seeded randomness, and the real services tests need.

Tests that need PostgreSQL, Chromium or SoftHSM2 ask for the fixture below. Outside CI a
missing service skips the test with the reason; with ``CI=true`` it fails, so CI never
silently skips them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from specs.ports import FixedClock, SeededRandom

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get(
    "HONNIN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPO_ROOT = Path(__file__).resolve().parent.parent
VECTORS = REPO_ROOT / "tests" / "vectors"
SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)


def require(condition: bool, reason: str) -> None:
    """Skip with ``reason`` when ``condition`` is false, or fail when running in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def clock() -> FixedClock:
    """A clock fixed at 2026-07-01T09:00:00Z (the job-change story's first day at B)."""
    return FixedClock(datetime(2026, 7, 1, 9, 0, 0, tzinfo=UTC))


@pytest.fixture
def rng() -> SeededRandom:
    """Deterministic randomness for reproducible tests."""
    return SeededRandom(b"honnin-tests")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A reachable PostgreSQL URL (SQLAlchemy form), or skip/fail."""
    try:
        import psycopg

        dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("select 1")
        ok = True
    except Exception:  # any connection problem means "not available"
        ok = False
    require(ok, f"PostgreSQL not reachable at {POSTGRES_URL}")
    return POSTGRES_URL


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL URL pointing at a fresh schema, dropped after the test."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'create schema "{schema}"')
    sep = "&" if "?" in postgres_url else "?"
    yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'drop schema "{schema}" cascade')


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's Chromium, or skip/fail."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require(Path(path).exists(), "Chromium not installed (scripts/setup installs it)")
    return path


@pytest.fixture(scope="session")
def softhsm_module() -> str:
    """Path of the SoftHSM2 PKCS#11 module, or skip/fail."""
    for path in SOFTHSM_MODULES:
        if Path(path).exists():
            return path
    require(False, "SoftHSM2 not installed (scripts/setup installs it)")
    raise AssertionError("unreachable")

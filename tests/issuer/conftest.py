"""Issuer test fixtures: a migrated repository on SQLite and on PostgreSQL."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine

from issuer.database import make_engine, migrate
from issuer.service import IssuerDeps
from specs.keys import SoftwareSigner
from specs.keys.certificates import issue_certificate
from specs.ports import FixedClock, SystemRandom


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'issuer.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the migrated database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


# --- the issuer service under test (added with the service) ---


def _load(name: str, filename: str) -> ModuleType:
    """Import a sibling module by path once (pytest runs with --import-mode=importlib)."""
    if name not in sys.modules:
        path = Path(__file__).resolve().parent / filename
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


support = _load("honnin_issuer_test_support", "support.py")
wallet_side = _load("honnin_issuer_test_wallet_side", "wallet_side.py")
ISSUER_URL = support.ISSUER_URL


@pytest.fixture(scope="session")
def issuer_key() -> tuple[Any, Any]:
    """The issuer's ES256 signing key and its self-signed certificate (SAN = issuer URL)."""
    signer = SoftwareSigner.generate("ES256", kid="issuer-key-1")
    cert = issue_certificate(
        subject_public_key=signer.public_key,
        issuer_key=signer.private_key(),
        issuer=None,
        common_name="Employer A",
        organization="Employer A",
        not_before=datetime(2026, 1, 1, tzinfo=UTC),
        days=3 * 365,
        serial_number=4242,
        san_uris=[ISSUER_URL],
    )
    return signer, cert


@pytest.fixture
def make_deps(issuer_key: tuple[Any, Any], clock: FixedClock) -> Callable[..., IssuerDeps]:
    """Build ``IssuerDeps`` with the test key, the fixed clock and fresh system randomness."""

    def build(**overrides: Any) -> IssuerDeps:
        signer, cert = issuer_key
        values: dict[str, Any] = {
            "clock": clock,
            "rng": SystemRandom(),
            "signer": signer,
            "certificate_chain": [cert],
            **overrides,
        }
        return IssuerDeps(**values)

    return build


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio."""
    return "asyncio"

"""Shared values of the issuer tests: the test deployment's URL, admin token and settings."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from honnin.sample_data import SampleData
from issuer.settings import IssuerSettings
from specs.credentials import WITHHOLDING_SLIP_V1

ISSUER_URL = "https://issuer.example/employer-a"
ADMIN_TOKEN = "admin-secret-token"


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> IssuerSettings:
    """Settings of a test deployment on ``database_url`` (keys injected through deps)."""
    data: dict[str, Any] = {
        "name": {"ja": "株式会社テスト", "en": "Test Corporation"},
        "url": ISSUER_URL,
        "database_url": database_url,
        "signing_key": str(tmp_path / "unused-key.jwk"),
        "certificate_chain": str(tmp_path / "unused-cert.pem"),
        "admin_token_sha256": hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest(),
        "credential_types": ["withholding-slip", "employment-certificate"],
        "status_list_size": 1024,
        "access_token_ttl_seconds": 900,
        **overrides,
    }
    return IssuerSettings.model_validate(data)


def slip_claims(seed: int = 1) -> dict[str, Any]:
    """The claims of one fake withholding slip."""
    data = SampleData(seed)
    return WITHHOLDING_SLIP_V1.to_claims(data.withholding_slip(data.person(), data.employer()))

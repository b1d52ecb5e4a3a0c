"""Verifier configuration: one TOML file (``verifier.toml``) written by ``honnin verifier init``."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from specs.errors import MalformedInput


class DisplayName(BaseModel):
    """A name in Japanese and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ja: str
    en: str


class VerifierSettings(BaseModel):
    """Everything a verifier deployment is configured with; paths are relative to the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: DisplayName
    url: str = Field(description="base URL of the verifier service (https, or http on loopback)")
    database_url: str
    access_key: Path = Field(
        description="private JWK of the access-certificate key (signs requests)"
    )
    access_certificate: Path = Field(description="PEM chain of the access certificate, leaf first")
    encryption_key: Path = Field(description="private JWK for direct_post.jwt response encryption")
    trust_list: str = Field(description="trust list: a file path or an http(s) URL")
    trust_list_anchor: Path | None = Field(
        default=None, description="PEM of the trust-list operator"
    )
    hr_token_sha256: str = Field(description="SHA-256 hex of the HR desk bearer token")
    transaction_ttl_seconds: int = 600
    kb_max_age_seconds: int = 300
    status_list_max_age_seconds: int = 24 * 3600
    retention_days: int = 90
    response_mode: str = Field(default="direct_post.jwt", pattern="^direct_post(\\.jwt)?$")

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parsed = HttpUrl(value)
        loopback = parsed.host in {"127.0.0.1", "localhost", "::1", "[::1]"}
        if parsed.scheme != "https" and not loopback:
            raise ValueError("the verifier URL must be https (http only on loopback)")
        return value.rstrip("/")

    def resolve(self, base: Path) -> VerifierSettings:
        """Return a copy with relative paths made absolute against ``base``."""
        updates: dict[str, object] = {}
        for name in ("access_key", "access_certificate", "encryption_key", "trust_list_anchor"):
            value = getattr(self, name)
            if value is not None and not value.is_absolute():
                updates[name] = base / value
        if "://" not in self.trust_list and not Path(self.trust_list).is_absolute():
            updates["trust_list"] = str(base / self.trust_list)
        if self.database_url.startswith("sqlite:///") and not self.database_url.startswith(
            "sqlite:////"
        ):
            updates["database_url"] = (
                f"sqlite:///{base / self.database_url.removeprefix('sqlite:///')}"
            )
        return self.model_copy(update=updates)


def load_settings(path: Path) -> VerifierSettings:
    """Read and validate ``verifier.toml``; relative paths are taken from its folder."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MalformedInput(f"{path} is not valid TOML: {exc}") from exc
    try:
        settings = VerifierSettings.model_validate(data)
    except ValueError as exc:
        raise MalformedInput(f"{path} is not a valid verifier configuration: {exc}") from exc
    return settings.resolve(path.parent.resolve())

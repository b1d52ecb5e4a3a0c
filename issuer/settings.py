"""Issuer configuration: one TOML file (``issuer.toml``) written by ``honnin issuer init``."""

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


class IssuerSettings(BaseModel):
    """Everything an issuer deployment is configured with; paths are relative to the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: DisplayName
    url: str = Field(description="credential issuer identifier (https URL, or http on loopback)")
    database_url: str
    signing_key: Path = Field(description="private JWK of the credential signing key")
    certificate_chain: Path = Field(description="PEM chain for x5c, leaf first")
    admin_token_sha256: str = Field(description="SHA-256 hex of the admin API bearer token")
    credential_types: list[str] = Field(default_factory=lambda: ["withholding-slip"])
    offer_ttl_seconds: int = 14 * 24 * 3600
    code_ttl_seconds: int = 14 * 24 * 3600
    access_token_ttl_seconds: int = 300
    nonce_ttl_seconds: int = 300
    tx_code_length: int = Field(default=6, ge=4, le=12)
    tx_code_max_attempts: int = Field(default=5, ge=1, le=20)
    batch_size: int = Field(default=4, ge=1, le=32)
    credential_ttl_days: int = 400
    status_list_bits: int = 2
    status_list_size: int = 131_072
    status_list_ttl_seconds: int = 3600
    key_attestation_required: bool = False
    card_trust_list: Path | None = Field(
        default=None,
        description="signed trust list (JWS) whose card CAs vouch for key attestations",
    )
    card_trust_list_anchors: Path | None = Field(
        default=None, description="PEM certificate(s) of the trust-list operator"
    )
    card_crls: list[Path] = Field(default_factory=list, description="CRLs of the card CAs")
    proof_max_age_seconds: int = 300

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parsed = HttpUrl(value)
        loopback = parsed.host in {"127.0.0.1", "localhost", "::1", "[::1]"}
        if parsed.scheme != "https" and not loopback:
            raise ValueError("the issuer URL must be https (http only on loopback)")
        return value.rstrip("/")

    def resolve(self, base: Path) -> IssuerSettings:
        """Return a copy with relative paths made absolute against ``base``."""
        updates: dict[str, object] = {}
        for name in (
            "signing_key",
            "certificate_chain",
            "card_trust_list",
            "card_trust_list_anchors",
        ):
            value = getattr(self, name)
            if value is not None and not value.is_absolute():
                updates[name] = base / value
        updates["card_crls"] = [p if p.is_absolute() else base / p for p in self.card_crls]
        if self.database_url.startswith("sqlite:///") and not self.database_url.startswith(
            "sqlite:////"
        ):
            updates["database_url"] = (
                f"sqlite:///{base / self.database_url.removeprefix('sqlite:///')}"
            )
        return self.model_copy(update=updates)


def load_settings(path: Path) -> IssuerSettings:
    """Read and validate ``issuer.toml``; relative paths are taken from its folder."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MalformedInput(f"{path} is not valid TOML: {exc}") from exc
    try:
        settings = IssuerSettings.model_validate(data)
    except ValueError as exc:
        raise MalformedInput(f"{path} is not a valid issuer configuration: {exc}") from exc
    return settings.resolve(path.parent.resolve())

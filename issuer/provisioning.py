"""Creating a working issuer deployment in a folder: keys, certificate, settings, database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import tomli_w
from cryptography.hazmat.primitives import serialization

from issuer.database import make_engine, migrate
from specs.errors import MalformedInput
from specs.keys import SoftwareSigner
from specs.keys.certificates import issue_certificate
from specs.ports import Clock, Random


@dataclass(frozen=True, slots=True)
class IssuerDeployment:
    """What ``init_issuer`` created: the settings file and the one-time admin token."""

    settings_path: Path
    admin_token: str
    certificate_pem: Path


def init_issuer(
    directory: Path,
    *,
    name_ja: str,
    name_en: str,
    url: str,
    clock: Clock,
    random: Random,
    credential_types: list[str] | None = None,
) -> IssuerDeployment:
    """Create keys, a self-signed issuer certificate, ``issuer.toml`` and a migrated SQLite database."""
    settings_path = directory / "issuer.toml"
    if settings_path.exists():
        raise MalformedInput(f"{settings_path} already exists; choose an empty folder")
    directory.mkdir(parents=True, exist_ok=True)
    signer = SoftwareSigner.generate("ES256", kid=hashlib.sha256(random.bytes(16)).hexdigest()[:16])
    key_path = directory / "signing-key.jwk"
    key_path.write_text(json.dumps(signer.export_private_jwk(), indent=2), encoding="utf-8")
    key_path.chmod(0o600)
    certificate = issue_certificate(
        subject_public_key=signer.public_key,
        issuer_key=signer.private_key(),
        issuer=None,
        common_name=name_en,
        organization=name_en,
        not_before=clock.now(),
        days=3 * 365,
        serial_number=int.from_bytes(random.bytes(16), "big") >> 1,
        san_uris=[url.rstrip("/")],
    )
    cert_path = directory / "issuer-cert.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    admin_token = random.bytes(32).hex()
    token_path = directory / "admin-token.txt"
    token_path.write_text(admin_token + "\n", encoding="utf-8")
    token_path.chmod(0o600)
    settings = {
        "name": {"ja": name_ja, "en": name_en},
        "url": url.rstrip("/"),
        "database_url": "sqlite:///issuer.db",
        "signing_key": "signing-key.jwk",
        "certificate_chain": "issuer-cert.pem",
        "admin_token_sha256": hashlib.sha256(admin_token.encode()).hexdigest(),
        "credential_types": credential_types or ["withholding-slip"],
    }
    engine = make_engine(f"sqlite:///{directory / 'issuer.db'}")
    migrate(engine)
    engine.dispose()
    # Last: issuer.toml marks the folder as a deployment (``init`` refuses to run over it),
    # so a failure before this point leaves a folder a second ``init`` simply completes.
    settings_path.write_text(tomli_w.dumps(settings), encoding="utf-8")
    return IssuerDeployment(
        settings_path=settings_path, admin_token=admin_token, certificate_pem=cert_path
    )

"""Creating a working verifier deployment in a folder: keys, access certificate, settings, database."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import tomli_w
from cryptography.hazmat.primitives import serialization

from specs.errors import MalformedInput
from specs.keys import SoftwareSigner
from specs.keys.certificates import issue_certificate
from specs.ports import Clock, Random
from verifier.database import make_engine, migrate
from verifier.service import client_id_for
from verifier.settings import VerifierSettings

SETTINGS_FILE = "verifier.toml"
ANCHOR_NEXT_TO_LIST = "operator.pem"  # what `honnin trustlist sign` publishes beside the list


@dataclass(frozen=True, slots=True)
class VerifierDeployment:
    """What ``init_verifier`` created: files, the HR desk token and the client_id to register."""

    settings_path: Path
    hr_token: str
    access_certificate: Path
    client_id: str


def _write_secret(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


def _dns_host(url: str) -> list[str]:
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
        return []
    except ValueError:
        return [host] if host and host != "localhost" else []


def _anchor(trust_list: str, anchor: Path | None) -> Path | None:
    if anchor is not None:
        return anchor
    if "://" not in trust_list:
        beside = Path(trust_list).resolve().parent / ANCHOR_NEXT_TO_LIST
        if beside.exists():
            return beside
    return None


def init_verifier(
    directory: Path,
    *,
    name_ja: str,
    name_en: str,
    url: str,
    trust_list: str,
    clock: Clock,
    random: Random,
    trust_list_anchor: Path | None = None,
    response_mode: str = "direct_post.jwt",
) -> VerifierDeployment:
    """Create keys, a self-signed access certificate, ``verifier.toml`` and a migrated SQLite database."""
    settings_path = directory / SETTINGS_FILE
    if settings_path.exists():
        raise MalformedInput(f"{settings_path} already exists; choose an empty folder")
    url = url.rstrip("/")
    anchor = _anchor(trust_list, trust_list_anchor)
    if anchor is None:
        raise MalformedInput(
            "give --trust-list-anchor (the trust-list operator's certificate PEM); none was "
            f"found next to {trust_list}"
        )
    directory.mkdir(parents=True, exist_ok=True)
    # Validate the settings before writing anything else.
    hr_token = random.bytes(32).hex()
    settings = {
        "name": {"ja": name_ja, "en": name_en},
        "url": url,
        "database_url": "sqlite:///verifier.db",
        "access_key": "access-key.jwk",
        "access_certificate": "access-cert.pem",
        "encryption_key": "encryption-key.jwk",
        "trust_list": trust_list if "://" in trust_list else str(Path(trust_list).resolve()),
        "trust_list_anchor": "trust-list-anchor.pem",
        "hr_token_sha256": hashlib.sha256(hr_token.encode()).hexdigest(),
        "response_mode": response_mode,
    }
    VerifierSettings.model_validate(settings)
    kid = hashlib.sha256(random.bytes(16)).hexdigest()[:16]
    signer = SoftwareSigner.generate("ES256", kid=kid)
    _write_secret(directory / "access-key.jwk", json.dumps(signer.export_private_jwk(), indent=2))
    certificate = issue_certificate(
        subject_public_key=signer.public_key,
        issuer_key=signer.private_key(),
        issuer=None,
        common_name=f"{name_en} access certificate",
        organization=name_en,
        not_before=clock.now(),
        days=2 * 365,
        serial_number=int.from_bytes(random.bytes(16), "big") >> 1 or 1,
        san_uris=[url],
        san_dns=_dns_host(url),
    )
    cert_path = directory / "access-cert.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    encryption = SoftwareSigner.generate("ES256").export_private_jwk()
    encryption.update(
        kid="enc-" + hashlib.sha256(random.bytes(16)).hexdigest()[:12], use="enc", alg="ECDH-ES"
    )
    _write_secret(directory / "encryption-key.jwk", json.dumps(encryption, indent=2))
    shutil.copyfile(anchor, directory / "trust-list-anchor.pem")
    _write_secret(directory / "hr-token.txt", hr_token + "\n")
    settings_path.write_text(tomli_w.dumps(settings), encoding="utf-8")
    engine = make_engine(f"sqlite:///{directory / 'verifier.db'}")
    migrate(engine)
    engine.dispose()
    return VerifierDeployment(
        settings_path=settings_path,
        hr_token=hr_token,
        access_certificate=cert_path,
        client_id=client_id_for(url, certificate),
    )


__all__ = ["SETTINGS_FILE", "VerifierDeployment", "init_verifier"]

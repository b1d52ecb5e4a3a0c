"""Test My Number Cards: a JPKI-profile test CA, its CRLs, and SoftHSM2 tokens set up as cards.

The CA mirrors the J-LIS user-authentication profile (see ``specs.card.certificate``) but is
a TEST CA: its name says so and nothing chains it to J-LIS. A test card is a SoftHSM2 token
labelled like OpenSC's JPKI token (``JPKI (User Authentication PIN)``) holding an RSA-2048
key generated ON the token (sensitive, never extractable), the CA-issued certificate and the
CA certificate, under the same labels and ids as a real card, so the wallet's code path is the
same for both. Revoked and expired cards are made the same way.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the module is initialised; ``SoftHsm`` writes a private
config with its own token directory and re-initialises the module on activation, so tests never
touch the system token directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

from specs.card.constants import (
    JPKI_USER_AUTHENTICATION_CA_CERT_LABEL,
    JPKI_USER_AUTHENTICATION_CERT_LABEL,
    JPKI_USER_AUTHENTICATION_KEY_ID,
    JPKI_USER_AUTHENTICATION_KEY_LABEL,
    JPKI_USER_AUTHENTICATION_POLICY,
    JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
)
from specs.errors import CardError
from specs.ports import Random, SystemRandom

DEFAULT_SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)
TEST_CA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI TEST"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "JPKI for user authentication"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "honnin test CA, not J-LIS"),
    ]
)
TEST_PIN = "1234"
TEST_SO_PIN = "12345678"
CARD_VALIDITY_DAYS = 5 * 365
# CKA_OS_TOKENFLAGS of SoftHSM2's file object store (vendor attribute 0x8000534B, a CK_ULONG).
_SOFTHSM_TOKEN_FLAGS_TAG = bytes.fromhex("000000008000534b0000000000000002")
_CKF_USER_PIN_LOCKED = 0x00040000
_CKF_USER_PIN_FINAL_TRY = 0x00020000


def find_softhsm_module() -> str:
    """Return the path of the SoftHSM2 PKCS#11 module; raise ``CardError`` when absent."""
    for path in DEFAULT_SOFTHSM_MODULES:
        if Path(path).is_file():
            return path
    raise CardError("SoftHSM2 is not installed (Debian package softhsm2)")


def _serial_cn(serial: int) -> str:
    # Real cards carry a 23-character serial-like CN; ours is derived from the serial only.
    return f"{serial:016X}HONNIN{serial % 10}"[:23]


@dataclass
class JpkiTestCa:
    """A test CA that issues JPKI user-authentication profile certificates and CRLs."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    crl_uri: str = "http://crl.honnin.invalid/jpki-test-auth.crl"
    revoked: dict[int, datetime] = field(default_factory=dict)

    @classmethod
    def create(
        cls, now: datetime, *, name: x509.Name = TEST_CA_NAME, years: int = 20
    ) -> JpkiTestCa:
        """Create a self-signed RSA-2048 test CA valid from ``now``."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=366 * 7))
            .not_valid_after(now + timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        return cls(key=key, certificate=cert)

    def issue_user_certificate(
        self,
        public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
        *,
        serial: int,
        not_before: datetime,
        days: int = CARD_VALIDITY_DAYS,
        digital_signature: bool = True,
        key_usage_critical: bool = True,
        policy_oid: str | None = JPKI_USER_AUTHENTICATION_POLICY,
        crl_distribution_point: bool = True,
        extra_subject: Iterable[x509.NameAttribute[Any]] = (),
        signature_hash: hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None = None,
    ) -> x509.Certificate:
        """Issue a user-authentication certificate; keyword switches make off-profile ones for tests."""
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                *extra_subject,
                x509.NameAttribute(NameOID.COMMON_NAME, _serial_cn(serial)),
            ]
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(not_before + timedelta(days=days))
            .add_extension(
                x509.KeyUsage(
                    digital_signature=digital_signature,
                    content_commitment=False,
                    key_encipherment=not digital_signature,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=key_usage_critical,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        if policy_oid is not None:
            builder = builder.add_extension(
                x509.CertificatePolicies(
                    [x509.PolicyInformation(x509.ObjectIdentifier(policy_oid), None)]
                ),
                critical=True,
            )
        if crl_distribution_point:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(self.crl_uri)],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
        return builder.sign(self.key, signature_hash or hashes.SHA256())

    def revoke(self, serial: int, at: datetime) -> None:
        """Mark ``serial`` revoked from ``at`` on the next CRL."""
        self.revoked[serial] = at

    def issue_crl(
        self, this_update: datetime, next_update: datetime | None = None
    ) -> x509.CertificateRevocationList:
        """Issue a CRL listing the revoked serials (next update one day later by default)."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(this_update)
            .next_update(next_update or this_update + timedelta(days=1))
        )
        for serial, at in sorted(self.revoked.items()):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build()
            )
        return builder.sign(self.key, hashes.SHA256())

    def save(self, directory: Path) -> None:
        """Write ``ca.pem``, the TEST CA key ``ca-key.pem`` (mode 0600) and ``revoked.json``."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "ca.pem").write_bytes(
            self.certificate.public_bytes(serialization.Encoding.PEM)
        )
        key_path = directory / "ca-key.pem"
        key_path.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        revoked = {str(serial): at.isoformat() for serial, at in sorted(self.revoked.items())}
        (directory / "revoked.json").write_text(json.dumps(revoked, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> JpkiTestCa:
        """Load a CA written by ``save``."""
        cert = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
        key = serialization.load_pem_private_key((directory / "ca-key.pem").read_bytes(), None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise CardError("test CA key is not RSA")
        revoked_path = directory / "revoked.json"
        revoked: dict[int, datetime] = {}
        if revoked_path.exists():
            loaded = json.loads(revoked_path.read_text(encoding="utf-8"))
            revoked = {int(k): datetime.fromisoformat(v) for k, v in loaded.items()}
        return cls(key=key, certificate=cert, revoked=revoked)


@dataclass
class SoftHsm:
    """A private SoftHSM2 configuration: ``softhsm2.conf`` and a token directory under ``root``."""

    root: Path
    module: str = field(default_factory=find_softhsm_module)

    @property
    def config(self) -> Path:
        """The config file path (what ``SOFTHSM2_CONF`` must name)."""
        return self.root / "softhsm2.conf"

    @property
    def token_dir(self) -> Path:
        """The token directory."""
        return self.root / "tokens"

    def write_config(self) -> None:
        """Write the config and create the token directory."""
        self.token_dir.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            f"directories.tokendir = {self.token_dir}\n"
            "objectstore.backend = file\n"
            "log.level = ERROR\n"
            "slots.removable = false\n",
            encoding="utf-8",
        )

    def activate(self) -> None:
        """Point this process's SoftHSM2 at this config and (re)initialise the module."""
        if not self.config.exists():
            self.write_config()
        os.environ["SOFTHSM2_CONF"] = str(self.config)
        lib = pkcs11.lib(self.module)
        lib.reinitialize()

    def environment(self) -> dict[str, str]:
        """The environment for a child process (``softhsm2-util``, ``pkcs11-tool``)."""
        return {**os.environ, "SOFTHSM2_CONF": str(self.config)}

    def init_token(self, label: str, *, pin: str, so_pin: str) -> None:
        """Initialise a free token slot with ``label`` and PINs (``softhsm2-util --init-token``)."""
        tool = shutil.which("softhsm2-util")
        if tool is None:
            raise CardError("softhsm2-util not found (Debian package softhsm2)")
        if not self.config.exists():
            self.write_config()
        result = subprocess.run(  # noqa: S603 - fixed tool, arguments are not shell-parsed
            [tool, "--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin],
            env=self.environment(),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if result.returncode != 0:
            raise CardError(
                f"softhsm2-util failed: {result.stderr.strip() or result.stdout.strip()}"
            )
        self.activate()

    def lock_user_pin(self, label: str, *, final_try: bool = False) -> None:
        """Mark the token's user PIN locked (or on its final try), as a real card reports it.

        SoftHSM2 keeps no PIN retry counter, so the state is written into the token's stored
        flags (CKF_USER_PIN_LOCKED, or CKF_USER_PIN_FINAL_TRY with ``final_try``); the token
        then reports itself like a real card after wrong tries.
        """
        flag = _CKF_USER_PIN_FINAL_TRY if final_try else _CKF_USER_PIN_LOCKED
        for token_file in self.token_dir.glob("*/token.object"):
            data = bytearray(token_file.read_bytes())
            if label.ljust(32).encode("utf-8") not in data:
                continue
            at = data.find(_SOFTHSM_TOKEN_FLAGS_TAG)
            if at < 0:
                raise CardError("token flags not found in the SoftHSM2 token file")
            start = at + len(_SOFTHSM_TOKEN_FLAGS_TAG)
            flags = int.from_bytes(data[start : start + 8], "big") | flag
            data[start : start + 8] = flags.to_bytes(8, "big")
            token_file.write_bytes(bytes(data))
            self.activate()
            return
        raise CardError(f"no SoftHSM2 token labelled {label!r}")


@dataclass(frozen=True)
class TestCard:
    """What a test card set-up produced: where the token is and what it holds."""

    __test__ = False  # not a pytest test class

    token_label: str
    pin: str
    certificate: x509.Certificate
    ca_certificate: x509.Certificate
    module: str

    @property
    def chain(self) -> list[x509.Certificate]:
        """The card certificate followed by its CA certificate."""
        return [self.certificate, self.ca_certificate]


def _rsa_public_key(public: Any) -> rsa.RSAPublicKey:
    modulus = int.from_bytes(public[Attribute.MODULUS], "big")
    exponent = int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big")
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def create_test_card(
    hsm: SoftHsm,
    ca: JpkiTestCa,
    *,
    now: datetime,
    label: str = JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
    pin: str = TEST_PIN,
    so_pin: str = TEST_SO_PIN,
    status: str = "valid",
    serial: int | None = None,
    rng: Random | None = None,
) -> TestCard:
    """Initialise a token as a test My Number Card: ``status`` is valid, revoked or expired."""
    if status not in {"valid", "revoked", "expired"}:
        raise ValueError(f"unknown card status {status!r}")
    if serial is None:
        serial = int.from_bytes((rng or SystemRandom()).bytes(8), "big") | 1
    hsm.init_token(label, pin=pin, so_pin=so_pin)
    token = pkcs11.lib(hsm.module).get_token(token_label=label)
    with token.open(rw=True, user_pin=pin) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA,
            2048,
            id=JPKI_USER_AUTHENTICATION_KEY_ID,
            label=JPKI_USER_AUTHENTICATION_KEY_LABEL,
            store=True,
            public_template={Attribute.LABEL: "User Authentication Public Key"},
            private_template={
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.SIGN: True,
            },
        )
        public_key = _rsa_public_key(public)
        if status == "expired":
            not_before = now - timedelta(days=CARD_VALIDITY_DAYS + 30)
        else:
            not_before = now - timedelta(days=30)
        cert = ca.issue_user_certificate(public_key, serial=serial, not_before=not_before)
        if status == "revoked":
            ca.revoke(serial, now - timedelta(days=1))
        _store_certificate(session, cert, JPKI_USER_AUTHENTICATION_CERT_LABEL, key_id=True)
        _store_certificate(
            session, ca.certificate, JPKI_USER_AUTHENTICATION_CA_CERT_LABEL, key_id=False
        )
    return TestCard(
        token_label=label,
        pin=pin,
        certificate=cert,
        ca_certificate=ca.certificate,
        module=hsm.module,
    )


def _store_certificate(session: Any, cert: x509.Certificate, label: str, *, key_id: bool) -> None:
    der = cert.public_bytes(serialization.Encoding.DER)
    session.create_object(
        {
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.PRIVATE: False,
            Attribute.LABEL: label,
            Attribute.ID: JPKI_USER_AUTHENTICATION_KEY_ID if key_id else b"\x03",
            Attribute.VALUE: der,
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.ISSUER: cert.issuer.public_bytes(),
        }
    )

"""The wallet's batch of P-256 presentation keys, encrypted at rest.

Each private key is stored as PKCS#8 DER sealed with AES-256-GCM under a key derived from
the person's passphrase with scrypt (RFC 7914); the key id (the JWK thumbprint, RFC 7638) is
the associated data, so sealed keys cannot be swapped. Callers get ``Signer`` handles and
public JWKs, never private key bytes. The file is replaced atomically on every change.
"""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from specs.errors import InvalidSignature, LimitExceeded, MalformedInput, NotFound
from specs.keys.jwk import der_to_raw_ecdsa, public_jwk, thumbprint
from specs.ports import Random, SystemRandom

FORMAT_VERSION = 1
# RFC 7914 section 2 and the scrypt paper's interactive-login setting: N=2^15, r=8, p=1.
DEFAULT_SCRYPT_N = 2**15
# Bounds what a (possibly hostile) store file may make us spend: 128 * n * r bytes of memory.
MAX_SCRYPT_N = 2**17
MAX_KEYS = 1024
MAX_FILE_BYTES = 4 * 1024 * 1024
_CHECK_PLAINTEXT = b"honnin presentation key store v1"
_AAD_PREFIX = b"honnin presentation key v1|"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise MalformedInput("key store field is not base64") from exc


class _Kdf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = "scrypt"
    salt: str
    n: int = Field(ge=2**10, le=MAX_SCRYPT_N)
    r: int = Field(ge=1, le=8)
    p: int = Field(ge=1, le=4)

    @field_validator("n")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError("scrypt n must be a power of two")
        return value


class _SealedKey(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kid: str
    public_jwk: dict[str, Any]
    nonce: str
    ciphertext: str


class _StoreFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    kdf: _Kdf
    check_nonce: str
    check: str
    keys: list[_SealedKey] = Field(max_length=MAX_KEYS)


class _StoreSigner:
    """An ES256 ``Signer`` handle over one key of the store."""

    __slots__ = ("__key", "_jwk")

    def __init__(self, key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]) -> None:
        self.__key = key
        self._jwk = jwk

    @property
    def alg(self) -> str:
        """``ES256``."""
        return "ES256"

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The public JWK, with its thumbprint as ``kid``."""
        return dict(self._jwk)

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` with ES256 (raw r||s)."""
        return der_to_raw_ecdsa(self.__key.sign(data, ec.ECDSA(hashes.SHA256())), 64)

    def __repr__(self) -> str:
        return f"PresentationKey(kid={self._jwk.get('kid')!r})"


class PresentationKeyStore:
    """A passphrase-protected file of P-256 presentation keys that hands out ``Signer``s."""

    def __init__(self, path: Path, data: _StoreFile, aead: AESGCM, rng: Random) -> None:
        self._path = path
        self._data = data
        self._aead = aead
        self._rng = rng

    @staticmethod
    def _derive(passphrase: str, kdf: _Kdf) -> AESGCM:
        if not passphrase:
            raise MalformedInput("the key store passphrase must not be empty")
        try:
            scrypt = Scrypt(salt=_unb64(kdf.salt), length=32, n=kdf.n, r=kdf.r, p=kdf.p)
            return AESGCM(scrypt.derive(passphrase.encode("utf-8")))
        except (ValueError, MemoryError) as exc:
            raise MalformedInput(f"key store KDF parameters are unusable: {exc}") from exc

    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: str,
        *,
        rng: Random | None = None,
        scrypt_n: int = DEFAULT_SCRYPT_N,
    ) -> PresentationKeyStore:
        """Create an empty store at ``path`` (which must not exist)."""
        rng = rng or SystemRandom()
        if path.exists():
            raise MalformedInput(f"key store {path} already exists")
        kdf = _Kdf(salt=_b64(rng.bytes(16)), n=scrypt_n, r=8, p=1)
        aead = cls._derive(passphrase, kdf)
        nonce = rng.bytes(12)
        data = _StoreFile(
            version=FORMAT_VERSION,
            kdf=kdf,
            check_nonce=_b64(nonce),
            check=_b64(aead.encrypt(nonce, _CHECK_PLAINTEXT, b"check")),
            keys=[],
        )
        store = cls(path, data, aead, rng)
        store._write()
        return store

    @classmethod
    def open(
        cls, path: Path, passphrase: str, *, rng: Random | None = None
    ) -> PresentationKeyStore:
        """Open an existing store; raise ``InvalidSignature`` for a wrong passphrase."""
        raw = path.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            raise LimitExceeded(f"key store is larger than {MAX_FILE_BYTES} bytes")
        try:
            data = _StoreFile.model_validate_json(raw)
        except ValidationError as exc:
            raise MalformedInput(
                f"key store {path} is malformed: {exc.error_count()} errors"
            ) from exc
        if data.version != FORMAT_VERSION or data.kdf.name != "scrypt":
            raise MalformedInput(f"key store {path} has an unknown version or KDF")
        aead = cls._derive(passphrase, data.kdf)
        try:
            check = aead.decrypt(_unb64(data.check_nonce), _unb64(data.check), b"check")
        except InvalidTag:
            raise InvalidSignature("wrong passphrase, or the key store was altered") from None
        except ValueError as exc:  # a nonce of the wrong length
            raise MalformedInput(f"key store check value is malformed: {exc}") from exc
        if check != _CHECK_PLAINTEXT:
            raise InvalidSignature("key store check value is wrong")
        return cls(path, data, aead, rng or SystemRandom())

    def _write(self) -> None:
        payload = self._data.model_dump_json(indent=1).encode("utf-8")
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=self._path.parent)
        try:
            os.chmod(tmp, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def generate(self, count: int) -> list[dict[str, Any]]:
        """Generate ``count`` fresh P-256 keys, seal and save them; return their public JWKs."""
        if not 1 <= count <= MAX_KEYS - len(self._data.keys):
            raise LimitExceeded(f"a store holds at most {MAX_KEYS} keys")
        sealed = []
        for _ in range(count):
            key = ec.generate_private_key(ec.SECP256R1())
            jwk = public_jwk(key)
            kid = thumbprint(jwk)
            jwk["kid"] = kid
            nonce = self._rng.bytes(12)
            der = key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            ciphertext = self._aead.encrypt(nonce, der, _AAD_PREFIX + kid.encode("ascii"))
            sealed.append(
                _SealedKey(kid=kid, public_jwk=jwk, nonce=_b64(nonce), ciphertext=_b64(ciphertext))
            )
        self._data = self._data.model_copy(update={"keys": [*self._data.keys, *sealed]})
        self._write()
        return [dict(s.public_jwk) for s in sealed]

    def public_jwks(self) -> list[dict[str, Any]]:
        """The public JWKs of all keys, in creation order."""
        return [dict(s.public_jwk) for s in self._data.keys]

    def _sealed(self, kid: str) -> _SealedKey:
        for sealed in self._data.keys:
            if sealed.kid == kid:
                return sealed
        raise NotFound(f"no presentation key {kid!r} in the store")

    def signer(self, kid: str) -> _StoreSigner:
        """Return a ``Signer`` handle for key ``kid``."""
        sealed = self._sealed(kid)
        try:
            der = self._aead.decrypt(
                _unb64(sealed.nonce), _unb64(sealed.ciphertext), _AAD_PREFIX + kid.encode("ascii")
            )
        except InvalidTag:
            raise InvalidSignature(f"sealed key {kid!r} was altered") from None
        except ValueError as exc:
            raise MalformedInput(f"sealed key {kid!r} is malformed: {exc}") from exc
        key = serialization.load_der_private_key(der, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or thumbprint(public_jwk(key)) != kid:
            raise InvalidSignature(f"sealed key {kid!r} does not match its id")
        return _StoreSigner(key, dict(sealed.public_jwk))

    def remove(self, kid: str) -> None:
        """Delete key ``kid`` (after its credential is used up or revoked)."""
        self._sealed(kid)
        keys = [s for s in self._data.keys if s.kid != kid]
        self._data = self._data.model_copy(update={"keys": keys})
        self._write()

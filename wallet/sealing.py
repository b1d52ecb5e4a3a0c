"""Record sealing for the wallet store: AES-256-GCM under a key derived with scrypt.

Each record is sealed with a fresh 96-bit nonce and the record's table and id as associated
data, so a sealed blob cannot be moved to another row or table without failing to open.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from specs.errors import InvalidSignature, MalformedInput
from specs.ports import Random

SEAL_VERSION = b"\x01"
NONCE_SIZE = 12
CHECK_LABEL = b"honnin wallet passphrase check v1"


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt cost parameters (RFC 7914); the defaults follow OWASP's interactive-login advice."""

    salt: bytes
    n: int = 2**15
    r: int = 8
    p: int = 1


def derive_store_key(passphrase: str, params: ScryptParams) -> bytes:
    """Derive the 256-bit store key from a passphrase."""
    if not passphrase:
        raise MalformedInput("the wallet passphrase must not be empty")
    kdf = Scrypt(salt=params.salt, length=32, n=params.n, r=params.r, p=params.p)
    return kdf.derive(passphrase.encode("utf-8"))


def passphrase_check(key: bytes) -> bytes:
    """A value stored beside the salt that tells a right passphrase from a wrong one."""
    return hmac.new(key, CHECK_LABEL, "sha256").digest()


class RecordSealer:
    """Seals and opens wallet records with the store key."""

    def __init__(self, key: bytes, random: Random) -> None:
        if len(key) != 32:
            raise MalformedInput("store key must be 32 bytes")
        self._aead = AESGCM(key)
        self._random = random

    def seal(self, table: str, record_id: str, plaintext: bytes) -> bytes:
        """Encrypt ``plaintext`` bound to its table and record id."""
        nonce = self._random.bytes(NONCE_SIZE)
        aad = SEAL_VERSION + f"{table}\x00{record_id}".encode()
        return SEAL_VERSION + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, table: str, record_id: str, sealed: bytes) -> bytes:
        """Decrypt a sealed record; raise ``InvalidSignature`` if it was altered or moved."""
        if len(sealed) < 1 + NONCE_SIZE + 16 or sealed[:1] != SEAL_VERSION:
            raise MalformedInput(f"sealed record {table}/{record_id} is malformed")
        nonce = sealed[1 : 1 + NONCE_SIZE]
        aad = SEAL_VERSION + f"{table}\x00{record_id}".encode()
        try:
            return self._aead.decrypt(nonce, sealed[1 + NONCE_SIZE :], aad)
        except InvalidTag:
            raise InvalidSignature(
                f"sealed record {table}/{record_id} failed authentication"
            ) from None

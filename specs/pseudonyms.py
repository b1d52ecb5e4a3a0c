"""Pairwise pseudonyms: one stable, unlinkable identifier per verifier (機関別符号 for the wallet).

Derivation (honnin pseudonyms, version 1):

1. Card signature. The card's user-authentication key signs the fixed ASCII message
   ``CARD_SIGNATURE_MESSAGE`` = ``"honnin pseudonym secret v1"`` with RSASSA-PKCS1-v1_5 and
   SHA-256 (RFC 8017 section 8.2; JOSE ``RS256``). PKCS#1 v1.5 is deterministic, so the same
   card always yields the same signature ``S``; no one without the card and its PIN can.
   The signature is verified against the card's public key before use, so a faulty or
   substituted signer cannot silently change the pseudonyms.
2. Secret. ``secret = HKDF-SHA-256(IKM = S, salt = SECRET_SALT, info = SECRET_INFO, L = 32)``
   (RFC 5869), with ``SECRET_SALT`` = ``"honnin/pseudonyms"`` and ``SECRET_INFO`` =
   ``"pseudonym-secret/v1"``.
3. Pseudonym. For verifier identifier ``V`` (UTF-8, e.g. its client_id or trust-list id) and
   epoch ``e`` (0, 1, ...; incremented to unlink one verifier):
   ``input = PSEUDONYM_DOMAIN || u32be(len(V)) || V || u32be(e)`` with ``PSEUDONYM_DOMAIN`` =
   ``"honnin pairwise pseudonym v1" || 0x00``; ``pseudonym = base64url(HMAC-SHA-256(secret,
   input))`` without padding (43 characters). The length prefix keeps distinct
   ``(V, e)`` pairs distinct inputs.

Properties: a new device with the same card recovers the same secret and pseudonyms;
pseudonyms for different verifiers or epochs are outputs of a PRF under a secret key, so
they share nothing computable without the secret.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from specs.encoding import b64url_encode
from specs.errors import MalformedInput, Unsupported
from specs.keys.jwk import public_key_from_jwk, verify_signature
from specs.ports import Signer

CARD_SIGNATURE_MESSAGE = b"honnin pseudonym secret v1"
SECRET_SALT = b"honnin/pseudonyms"
SECRET_INFO = b"pseudonym-secret/v1"
PSEUDONYM_DOMAIN = b"honnin pairwise pseudonym v1\x00"
# Only a deterministic signature scheme gives a recoverable secret.
DETERMINISTIC_CARD_ALG = "RS256"
MAX_VERIFIER_ID_BYTES = 2048
MAX_EPOCH = 2**32 - 1


class PseudonymSecret:
    """The wallet's 32-byte pseudonym secret; its repr never shows the bytes."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise MalformedInput("pseudonym secret must be 32 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "PseudonymSecret(<hidden>)"

    def pseudonym(self, verifier_id: str, epoch: int = 0) -> str:
        """Return the pseudonym for ``verifier_id`` in ``epoch``."""
        return pseudonym(self, verifier_id, epoch)

    def mac(self, data: bytes) -> bytes:
        """HMAC-SHA-256 of ``data`` under the secret."""
        return hmac.new(self._key, data, hashlib.sha256).digest()


def secret_from_card_signature(signature: bytes) -> PseudonymSecret:
    """Step 2: derive the pseudonym secret from the card's signature over the fixed message."""
    if not signature:
        raise MalformedInput("card signature is empty")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=SECRET_SALT, info=SECRET_INFO)
    return PseudonymSecret(hkdf.derive(signature))


def recover_pseudonym_secret(card: Signer) -> PseudonymSecret:
    """Steps 1-2: have the card sign the fixed message, verify it, derive the secret."""
    if card.alg != DETERMINISTIC_CARD_ALG:
        raise Unsupported(
            f"pseudonym secrets need a deterministic {DETERMINISTIC_CARD_ALG} card signature, "
            f"not {card.alg}"
        )
    signature = card.sign(CARD_SIGNATURE_MESSAGE)
    verify_signature(
        DETERMINISTIC_CARD_ALG,
        public_key_from_jwk(card.public_jwk),
        CARD_SIGNATURE_MESSAGE,
        signature,
    )
    return secret_from_card_signature(signature)


def pseudonym_input(verifier_id: str, epoch: int) -> bytes:
    """Step 3: the domain-separated, length-prefixed HMAC input for a verifier and epoch."""
    if not isinstance(verifier_id, str) or not verifier_id:
        raise MalformedInput("verifier identifier must be a non-empty string")
    try:
        encoded = verifier_id.encode("utf-8", errors="strict")
    except UnicodeEncodeError as exc:
        raise MalformedInput("verifier identifier is not valid Unicode text") from exc
    if len(encoded) > MAX_VERIFIER_ID_BYTES:
        raise MalformedInput(f"verifier identifier is longer than {MAX_VERIFIER_ID_BYTES} bytes")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 0 <= epoch <= MAX_EPOCH:
        raise MalformedInput(f"epoch must be an integer in 0..{MAX_EPOCH}")
    return PSEUDONYM_DOMAIN + len(encoded).to_bytes(4, "big") + encoded + epoch.to_bytes(4, "big")


def pseudonym(secret: PseudonymSecret, verifier_id: str, epoch: int = 0) -> str:
    """Step 3: the pairwise pseudonym of the wallet for ``verifier_id`` in ``epoch``."""
    return b64url_encode(secret.mac(pseudonym_input(verifier_id, epoch)))

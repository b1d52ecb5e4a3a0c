"""The one exception tree of honnin.

Every failure a caller can act on is a ``HonninError`` subclass with a stable ``code``
(snake_case, never renamed once released), an optional ``claim_path`` naming the claim or
field at fault, and a human-readable ``detail``. Services map these to wire errors in one
place each; nothing else matches on message strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

ClaimPath = tuple[str | int | None, ...]


class HonninError(Exception):
    """Base of every error honnin raises on purpose."""

    code: ClassVar[str] = "honnin_error"

    def __init__(
        self,
        detail: str,
        *,
        claim_path: Sequence[str | int | None] | None = None,
    ) -> None:
        self.detail = detail
        self.claim_path: ClaimPath | None = tuple(claim_path) if claim_path is not None else None
        super().__init__(detail)

    def __str__(self) -> str:
        if self.claim_path is not None:
            path = "/".join("*" if p is None else str(p) for p in self.claim_path)
            return f"{self.detail} (at {path})"
        return self.detail

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready description: code, detail and claim path."""
        out: dict[str, object] = {"code": self.code, "detail": self.detail}
        if self.claim_path is not None:
            out["claim_path"] = list(self.claim_path)
        return out


class MalformedInput(HonninError):
    """Input does not parse or does not have the required structure."""

    code = "malformed_input"


class LimitExceeded(MalformedInput):
    """Input is larger, deeper or has more elements than the configured limit."""

    code = "limit_exceeded"


class InvalidSignature(HonninError):
    """A signature, MAC or digest does not verify."""

    code = "invalid_signature"


class DigestMismatch(InvalidSignature):
    """A disclosed value does not match the digest the issuer signed."""

    code = "digest_mismatch"


class Expired(HonninError):
    """A credential, token, certificate or list is past its validity."""

    code = "expired"


class NotYetValid(HonninError):
    """A credential, token or certificate is not valid yet."""

    code = "not_yet_valid"


class Revoked(HonninError):
    """The status list or CRL marks this credential or certificate revoked or suspended."""

    code = "revoked"


class UntrustedIssuer(HonninError):
    """The issuer or its key is not authorised by the trust list."""

    code = "untrusted_issuer"


class UntrustedVerifier(HonninError):
    """The verifier is not registered, or not for this request."""

    code = "untrusted_verifier"


class UntrustedKey(HonninError):
    """A key or certificate does not chain to an accepted anchor."""

    code = "untrusted_key"


class ConsentRequired(HonninError):
    """The person has not consented to this disclosure."""

    code = "consent_required"


class PolicyViolation(HonninError):
    """The action is forbidden by policy, even with consent."""

    code = "policy_violation"


class Replay(HonninError):
    """A nonce, code or message was already used."""

    code = "replay"


class AudienceMismatch(HonninError):
    """A token is meant for a different audience."""

    code = "audience_mismatch"


class NonceMismatch(HonninError):
    """A token carries a different nonce than the one expected."""

    code = "nonce_mismatch"


class Unsupported(HonninError):
    """An algorithm, version or feature is not supported or not allowed here."""

    code = "unsupported"


class ValidationError(HonninError):
    """A value breaks a rule of its type (check digit, range, consistency)."""

    code = "validation_error"


class NotFound(HonninError):
    """A referenced object (credential, offer, transaction, key) does not exist."""

    code = "not_found"


class CardError(HonninError):
    """The card or its PKCS#11 module failed (missing, locked, wrong PIN)."""

    code = "card_error"


class StaleData(HonninError):
    """A list or status is older than the freshness policy allows."""

    code = "stale_data"


class Rollback(HonninError):
    """A list is older than one already accepted, or rewrites history."""

    code = "rollback"


ALL_ERRORS: tuple[type[HonninError], ...] = (
    HonninError,
    MalformedInput,
    LimitExceeded,
    InvalidSignature,
    DigestMismatch,
    Expired,
    NotYetValid,
    Revoked,
    UntrustedIssuer,
    UntrustedVerifier,
    UntrustedKey,
    ConsentRequired,
    PolicyViolation,
    Replay,
    AudienceMismatch,
    NonceMismatch,
    Unsupported,
    ValidationError,
    NotFound,
    CardError,
    StaleData,
    Rollback,
)

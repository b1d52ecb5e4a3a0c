"""Card key attestation: the My Number Card vouches for the wallet's fresh presentation keys.

Profile (honnin), shaped after OpenID4VCI 1.0 Appendix D.1 (key attestation in JWT format):

* JOSE header: ``alg`` = ``RS256`` (the card signs RSASSA-PKCS1-v1_5 SHA-256), ``typ`` =
  ``key-attestation+jwt``, ``x5c`` = the card's user-authentication certificate (leaf first,
  optionally followed by its CA). No ``kid``/``jwk``: the key is the certificate's.
* Claims: ``iat`` (REQUIRED), ``exp`` (REQUIRED here; at most one hour after ``iat``),
  ``nonce`` (REQUIRED here: the issuer's ``c_nonce``), ``attested_keys`` (REQUIRED, a non-empty
  array of distinct public P-256 JWKs), ``key_storage`` and ``user_authentication`` (OPTIONAL,
  arrays of ISO/IEC 18045 values, Appendix D.2).

The issuer verifies the card chain against the card CAs of its trust list and a fresh CRL,
then binds each credential instance to one attested key. Verifiers only ever see the P-256
key: the card certificate, a global correlator, stays between wallet and issuer.

Replay: ``verify_key_attestation`` consumes the nonce through a ``NonceRegistry`` the caller
passes (the issuer's nonce store); ``InMemoryNonceRegistry`` is a small one for tests and
single-process tools.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from cryptography import x509

from specs.card.certificate import DEFAULT_CARD_POLICY, CardPolicy
from specs.card.constants import (
    ATTACK_POTENTIAL_RESISTANCE,
    ATTESTED_KEY_CRV,
    ATTESTED_KEY_KTY,
    CARD_JWS_ALG,
    CLAIM_ATTESTED_KEYS,
    CLAIM_EXP,
    CLAIM_IAT,
    CLAIM_KEY_STORAGE,
    CLAIM_NONCE,
    CLAIM_USER_AUTHENTICATION,
    KEY_ATTESTATION_CLOCK_SKEW_SECONDS,
    KEY_ATTESTATION_DEFAULT_LIFETIME_SECONDS,
    KEY_ATTESTATION_MAX_LIFETIME_SECONDS,
    KEY_ATTESTATION_TYP,
)
from specs.card.validation import ValidatedCard, validate_card_certificate
from specs.errors import (
    Expired,
    LimitExceeded,
    MalformedInput,
    NonceMismatch,
    NotYetValid,
    Replay,
    Unsupported,
)
from specs.jose.jws import sign_compact, unverified_header, verify_compact
from specs.keys.jwk import public_key_from_jwk, thumbprint
from specs.keys.x509 import encode_x5c, parse_x5c
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Clock, Signer

# The card's algorithm is named here, at the one call site that accepts it.
CARD_ALLOWED_ALGS = frozenset({CARD_JWS_ALG})


class NonceRegistry(Protocol):
    """The issuer's store of nonces it handed out; each may be consumed once."""

    def consume(self, nonce: str, at: datetime) -> None:
        """Mark ``nonce`` used at ``at``; raise ``Replay`` if it was used before."""
        ...


class InMemoryNonceRegistry:
    """A process-local ``NonceRegistry`` that forgets nonces after ``retention_seconds``."""

    def __init__(self, retention_seconds: float = 3600) -> None:
        self._retention = timedelta(seconds=retention_seconds)
        self._used: dict[str, datetime] = {}

    def consume(self, nonce: str, at: datetime) -> None:
        """Mark ``nonce`` used; raise ``Replay`` if it was already used within the retention."""
        self._used = {n: t for n, t in self._used.items() if at - t <= self._retention}
        if nonce in self._used:
            raise Replay("key attestation nonce was already used", claim_path=[CLAIM_NONCE])
        self._used[nonce] = at


@dataclass(frozen=True, slots=True)
class VerifiedKeyAttestation:
    """A verified attestation: the attested public JWKs, its times and the validated card."""

    attested_keys: tuple[dict[str, Any], ...]
    nonce: str
    issued_at: datetime
    expires_at: datetime
    key_storage: tuple[str, ...]
    user_authentication: tuple[str, ...]
    card: ValidatedCard


def _check_attested_key(jwk: object, index: int) -> dict[str, Any]:
    path: list[str | int | None] = [CLAIM_ATTESTED_KEYS, index]
    if not isinstance(jwk, dict):
        raise MalformedInput("attested key must be a JWK object", claim_path=path)
    if any(member in jwk for member in ("d", "p", "q", "dp", "dq", "qi", "k")):
        raise MalformedInput("attested key must not contain private members", claim_path=path)
    if jwk.get("kty") != ATTESTED_KEY_KTY or jwk.get("crv") != ATTESTED_KEY_CRV:
        raise Unsupported(
            f"attested keys must be {ATTESTED_KEY_KTY} {ATTESTED_KEY_CRV} JWKs", claim_path=path
        )
    public_key_from_jwk(dict(jwk))  # raises MalformedInput for a point not on the curve
    return dict(jwk)


def check_attested_keys(
    keys: object, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict[str, Any], ...]:
    """Check an ``attested_keys`` value: 1..limit distinct public P-256 JWKs."""
    if not isinstance(keys, list) or not keys:
        raise MalformedInput(
            "attested_keys must be a non-empty array", claim_path=[CLAIM_ATTESTED_KEYS]
        )
    if len(keys) > limits.max_attested_keys:
        raise LimitExceeded(
            f"attested_keys has more than {limits.max_attested_keys} keys",
            claim_path=[CLAIM_ATTESTED_KEYS],
        )
    checked = tuple(_check_attested_key(jwk, i) for i, jwk in enumerate(keys))
    if len({thumbprint(jwk) for jwk in checked}) != len(checked):
        raise MalformedInput("attested_keys repeats a key", claim_path=[CLAIM_ATTESTED_KEYS])
    return checked


def _check_resistance(claims: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = claims.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedInput(f"{name} must be an array of strings", claim_path=[name])
    unknown = set(value) - ATTACK_POTENTIAL_RESISTANCE
    if unknown:
        raise Unsupported(f"{name} has unknown values {sorted(unknown)}", claim_path=[name])
    return tuple(value)


def build_key_attestation_claims(
    attested_keys: Sequence[Mapping[str, Any]],
    *,
    nonce: str,
    clock: Clock,
    lifetime_seconds: int = KEY_ATTESTATION_DEFAULT_LIFETIME_SECONDS,
    key_storage: Sequence[str] = (),
    user_authentication: Sequence[str] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Build the unsigned claims of a key attestation over ``attested_keys`` for ``nonce``."""
    if not isinstance(nonce, str) or not nonce:
        raise MalformedInput("nonce must be a non-empty string", claim_path=[CLAIM_NONCE])
    if not 0 < lifetime_seconds <= KEY_ATTESTATION_MAX_LIFETIME_SECONDS:
        raise MalformedInput(
            f"lifetime must be 1..{KEY_ATTESTATION_MAX_LIFETIME_SECONDS} seconds",
            claim_path=[CLAIM_EXP],
        )
    keys = check_attested_keys([dict(k) for k in attested_keys], limits)
    iat = int(clock.now().timestamp())
    claims: dict[str, Any] = {
        CLAIM_IAT: iat,
        CLAIM_EXP: iat + lifetime_seconds,
        CLAIM_NONCE: nonce,
        CLAIM_ATTESTED_KEYS: list(keys),
    }
    if key_storage:
        claims[CLAIM_KEY_STORAGE] = list(key_storage)
        _check_resistance(claims, CLAIM_KEY_STORAGE)
    if user_authentication:
        claims[CLAIM_USER_AUTHENTICATION] = list(user_authentication)
        _check_resistance(claims, CLAIM_USER_AUTHENTICATION)
    return claims


def key_attestation_header(chain: Sequence[x509.Certificate]) -> dict[str, Any]:
    """Build the protected header (without ``alg``): ``typ`` and the card chain as ``x5c``."""
    if not chain:
        raise MalformedInput("the card certificate chain is empty")
    return {"typ": KEY_ATTESTATION_TYP, "x5c": encode_x5c(chain)}


def sign_key_attestation(
    claims: Mapping[str, Any], card: Signer, chain: Sequence[x509.Certificate]
) -> str:
    """Have the card sign ``claims`` as a compact JWS key attestation with ``x5c`` = ``chain``."""
    if card.alg != CARD_JWS_ALG:
        raise Unsupported(f"the card must sign {CARD_JWS_ALG}, this signer produces {card.alg}")
    header = key_attestation_header(chain)
    return sign_compact(dict(claims), card, header=header)


def _numeric_date(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedInput(f"{name} must be an integer NumericDate", claim_path=[name])
    if not 0 <= value < 2**40:
        raise MalformedInput(f"{name} is out of range", claim_path=[name])
    return value


def verify_key_attestation(
    token: str,
    *,
    card_cas: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    expected_nonce: str,
    clock: Clock,
    nonce_registry: NonceRegistry | None = None,
    policy: CardPolicy = DEFAULT_CARD_POLICY,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedKeyAttestation:
    """Verify a card key attestation and return the attested keys; raise a ``HonninError``.

    Order: header (``typ``, ``alg`` RS256 only), card chain against ``card_cas`` with a fresh
    CRL, signature by the card key, claims (times, nonce, keys), then the nonce is consumed
    in ``nonce_registry`` so a second use raises ``Replay``.
    """
    header = unverified_header(token, limits)
    if "x5c" not in header:
        raise MalformedInput("key attestation header lacks x5c (the card certificate)")
    for name in ("kid", "jwk"):
        if name in header:
            raise MalformedInput(f"key attestation header must not carry {name!r} beside x5c")
    chain = parse_x5c(header["x5c"], limits)
    now = clock.now()
    card = validate_card_certificate(
        chain, anchors=card_cas, crls=crls, at=now, policy=policy, limits=limits
    )
    verified = verify_compact(
        token,
        card.public_key,
        allowed_algs=CARD_ALLOWED_ALGS,
        expected_typ=KEY_ATTESTATION_TYP,
        limits=limits,
    )
    claims = verified.payload_json(limits)
    iat = _numeric_date(claims, CLAIM_IAT)
    exp = _numeric_date(claims, CLAIM_EXP)
    skew = KEY_ATTESTATION_CLOCK_SKEW_SECONDS
    now_s = now.timestamp()
    if iat > now_s + skew:
        raise NotYetValid("key attestation is issued in the future", claim_path=[CLAIM_IAT])
    if exp <= iat:
        raise MalformedInput("key attestation exp is not after iat", claim_path=[CLAIM_EXP])
    if exp - iat > KEY_ATTESTATION_MAX_LIFETIME_SECONDS:
        raise MalformedInput(
            f"key attestation lifetime exceeds {KEY_ATTESTATION_MAX_LIFETIME_SECONDS} s",
            claim_path=[CLAIM_EXP],
        )
    if now_s >= exp + skew:
        raise Expired("key attestation has expired", claim_path=[CLAIM_EXP])
    nonce = claims.get(CLAIM_NONCE)
    if not isinstance(nonce, str):
        raise MalformedInput("key attestation lacks a string nonce", claim_path=[CLAIM_NONCE])
    if not hmac.compare_digest(nonce.encode("utf-8"), expected_nonce.encode("utf-8")):
        raise NonceMismatch(
            "key attestation nonce is not the expected one", claim_path=[CLAIM_NONCE]
        )
    keys = check_attested_keys(claims.get(CLAIM_ATTESTED_KEYS), limits)
    key_storage = _check_resistance(claims, CLAIM_KEY_STORAGE)
    user_authentication = _check_resistance(claims, CLAIM_USER_AUTHENTICATION)
    if nonce_registry is not None:
        nonce_registry.consume(nonce, now)
    origin = datetime.fromtimestamp(0, tz=UTC)
    return VerifiedKeyAttestation(
        attested_keys=keys,
        nonce=nonce,
        issued_at=origin + timedelta(seconds=iat),
        expires_at=origin + timedelta(seconds=exp),
        key_storage=key_storage,
        user_authentication=user_authentication,
        card=card,
    )

"""Wallet flow: generate a batch of presentation keys and have the card attest them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cryptography import x509

# Software keys encrypted at rest carry no certified attack resistance, so key_storage
# (OpenID4VCI Appendix D.2) is left out rather than over-claimed.
from specs.card.constants import KEY_ATTESTATION_DEFAULT_LIFETIME_SECONDS
from specs.key_attestation import build_key_attestation_claims, sign_key_attestation
from specs.ports import Clock, Signer
from wallet.card.keystore import PresentationKeyStore


def attest_new_keys(
    store: PresentationKeyStore,
    card: Signer,
    chain: Sequence[x509.Certificate],
    *,
    count: int,
    nonce: str,
    clock: Clock,
    lifetime_seconds: int = KEY_ATTESTATION_DEFAULT_LIFETIME_SECONDS,
) -> tuple[str, list[dict[str, Any]]]:
    """Generate ``count`` keys in ``store`` and return the card's attestation and their JWKs."""
    jwks = store.generate(count)
    claims = build_key_attestation_claims(
        jwks,
        nonce=nonce,
        clock=clock,
        lifetime_seconds=lifetime_seconds,
    )
    return sign_key_attestation(claims, card, chain), jwks

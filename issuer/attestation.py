"""Key attestations from the My Number Card, checked against the card CAs of the trust list.

The OpenID4VCI core calls a ``KeyAttestationVerifier``; this one verifies the card chain
(trust list card CAs in force now, with the CRLs the deployment supplies), the card's RS256
signature and the claims through ``specs.key_attestation``. The attestation's ``nonce`` is
returned, and the core consumes it from the issuer's nonce store (single use, expiry).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from cryptography import x509

from specs.errors import MalformedInput
from specs.jose import unverified_payload
from specs.key_attestation import verify_key_attestation
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vci import AttestedKeys
from specs.ports import Clock
from specs.trustlist import TrustList
from trustlist.evaluation import card_ca_trust


class CardKeyAttestationVerifier:
    """Verify ``key-attestation+jwt`` proofs made by My Number Cards (the core's callable)."""

    def __init__(
        self,
        trust_list: Callable[[], TrustList],
        crls: Callable[[], Sequence[x509.CertificateRevocationList]],
        *,
        clock: Clock,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.trust_list = trust_list
        self.crls = crls
        self.clock = clock
        self.limits = limits

    def __call__(self, attestation: str, *, allowed_algs: Collection[str]) -> AttestedKeys:
        """Return the attested keys of a valid card attestation; raise ``HonninError``."""
        if not isinstance(attestation, str):
            raise MalformedInput("a key attestation must be a JWT string")
        # The expected nonce is the one claimed: the core then consumes it from the nonce
        # store, which proves it was issued by us, is unexpired and was never used.
        claimed = unverified_payload(attestation, self.limits)
        nonce = claimed.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise MalformedInput("key attestation lacks a string nonce", claim_path=["nonce"])
        now = self.clock.now()
        anchors = card_ca_trust(self.trust_list(), now).anchors
        verified = verify_key_attestation(
            attestation,
            card_cas=list(anchors),
            crls=list(self.crls()),
            expected_nonce=nonce,
            clock=self.clock,
            limits=self.limits,
        )
        return AttestedKeys(
            keys=verified.attested_keys,
            nonce=verified.nonce,
            key_storage=verified.key_storage,
            user_authentication=verified.user_authentication,
        )

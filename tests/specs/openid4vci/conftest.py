"""Shared test material: issuer metadata for honnin and a real key-attestation verifier."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import pytest

from specs.jose import sign_compact, verify_compact
from specs.keys import SoftwareSigner
from specs.openid4vci import AttestedKeys, CredentialIssuerMetadata, parse_message
from specs.ports import Clock

ISSUER = "https://issuer.example.jp"
CONFIG_ID = "withholding-slip"


def metadata(
    *, batch_size: int = 4, attestation: bool = False, attestation_proof: bool = False
) -> CredentialIssuerMetadata:
    """Credential Issuer Metadata with one dc+sd-jwt configuration, display ja/en."""
    proof_types: dict[str, Any] = {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}}
    if attestation:
        proof_types["jwt"]["key_attestations_required"] = {"key_storage": ["iso_18045_moderate"]}
    if attestation_proof:
        proof_types["attestation"] = {
            "proof_signing_alg_values_supported": ["ES256"],
            "key_attestations_required": {},
        }
    return parse_message(
        CredentialIssuerMetadata,
        {
            "credential_issuer": ISSUER,
            "credential_endpoint": f"{ISSUER}/credential",
            "nonce_endpoint": f"{ISSUER}/nonce",
            "notification_endpoint": f"{ISSUER}/notification",
            "batch_credential_issuance": {"batch_size": batch_size},
            "display": [
                {"name": "株式会社サンプル", "locale": "ja"},
                {"name": "Sample K.K.", "locale": "en"},
            ],
            "credential_configurations_supported": {
                CONFIG_ID: {
                    "format": "dc+sd-jwt",
                    "scope": CONFIG_ID,
                    "vct": "https://honnin.example/vct/withholding-slip",
                    "credential_signing_alg_values_supported": ["ES256"],
                    "cryptographic_binding_methods_supported": ["jwk"],
                    "proof_types_supported": proof_types,
                    "credential_metadata": {
                        "display": [
                            {"name": "給与所得の源泉徴収票", "locale": "ja"},
                            {"name": "Withholding slip", "locale": "en"},
                        ]
                    },
                },
                "employment": {"format": "dc+sd-jwt", "vct": "https://honnin.example/vct/emp"},
            },
        },
    )


class WalletProvider:
    """Signs key attestations (``key-attestation+jwt``) over wallet keys, for tests."""

    def __init__(self) -> None:
        self.signer = SoftwareSigner.generate("ES256")

    def attest(
        self,
        keys: list[SoftwareSigner],
        *,
        clock: Clock,
        nonce: str | None,
        key_storage: tuple[str, ...] = ("iso_18045_moderate",),
    ) -> str:
        """Return a signed key attestation for ``keys``."""
        iat = int(clock.now().timestamp())
        claims: dict[str, Any] = {
            "iat": iat,
            "exp": iat + 3600,
            "attested_keys": [k.public_jwk for k in keys],
            "key_storage": list(key_storage),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return sign_compact(claims, self.signer, typ="key-attestation+jwt")

    def verifier(self, attestation: str, *, allowed_algs: Collection[str]) -> AttestedKeys:
        """Verify an attestation with the provider's key (real signature check)."""
        verified = verify_compact(
            attestation,
            self.signer.public_jwk,
            allowed_algs=allowed_algs,
            expected_typ="key-attestation+jwt",
        )
        claims = verified.payload_json()
        return AttestedKeys(
            keys=tuple(claims["attested_keys"]),
            nonce=claims.get("nonce"),
            key_storage=tuple(claims.get("key_storage", ())),
            user_authentication=tuple(claims.get("user_authentication", ())),
            claims=claims,
        )


@pytest.fixture
def make_metadata() -> Callable[..., CredentialIssuerMetadata]:
    """Build the test issuer's metadata (keywords: batch_size, attestation, ...)."""
    return metadata


@pytest.fixture
def provider() -> WalletProvider:
    """A wallet provider that signs key attestations."""
    return WalletProvider()

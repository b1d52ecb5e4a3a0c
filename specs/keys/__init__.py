"""Keys: JWK conversion, thumbprints, the algorithm registry and the software signer."""

from specs.keys.algorithms import ALGORITHMS, DEFAULT_ALLOWED_ALGS, Algorithm, algorithm
from specs.keys.jwk import (
    PrivateKey,
    PublicKey,
    private_jwk,
    private_key_from_jwk,
    public_jwk,
    public_key_from_jwk,
    strip_private,
    thumbprint,
    verify_signature,
)
from specs.keys.software import SoftwareSigner, generate_private_key

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALLOWED_ALGS",
    "Algorithm",
    "PrivateKey",
    "PublicKey",
    "SoftwareSigner",
    "algorithm",
    "generate_private_key",
    "private_jwk",
    "private_key_from_jwk",
    "public_jwk",
    "public_key_from_jwk",
    "strip_private",
    "thumbprint",
    "verify_signature",
]

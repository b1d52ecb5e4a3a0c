"""A software ``Signer`` over a ``cryptography`` private key, and key generation."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from specs.errors import Unsupported
from specs.keys.algorithms import algorithm
from specs.keys.jwk import (
    PrivateKey,
    check_key_matches_alg,
    der_to_raw_ecdsa,
    private_jwk,
    private_key_from_jwk,
    public_jwk,
)

_DEFAULT_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}


class SoftwareSigner:
    """Signs with a private key held in process memory (development, tests, server keys)."""

    def __init__(self, key: PrivateKey, alg: str | None = None, kid: str | None = None) -> None:
        if alg is None:
            alg = default_alg(key)
        self._alg = algorithm(alg)
        check_key_matches_alg(key, self._alg)
        self._key = key
        self._public_jwk = public_jwk(key)
        if kid is not None:
            self._public_jwk["kid"] = kid
        self.kid = kid

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any], alg: str | None = None) -> SoftwareSigner:
        """Create a signer from a private JWK (its ``alg`` and ``kid`` members are honoured)."""
        return cls(private_key_from_jwk(jwk), alg or jwk.get("alg"), jwk.get("kid"))

    @classmethod
    def generate(cls, alg: str = "ES256", kid: str | None = None) -> SoftwareSigner:
        """Create a signer with a freshly generated key for ``alg``."""
        return cls(generate_private_key(alg), alg, kid)

    @property
    def alg(self) -> str:
        """The JOSE algorithm name."""
        return self._alg.name

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The public JWK (a copy)."""
        return dict(self._public_jwk)

    @property
    def public_key(self) -> Any:
        """The ``cryptography`` public key object."""
        return self._key.public_key()

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` in JOSE encoding."""
        key = self._key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            der = key.sign(data, ec.ECDSA(self._alg.hash()))
            return der_to_raw_ecdsa(der, self._alg.signature_size or 64)
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
        pad: padding.AsymmetricPadding
        if self._alg.name == "PS256":
            pad = padding.PSS(mgf=padding.MGF1(self._alg.hash()), salt_length=32)
        else:
            pad = padding.PKCS1v15()
        return key.sign(data, pad, self._alg.hash())

    def export_private_jwk(self) -> dict[str, Any]:
        """Return the private JWK, for writing a key file the operator owns."""
        jwk = private_jwk(self._key)
        jwk["alg"] = self.alg
        if self.kid is not None:
            jwk["kid"] = self.kid
        return jwk

    def private_key(self) -> PrivateKey:
        """Return the underlying private key object (for key stores and certificate tools)."""
        return self._key


def default_alg(key: PrivateKey) -> str:
    """Return the usual JOSE algorithm for a key."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        jwk = public_jwk(key)
        return _DEFAULT_ALG[jwk["crv"]]
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(key, rsa.RSAPrivateKey):
        return "PS256"
    raise Unsupported(f"key type {type(key).__name__} is not supported")


def generate_private_key(alg: str = "ES256") -> PrivateKey:
    """Generate a private key suitable for ``alg``."""
    spec = algorithm(alg)
    if spec.kty == "EC":
        curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}
        return ec.generate_private_key(curve[spec.crv or "P-256"])
    if spec.kty == "OKP":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)

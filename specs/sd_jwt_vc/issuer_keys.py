"""Sans-IO issuer key resolution for SD-JWT VC (draft section 2.5 and section 4).

The verifier passes in everything a resolver needs (trust anchors, fetched issuer
metadata); nothing here touches the network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from specs.errors import MalformedInput, UntrustedIssuer, UntrustedKey
from specs.keys import PublicKey, public_key_from_jwk, strip_private
from specs.keys.x509 import parse_x5c, validate_chain
from specs.limits import DEFAULT_LIMITS, Limits
from specs.sd_jwt_vc.constants import ISS, JWT_VC_ISSUER_WELL_KNOWN


class IssuerKeyResolver(Protocol):
    """Finds and validates the issuer's public key for an issuer-signed JWT."""

    def resolve(
        self, header: Mapping[str, Any], payload: Mapping[str, Any], at: datetime
    ) -> PublicKey:
        """Return the key that must have signed the JWT; raise when none is acceptable."""
        ...


class StaticIssuerKey:
    """A key the verifier already trusts, optionally only for one ``iss`` value."""

    def __init__(self, key: PublicKey | Mapping[str, Any], *, iss: str | None = None) -> None:
        self._key = public_key_from_jwk(dict(key)) if isinstance(key, Mapping) else key
        self._iss = iss

    def resolve(
        self, header: Mapping[str, Any], payload: Mapping[str, Any], at: datetime
    ) -> PublicKey:
        """Return the configured key after checking ``iss`` if one was configured."""
        if self._iss is not None and payload.get(ISS) != self._iss:
            raise UntrustedIssuer(f"issuer {payload.get(ISS)!r} is not {self._iss!r}")
        return self._key


class X5cIssuerKeys:
    """Key from the ``x5c`` header, validated up to caller-supplied trust anchors."""

    def __init__(
        self, anchors: Sequence[x509.Certificate], *, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        self._anchors = list(anchors)
        self._limits = limits

    def resolve(
        self, header: Mapping[str, Any], payload: Mapping[str, Any], at: datetime
    ) -> PublicKey:
        """Validate the chain at ``at`` and return the leaf key; ``iss`` must name the leaf."""
        if "x5c" not in header:
            raise UntrustedKey("the issuer-signed JWT has no x5c header")
        chain = parse_x5c(header["x5c"], self._limits)
        leaf = validate_chain(chain, self._anchors, at)
        iss = payload.get(ISS)
        if iss is not None:
            check_iss_matches_certificate(iss, leaf)
        key = leaf.public_key()
        if not isinstance(
            key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey
        ):
            raise UntrustedKey("the issuer certificate key type is not supported")
        return key


@dataclass(frozen=True, slots=True)
class CertificateNames:
    """The subjectAltName URIs and DNS names of an issuer certificate (None: no such extension)."""

    uris: frozenset[str] | None
    dns: frozenset[str] | None


def certificate_names(leaf: x509.Certificate) -> CertificateNames:
    """Read the names ``iss`` may match from a certificate, once (for a chain kept in a cache)."""
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return CertificateNames(None, None)
    return CertificateNames(
        frozenset(san.get_values_for_type(x509.UniformResourceIdentifier)),
        frozenset(san.get_values_for_type(x509.DNSName)),
    )


def check_iss_matches_names(iss: Any, names: CertificateNames) -> None:
    """``check_iss_matches_certificate`` over names read by ``certificate_names``."""
    if not isinstance(iss, str):
        raise MalformedInput("'iss' must be a string", claim_path=(ISS,))
    if names.uris is None or names.dns is None:
        raise UntrustedIssuer("the issuer certificate has no subjectAltName to match 'iss'")
    if iss in names.uris:
        return
    try:
        parts = urlsplit(iss)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket: names no host of the certificate
        host = None
        parts = urlsplit("")
    if parts.scheme == "https" and host and host in names.dns:
        return
    raise UntrustedIssuer(f"'iss' {iss!r} does not match the issuer certificate")


def check_iss_matches_certificate(iss: Any, leaf: x509.Certificate) -> None:
    """Raise ``UntrustedIssuer`` unless ``iss`` is a SAN URI of the leaf or its https host a SAN DNS name."""
    if not isinstance(iss, str):
        raise MalformedInput("'iss' must be a string", claim_path=(ISS,))
    check_iss_matches_names(iss, certificate_names(leaf))


class JwtVcIssuerMetadata(BaseModel):
    """JWT VC Issuer Metadata (draft section 4.2): ``issuer`` and ``jwks`` or ``jwks_uri``."""

    model_config = ConfigDict(frozen=True, extra="allow")

    issuer: str = Field(min_length=1)
    jwks: dict[str, Any] | None = None
    jwks_uri: str | None = None

    @model_validator(mode="after")
    def _one_key_source(self) -> JwtVcIssuerMetadata:
        if (self.jwks is None) == (self.jwks_uri is None):
            raise ValueError("exactly one of jwks and jwks_uri must be present")
        return self

    @classmethod
    def parse(cls, document: Mapping[str, Any]) -> JwtVcIssuerMetadata:
        """Validate a metadata document, raising ``MalformedInput``."""
        try:
            return cls.model_validate(dict(document))
        except PydanticValidationError as exc:
            raise MalformedInput(
                f"invalid JWT VC Issuer Metadata: {exc.errors()[0]['msg']}"
            ) from None


def issuer_metadata_url(iss: str) -> str:
    """Return where the JWT VC Issuer Metadata of ``iss`` lives (draft section 4)."""
    parts = urlsplit(iss)
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        raise MalformedInput("'iss' must be an https URL without query or fragment")
    return f"https://{parts.netloc}{JWT_VC_ISSUER_WELL_KNOWN}{parts.path.rstrip('/')}"


class IssuerMetadataKeys:
    """Keys from JWT VC Issuer Metadata the caller fetched (and the JWK set of ``jwks_uri``)."""

    def __init__(
        self,
        metadata: JwtVcIssuerMetadata | Mapping[str, Any],
        *,
        jwks: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(metadata, JwtVcIssuerMetadata):
            metadata = JwtVcIssuerMetadata.parse(metadata)
        self.metadata = metadata
        key_set = metadata.jwks if metadata.jwks is not None else jwks
        if key_set is None:
            raise MalformedInput("metadata names jwks_uri; pass the fetched JWK set as jwks")
        keys = key_set.get("keys") if isinstance(key_set, Mapping) else None
        if not isinstance(keys, list) or not keys:
            raise MalformedInput("the issuer's JWK set has no keys")
        self._keys: list[dict[str, Any]] = [strip_private(dict(k)) for k in keys]

    def resolve(
        self, header: Mapping[str, Any], payload: Mapping[str, Any], at: datetime
    ) -> PublicKey:
        """Match ``iss`` to the metadata and pick the key by ``kid`` (or the only key)."""
        if payload.get(ISS) != self.metadata.issuer:
            raise UntrustedIssuer(
                f"'iss' {payload.get(ISS)!r} is not the metadata issuer {self.metadata.issuer!r}"
            )
        kid = header.get("kid")
        if kid is None:
            if len(self._keys) != 1:
                raise UntrustedKey("no 'kid' header and the issuer has several keys")
            return public_key_from_jwk(self._keys[0])
        for jwk in self._keys:
            if jwk.get("kid") == kid:
                return public_key_from_jwk(jwk)
        raise UntrustedKey(f"the issuer publishes no key with kid {kid!r}")

"""OpenID4VP 1.0 Authorization Requests: model, client identifiers, metadata, links, Request Objects.

A verifier builds an ``AuthorizationRequest``, signs it with ``sign_request_object``
(``typ: oauth-authz-req+jwt``, ``x5c`` access certificate chain, section 5 and RFC 9101)
and hands out ``build_request_link``. A wallet parses the link with ``parse_request_link``
and, once it has the Request Object text, ``verify_request_object`` checks the signature,
the certificate chain against caller-supplied anchors and the Client Identifier Prefix
rules of section 5.9.3 (``x509_san_dns``, ``x509_hash``) before returning a validated request.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from specs.dcql.query import DcqlQuery, parse_dcql_query
from specs.encoding import b64url_encode, parse_json_object
from specs.errors import (
    AudienceMismatch,
    Expired,
    LimitExceeded,
    MalformedInput,
    NonceMismatch,
    NotYetValid,
    Unsupported,
    UntrustedVerifier,
)
from specs.jose.constants import JWE_CONTENT_ENCRYPTION_ALGS, JWE_ECDH_CURVES
from specs.jose.jws import check_header, sign_compact, unverified_header, verify_compact
from specs.keys.algorithms import DEFAULT_ALLOWED_ALGS
from specs.keys.x509 import encode_x5c, parse_x5c, validate_chain
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vp.constants import (
    CLIENT_ID_PREFIXES,
    DEFAULT_ENCRYPTED_RESPONSE_ENC,
    METADATA_ENCRYPTED_RESPONSE_ENC_VALUES_SUPPORTED,
    METADATA_JWKS,
    METADATA_VP_FORMATS_SUPPORTED,
    OPENID4VP_SCHEME,
    PREFIX_X509_HASH,
    PREFIX_X509_SAN_DNS,
    REQUEST_OBJECT_TYP,
    REQUEST_URI_METHODS,
    RESPONSE_MODE_DIRECT_POST_JWT,
    RESPONSE_MODES,
    RESPONSE_TYPE_VP_TOKEN,
    STATIC_DISCOVERY_AUDIENCE,
    URL_SAFE_PATTERN,
    X509_PREFIXES,
)
from specs.ports import Clock, Signer

_URL_SAFE = re.compile(URL_SAFE_PATTERN)
_LOOPBACK_NAMES = frozenset({"localhost"})


# --- Client Identifier (section 5.9) ---


@dataclass(frozen=True, slots=True)
class ClientId:
    """A Client Identifier split into its prefix (section 5.9.1) and original identifier."""

    raw: str
    prefix: str | None
    value: str


def parse_client_id(client_id: object) -> ClientId:
    """Split ``client_id`` at its first ``:`` when what precedes it is a known prefix."""
    if not isinstance(client_id, str) or not client_id:
        raise MalformedInput("client_id must be a non-empty string")
    head, sep, tail = client_id.partition(":")
    if sep and head in CLIENT_ID_PREFIXES:
        if not tail:
            raise MalformedInput(f"client_id prefix {head!r} has no identifier after it")
        return ClientId(raw=client_id, prefix=head, value=tail)
    # Section 5.9.2: no recognised prefix means a pre-registered client.
    return ClientId(raw=client_id, prefix=None, value=client_id)


def x509_hash(certificate: x509.Certificate) -> str:
    """Return the ``x509_hash`` value of a certificate: base64url SHA-256 of its DER."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    return b64url_encode(hashlib.sha256(der).digest())


def dns_names(certificate: x509.Certificate) -> list[str]:
    """Return the dNSName Subject Alternative Names of a certificate."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(name) for name in san.get_values_for_type(x509.DNSName)]


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint_url(url: object, what: str, *, allow_fragment: bool = False) -> str:
    """Check an endpoint URL: absolute ``https`` (``http`` only on loopback), no fragment."""
    if not isinstance(url, str) or not url:
        raise MalformedInput(f"{what} must be a URL string")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        raise MalformedInput(f"{what} must be an absolute URL with a host")
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(host)):
        raise MalformedInput(f"{what} must use https (http only on loopback)")
    if parts.fragment and not allow_fragment:
        raise MalformedInput(f"{what} must not have a fragment")
    return url


# --- Verifier metadata (section 5.1 client_metadata, section 11) ---


@dataclass(frozen=True, slots=True)
class ClientMetadata:
    """The ``client_metadata`` members honnin uses; others are ignored (section 5.1)."""

    jwks: tuple[Mapping[str, Any], ...] = ()
    vp_formats_supported: Mapping[str, Any] = field(default_factory=dict)
    encrypted_response_enc_values_supported: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of this metadata."""
        out: dict[str, Any] = {}
        if self.jwks:
            out[METADATA_JWKS] = {"keys": [dict(k) for k in self.jwks]}
        out[METADATA_VP_FORMATS_SUPPORTED] = dict(self.vp_formats_supported)
        if self.encrypted_response_enc_values_supported is not None:
            out[METADATA_ENCRYPTED_RESPONSE_ENC_VALUES_SUPPORTED] = list(
                self.encrypted_response_enc_values_supported
            )
        return out

    def encryption_jwk(self) -> Mapping[str, Any]:
        """Select the key to encrypt the response to (section 8.3); raise if none fits."""
        for jwk in self.jwks:
            if jwk.get("use", "enc") != "enc":
                continue
            if jwk.get("alg") != "ECDH-ES" or jwk.get("crv") not in JWE_ECDH_CURVES:
                continue
            return jwk
        raise Unsupported("client_metadata.jwks holds no ECDH-ES encryption key honnin supports")

    def encryption_enc(self) -> str:
        """Select the content encryption algorithm: the verifier's first one honnin supports."""
        offered = self.encrypted_response_enc_values_supported or (DEFAULT_ENCRYPTED_RESPONSE_ENC,)
        for enc in offered:
            if enc in JWE_CONTENT_ENCRYPTION_ALGS:
                return enc
        raise Unsupported(f"none of the encryption 'enc' values {list(offered)} is supported")


def parse_client_metadata(value: object, limits: Limits = DEFAULT_LIMITS) -> ClientMetadata:
    """Validate a ``client_metadata`` object (or its JSON text)."""
    if isinstance(value, str):
        value = parse_json_object(value, what="client_metadata", limits=limits)
    if not isinstance(value, dict):
        raise MalformedInput("client_metadata must be a JSON object")
    keys: list[Mapping[str, Any]] = []
    if METADATA_JWKS in value:
        jwks = value[METADATA_JWKS]
        raw = jwks.get("keys") if isinstance(jwks, dict) else None
        if not isinstance(raw, list) or not raw or not all(isinstance(k, dict) for k in raw):
            raise MalformedInput("client_metadata.jwks must be a JWK Set with keys")
        if len(raw) > limits.max_x5c_certs:
            raise LimitExceeded(f"client_metadata.jwks has more than {limits.max_x5c_certs} keys")
        kids = [k.get("kid") for k in raw]
        # Section 5.1: every JWK has a kid unique within the request.
        if not all(isinstance(k, str) and k for k in kids) or len(set(kids)) != len(kids):
            raise MalformedInput("every key in client_metadata.jwks needs a unique 'kid'")
        for key in raw:
            if {"d", "p", "q", "k"} & set(key):
                raise MalformedInput("client_metadata.jwks must not carry private keys")
        keys = raw
    formats = value.get(METADATA_VP_FORMATS_SUPPORTED, {})
    if not isinstance(formats, dict):
        raise MalformedInput("vp_formats_supported must be an object")
    enc_values: tuple[str, ...] | None = None
    if METADATA_ENCRYPTED_RESPONSE_ENC_VALUES_SUPPORTED in value:
        enc_raw = value[METADATA_ENCRYPTED_RESPONSE_ENC_VALUES_SUPPORTED]
        if (
            not isinstance(enc_raw, list)
            or not enc_raw
            or not all(isinstance(e, str) for e in enc_raw)
        ):
            raise MalformedInput(
                "encrypted_response_enc_values_supported must be a non-empty array"
            )
        enc_values = tuple(enc_raw)
    return ClientMetadata(
        jwks=tuple(keys),
        vp_formats_supported=formats,
        encrypted_response_enc_values_supported=enc_values,
    )


# --- The Authorization Request (section 5) ---


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """An OpenID4VP Authorization Request using ``direct_post`` or ``direct_post.jwt``."""

    client_id: str
    response_uri: str
    nonce: str
    dcql_query: DcqlQuery
    response_mode: str = RESPONSE_MODE_DIRECT_POST_JWT
    state: str | None = None
    client_metadata: ClientMetadata | None = None
    wallet_nonce: str | None = None
    response_type: str = RESPONSE_TYPE_VP_TOKEN

    @property
    def client(self) -> ClientId:
        """The parsed Client Identifier."""
        return parse_client_id(self.client_id)

    def to_claims(self) -> dict[str, Any]:
        """Return the request parameters as Request Object claims."""
        claims: dict[str, Any] = {
            "client_id": self.client_id,
            "response_type": self.response_type,
            "response_mode": self.response_mode,
            "response_uri": self.response_uri,
            "nonce": self.nonce,
            "dcql_query": self.dcql_query.to_json(),
        }
        if self.state is not None:
            claims["state"] = self.state
        if self.client_metadata is not None:
            claims["client_metadata"] = self.client_metadata.to_json()
        if self.wallet_nonce is not None:
            claims["wallet_nonce"] = self.wallet_nonce
        return claims


def _url_safe(value: object, name: str) -> str:
    if not isinstance(value, str) or not _URL_SAFE.match(value):
        # Section 5.2: nonce and state hold only ASCII URL-safe characters.
        raise MalformedInput(f"'{name}' must be a non-empty string of ASCII URL-safe characters")
    return value


def parse_authorization_request(
    params: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS
) -> AuthorizationRequest:
    """Validate Authorization Request parameters (Request Object claims) per section 5."""
    client = parse_client_id(params.get("client_id"))
    response_type = params.get("response_type")
    if response_type != RESPONSE_TYPE_VP_TOKEN:
        raise Unsupported(f"response_type {response_type!r} is not supported (only vp_token)")
    response_mode = params.get("response_mode")
    if response_mode not in RESPONSE_MODES:
        raise Unsupported(f"response_mode {response_mode!r} is not supported")
    if "redirect_uri" in params:
        # Section 8.2: redirect_uri must not accompany direct_post.
        raise MalformedInput("redirect_uri must not be present with a direct_post response mode")
    response_uri = check_endpoint_url(params.get("response_uri"), "response_uri")
    nonce = _url_safe(params.get("nonce"), "nonce")
    state = _url_safe(params["state"], "state") if "state" in params else None
    if "transaction_data" in params:
        # Section 5.1: a wallet that does not support transaction_data must reject the request.
        raise Unsupported("transaction_data is not supported")
    has_dcql = "dcql_query" in params
    if has_dcql and "scope" in params:
        raise MalformedInput("dcql_query and scope must not both be present")
    if not has_dcql:
        raise MalformedInput("the request has no dcql_query")
    dcql = parse_dcql_query(params["dcql_query"], limits)
    metadata = None
    if "client_metadata" in params:
        metadata = parse_client_metadata(params["client_metadata"], limits)
    wallet_nonce = params.get("wallet_nonce")
    if wallet_nonce is not None and not isinstance(wallet_nonce, str):
        raise MalformedInput("wallet_nonce must be a string")
    if response_mode == RESPONSE_MODE_DIRECT_POST_JWT:
        if metadata is None:
            raise MalformedInput("direct_post.jwt needs client_metadata with an encryption key")
        metadata.encryption_jwk()
        metadata.encryption_enc()
    return AuthorizationRequest(
        client_id=client.raw,
        response_uri=response_uri,
        nonce=nonce,
        dcql_query=dcql,
        response_mode=str(response_mode),
        state=state,
        client_metadata=metadata,
        wallet_nonce=wallet_nonce,
    )


# --- Signed Request Objects (section 5, RFC 9101) ---


def sign_request_object(
    request: AuthorizationRequest,
    signer: Signer,
    chain: Sequence[x509.Certificate],
    *,
    clock: Clock,
    lifetime_seconds: int = 600,
    audience: str = STATIC_DISCOVERY_AUDIENCE,
) -> str:
    """Sign ``request`` as a Request Object with the access certificate chain in ``x5c``."""
    if not chain:
        raise MalformedInput("signing a request object needs the certificate chain")
    client = request.client
    if client.prefix == PREFIX_X509_SAN_DNS and client.value not in dns_names(chain[0]):
        raise UntrustedVerifier("client_id is not a dNSName of the access certificate")
    if client.prefix == PREFIX_X509_HASH and client.value != x509_hash(chain[0]):
        raise UntrustedVerifier("client_id is not the x509_hash of the access certificate")
    now = int(clock.now().timestamp())
    claims = request.to_claims()
    claims.update({"aud": audience, "iat": now, "exp": now + lifetime_seconds})
    return sign_compact(claims, signer, typ=REQUEST_OBJECT_TYP, header={"x5c": encode_x5c(chain)})


@dataclass(frozen=True, slots=True)
class VerifiedRequest:
    """A Request Object whose signature, certificate chain and client binding all verified."""

    request: AuthorizationRequest
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    header: Mapping[str, Any]


def _check_times(claims: Mapping[str, Any], now: datetime, leeway: int) -> None:
    stamp = now.timestamp()
    for name in ("exp", "iat", "nbf"):
        if name in claims and (
            not isinstance(claims[name], int | float) or isinstance(claims[name], bool)
        ):
            raise MalformedInput(f"Request Object '{name}' must be a number")
    if "exp" in claims and stamp > claims["exp"] + leeway:
        raise Expired("the Request Object has expired")
    if "nbf" in claims and stamp + leeway < claims["nbf"]:
        raise NotYetValid("the Request Object is not valid yet")
    if "iat" in claims and stamp + leeway < claims["iat"]:
        raise NotYetValid("the Request Object was issued in the future")


def verify_request_object(
    token: str,
    *,
    anchors: Sequence[x509.Certificate],
    clock: Clock,
    expected_client_id: str | None = None,
    wallet_nonce: str | None = None,
    audiences: Collection[str] = (STATIC_DISCOVERY_AUDIENCE,),
    trusted_client_ids: Collection[str] = (),
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS,
    leeway_seconds: int = 60,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedRequest:
    """Verify a signed Request Object for an ``x509_san_dns`` or ``x509_hash`` client.

    ``expected_client_id`` is the ``client_id`` of the request link (section 5.10.1: must
    be identical). ``trusted_client_ids`` lists clients allowed to choose any
    ``response_uri``; for others, the ``x509_san_dns`` response URI host must be the DNS
    name (section 5.9.3).
    """
    if not isinstance(token, str):
        raise MalformedInput("the Request Object must be a string")
    if len(token) > limits.max_request_bytes:
        raise LimitExceeded(f"the Request Object is longer than {limits.max_request_bytes} bytes")
    request_limits = limits
    if limits.max_token_bytes < limits.max_request_bytes:
        request_limits = replace(limits, max_token_bytes=limits.max_request_bytes)
    header = unverified_header(token, request_limits)
    check_header(header, allowed_algs=allowed_algs, expected_typ=REQUEST_OBJECT_TYP)
    if "x5c" not in header:
        raise UntrustedVerifier("the Request Object carries no x5c certificate chain")
    chain = parse_x5c(header["x5c"], limits)
    leaf = validate_chain(chain, anchors, clock.now())
    verified = verify_compact(
        token,
        leaf.public_key(),  # type: ignore[arg-type]
        allowed_algs=allowed_algs,
        expected_typ=REQUEST_OBJECT_TYP,
        limits=request_limits,
    )
    claims = verified.payload_json(limits)
    client = parse_client_id(claims.get("client_id"))
    if expected_client_id is not None and expected_client_id != client.raw:
        raise UntrustedVerifier("client_id of the request link and the Request Object differ")
    if client.prefix not in X509_PREFIXES:
        raise Unsupported(
            f"client_id prefix {client.prefix!r} is not supported for signed requests"
        )
    if client.prefix == PREFIX_X509_SAN_DNS:
        if client.value not in dns_names(leaf):
            raise UntrustedVerifier(
                f"client_id {client.value!r} is not a dNSName of the request's certificate"
            )
    elif client.value != x509_hash(leaf):
        raise UntrustedVerifier("client_id is not the x509_hash of the request's certificate")
    aud = claims.get("aud")
    aud_values = aud if isinstance(aud, list) else [aud]
    if not any(a in audiences for a in aud_values):
        raise AudienceMismatch(f"Request Object aud {aud!r} is not one of {sorted(audiences)}")
    _check_times(claims, clock.now().astimezone(UTC), leeway_seconds)
    if wallet_nonce is not None and claims.get("wallet_nonce") != wallet_nonce:
        raise NonceMismatch("the Request Object does not carry the wallet_nonce sent")
    request = parse_authorization_request(claims, limits)
    if client.prefix == PREFIX_X509_SAN_DNS and client.raw not in trusted_client_ids:
        host = urlsplit(request.response_uri).hostname
        if host != client.value:
            raise UntrustedVerifier(
                f"response_uri host {host!r} is not the client's DNS name {client.value!r}"
            )
    return VerifiedRequest(request=request, certificate=leaf, chain=tuple(chain), header=header)


# --- The request link (section 5, RFC 9101 section 5) ---


@dataclass(frozen=True, slots=True)
class RequestLink:
    """An Authorization Request passed by reference (``request_uri``) or value (``request``)."""

    client_id: str
    request_uri: str | None = None
    request_uri_method: str | None = None
    request: str | None = None


def build_request_link(
    client_id: str,
    request_uri: str,
    *,
    request_uri_method: str | None = None,
    base: str = f"{OPENID4VP_SCHEME}://",
) -> str:
    """Return ``openid4vp://?client_id=...&request_uri=...`` for a QR code or a link."""
    check_endpoint_url(request_uri, "request_uri")
    params = {"client_id": client_id, "request_uri": request_uri}
    if request_uri_method is not None:
        if request_uri_method not in REQUEST_URI_METHODS:
            raise MalformedInput("request_uri_method must be 'get' or 'post'")
        params["request_uri_method"] = request_uri_method
    return f"{base}?{urlencode(params)}"


def parse_request_link(link: str, limits: Limits = DEFAULT_LIMITS) -> RequestLink:
    """Parse a request link's query: ``client_id`` with ``request_uri`` or ``request``."""
    if not isinstance(link, str):
        raise MalformedInput("the request link must be a string")
    if len(link) > limits.max_request_bytes:
        raise LimitExceeded(f"the request link is longer than {limits.max_request_bytes} bytes")
    try:
        pairs = parse_qsl(urlsplit(link).query, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise MalformedInput(f"the request link query does not parse: {exc}") from exc
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise MalformedInput(f"request link parameter {name!r} is repeated")
        params[name] = value
    client_id = parse_client_id(params.get("client_id")).raw
    request_uri = params.get("request_uri")
    request = params.get("request")
    if (request_uri is None) == (request is None):
        raise MalformedInput("the request link needs exactly one of request_uri and request")
    method = params.get("request_uri_method")
    if method is not None:
        if request_uri is None:
            raise MalformedInput("request_uri_method needs request_uri")
        if method not in REQUEST_URI_METHODS:
            # Section 8.5: wire error invalid_request_uri_method.
            raise Unsupported(f"request_uri_method {method!r} is neither 'get' nor 'post'")
    if request_uri is not None:
        check_endpoint_url(request_uri, "request_uri")
    return RequestLink(
        client_id=client_id, request_uri=request_uri, request_uri_method=method, request=request
    )


__all__ = [
    "AuthorizationRequest",
    "ClientId",
    "ClientMetadata",
    "RequestLink",
    "VerifiedRequest",
    "build_request_link",
    "check_endpoint_url",
    "dns_names",
    "parse_authorization_request",
    "parse_client_id",
    "parse_client_metadata",
    "parse_request_link",
    "sign_request_object",
    "verify_request_object",
    "x509_hash",
]

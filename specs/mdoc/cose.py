"""COSE_Sign1, COSE_Mac0 and COSE_Key as ISO 18013-5 uses them (RFC 9052, RFC 9053, RFC 9360)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from specs.encoding import b64url_decode, b64url_encode
from specs.errors import HonninError, InvalidSignature, LimitExceeded, MalformedInput, Unsupported
from specs.keys.algorithms import algorithm, algorithm_by_cose_id
from specs.keys.jwk import PublicKey, public_jwk, public_key_from_jwk, verify_signature
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.cbor import COSETagged, cbor_head, decode_cbor, encode_cbor
from specs.mdoc.constants import (
    COSE_ALG_HMAC_256_256,
    COSE_CURVES,
    COSE_KEY_CRV,
    COSE_KEY_D,
    COSE_KEY_KTY,
    COSE_KEY_KTY_EC2,
    COSE_KEY_KTY_OKP,
    COSE_KEY_X,
    COSE_KEY_Y,
    HEADER_ALG,
    HEADER_CRIT,
    HEADER_X5CHAIN,
    MAC0_CONTEXT,
    SIGNATURE1_CONTEXT,
    UNDERSTOOD_HEADERS,
)
from specs.ports import Signer

_CURVE_IDS = {name: cid for cid, name in COSE_CURVES.items()}
# RFC 9052 section 4.4 / 6.3: the array head and context string that open the structures.
_SIGNATURE1_PREFIX = b"\x84" + encode_cbor(SIGNATURE1_CONTEXT)
_MAC0_PREFIX = b"\x84" + encode_cbor(MAC0_CONTEXT)
_FLAT_HEADER_VALUES = frozenset({int, str, bytes, bool, type(None)})


@lru_cache(maxsize=256)
def _flat_protected_header(protected_bytes: bytes) -> tuple[Any, ...] | None:
    """The decoded items of a protected header whose values are all scalars, else ``None``.

    Protected headers repeat across messages (usually just ``{1: -7}``); a header that
    fails to decode, is not a map or holds containers is not remembered (``None``), and the
    caller decodes it itself, so every refusal keeps its own wording. Only used under
    ``DEFAULT_LIMITS`` (other limits decode every time).
    """
    try:
        value = decode_cbor(protected_bytes, what="COSE protected header")
    except HonninError:
        return None
    if type(value) is not dict or not _FLAT_HEADER_VALUES.issuperset(map(type, value.values())):
        return None
    return tuple(value.items())


@dataclass(frozen=True, slots=True)
class CoseMessage:
    """A parsed COSE_Sign1 or COSE_Mac0: headers decoded, payload and tag/signature raw."""

    protected_bytes: bytes
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes | None
    tag: bytes

    def header(self, label: int) -> Any:
        """Return a header parameter, protected first, or ``None``."""
        if label in self.protected:
            return self.protected[label]
        return self.unprotected.get(label)

    def to_cbor_value(self) -> list[Any]:
        """Return the untagged four-element array (as mdoc embeds it)."""
        return [self.protected_bytes, self.unprotected, self.payload, self.tag]


def parse_cose(
    value: object, *, what: str, tag: int, limits: Limits = DEFAULT_LIMITS
) -> CoseMessage:
    """Parse a decoded COSE_Sign1/COSE_Mac0 array (tagged with ``tag`` or untagged)."""
    if isinstance(value, COSETagged):
        if value.tag != tag:
            raise MalformedInput(f"{what} carries COSE tag {value.tag}, expected {tag}")
        value = value.value
    if not isinstance(value, list) or len(value) != 4:
        raise MalformedInput(f"{what} must be a COSE array of four elements")
    protected_bytes, unprotected, payload, mac = value
    if not isinstance(protected_bytes, bytes):
        raise MalformedInput(f"{what} protected header must be a byte string")
    if not isinstance(unprotected, dict):
        raise MalformedInput(f"{what} unprotected header must be a map")
    if payload is not None and not isinstance(payload, bytes):
        raise MalformedInput(f"{what} payload must be a byte string or null")
    if not isinstance(mac, bytes):
        raise MalformedInput(f"{what} signature or tag must be a byte string")
    # RFC 9052 section 3: a zero-length bstr stands for the empty protected map.
    protected: Any = {}
    if protected_bytes:
        flat = _flat_protected_header(protected_bytes) if limits is DEFAULT_LIMITS else None
        protected = (
            dict(flat)
            if flat is not None
            else decode_cbor(protected_bytes, what=f"{what} protected header", limits=limits)
        )
    if not isinstance(protected, dict):
        raise MalformedInput(f"{what} protected header must encode a map")
    duplicated = set(protected) & set(unprotected)
    if duplicated:
        # RFC 9052 section 3: a label must not occur in both buckets.
        raise MalformedInput(f"{what} header labels {sorted(map(str, duplicated))} occur twice")
    crit = protected.get(HEADER_CRIT)
    if HEADER_CRIT in unprotected:
        raise MalformedInput(f"{what} crit must be a protected header (RFC 9052 section 3.1)")
    if crit is not None:
        if not isinstance(crit, list) or not crit:
            raise MalformedInput(f"{what} crit must be a non-empty array")
        unknown = [label for label in crit if label not in UNDERSTOOD_HEADERS]
        if unknown:
            raise Unsupported(f"{what} marks headers {unknown} critical that are not understood")
    return CoseMessage(protected_bytes, protected, dict(unprotected), payload, mac)


def _sig_structure(protected_bytes: bytes, payload: bytes, external_aad: bytes) -> bytes:
    # RFC 9052 section 4.4: Sig_structure for COSE_Sign1, spliced from its parts (the same
    # bytes encode_cbor gives for ["Signature1", protected, external_aad, payload]).
    return b"".join(
        (
            _SIGNATURE1_PREFIX,
            cbor_head(2, len(protected_bytes)),
            protected_bytes,
            cbor_head(2, len(external_aad)),
            external_aad,
            cbor_head(2, len(payload)),
            payload,
        )
    )


def _mac_structure(protected_bytes: bytes, payload: bytes, external_aad: bytes) -> bytes:
    # RFC 9052 section 6.3: MAC_structure for COSE_Mac0, spliced like _sig_structure.
    return b"".join(
        (
            _MAC0_PREFIX,
            cbor_head(2, len(protected_bytes)),
            protected_bytes,
            cbor_head(2, len(external_aad)),
            external_aad,
            cbor_head(2, len(payload)),
            payload,
        )
    )


def sign1(
    signer: Signer,
    payload: bytes,
    *,
    unprotected: Mapping[int, Any] | None = None,
    detached: bool = False,
    external_aad: bytes = b"",
) -> CoseMessage:
    """Create a COSE_Sign1 with ``alg`` protected; ``detached`` leaves the payload out (nil)."""
    alg = algorithm(signer.alg)
    protected_bytes = encode_cbor({HEADER_ALG: alg.cose_id})
    signature = signer.sign(_sig_structure(protected_bytes, payload, external_aad))
    return CoseMessage(
        protected_bytes,
        {HEADER_ALG: alg.cose_id},
        dict(unprotected or {}),
        None if detached else payload,
        signature,
    )


def message_alg(message: CoseMessage, allowed_algs: Collection[str], *, what: str) -> str:
    """Return the JOSE name of the protected ``alg``, raising unless it is allowed."""
    cose_id = message.protected.get(HEADER_ALG)
    if HEADER_ALG in message.unprotected:
        raise MalformedInput(f"{what} alg must be in the protected header")
    if not isinstance(cose_id, int) or isinstance(cose_id, bool):
        raise MalformedInput(f"{what} has no integer alg in its protected header")
    name = algorithm_by_cose_id(cose_id).name
    if name not in allowed_algs:
        raise Unsupported(f"{what} algorithm {name} is not allowed here")
    return name


def verify_sign1(
    message: CoseMessage,
    key: PublicKey,
    *,
    allowed_algs: Collection[str],
    what: str,
    detached_payload: bytes | None = None,
    external_aad: bytes = b"",
) -> None:
    """Verify a COSE_Sign1 with ``key``; raise ``InvalidSignature`` when it does not verify."""
    alg = message_alg(message, allowed_algs, what=what)
    if detached_payload is not None:
        if message.payload is not None:
            raise MalformedInput(f"{what} must have a detached (nil) payload")
        payload = detached_payload
    elif message.payload is None:
        raise MalformedInput(f"{what} has a detached payload but none was supplied")
    else:
        payload = message.payload
    try:
        verify_signature(
            alg, key, _sig_structure(message.protected_bytes, payload, external_aad), message.tag
        )
    except InvalidSignature:
        raise InvalidSignature(f"{what} signature does not verify") from None


def mac0(key: bytes, payload: bytes, *, detached: bool = True) -> CoseMessage:
    """Create a COSE_Mac0 with HMAC 256/256 (RFC 9053 section 3.1)."""
    protected_bytes = encode_cbor({HEADER_ALG: COSE_ALG_HMAC_256_256})
    tag = hmac.new(key, _mac_structure(protected_bytes, payload, b""), hashlib.sha256).digest()
    return CoseMessage(
        protected_bytes,
        {HEADER_ALG: COSE_ALG_HMAC_256_256},
        {},
        None if detached else payload,
        tag,
    )


def verify_mac0(message: CoseMessage, key: bytes, *, what: str, detached_payload: bytes) -> None:
    """Verify a detached COSE_Mac0 (HMAC 256/256 only); raise ``InvalidSignature`` on mismatch."""
    if message.protected.get(HEADER_ALG) != COSE_ALG_HMAC_256_256:
        raise Unsupported(f"{what} must use HMAC 256/256 (COSE alg 5)")
    if message.payload is not None:
        raise MalformedInput(f"{what} must have a detached (nil) payload")
    expected = hmac.new(
        key, _mac_structure(message.protected_bytes, detached_payload, b""), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(expected, message.tag):
        raise InvalidSignature(f"{what} does not verify")


def x5chain_der(message: CoseMessage, *, what: str, limits: Limits = DEFAULT_LIMITS) -> list[bytes]:
    """Return the DER certificates of header 33 (RFC 9360 section 2), leaf first."""
    value = message.header(HEADER_X5CHAIN)
    if value is None:
        raise MalformedInput(f"{what} has no x5chain (label 33)")
    ders = [value] if isinstance(value, bytes) else value
    if not isinstance(ders, list) or not ders:
        raise MalformedInput(f"{what} x5chain must be a byte string or a non-empty array")
    if len(ders) > limits.max_x5c_certs:
        raise LimitExceeded(f"{what} x5chain has more than {limits.max_x5c_certs} certificates")
    if not all(isinstance(der, bytes) for der in ders):
        raise MalformedInput(f"{what} x5chain entries must be byte strings")
    return list(ders)


def x5chain(
    message: CoseMessage, *, what: str, limits: Limits = DEFAULT_LIMITS
) -> list[x509.Certificate]:
    """Return the parsed certificates of header 33 (RFC 9360 section 2), leaf first."""
    return certificates(x5chain_der(message, what=what, limits=limits), what=what)


def certificates(ders: list[bytes], *, what: str) -> list[x509.Certificate]:
    """Parse DER certificates completely, naming the failing one."""
    certs = []
    for index, der in enumerate(ders):
        try:
            certs.append(_certificate(der))
        except MalformedInput as exc:
            raise MalformedInput(f"{what} x5chain certificate {index}: {exc.detail}") from None
        except Unsupported as exc:
            raise Unsupported(f"{what} x5chain certificate {index}: {exc.detail}") from None
    return certs


def _certificate(der: bytes) -> x509.Certificate:
    """Parse a DER certificate completely."""
    try:
        cert = x509.load_der_x509_certificate(der)
        # cryptography parses some fields lazily; touch them now so garbage surfaces here
        # rather than as a stray exception deep inside path validation.
        _ = (cert.issuer, cert.subject, cert.not_valid_before_utc, cert.not_valid_after_utc)
        _ = (cert.extensions, cert.public_key(), cert.signature_hash_algorithm)
    except UnsupportedAlgorithm as exc:
        raise Unsupported(f"unsupported certificate algorithm: {exc}") from None
    except (ValueError, TypeError, x509.InvalidVersion) as exc:
        raise MalformedInput(f"not a valid DER X.509 certificate: {exc}") from None
    return cert


def encode_x5chain(chain: list[bytes]) -> bytes | list[bytes]:
    """Return header 33's value: one bstr for a single certificate, else an array."""
    return chain[0] if len(chain) == 1 else list(chain)


def cose_key_from_jwk(jwk: Mapping[str, Any]) -> dict[int, Any]:
    """Convert a public JWK (EC or Ed25519) to a COSE_Key map (RFC 9053 section 7)."""
    key = public_key_from_jwk(dict(jwk))
    canonical = public_jwk(key)
    curve = _CURVE_IDS.get(canonical.get("crv", ""))
    if curve is None:
        raise Unsupported(f"key type {canonical.get('kty')!r} cannot be a COSE device key")
    if canonical["kty"] == "OKP":
        return {
            COSE_KEY_KTY: COSE_KEY_KTY_OKP,
            COSE_KEY_CRV: curve,
            COSE_KEY_X: b64url_decode(canonical["x"]),
        }
    return {
        COSE_KEY_KTY: COSE_KEY_KTY_EC2,
        COSE_KEY_CRV: curve,
        COSE_KEY_X: b64url_decode(canonical["x"]),
        COSE_KEY_Y: b64url_decode(canonical["y"]),
    }


def jwk_from_cose_key(cose_key: object) -> dict[str, Any]:
    """Convert a COSE_Key map with a public EC2 or OKP key to a public JWK."""
    if not isinstance(cose_key, dict):
        raise MalformedInput("COSE_Key must be a map")
    if COSE_KEY_D in cose_key:
        raise MalformedInput("COSE_Key must not contain a private key")
    kty = cose_key.get(COSE_KEY_KTY)
    crv = COSE_CURVES.get(cose_key.get(COSE_KEY_CRV))  # type: ignore[arg-type]
    x = cose_key.get(COSE_KEY_X)
    if crv is None:
        raise Unsupported(f"COSE_Key curve {cose_key.get(COSE_KEY_CRV)!r} is not supported")
    if not isinstance(x, bytes):
        raise MalformedInput("COSE_Key x must be a byte string")
    if kty == COSE_KEY_KTY_OKP and crv == "Ed25519":
        return {"kty": "OKP", "crv": crv, "x": b64url_encode(x)}
    if kty == COSE_KEY_KTY_EC2 and crv != "Ed25519":
        y = cose_key.get(COSE_KEY_Y)
        if not isinstance(y, bytes):
            # RFC 9053 section 7.1.1: point compression (y as bool) is not used by ISO 18013-5.
            raise MalformedInput("COSE_Key y must be a byte string")
        return {"kty": "EC", "crv": crv, "x": b64url_encode(x), "y": b64url_encode(y)}
    raise Unsupported(f"COSE_Key type {kty!r} with curve {crv} is not supported")


def public_key_from_cose_key(cose_key: object) -> PublicKey:
    """Build a ``cryptography`` public key from a COSE_Key map."""
    return public_key_from_public_jwk(jwk_from_cose_key(cose_key))


def device_key_from_cose_key(cose_key: object) -> tuple[dict[str, Any], PublicKey]:
    """Return the public JWK and the public key of a COSE_Key map (parsed keys remembered)."""
    if type(cose_key) is dict and COSE_KEY_D not in cose_key:
        members = (
            cose_key.get(COSE_KEY_KTY),
            cose_key.get(COSE_KEY_CRV),
            cose_key.get(COSE_KEY_X),
            cose_key.get(COSE_KEY_Y),
        )
        if all(type(member) in _FLAT_HEADER_VALUES for member in members):
            members_of_jwk, key = _device_key(members)
            return dict(members_of_jwk), key
    jwk = jwk_from_cose_key(cose_key)
    return jwk, public_key_from_jwk(jwk)


@lru_cache(maxsize=256)
def _device_key(members: tuple[Any, ...]) -> tuple[tuple[tuple[str, Any], ...], PublicKey]:
    # Keyed by kty, crv, x and y, all a COSE_Key conversion reads (other labels are ignored
    # either way); refusals raise and are not remembered.
    kty, crv, x, y = members
    cose_key = {COSE_KEY_KTY: kty, COSE_KEY_CRV: crv, COSE_KEY_X: x}
    if y is not None:
        cose_key[COSE_KEY_Y] = y
    jwk = jwk_from_cose_key(cose_key)
    return tuple(jwk.items()), public_key_from_jwk(jwk)


def public_key_from_public_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Build the public key of a JWK made by ``jwk_from_cose_key`` (parsed keys are remembered)."""
    return _public_key(tuple(sorted(jwk.items())))


@lru_cache(maxsize=256)
def _public_key(members: tuple[tuple[str, Any], ...]) -> PublicKey:
    # Keyed by the exact members: a key object is immutable, and building it (curve point
    # decoding and checking) is the costly part of reading a device key again.
    return public_key_from_jwk(dict(members))

"""Multibase (base58btc, base64url-no-pad) and Multikey encodings of P-256/P-384 keys, and did:key.

Controlled Identifiers 1.0 sections 2.4 (Multibase) and 2.2.2 (Multikey); vc-di-ecdsa 1.0
section 2.1.1: a Multikey public key is a multicodec varint header followed by the
compressed SEC1 point, base58btc-encoded behind a ``z``.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from specs.encoding import b64url_decode, b64url_encode
from specs.errors import MalformedInput, Unsupported
from specs.w3c_vc.constants import (
    DID_KEY_PREFIX,
    MULTIBASE_BASE58BTC,
    MULTIBASE_BASE64URL_NO_PAD,
    MULTICODEC_P256_PRIV,
    MULTICODEC_P256_PUB,
    MULTICODEC_P384_PRIV,
    MULTICODEC_P384_PUB,
)

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
# Longest base58 text we decode: a P-384 private key is 50 bytes; proof values are ~100.
_MAX_BASE58_CHARS = 512

_CURVES: dict[bytes, ec.EllipticCurve] = {
    MULTICODEC_P256_PUB: ec.SECP256R1(),
    MULTICODEC_P384_PUB: ec.SECP384R1(),
}
_PRIVATE: dict[bytes, ec.EllipticCurve] = {
    MULTICODEC_P256_PRIV: ec.SECP256R1(),
    MULTICODEC_P384_PRIV: ec.SECP384R1(),
}


def base58btc_encode(data: bytes) -> str:
    """Encode bytes in Bitcoin base58 (leading zero bytes become ``1``)."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def base58btc_decode(text: str, *, what: str = "value") -> bytes:
    """Decode Bitcoin base58, rejecting other characters and over-long input."""
    if not isinstance(text, str):
        raise MalformedInput(f"{what} is not a string")
    if len(text) > _MAX_BASE58_CHARS:
        raise MalformedInput(f"{what} is too long for base58btc")
    number = 0
    for char in text:
        digit = _INDEX.get(char)
        if digit is None:
            raise MalformedInput(f"{what} is not base58btc")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_decode(text: object, *, what: str = "multibase value") -> bytes:
    """Decode a Multibase string in base58btc (``z``) or base64url-no-pad (``u``)."""
    if not isinstance(text, str) or not text:
        raise MalformedInput(f"{what} is not a non-empty string")
    if text[0] == MULTIBASE_BASE58BTC:
        return base58btc_decode(text[1:], what=what)
    if text[0] == MULTIBASE_BASE64URL_NO_PAD:
        return b64url_decode(text[1:], what=what)
    raise Unsupported(f"{what} uses an unsupported multibase prefix {text[:1]!r}")


def multibase_base58btc(data: bytes) -> str:
    """Encode bytes as a base58btc Multibase string (``z`` prefix)."""
    return MULTIBASE_BASE58BTC + base58btc_encode(data)


def multibase_base64url(data: bytes) -> str:
    """Encode bytes as a base64url-no-pad Multibase string (``u`` prefix)."""
    return MULTIBASE_BASE64URL_NO_PAD + b64url_encode(data)


def public_key_to_multikey_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    """Return the multicodec header plus compressed point of a P-256/P-384 public key."""
    if isinstance(key.curve, ec.SECP256R1):
        header = MULTICODEC_P256_PUB
    elif isinstance(key.curve, ec.SECP384R1):
        header = MULTICODEC_P384_PUB
    else:
        raise Unsupported(f"curve {key.curve.name} has no Multikey encoding here")
    return header + key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def public_key_from_multikey_bytes(data: bytes) -> ec.EllipticCurvePublicKey:
    """Parse multicodec-prefixed compressed P-256/P-384 public key bytes."""
    curve = _CURVES.get(bytes(data[:2]))
    if curve is None:
        raise Unsupported("Multikey is not a P-256 or P-384 public key")
    point = bytes(data[2:])
    if len(point) != 1 + (curve.key_size + 7) // 8 or point[0] not in (2, 3):
        raise MalformedInput("Multikey public key is not a compressed point")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    except ValueError as exc:
        raise MalformedInput("Multikey public key is not a point on its curve") from exc


def encode_public_multikey(key: ec.EllipticCurvePublicKey) -> str:
    """Return the ``publicKeyMultibase`` (``z...``) of a P-256/P-384 public key."""
    return multibase_base58btc(public_key_to_multikey_bytes(key))


def decode_public_multikey(text: object) -> ec.EllipticCurvePublicKey:
    """Parse a ``publicKeyMultibase`` value into a public key."""
    if not isinstance(text, str) or not text.startswith(MULTIBASE_BASE58BTC):
        raise MalformedInput("publicKeyMultibase must be base58btc (z...)")
    return public_key_from_multikey_bytes(multibase_decode(text, what="publicKeyMultibase"))


def decode_secret_multikey(text: object) -> ec.EllipticCurvePrivateKey:
    """Parse a ``secretKeyMultibase`` value (published test keys) into a private key."""
    if not isinstance(text, str) or not text.startswith(MULTIBASE_BASE58BTC):
        raise MalformedInput("secretKeyMultibase must be base58btc (z...)")
    raw = multibase_decode(text, what="secretKeyMultibase")
    curve = _PRIVATE.get(raw[:2])
    if curve is None or len(raw) != 2 + (curve.key_size + 7) // 8:
        raise Unsupported("secretKeyMultibase is not a P-256 or P-384 secret key")
    try:
        return ec.derive_private_key(int.from_bytes(raw[2:], "big"), curve)
    except ValueError as exc:
        raise MalformedInput("secretKeyMultibase is out of range") from exc


def did_key_for(key: ec.EllipticCurvePublicKey) -> str:
    """Return the ``did:key`` identifier of a P-256/P-384 public key."""
    return DID_KEY_PREFIX + encode_public_multikey(key)


def did_key_verification_method(key: ec.EllipticCurvePublicKey) -> str:
    """Return the ``did:key`` verification method URL (``did:key:z...#z...``) of a key."""
    multikey = encode_public_multikey(key)
    return f"{DID_KEY_PREFIX}{multikey}#{multikey}"


def resolve_did_key(verification_method: object) -> ec.EllipticCurvePublicKey:
    """Resolve a ``did:key`` verification method URL to its key, offline."""
    if not isinstance(verification_method, str) or not verification_method.startswith(
        DID_KEY_PREFIX
    ):
        raise Unsupported("verification method is not a did:key URL")
    did, _, fragment = verification_method.partition("#")
    multikey = did[len(DID_KEY_PREFIX) :]
    if fragment and fragment != multikey:
        raise MalformedInput("did:key fragment does not name the key of the DID")
    return decode_public_multikey(multikey)


__all__ = [
    "base58btc_decode",
    "base58btc_encode",
    "decode_public_multikey",
    "decode_secret_multikey",
    "did_key_for",
    "did_key_verification_method",
    "encode_public_multikey",
    "multibase_base58btc",
    "multibase_base64url",
    "multibase_decode",
    "public_key_from_multikey_bytes",
    "public_key_to_multikey_bytes",
    "resolve_did_key",
]

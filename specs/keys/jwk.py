"""JWK <-> ``cryptography`` key conversion, thumbprints and signature checks (RFC 7517/7638)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeGuard, cast

from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from specs.encoding import b64url_decode, b64url_encode
from specs.errors import InvalidSignature, MalformedInput, Unsupported
from specs.keys.algorithms import Algorithm, algorithm

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey

_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}
_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_COORD_SIZE = {"P-256": 32, "P-384": 48, "P-521": 66}
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def _int_from_b64(value: Any, what: str) -> int:
    if not isinstance(value, str):
        raise MalformedInput(f"JWK member {what} must be a base64url string")
    return int.from_bytes(b64url_decode(value, what=f"JWK {what}"), "big")


def _b64_from_int(value: int, size: int | None = None) -> str:
    length = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url_encode(value.to_bytes(length, "big"))


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Build a public key from a JWK, ignoring private members; raise on anything malformed."""
    if not isinstance(jwk, dict):
        raise MalformedInput("JWK must be a JSON object")
    kty = jwk.get("kty")
    try:
        if kty == "EC":
            crv = jwk.get("crv")
            if crv not in _CURVES:
                raise Unsupported(f"EC curve {crv!r} is not supported")
            size = _COORD_SIZE[crv]
            x_raw = b64url_decode(jwk.get("x", ""), what="JWK x")
            y_raw = b64url_decode(jwk.get("y", ""), what="JWK y")
            if len(x_raw) != size or len(y_raw) != size:
                raise MalformedInput(f"JWK coordinates for {crv} must be {size} bytes")
            return ec.EllipticCurvePublicNumbers(
                int.from_bytes(x_raw, "big"), int.from_bytes(y_raw, "big"), _CURVES[crv]
            ).public_key()
        if kty == "OKP":
            if jwk.get("crv") != "Ed25519":
                raise Unsupported(f"OKP curve {jwk.get('crv')!r} is not supported")
            x_raw = b64url_decode(jwk.get("x", ""), what="JWK x")
            return ed25519.Ed25519PublicKey.from_public_bytes(x_raw)
        if kty == "RSA":
            n = _int_from_b64(jwk.get("n"), "n")
            e = _int_from_b64(jwk.get("e"), "e")
            if n.bit_length() < 2048:
                raise Unsupported("RSA keys shorter than 2048 bits are not accepted")
            return rsa.RSAPublicNumbers(e, n).public_key()
    except (ValueError, TypeError) as exc:
        raise MalformedInput(f"JWK is not a valid {kty} public key: {exc}") from exc
    raise Unsupported(f"JWK key type {kty!r} is not supported")


def private_key_from_jwk(jwk: dict[str, Any]) -> PrivateKey:
    """Build a private key from a JWK that carries its private members."""
    public = public_key_from_jwk(jwk)
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            d = _int_from_b64(jwk.get("d"), "d")
            return ec.EllipticCurvePrivateNumbers(d, public.public_numbers()).private_key()
        if isinstance(public, ed25519.Ed25519PublicKey):
            d_raw = b64url_decode(jwk.get("d", ""), what="JWK d")
            return ed25519.Ed25519PrivateKey.from_private_bytes(d_raw)
        numbers = rsa.RSAPrivateNumbers(
            p=_int_from_b64(jwk.get("p"), "p"),
            q=_int_from_b64(jwk.get("q"), "q"),
            d=_int_from_b64(jwk.get("d"), "d"),
            dmp1=_int_from_b64(jwk.get("dp"), "dp"),
            dmq1=_int_from_b64(jwk.get("dq"), "dq"),
            iqmp=_int_from_b64(jwk.get("qi"), "qi"),
            public_numbers=public.public_numbers(),
        )
        return numbers.private_key()
    except (ValueError, TypeError) as exc:
        raise MalformedInput(f"JWK does not hold a valid private key: {exc}") from exc


def public_jwk(key: PublicKey | PrivateKey) -> dict[str, Any]:
    """Return the public JWK of a key (only the required members, RFC 7638 order)."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
        key = key.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        crv = _CURVE_NAMES.get(key.curve.name)
        if crv is None:
            raise Unsupported(f"EC curve {key.curve.name} is not supported")
        nums = key.public_numbers()
        size = _COORD_SIZE[crv]
        return {
            "crv": crv,
            "kty": "EC",
            "x": _b64_from_int(nums.x, size),
            "y": _b64_from_int(nums.y, size),
        }
    if isinstance(key, ed25519.Ed25519PublicKey):
        from cryptography.hazmat.primitives import serialization

        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(raw)}
    if isinstance(key, rsa.RSAPublicKey):
        rnums = key.public_numbers()
        return {"e": _b64_from_int(rnums.e), "kty": "RSA", "n": _b64_from_int(rnums.n)}
    raise Unsupported(f"key type {type(key).__name__} is not supported")


def private_jwk(key: PrivateKey) -> dict[str, Any]:
    """Return the full private JWK of a key (for key files; never sent anywhere)."""
    jwk = public_jwk(key)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = _COORD_SIZE[jwk["crv"]]
        jwk["d"] = _b64_from_int(key.private_numbers().private_value, size)
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        from cryptography.hazmat.primitives import serialization

        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        jwk["d"] = b64url_encode(raw)
    else:
        nums = key.private_numbers()
        jwk.update(
            d=_b64_from_int(nums.d),
            p=_b64_from_int(nums.p),
            q=_b64_from_int(nums.q),
            dp=_b64_from_int(nums.dmp1),
            dq=_b64_from_int(nums.dmq1),
            qi=_b64_from_int(nums.iqmp),
        )
    return jwk


def strip_private(jwk: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a JWK without private members."""
    return {k: v for k, v in jwk.items() if k not in PRIVATE_MEMBERS}


def thumbprint(jwk: dict[str, Any], hash_name: str = "sha256") -> str:
    """Compute the RFC 7638 JWK thumbprint, base64url encoded."""
    kty = jwk.get("kty")
    required = {
        "EC": ("crv", "kty", "x", "y"),
        "OKP": ("crv", "kty", "x"),
        "RSA": ("e", "kty", "n"),
    }
    if kty not in required:
        raise Unsupported(f"cannot compute a thumbprint for key type {kty!r}")
    try:
        members = {name: jwk[name] for name in required[kty]}
    except KeyError as exc:
        raise MalformedInput(f"JWK lacks member {exc.args[0]!r}") from None
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url_encode(hashlib.new(hash_name, canonical).digest())


_EC_KEYS = (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)
_ED25519_KEYS = (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)
_RSA_KEYS = (rsa.RSAPublicKey, rsa.RSAPrivateKey)
# ECDSA parameter objects by JOSE alg name, made once (verification builds none per call).
_ECDSA: dict[str, ec.ECDSA] = {}


def check_key_matches_alg(key: PublicKey | PrivateKey, alg: Algorithm) -> None:
    """Raise ``Unsupported`` when the key's type or curve does not fit the algorithm."""
    if isinstance(key, _EC_KEYS):
        ok = alg.kty == "EC" and _CURVE_NAMES.get(key.curve.name) == alg.crv
    elif isinstance(key, _ED25519_KEYS):
        ok = alg.kty == "OKP"
    elif isinstance(key, _RSA_KEYS):
        ok = alg.kty == "RSA"
    else:
        ok = False
    if not ok:
        raise Unsupported(f"algorithm {alg.name} does not match the key type")


# ``ec.ECDSA`` instances are immutable: build one per hash once, not one per signature check.
_ECDSA_BY_HASH: dict[str | None, ec.ECDSA] = {}


def _ecdsa(alg: Algorithm) -> ec.ECDSA:
    scheme = _ECDSA_BY_HASH.get(alg.hash_name)
    if scheme is None:
        scheme = _ECDSA_BY_HASH[alg.hash_name] = ec.ECDSA(alg.hash())
    return scheme


# Key kind by exact class. ``cryptography``'s key interfaces are ABCs, so ``isinstance`` on
# them runs the ABC machinery on every call; the answer depends only on the class (the
# library registers its classes at import), so it is worked out once per class.
_PUBLIC_KEY_KINDS: dict[type, str] = {}


def _public_key_kind(key: object) -> str:
    kind = _PUBLIC_KEY_KINDS.get(type(key))
    if kind is None:
        if isinstance(key, ec.EllipticCurvePublicKey):
            kind = "EC"
        elif isinstance(key, ed25519.Ed25519PublicKey):
            kind = "OKP"
        elif isinstance(key, rsa.RSAPublicKey):
            kind = "RSA"
        else:
            kind = ""
        _PUBLIC_KEY_KINDS[type(key)] = kind
    return kind


def is_public_key(key: object) -> TypeGuard[PublicKey]:
    """True for an EC, Ed25519 or RSA public key object."""
    return bool(_public_key_kind(key))


def verify_signature(alg_name: str, key: PublicKey, data: bytes, signature: bytes) -> None:
    """Check a JOSE-encoded signature (raw r||s for ECDSA); raise ``InvalidSignature``."""
    alg = algorithm(alg_name)
    kind = _public_key_kind(key)
    if not kind:
        check_key_matches_alg(key, alg)  # raises for a key of another type
        raise Unsupported(f"a {type(key).__name__} cannot check {alg.name} signatures")
    if kind != alg.kty or (
        kind == "EC"
        and _CURVE_NAMES.get(cast(ec.EllipticCurvePublicKey, key).curve.name) != alg.crv
    ):
        raise Unsupported(f"algorithm {alg.name} does not match the key type")
    try:
        if kind == "EC":
            size = alg.signature_size or 0
            if len(signature) != size:
                raise InvalidSignature(f"{alg.name} signature must be {size} bytes")
            cast(ec.EllipticCurvePublicKey, key).verify(
                raw_to_der_ecdsa(signature), data, _ecdsa(alg)
            )
        elif kind == "OKP":
            cast(ed25519.Ed25519PublicKey, key).verify(signature, data)
        else:
            pad: padding.AsymmetricPadding
            if alg.name == "PS256":
                pad = padding.PSS(mgf=padding.MGF1(alg.hash()), salt_length=32)
            else:
                pad = padding.PKCS1v15()
            cast(rsa.RSAPublicKey, key).verify(signature, data, pad, alg.hash())
    except CryptoInvalidSignature:
        raise InvalidSignature(f"{alg.name} signature does not verify") from None


def der_to_raw_ecdsa(der: bytes, size: int) -> bytes:
    """Convert a DER ECDSA signature to the fixed-size raw r||s form used by JOSE and COSE."""
    r, s = decode_dss_signature(der)
    half = size // 2
    return r.to_bytes(half, "big") + s.to_bytes(half, "big")


def raw_to_der_ecdsa(raw: bytes) -> bytes:
    """Convert a raw r||s ECDSA signature to DER."""
    half = len(raw) // 2
    if half > 60:
        # P-521: the SEQUENCE may need a long-form length; leave it to the library.
        return encode_dss_signature(
            int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        )
    # DER INTEGERs (X.690 section 8.3): minimal big-endian bytes, a 0x00 first when the top
    # bit is set so they stay positive; up to P-384 every length fits the short form.
    r = raw[:half].lstrip(b"\0")
    s = raw[half:].lstrip(b"\0")
    if not r or r[0] > 0x7F:
        r = b"\0" + r
    if not s or s[0] > 0x7F:
        s = b"\0" + s
    return b"".join((b"\x30", bytes((len(r) + len(s) + 4, 2, len(r))), r, bytes((2, len(s))), s))

"""JWE compact serialization (RFC 7516) for ECDH-ES key agreement with AES-GCM, over jwcrypto.

Only what OpenID4VP encrypted responses need (OpenID4VP 1.0 section 8.3): key agreement
``ECDH-ES`` (RFC 7518 section 4.6, direct use of the agreed key) and content encryption
``A128GCM`` or ``A256GCM``. The caller names the algorithms it accepts on every call; the
protected header is checked strictly with our own JSON parser before jwcrypto sees the
token (no ``zip``, no ``jku``/``x5u``, no unknown ``crit``, an ephemeral key on the
recipient's curve), and the decrypted plaintext is size-bounded.

The ephemeral key and IV come from jwcrypto's use of the operating system's CSPRNG: they
must never be reproducible, so no injected ``Random`` is used for them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jwcrypto import jwe as jc_jwe
from jwcrypto import jwk as jc_jwk
from jwcrypto.common import JWException

from specs.encoding import b64url_decode, dump_json_compact, parse_json_object
from specs.errors import InvalidSignature, LimitExceeded, MalformedInput, NotFound, Unsupported
from specs.jose.constants import (
    DEFAULT_UNDERSTOOD_CRIT,
    FORBIDDEN_HEADER_PARAMS,
    JWE_CONTENT_ENCRYPTION_ALGS,
    JWE_ECDH_CURVES,
    JWE_KEY_MANAGEMENT_ALGS,
)
from specs.keys.jwk import PRIVATE_MEMBERS, strip_private
from specs.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True, slots=True)
class DecryptedJwe:
    """A JWE that decrypted and authenticated: its protected header and plaintext."""

    header: dict[str, Any]
    plaintext: bytes

    def payload_json(self, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
        """Parse the plaintext as a strict JSON object."""
        return parse_json_object(self.plaintext, what="JWE plaintext", limits=limits)


def _check_algs(alg: str, enc: str) -> None:
    if alg not in JWE_KEY_MANAGEMENT_ALGS:
        raise Unsupported(f"JWE key management algorithm {alg!r} is not supported")
    if enc not in JWE_CONTENT_ENCRYPTION_ALGS:
        raise Unsupported(f"JWE content encryption algorithm {enc!r} is not supported")


def _import_jwk(jwk: Mapping[str, Any], *, private: bool) -> jc_jwk.JWK:
    if not isinstance(jwk, Mapping):
        raise MalformedInput("JWK must be a JSON object")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty not in {"EC", "OKP"} or crv not in JWE_ECDH_CURVES:
        raise Unsupported(f"key ({kty!r}, {crv!r}) cannot be used for ECDH-ES")
    if private and "d" not in jwk:
        raise MalformedInput("decryption needs a private JWK")
    members = dict(jwk) if private else strip_private(dict(jwk))
    try:
        return jc_jwk.JWK(**members)
    except (JWException, ValueError, TypeError) as exc:
        raise MalformedInput(f"JWK is not a valid {kty} {crv} key: {exc}") from exc


def encrypt_compact(
    payload: bytes | Mapping[str, Any],
    recipient_jwk: Mapping[str, Any],
    *,
    enc: str = "A128GCM",
    alg: str = "ECDH-ES",
    header: Mapping[str, Any] | None = None,
) -> str:
    """Encrypt ``payload`` to a public JWK and return a JWE compact serialization.

    The recipient's ``kid``, when present, is copied into the protected header (OpenID4VP
    1.0 section 8.3 requires it so the verifier finds its key).
    """
    _check_algs(alg, enc)
    key_alg = recipient_jwk.get("alg") if isinstance(recipient_jwk, Mapping) else None
    if key_alg is not None and key_alg != alg:
        raise Unsupported(f"recipient key is for {key_alg!r}, not {alg!r}")
    key = _import_jwk(recipient_jwk, private=False)
    protected: dict[str, Any] = dict(header or {})
    protected.update({"alg": alg, "enc": enc})
    if "kid" in recipient_jwk:
        protected["kid"] = recipient_jwk["kid"]
    plaintext = payload if isinstance(payload, bytes) else dump_json_compact(dict(payload)).encode()
    if not plaintext:
        # jwcrypto cannot tell an empty plaintext from a failed decryption; nothing sends one.
        raise MalformedInput("JWE plaintext must not be empty")
    token = jc_jwe.JWE(plaintext, protected=dump_json_compact(protected), algs=[alg, enc])
    token.add_recipient(key)
    result: str = token.serialize(compact=True)
    return result


def unverified_jwe_header(token: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Return the protected header of a compact JWE WITHOUT decrypting or authenticating it."""
    if not isinstance(token, str):
        raise MalformedInput("JWE must be a string")
    if len(token) > limits.max_token_bytes:
        raise LimitExceeded(f"JWE is longer than {limits.max_token_bytes} characters")
    parts = token.split(".")
    if len(parts) != 5:
        raise MalformedInput("JWE compact serialization must have exactly five parts")
    for index, part in enumerate(parts):
        b64url_decode(part, what=f"JWE part {index + 1}")
    return parse_json_object(b64url_decode(parts[0], what="JWE header"), what="JWE header")


def _check_header(
    header: dict[str, Any],
    allowed_algs: Collection[str],
    allowed_encs: Collection[str],
    understood_crit: Collection[str],
) -> tuple[str, str]:
    alg, enc = header.get("alg"), header.get("enc")
    if not isinstance(alg, str) or not isinstance(enc, str):
        raise MalformedInput("JWE header needs string 'alg' and 'enc'")
    if alg not in allowed_algs or alg not in JWE_KEY_MANAGEMENT_ALGS:
        raise Unsupported(f"JWE algorithm {alg!r} is not in the allow-list {sorted(allowed_algs)}")
    if enc not in allowed_encs or enc not in JWE_CONTENT_ENCRYPTION_ALGS:
        raise Unsupported(f"JWE 'enc' {enc!r} is not in the allow-list {sorted(allowed_encs)}")
    if "zip" in header:
        # RFC 7516 section 4.1.3: compression is never needed here and invites zip bombs.
        raise Unsupported("compressed JWE ('zip') is not accepted")
    for name in FORBIDDEN_HEADER_PARAMS:
        if name in header:
            raise Unsupported(f"JWE header parameter {name!r} is not accepted (never fetched)")
    if "crit" in header:
        crit = header["crit"]
        if not isinstance(crit, list) or not crit or not all(isinstance(c, str) for c in crit):
            raise MalformedInput("JWE 'crit' must be a non-empty list of names")
        for name in crit:
            if name not in understood_crit:
                raise Unsupported(f"critical header parameter {name!r} is not understood")
    epk = header.get("epk")
    if not isinstance(epk, dict):
        raise MalformedInput("ECDH-ES JWE header lacks the ephemeral public key 'epk'")
    if set(epk) & PRIVATE_MEMBERS:
        raise MalformedInput("JWE 'epk' must not carry private key members")
    return alg, enc


def decrypt_compact(
    token: str,
    keys: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    allowed_algs: Collection[str] = ("ECDH-ES",),
    allowed_encs: Collection[str] = ("A128GCM", "A256GCM"),
    understood_crit: Collection[str] = DEFAULT_UNDERSTOOD_CRIT,
    limits: Limits = DEFAULT_LIMITS,
) -> DecryptedJwe:
    """Decrypt a compact JWE with one of ``keys`` (private JWKs); raise on any failure.

    When the header names a ``kid`` only the key with that ``kid`` is tried; a missing key
    raises ``NotFound``, a failed authentication tag ``InvalidSignature``.
    """
    header = unverified_jwe_header(token, limits)
    _check_header(header, allowed_algs, allowed_encs, understood_crit)
    candidates = [keys] if isinstance(keys, Mapping) else list(keys)
    kid = header.get("kid")
    if kid is not None:
        if not isinstance(kid, str):
            raise MalformedInput("JWE 'kid' must be a string")
        candidates = [k for k in candidates if k.get("kid") == kid]
        if not candidates:
            raise NotFound(f"no decryption key with kid {kid!r}")
    if not candidates:
        raise NotFound("no decryption key given")
    epk = header["epk"]
    last: Exception | None = None
    for candidate in candidates:
        if (epk.get("kty"), epk.get("crv")) != (candidate.get("kty"), candidate.get("crv")):
            last = MalformedInput("JWE 'epk' is not on the curve of the decryption key")
            continue
        key = _import_jwk(candidate, private=True)
        try:
            _import_jwk(epk, private=False)
            jwe = jc_jwe.JWE(algs=[header["alg"], header["enc"]])
            jwe.deserialize(token)
            jwe.decrypt(key, max_plaintext=limits.max_json_bytes)
        except MalformedInput as exc:
            raise exc
        except (JWException, ValueError, TypeError) as exc:
            last = InvalidSignature(f"JWE does not decrypt or authenticate: {type(exc).__name__}")
            continue
        plaintext: bytes = jwe.plaintext
        if len(plaintext) > limits.max_json_bytes:
            raise LimitExceeded(f"JWE plaintext is larger than {limits.max_json_bytes} bytes")
        return DecryptedJwe(header=header, plaintext=plaintext)
    assert last is not None
    raise last


__all__ = ["DecryptedJwe", "decrypt_compact", "encrypt_compact", "unverified_jwe_header"]

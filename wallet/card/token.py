"""A ``Signer`` over a PKCS#11 token: the My Number Card through OpenSC, or a SoftHSM2 test card.

The private key never leaves the token: this handle finds the user-authentication key and
certificate by label or id, logs in with the PIN and asks the token to sign RSASSA-PKCS1-v1_5
with SHA-256 (``RS256``), as the card does. Failures of the module, the token or the PIN
raise ``CardError`` with a message saying what to do.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import pkcs11
from cryptography import x509
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass, TokenFlag
from pkcs11 import exceptions as p11

from specs.card.constants import (
    CARD_JWS_ALG,
    JPKI_USER_AUTHENTICATION_CA_CERT_LABEL,
    JPKI_USER_AUTHENTICATION_CERT_LABEL,
    JPKI_USER_AUTHENTICATION_KEY_LABEL,
    JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
)
from specs.errors import CardError
from specs.keys.jwk import public_jwk
from specs.keys.x509 import load_der_certificate

# RFC 8017 section 9.2 note 1: DER DigestInfo prefix for SHA-256, for tokens without
# CKM_SHA256_RSA_PKCS that only offer raw CKM_RSA_PKCS.
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
# One PKCS#11 module is initialised once per process; serialise calls through it.
_MODULE_LOCK = threading.RLock()


def load_module(path: str) -> Any:
    """Load (or reuse) the PKCS#11 module at ``path``; raise ``CardError`` when it is missing."""
    if not Path(path).is_file():
        raise CardError(
            f"PKCS#11 module not found at {path}: install it (OpenSC: opensc-pkcs11.so, "
            "SoftHSM2: libsofthsm2.so) or pass its path"
        )
    try:
        with _MODULE_LOCK:
            return pkcs11.lib(path)
    except (p11.PKCS11Error, OSError, RuntimeError) as exc:
        raise CardError(f"PKCS#11 module {path} could not be loaded: {exc!r}") from exc


def find_token(module: Any, token_label: str | None, token_serial: bytes | None = None) -> Any:
    """Find exactly one present token by label and/or serial; raise ``CardError`` otherwise."""
    try:
        with _MODULE_LOCK:
            return module.get_token(token_label=token_label, token_serial=token_serial)
    except p11.NoSuchToken:
        raise CardError(
            f"no token labelled {token_label!r} is present: is the card in the reader?"
        ) from None
    except p11.MultipleTokensReturned:
        raise CardError(
            f"several tokens match {token_label!r}: name one by its serial number"
        ) from None
    except p11.PKCS11Error as exc:
        raise CardError(f"cannot list tokens: {exc!r}") from exc


def _pin_state(token: Any, allow_final_try: bool) -> None:
    flags = token.flags
    if flags & TokenFlag.USER_PIN_LOCKED:
        raise CardError(
            "the card's PIN is locked after too many wrong tries: it must be reset at the "
            "municipal office (or re-initialised, for a test card)"
        )
    if flags & TokenFlag.USER_PIN_FINAL_TRY and not allow_final_try:
        raise CardError(
            "only one PIN try is left before the card locks: refusing to try; "
            "pass allow_final_try=True if you are sure of the PIN"
        )


def _login(token: Any, pin: str) -> Any:
    try:
        with _MODULE_LOCK:
            return token.open(user_pin=pin)
    except p11.PinIncorrect:
        hint = ""
        try:
            if token.flags & TokenFlag.USER_PIN_COUNT_LOW:
                hint = " (few tries are left before the card locks)"
        except p11.PKCS11Error:
            pass
        raise CardError(f"wrong PIN for token {token.label!r}{hint}") from None
    except p11.PinLocked:
        raise CardError(f"the PIN of token {token.label!r} is locked") from None
    except (p11.PinLenRange, p11.PinInvalid):
        raise CardError("the PIN has the wrong length or characters") from None
    except p11.UserPinNotInitialized:
        raise CardError(f"token {token.label!r} has no user PIN set") from None
    except p11.TokenNotPresent:
        raise CardError("the card was removed") from None
    except p11.PKCS11Error as exc:
        raise CardError(f"login to token {token.label!r} failed: {exc!r}") from exc


def _certificates(session: Any, label: str, key_id: bytes | None) -> list[bytes]:
    attrs: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.CERTIFICATE}
    if key_id is not None:
        attrs[Attribute.ID] = key_id
    else:
        attrs[Attribute.LABEL] = label
    return [obj[Attribute.VALUE] for obj in session.get_objects(attrs)]


def read_certificate(
    module_path: str,
    *,
    token_label: str | None = JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
    certificate_label: str = JPKI_USER_AUTHENTICATION_CERT_LABEL,
) -> x509.Certificate:
    """Read the user-authentication certificate from the token; no PIN is needed."""
    module = load_module(module_path)
    token = find_token(module, token_label)
    try:
        with _MODULE_LOCK, token.open() as session:
            ders = _certificates(session, certificate_label, None)
    except p11.PKCS11Error as exc:
        raise CardError(f"cannot read the certificate from the token: {exc!r}") from exc
    if len(ders) != 1:
        raise CardError(f"expected one certificate {certificate_label!r}, found {len(ders)}")
    return load_der_certificate(ders[0])


class Pkcs11Signer:
    """A ``Signer`` whose RSA key stays on a PKCS#11 token; it signs ``RS256``."""

    def __init__(
        self,
        session: Any,
        private_key: Any,
        certificate: x509.Certificate,
        ca_certificates: list[x509.Certificate],
        mechanism: Mechanism,
    ) -> None:
        self._session = session
        self._key = private_key
        self._certificate = certificate
        self._ca_certificates = ca_certificates
        self._mechanism = mechanism
        self._public_jwk = public_jwk(certificate.public_key())  # type: ignore[arg-type]
        self._closed = False

    @classmethod
    def open(
        cls,
        module_path: str,
        pin: str,
        *,
        token_label: str | None = JPKI_USER_AUTHENTICATION_TOKEN_LABEL,
        token_serial: bytes | None = None,
        key_label: str = JPKI_USER_AUTHENTICATION_KEY_LABEL,
        key_id: bytes | None = None,
        certificate_label: str = JPKI_USER_AUTHENTICATION_CERT_LABEL,
        ca_certificate_label: str = JPKI_USER_AUTHENTICATION_CA_CERT_LABEL,
        allow_final_try: bool = False,
        mechanism: Mechanism | None = None,
    ) -> Pkcs11Signer:
        """Log in to the token and find the user-authentication key and certificate.

        ``mechanism`` forces ``CKM_SHA256_RSA_PKCS`` or ``CKM_RSA_PKCS`` (hashing on the host)
        for drivers that announce one but implement only the other.
        """
        module = load_module(module_path)
        token = find_token(module, token_label, token_serial)
        _pin_state(token, allow_final_try)
        session = _login(token, pin)
        try:
            with _MODULE_LOCK:
                attrs: dict[str, Any] = {
                    "object_class": ObjectClass.PRIVATE_KEY,
                    "key_type": KeyType.RSA,
                }
                if key_id is not None:
                    attrs["id"] = key_id
                else:
                    attrs["label"] = key_label
                try:
                    key = session.get_key(**attrs)
                except p11.NoSuchKey:
                    raise CardError(
                        f"no RSA private key {key_id.hex() if key_id else key_label!r} on the token"
                    ) from None
                except p11.MultipleObjectsReturned:
                    raise CardError(f"several keys match {key_label!r}: name one by id") from None
                ders = _certificates(session, certificate_label, key_id)
                ca_ders = _certificates(session, ca_certificate_label, None)
                mechanisms = token.slot.get_mechanisms()
        except BaseException:
            session.close()
            raise
        if len(ders) != 1:
            session.close()
            raise CardError(f"expected one certificate for the key on the token, found {len(ders)}")
        certificate = load_der_certificate(ders[0])
        ca_certificates = [load_der_certificate(der) for der in ca_ders]
        if mechanism is not None:
            if mechanism not in (Mechanism.SHA256_RSA_PKCS, Mechanism.RSA_PKCS):
                session.close()
                raise CardError(f"mechanism {mechanism!r} is not an RSA PKCS#1 v1.5 mechanism")
        elif Mechanism.SHA256_RSA_PKCS in mechanisms:
            mechanism = Mechanism.SHA256_RSA_PKCS
        elif Mechanism.RSA_PKCS in mechanisms:
            mechanism = Mechanism.RSA_PKCS
        else:
            session.close()
            raise CardError("the token offers neither CKM_SHA256_RSA_PKCS nor CKM_RSA_PKCS")
        return cls(session, key, certificate, ca_certificates, mechanism)

    @property
    def alg(self) -> str:
        """``RS256``: RSASSA-PKCS1-v1_5 with SHA-256, as the card signs."""
        return CARD_JWS_ALG

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The public JWK of the card key (from its certificate)."""
        return dict(self._public_jwk)

    @property
    def certificate(self) -> x509.Certificate:
        """The card's user-authentication certificate."""
        return self._certificate

    @property
    def chain(self) -> list[x509.Certificate]:
        """The certificate followed by any CA certificate stored on the card."""
        return [self._certificate, *self._ca_certificates]

    def sign(self, data: bytes) -> bytes:
        """Have the token sign ``data`` (RS256)."""
        if self._closed:
            raise CardError("the card session is closed")
        try:
            with _MODULE_LOCK:
                if self._mechanism == Mechanism.SHA256_RSA_PKCS:
                    return bytes(self._key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS))
                digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(data).digest()
                return bytes(self._key.sign(digest_info, mechanism=Mechanism.RSA_PKCS))
        except p11.UserNotLoggedIn:
            raise CardError("the card session lost its login: open the card again") from None
        except (p11.TokenNotPresent, p11.DeviceRemoved, p11.SessionHandleInvalid):
            raise CardError("the card was removed or its session ended") from None
        except p11.PKCS11Error as exc:
            raise CardError(f"the card failed to sign: {exc!r}") from exc

    def close(self) -> None:
        """Log out and close the session."""
        if not self._closed:
            self._closed = True
            try:
                with _MODULE_LOCK:
                    self._session.close()
            except p11.PKCS11Error:
                pass

    def __enter__(self) -> Pkcs11Signer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

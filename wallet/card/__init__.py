"""The wallet's side of the My Number Card: the card as a PKCS#11 ``Signer``, the encrypted
store of P-256 presentation keys, and card attestations over fresh keys."""

from wallet.card.attestation import attest_new_keys
from wallet.card.keystore import PresentationKeyStore
from wallet.card.token import Pkcs11Signer, load_module, read_certificate

__all__ = [
    "Pkcs11Signer",
    "PresentationKeyStore",
    "attest_new_keys",
    "load_module",
    "read_certificate",
]

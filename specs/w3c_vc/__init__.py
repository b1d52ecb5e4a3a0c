"""W3C VCDM 2.0 with Data Integrity (ecdsa-rdfc-2019, ecdsa-sd-2023) over pyld, fully offline.

Import the cryptosuites by module: ``specs.w3c_vc.ecdsa_rdfc_2019`` and
``specs.w3c_vc.ecdsa_sd_2023`` (both expose ``add/create``, ``derive`` and ``verify``).
"""

from specs.w3c_vc.canonicalization import CanonicalDataset, canonicalize
from specs.w3c_vc.data_integrity import KeyResolver, VerifiedDocument
from specs.w3c_vc.document_loader import DocumentLoader
from specs.w3c_vc.model import (
    Credential,
    build_credential,
    check_validity_period,
    honnin_mandatory_pointers,
    parse_credential,
)
from specs.w3c_vc.multikey import did_key_verification_method, resolve_did_key

__all__ = [
    "CanonicalDataset",
    "Credential",
    "DocumentLoader",
    "KeyResolver",
    "VerifiedDocument",
    "build_credential",
    "canonicalize",
    "check_validity_period",
    "did_key_verification_method",
    "honnin_mandatory_pointers",
    "parse_credential",
    "resolve_did_key",
]

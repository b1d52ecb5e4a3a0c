"""The ``ecdsa-rdfc-2019`` cryptosuite (vc-di-ecdsa 1.0 section 3.2), P-256 and P-384."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from specs.errors import InvalidSignature, MalformedInput
from specs.keys.jwk import verify_signature
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Clock, Signer
from specs.w3c_vc.canonicalization import canonicalize
from specs.w3c_vc.constants import (
    CLAIM_CONTEXT,
    CRYPTOSUITE_ECDSA_RDFC_2019,
    PROOF_PURPOSE_ASSERTION_METHOD,
)
from specs.w3c_vc.data_integrity import (
    KeyResolver,
    VerifiedDocument,
    attach_proof,
    check_proof_options,
    check_proof_policy,
    check_unsecured,
    curve_hash_name,
    hash_name_for_alg,
    jose_alg_for,
    open_secured,
    proof_config,
    proof_options,
    resolve_key,
)
from specs.w3c_vc.document_loader import DocumentLoader
from specs.w3c_vc.multikey import multibase_base58btc, multibase_decode

CRYPTOSUITE = CRYPTOSUITE_ECDSA_RDFC_2019


def transform(
    document: Mapping[str, Any],
    loader: DocumentLoader,
    *,
    hash_name: str = "sha256",
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Return the RDFC-1.0 canonical N-Quads of an unsecured document (section 3.2.3)."""
    return canonicalize(document, loader, hash_name=hash_name, limits=limits).serialize()


def proof_configuration(
    options: Mapping[str, Any],
    document_context: Any,
    loader: DocumentLoader,
    *,
    hash_name: str = "sha256",
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Return the canonical proof configuration (section 3.2.5)."""
    check_proof_options(options, CRYPTOSUITE)
    config = proof_config(options, document_context)
    return canonicalize(config, loader, hash_name=hash_name, limits=limits).serialize()


def hash_data(transformed: str, canonical_proof_config: str, *, hash_name: str = "sha256") -> bytes:
    """Return proofConfigHash || transformedDocumentHash (section 3.2.4)."""
    digest = getattr(hashlib, hash_name)
    proof_hash: bytes = digest(canonical_proof_config.encode("utf-8")).digest()
    document_hash: bytes = digest(transformed.encode("utf-8")).digest()
    return proof_hash + document_hash


def add_proof(
    document: Mapping[str, Any],
    signer: Signer,
    *,
    verification_method: str,
    loader: DocumentLoader,
    created: datetime | None = None,
    proof_purpose: str = PROOF_PURPOSE_ASSERTION_METHOD,
    domain: str | None = None,
    challenge: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Return a copy of ``document`` secured with an ``ecdsa-rdfc-2019`` proof (section 3.2.1)."""
    hash_name = hash_name_for_alg(signer.alg)
    check_unsecured(document, loader)
    proof = proof_options(
        CRYPTOSUITE,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
        domain=domain,
        challenge=challenge,
    )
    config = proof_configuration(
        proof, document[CLAIM_CONTEXT], loader, hash_name=hash_name, limits=limits
    )
    transformed = transform(document, loader, hash_name=hash_name, limits=limits)
    signature = signer.sign(hash_data(transformed, config, hash_name=hash_name))
    proof["proofValue"] = multibase_base58btc(signature)
    return attach_proof(document, proof)


def verify_proof(
    secured: Mapping[str, Any],
    *,
    loader: DocumentLoader,
    key_resolver: KeyResolver | None = None,
    proof_purpose: str = PROOF_PURPOSE_ASSERTION_METHOD,
    domain: str | None = None,
    challenge: str | None = None,
    clock: Clock | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedDocument:
    """Verify an ``ecdsa-rdfc-2019`` proof (section 3.2.2); raise a ``HonninError`` on failure."""
    unsecured, proof = open_secured(secured, CRYPTOSUITE, loader)
    check_proof_policy(
        proof, proof_purpose=proof_purpose, domain=domain, challenge=challenge, clock=clock
    )
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        raise MalformedInput(
            "proofValue must be base58btc multibase", claim_path=["proof", "proofValue"]
        )
    signature = multibase_decode(proof_value, what="proofValue")
    key = resolve_key(proof["verificationMethod"], key_resolver)
    hash_name = curve_hash_name(key)
    config = proof_configuration(
        proof, unsecured[CLAIM_CONTEXT], loader, hash_name=hash_name, limits=limits
    )
    transformed = transform(unsecured, loader, hash_name=hash_name, limits=limits)
    data = hash_data(transformed, config, hash_name=hash_name)
    try:
        verify_signature(jose_alg_for(key), key, data, signature)
    except InvalidSignature as exc:
        raise InvalidSignature(
            "ecdsa-rdfc-2019 proof does not verify", claim_path=["proof", "proofValue"]
        ) from exc
    return VerifiedDocument(
        document=unsecured,
        proof=proof,
        cryptosuite=CRYPTOSUITE,
        verification_method=proof["verificationMethod"],
        public_key=key,
    )


__all__ = [
    "CRYPTOSUITE",
    "add_proof",
    "hash_data",
    "proof_configuration",
    "transform",
    "verify_proof",
]

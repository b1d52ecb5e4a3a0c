"""VC Data Integrity 1.0 pieces shared by the ECDSA cryptosuites: proof checks, keys, contexts."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from specs.errors import (
    AudienceMismatch,
    Expired,
    MalformedInput,
    NonceMismatch,
    PolicyViolation,
    Unsupported,
)
from specs.ports import Clock
from specs.w3c_vc.constants import (
    CLAIM_CONTEXT,
    CLAIM_PROOF,
    CREDENTIALS_V2_CONTEXT,
    PROOF_PURPOSE_ASSERTION_METHOD,
    PROOF_TYPE_DATA_INTEGRITY,
)
from specs.w3c_vc.document_loader import DocumentLoader
from specs.w3c_vc.multikey import resolve_did_key

KeyResolver = Callable[[str], ec.EllipticCurvePublicKey]
"""Maps a ``verificationMethod`` URL to the public key it names (raise to refuse)."""

# XML Schema 1.1 dateTime (VC Data Integrity 1.0 section 2.1, ``created``/``expires``).
_XSD_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


@dataclass(frozen=True, slots=True)
class VerifiedDocument:
    """A document whose Data Integrity proof verified: the document without ``proof``."""

    document: dict[str, Any]
    proof: dict[str, Any]
    cryptosuite: str
    verification_method: str
    public_key: ec.EllipticCurvePublicKey


def curve_hash_name(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> str:
    """Return the hash paired with the key's curve (vc-di-ecdsa 1.0 section 3)."""
    if isinstance(key.curve, ec.SECP256R1):
        return "sha256"
    if isinstance(key.curve, ec.SECP384R1):
        return "sha384"
    raise Unsupported(f"curve {key.curve.name} is not P-256 or P-384")


def jose_alg_for(key: ec.EllipticCurvePublicKey) -> str:
    """Return the JOSE name of ECDSA on the key's curve (ES256 or ES384)."""
    return {"sha256": "ES256", "sha384": "ES384"}[curve_hash_name(key)]


def hash_name_for_alg(alg: str) -> str:
    """Return the hash a signer's JOSE algorithm implies (ES256 -> sha256, ES384 -> sha384)."""
    names = {"ES256": "sha256", "ES384": "sha384"}
    if alg not in names:
        raise Unsupported(f"ECDSA cryptosuites need an ES256 or ES384 signer, not {alg}")
    return names[alg]


def parse_xsd_datetime(value: object, what: str) -> datetime:
    """Parse an XML Schema dateTime (timezone required), raising ``MalformedInput``."""
    if not isinstance(value, str) or not _XSD_DATETIME.match(value):
        raise MalformedInput(f"{what} is not an XML Schema dateTime", claim_path=[what])
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedInput(f"{what} is not a valid dateTime", claim_path=[what]) from exc
    if parsed.tzinfo is None:
        raise MalformedInput(f"{what} needs a time zone offset", claim_path=[what])
    return parsed.astimezone(UTC)


def format_xsd_datetime(moment: datetime) -> str:
    """Format an aware datetime as an XML Schema dateTime in UTC, to the second."""
    if moment.tzinfo is None:
        raise MalformedInput("datetime must be time-zone aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_contexts(document: Mapping[str, Any], loader: DocumentLoader) -> list[str]:
    """Check ``@context``: credentials v2 first and only contexts the loader serves."""
    contexts = document.get(CLAIM_CONTEXT)
    if isinstance(contexts, str):
        contexts = [contexts]
    if not isinstance(contexts, list) or not contexts:
        raise MalformedInput("@context must be a URL or a non-empty array", claim_path=["@context"])
    if contexts[0] != CREDENTIALS_V2_CONTEXT:
        raise MalformedInput(
            f"the first @context must be {CREDENTIALS_V2_CONTEXT} (VCDM 2.0 section 4.3)",
            claim_path=["@context", 0],
        )
    for index, entry in enumerate(contexts):
        if not isinstance(entry, str):
            # An inline context can redefine terms the issuer signed (context substitution).
            raise MalformedInput(
                "inline @context objects are refused; use a bundled context URL",
                claim_path=["@context", index],
            )
        if entry not in loader.urls:
            raise Unsupported(
                f"@context {entry!r} is not bundled; remote contexts are refused",
                claim_path=["@context", index],
            )
    return list(contexts)


def split_proof(secured: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a secured document into (unsecured document, its single proof)."""
    if not isinstance(secured, Mapping):
        raise MalformedInput("secured document is not a JSON object")
    proof = secured.get(CLAIM_PROOF)
    if proof is None:
        raise MalformedInput("secured document has no proof", claim_path=["proof"])
    if isinstance(proof, list):
        if len(proof) != 1:
            raise Unsupported("exactly one proof is supported", claim_path=["proof"])
        proof = proof[0]
    if not isinstance(proof, dict):
        raise MalformedInput("proof is not a JSON object", claim_path=["proof"])
    unsecured = {k: v for k, v in secured.items() if k != CLAIM_PROOF}
    return unsecured, dict(proof)


def check_unsecured(document: Mapping[str, Any], loader: DocumentLoader) -> None:
    """Check that a document about to be secured has usable contexts and no proof yet."""
    check_contexts(document, loader)
    if "proof" in document:
        raise MalformedInput("document already carries a proof", claim_path=["proof"])


def proof_options(
    cryptosuite: str,
    *,
    verification_method: str,
    created: datetime | None,
    proof_purpose: str,
    domain: str | None = None,
    challenge: str | None = None,
) -> dict[str, Any]:
    """Return the members of a new proof in their usual order, without ``proofValue``."""
    proof: dict[str, Any] = {"type": PROOF_TYPE_DATA_INTEGRITY, "cryptosuite": cryptosuite}
    if created is not None:
        proof["created"] = format_xsd_datetime(created)
    proof["verificationMethod"] = verification_method
    proof["proofPurpose"] = proof_purpose
    if domain is not None:
        proof["domain"] = domain
    if challenge is not None:
        proof["challenge"] = challenge
    return proof


def proof_config(options: Mapping[str, Any], document_context: Any) -> dict[str, Any]:
    """Return the proof configuration a cryptosuite canonicalizes, as a fresh copy."""
    # vc-di-ecdsa 1.0 sections 3.2.5 and 3.6.4: the options minus proofValue, with @context.
    config = {k: copy.deepcopy(v) for k, v in options.items() if k != "proofValue"}
    config[CLAIM_CONTEXT] = copy.deepcopy(document_context)
    return config


def attach_proof(document: Mapping[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of ``document`` carrying ``proof``."""
    secured = copy.deepcopy(dict(document))
    secured["proof"] = proof
    return secured


def open_secured(
    secured: Mapping[str, Any], cryptosuite: str, loader: DocumentLoader
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a secured document and check its contexts and proof options; return both parts."""
    unsecured, proof = split_proof(secured)
    check_contexts(unsecured, loader)
    check_proof_options(proof, cryptosuite)
    return unsecured, proof


def check_proof_options(proof: Mapping[str, Any], cryptosuite: str) -> None:
    """Check proof ``type``, ``cryptosuite``, ``created``/``expires`` and ``verificationMethod``."""
    if proof.get("type") != PROOF_TYPE_DATA_INTEGRITY:
        raise Unsupported(
            f"proof type must be {PROOF_TYPE_DATA_INTEGRITY}", claim_path=["proof", "type"]
        )
    if proof.get("cryptosuite") != cryptosuite:
        raise Unsupported(
            f"proof cryptosuite must be {cryptosuite}, not {proof.get('cryptosuite')!r}",
            claim_path=["proof", "cryptosuite"],
        )
    for name in ("created", "expires"):
        if name in proof:
            parse_xsd_datetime(proof[name], name)
    if not isinstance(proof.get("verificationMethod"), str):
        raise MalformedInput(
            "proof verificationMethod must be a URL", claim_path=["proof", "verificationMethod"]
        )
    if not isinstance(proof.get("proofPurpose"), str):
        raise MalformedInput("proof proofPurpose is missing", claim_path=["proof", "proofPurpose"])


def check_proof_policy(
    proof: Mapping[str, Any],
    *,
    proof_purpose: str = PROOF_PURPOSE_ASSERTION_METHOD,
    domain: str | None = None,
    challenge: str | None = None,
    clock: Clock | None = None,
) -> None:
    """Check purpose, domain, challenge and expiry (VC Data Integrity 1.0 section 4.3)."""
    if proof.get("proofPurpose") != proof_purpose:
        raise PolicyViolation(
            f"proof purpose must be {proof_purpose}", claim_path=["proof", "proofPurpose"]
        )
    if domain is not None:
        actual = proof.get("domain")
        domains = actual if isinstance(actual, list) else [actual]
        if domain not in domains:
            raise AudienceMismatch("proof domain does not match", claim_path=["proof", "domain"])
    if challenge is not None and proof.get("challenge") != challenge:
        raise NonceMismatch("proof challenge does not match", claim_path=["proof", "challenge"])
    if (
        clock is not None
        and "expires" in proof
        and parse_xsd_datetime(proof["expires"], "expires") <= clock.now()
    ):
        raise Expired("proof has expired", claim_path=["proof", "expires"])


def resolve_key(
    verification_method: str, resolver: KeyResolver | None
) -> ec.EllipticCurvePublicKey:
    """Resolve a verification method with ``resolver`` (did:key offline when none is given)."""
    key = (resolver or resolve_did_key)(verification_method)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise Unsupported("verification method is not an ECDSA public key")
    curve_hash_name(key)
    return key


__all__ = [
    "KeyResolver",
    "VerifiedDocument",
    "attach_proof",
    "check_contexts",
    "check_proof_options",
    "check_proof_policy",
    "check_unsecured",
    "curve_hash_name",
    "format_xsd_datetime",
    "hash_name_for_alg",
    "jose_alg_for",
    "open_secured",
    "parse_xsd_datetime",
    "proof_config",
    "proof_options",
    "resolve_key",
    "split_proof",
]

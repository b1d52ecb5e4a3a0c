"""The ``ecdsa-sd-2023`` selective-disclosure cryptosuite (vc-di-ecdsa 1.0 section 3.6), P-256.

The issuer canonicalizes the credential, relabels blank nodes with an HMAC, signs the
hash of the mandatory statements with its key, and every other statement with a
proof-scoped key (base proof). The holder reveals mandatory statements plus the ones it
chooses (derived proof); the verifier checks the base signature and one signature per
revealed non-mandatory statement.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from specs.encoding import b64url_decode, b64url_encode
from specs.errors import (
    HonninError,
    InvalidSignature,
    LimitExceeded,
    MalformedInput,
    Unsupported,
    ValidationError,
)
from specs.keys.jwk import der_to_raw_ecdsa, verify_signature
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Clock, Random, Signer
from specs.w3c_vc.canonicalization import (
    Quad,
    canonicalize,
    canonicalize_quads,
    relabel_quads,
    to_quads,
)
from specs.w3c_vc.constants import (
    CLAIM_CONTEXT,
    CRYPTOSUITE_ECDSA_SD_2023,
    ECDSA_SD_BASE_PROOF_HEADER,
    ECDSA_SD_DERIVED_PROOF_HEADER,
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
    open_secured,
    proof_config,
    proof_options,
    resolve_key,
)
from specs.w3c_vc.document_loader import DocumentLoader
from specs.w3c_vc.multikey import (
    multibase_base64url,
    public_key_from_multikey_bytes,
    public_key_to_multikey_bytes,
)
from specs.w3c_vc.selection import (
    check_pointers,
    select_json_ld,
    skolemize_compact,
    to_deskolemized_quads,
)

CRYPTOSUITE = CRYPTOSUITE_ECDSA_SD_2023
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
LabelMapFactory = Callable[[Mapping[str, str]], dict[str, str]]


@dataclass(frozen=True, slots=True)
class BaseProofValue:
    """The five components of a base proof value (section 3.5.2)."""

    base_signature: bytes
    public_key: bytes
    hmac_key: bytes
    signatures: tuple[bytes, ...]
    mandatory_pointers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DerivedProofValue:
    """The five components of a derived proof value (section 3.5.7), label map decompressed."""

    base_signature: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Group:
    """Canonical N-Quads a group of pointers selects (``matching``) or not, by index."""

    matching: dict[int, str]
    non_matching: dict[int, str]
    deskolemized_quads: list[Quad]


@dataclass(frozen=True, slots=True)
class CanonicalGroups:
    """Output of canonicalizeAndGroup (section 3.4.16)."""

    groups: dict[str, Group]
    label_map: dict[str, str]
    nquads: list[str]


@dataclass(frozen=True, slots=True)
class DisclosureData:
    """Output of createDisclosureData (section 3.5.4)."""

    base_signature: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]
    reveal_document: dict[str, Any]


# --- proof value (de)serialization ------------------------------------------------------


def _cbor_decode(data: bytes, what: str, limits: Limits) -> Any:
    if len(data) > limits.max_cbor_bytes:
        raise LimitExceeded(f"{what} is larger than {limits.max_cbor_bytes} bytes")
    try:
        # A fresh decode per message (never a reused decoder); tags are refused below.
        value = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError, OverflowError) as exc:
        raise MalformedInput(f"{what} is not valid CBOR") from exc
    return value


def _proof_bytes(proof_value: object, header: bytes, what: str) -> bytes:
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise MalformedInput(f"{what} must be multibase base64url-no-pad (u...)")
    raw = b64url_decode(proof_value[1:], what=what)
    if raw[:3] != header:
        if raw[:2] == header[:2]:
            kind = "a derived" if raw[2:3] == b"\x01" else "a base"
            raise Unsupported(f"{what} is {kind} ecdsa-sd-2023 proof, not the one expected here")
        raise MalformedInput(f"{what} does not start with the ecdsa-sd-2023 header")
    return raw[3:]


def _components(proof_value: object, header: bytes, kind: str, limits: Limits) -> list[Any]:
    what = f"{kind} proofValue"
    components = _cbor_decode(_proof_bytes(proof_value, header, what), what, limits)
    if not isinstance(components, list) or len(components) != 5:
        raise MalformedInput(f"{what} must be a CBOR array of five elements")
    return components


def _check_base_signature_and_key(kind: str, base_signature: object, public_key: object) -> None:
    if not (isinstance(base_signature, bytes) and len(base_signature) == 64):
        raise MalformedInput(f"{kind} proof baseSignature must be 64 bytes")
    # Section 3.5.8 says 36 bytes for a derived proof, but a P-256 Multikey (2-byte header
    # + 33) is 35 bytes long, and so are the W3C vectors; we accept what interoperates.
    if not (isinstance(public_key, bytes) and len(public_key) == 35):
        raise MalformedInput(f"{kind} proof publicKey must be a 35-byte P-256 Multikey")


def _check_signatures(kind: str, signatures: object) -> None:
    if not isinstance(signatures, list) or not all(
        isinstance(s, bytes) and len(s) == 64 for s in signatures
    ):
        raise MalformedInput(f"{kind} proof signatures must be 64-byte byte strings")


def serialize_base_proof_value(value: BaseProofValue) -> str:
    """Encode a base proof value: header 0xd95d00 + CBOR array, multibase ``u`` (section 3.5.2)."""
    components = [
        value.base_signature,
        value.public_key,
        value.hmac_key,
        list(value.signatures),
        list(value.mandatory_pointers),
    ]
    return multibase_base64url(ECDSA_SD_BASE_PROOF_HEADER + cbor2.dumps(components))


def parse_base_proof_value(proof_value: object, limits: Limits = DEFAULT_LIMITS) -> BaseProofValue:
    """Decode and type-check a base proof value (section 3.5.3)."""
    components = _components(proof_value, ECDSA_SD_BASE_PROOF_HEADER, "base", limits)
    base_signature, public_key, hmac_key, signatures, pointers = components
    _check_base_signature_and_key("base", base_signature, public_key)
    if not (isinstance(hmac_key, bytes) and len(hmac_key) == 32):
        raise MalformedInput("base proof hmacKey must be 32 bytes")
    _check_signatures("base", signatures)
    if len(signatures) > limits.max_rdf_quads:
        raise LimitExceeded("base proof has more signatures than the quad limit")
    if not isinstance(pointers, list) or not all(isinstance(p, str) for p in pointers):
        raise MalformedInput("base proof mandatoryPointers must be strings")
    check_pointers(pointers, limits)
    return BaseProofValue(base_signature, public_key, hmac_key, tuple(signatures), tuple(pointers))


def compress_label_map(label_map: Mapping[str, str]) -> dict[int, bytes]:
    """Turn ``c14nN -> uBASE64`` into ``N -> bytes`` (section 3.5.5)."""
    out: dict[int, bytes] = {}
    for key, value in sorted(label_map.items(), key=lambda kv: int(kv[0][4:])):
        if not key.startswith("c14n") or not value.startswith("u"):
            raise MalformedInput("label map entries must be c14nN -> u...")
        out[int(key[4:])] = b64url_decode(value[1:], what="label")
    return out


def decompress_label_map(compressed: Mapping[int, bytes]) -> dict[str, str]:
    """Turn ``N -> bytes`` back into ``c14nN -> uBASE64`` (section 3.5.6)."""
    return {f"c14n{k}": "u" + b64url_encode(v) for k, v in compressed.items()}


def serialize_derived_proof_value(value: DerivedProofValue) -> str:
    """Encode a derived proof value: header 0xd95d01 + CBOR array (section 3.5.7)."""
    components = [
        value.base_signature,
        value.public_key,
        list(value.signatures),
        compress_label_map(value.label_map),
        list(value.mandatory_indexes),
    ]
    return multibase_base64url(ECDSA_SD_DERIVED_PROOF_HEADER + cbor2.dumps(components))


def parse_derived_proof_value(
    proof_value: object, limits: Limits = DEFAULT_LIMITS
) -> DerivedProofValue:
    """Decode and type-check a derived proof value (section 3.5.8)."""
    components = _components(proof_value, ECDSA_SD_DERIVED_PROOF_HEADER, "derived", limits)
    base_signature, public_key, signatures, label_map, indexes = components
    _check_base_signature_and_key("derived", base_signature, public_key)
    _check_signatures("derived", signatures)
    if not isinstance(label_map, dict) or not all(
        isinstance(k, int)
        and not isinstance(k, bool)
        and k >= 0
        and isinstance(v, bytes)
        and len(v) == 32
        for k, v in label_map.items()
    ):
        raise MalformedInput("derived proof label map must map integers to 32-byte strings")
    if not isinstance(indexes, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in indexes
    ):
        raise MalformedInput("derived proof mandatoryIndexes must be non-negative integers")
    if max(len(signatures), len(label_map), len(indexes)) > limits.max_rdf_quads:
        raise LimitExceeded("derived proof has more entries than the quad limit")
    return DerivedProofValue(
        base_signature,
        public_key,
        tuple(signatures),
        decompress_label_map(label_map),
        tuple(indexes),
    )


# --- canonicalization with label maps -------------------------------------------------


def hmac_label_map_factory(hmac_key: bytes) -> LabelMapFactory:
    """Label each canonical blank node ``u`` + base64url(HMAC-SHA-256(label)) (section 3.4.4)."""

    def factory(canonical_id_map: Mapping[str, str]) -> dict[str, str]:
        return {
            old: "u" + b64url_encode(hmac.new(hmac_key, new.encode(), hashlib.sha256).digest())
            for old, new in canonical_id_map.items()
        }

    return factory


def label_map_factory(label_map: Mapping[str, str]) -> LabelMapFactory:
    """Map canonical labels through a disclosed label map (section 3.4.3 createLabelMapFunction)."""

    def factory(canonical_id_map: Mapping[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for old, new in canonical_id_map.items():
            if new not in label_map:
                raise InvalidSignature("derived proof label map lacks a revealed blank node")
            out[old] = label_map[new]
        return out

    return factory


def label_replacement_canonicalize(
    quads: Sequence[Quad], factory: LabelMapFactory, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[str], dict[str, str]]:
    """Canonicalize quads, relabel blank nodes through ``factory``; sorted N-Quads (3.4.1)."""
    canonical = canonicalize_quads(quads, limits=limits)
    label_map = factory(canonical.canonical_id_map)
    return sorted(relabel_quads(quads, label_map)), label_map


def canonicalize_and_group(
    document: Mapping[str, Any],
    factory: LabelMapFactory,
    group_definitions: Mapping[str, Sequence[str]],
    loader: DocumentLoader,
    limits: Limits = DEFAULT_LIMITS,
) -> CanonicalGroups:
    """Canonicalize a document and sort its N-Quads into pointer groups (section 3.4.16)."""
    expanded, compacted = skolemize_compact(document, loader)
    deskolemized = to_deskolemized_quads(expanded, loader, limits)
    nquads, label_map = label_replacement_canonicalize(deskolemized, factory, limits)
    groups: dict[str, Group] = {}
    for name, pointers in group_definitions.items():
        selection = select_json_ld(pointers, compacted, limits)
        selected_quads = (
            to_deskolemized_quads(selection, loader, limits) if selection is not None else []
        )
        selected = set(relabel_quads(selected_quads, label_map))
        matching: dict[int, str] = {}
        non_matching: dict[int, str] = {}
        for index, nquad in enumerate(nquads):
            (matching if nquad in selected else non_matching)[index] = nquad
        groups[name] = Group(matching, non_matching, selected_quads)
    return CanonicalGroups(groups=groups, label_map=label_map, nquads=nquads)


def _proof_hash(
    proof: Mapping[str, Any], context: Any, loader: DocumentLoader, limits: Limits
) -> bytes:
    canonical = canonicalize(proof_config(proof, context), loader, limits=limits).serialize()
    return hashlib.sha256(canonical.encode("utf-8")).digest()


def _hash_mandatory(mandatory: Sequence[str]) -> bytes:
    """Section 3.4.17 hashMandatoryNQuads with SHA-256."""
    return hashlib.sha256("".join(mandatory).encode("utf-8")).digest()


def _proof_scoped_key(rng: Random) -> ec.EllipticCurvePrivateKey:
    for _ in range(64):
        scalar = int.from_bytes(rng.bytes(32), "big")
        if 0 < scalar < _P256_ORDER:
            return ec.derive_private_key(scalar, ec.SECP256R1())
    raise MalformedInput("randomness source keeps producing invalid P-256 scalars")


def _sign_p256(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    # vc-di-ecdsa section 3: signatures SHOULD use deterministic ECDSA (RFC 6979).
    der = key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    return der_to_raw_ecdsa(der, 64)


# --- base proof ------------------------------------------------------------------------


def create_base_proof(
    document: Mapping[str, Any],
    signer: Signer,
    *,
    verification_method: str,
    mandatory_pointers: Sequence[str],
    rng: Random,
    loader: DocumentLoader,
    created: datetime | None = None,
    proof_purpose: str = PROOF_PURPOSE_ASSERTION_METHOD,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Return a copy of ``document`` with an ``ecdsa-sd-2023`` base proof (section 3.6.1)."""
    if signer.alg != "ES256":
        raise Unsupported("ecdsa-sd-2023 base proofs need a P-256 (ES256) issuer key")
    check_unsecured(document, loader)
    pointers = check_pointers(mandatory_pointers, limits)
    proof = proof_options(
        CRYPTOSUITE,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
    )
    check_proof_options(proof, CRYPTOSUITE)
    # Base proof transformation (3.6.2): HMAC key first, then the proof-scoped key (3.6.5).
    hmac_key = rng.bytes(32)
    grouped = canonicalize_and_group(
        document, hmac_label_map_factory(hmac_key), {"mandatory": pointers}, loader, limits
    )
    mandatory_group = grouped.groups["mandatory"]
    mandatory = [mandatory_group.matching[i] for i in sorted(mandatory_group.matching)]
    non_mandatory = [mandatory_group.non_matching[i] for i in sorted(mandatory_group.non_matching)]
    proof_hash = _proof_hash(proof, document[CLAIM_CONTEXT], loader, limits)
    mandatory_hash = _hash_mandatory(mandatory)
    scoped = _proof_scoped_key(rng)
    signatures = tuple(_sign_p256(scoped, nq.encode("utf-8")) for nq in non_mandatory)
    public_key = public_key_to_multikey_bytes(scoped.public_key())
    base_signature = signer.sign(proof_hash + public_key + mandatory_hash)
    proof["proofValue"] = serialize_base_proof_value(
        BaseProofValue(base_signature, public_key, hmac_key, signatures, tuple(pointers))
    )
    return attach_proof(document, proof)


def verify_base_proof(
    secured: Mapping[str, Any],
    *,
    loader: DocumentLoader,
    key_resolver: KeyResolver | None = None,
    proof_purpose: str = PROOF_PURPOSE_ASSERTION_METHOD,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedDocument:
    """Check a base proof as its holder can (with the HMAC key); raise on any mismatch."""
    unsecured, proof = open_secured(secured, CRYPTOSUITE, loader)
    check_proof_policy(proof, proof_purpose=proof_purpose)
    base = parse_base_proof_value(proof.get("proofValue"), limits)
    key = _issuer_key(proof, key_resolver)
    grouped = canonicalize_and_group(
        unsecured,
        hmac_label_map_factory(base.hmac_key),
        {"mandatory": list(base.mandatory_pointers)},
        loader,
        limits,
    )
    group = grouped.groups["mandatory"]
    mandatory = [group.matching[i] for i in sorted(group.matching)]
    non_mandatory = [group.non_matching[i] for i in sorted(group.non_matching)]
    proof_hash = _proof_hash(proof, unsecured[CLAIM_CONTEXT], loader, limits)
    _verify_signatures(
        key,
        base.base_signature,
        proof_hash + base.public_key + _hash_mandatory(mandatory),
        base.public_key,
        base.signatures,
        non_mandatory,
    )
    return VerifiedDocument(unsecured, proof, CRYPTOSUITE, proof["verificationMethod"], key)


def _issuer_key(
    proof: Mapping[str, Any], resolver: KeyResolver | None
) -> ec.EllipticCurvePublicKey:
    key = resolve_key(proof["verificationMethod"], resolver)
    if curve_hash_name(key) != "sha256":
        raise Unsupported("ecdsa-sd-2023 proofs are verified with P-256 issuer keys only")
    return key


def _verify_signatures(
    issuer_key: ec.EllipticCurvePublicKey,
    base_signature: bytes,
    to_verify: bytes,
    scoped_public_key: bytes,
    signatures: Sequence[bytes],
    non_mandatory: Sequence[str],
) -> None:
    if len(signatures) != len(non_mandatory):
        raise InvalidSignature(
            "signature count does not match the non-mandatory statement count",
            claim_path=["proof", "proofValue"],
        )
    try:
        verify_signature("ES256", issuer_key, to_verify, base_signature)
    except InvalidSignature:
        raise InvalidSignature(
            "ecdsa-sd-2023 base signature does not verify", claim_path=["proof", "proofValue"]
        ) from None
    scoped = public_key_from_multikey_bytes(scoped_public_key)
    if curve_hash_name(scoped) != "sha256":
        raise Unsupported("ecdsa-sd-2023 proof-scoped key must be P-256")
    for index, (signature, nquad) in enumerate(zip(signatures, non_mandatory, strict=True)):
        try:
            verify_signature("ES256", scoped, nquad.encode("utf-8"), signature)
        except InvalidSignature:
            raise InvalidSignature(
                f"signature of disclosed statement {index} does not verify",
                claim_path=["proof", "proofValue"],
            ) from None


# --- derived proof ---------------------------------------------------------------------


def create_disclosure_data(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    selective_pointers: Sequence[str],
    loader: DocumentLoader,
    limits: Limits = DEFAULT_LIMITS,
) -> DisclosureData:
    """Compute what a derived proof reveals (section 3.5.4 createDisclosureData)."""
    base = parse_base_proof_value(proof.get("proofValue"), limits)
    selective = check_pointers(selective_pointers, limits)
    mandatory_pointers = list(base.mandatory_pointers)
    combined = mandatory_pointers + selective
    grouped = canonicalize_and_group(
        document,
        hmac_label_map_factory(base.hmac_key),
        {"mandatory": mandatory_pointers, "selective": selective, "combined": combined},
        loader,
        limits,
    )
    mandatory_group = grouped.groups["mandatory"]
    selective_group = grouped.groups["selective"]
    combined_group = grouped.groups["combined"]
    mandatory_indexes = [
        relative
        for relative, absolute in enumerate(sorted(combined_group.matching))
        if absolute in mandatory_group.matching
    ]
    if len(base.signatures) != len(mandatory_group.non_matching):
        raise InvalidSignature("base proof signatures do not match the credential's statements")
    filtered: list[bytes] = []
    index = 0
    for signature in base.signatures:
        while index in mandatory_group.matching:
            index += 1
        if index in selective_group.matching:
            filtered.append(signature)
        index += 1
    reveal = select_json_ld(combined, document, limits)
    if reveal is None:
        raise MalformedInput("nothing to reveal: no mandatory or selective pointers")
    canonical = canonicalize_quads(combined_group.deskolemized_quads, limits=limits)
    verifier_label_map = {
        verifier_label: grouped.label_map[input_label]
        for input_label, verifier_label in canonical.canonical_id_map.items()
    }
    return DisclosureData(
        base_signature=base.base_signature,
        public_key=base.public_key,
        signatures=tuple(filtered),
        label_map=verifier_label_map,
        mandatory_indexes=tuple(mandatory_indexes),
        reveal_document=reveal,
    )


def derive_proof(
    secured_base: Mapping[str, Any],
    selective_pointers: Sequence[str],
    *,
    loader: DocumentLoader,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Return the reveal document with a derived proof (section 3.6.6 Add Derived Proof)."""
    document, proof = open_secured(secured_base, CRYPTOSUITE, loader)
    data = create_disclosure_data(document, proof, selective_pointers, loader, limits)
    new_proof = dict(proof)
    new_proof["proofValue"] = serialize_derived_proof_value(
        DerivedProofValue(
            data.base_signature,
            data.public_key,
            data.signatures,
            data.label_map,
            data.mandatory_indexes,
        )
    )
    reveal = data.reveal_document
    reveal["proof"] = new_proof
    return reveal


def verify_derived_proof(
    secured: Mapping[str, Any],
    *,
    loader: DocumentLoader,
    key_resolver: KeyResolver | None = None,
    proof_purpose: str = PROOF_PURPOSE_ASSERTION_METHOD,
    domain: str | None = None,
    challenge: str | None = None,
    clock: Clock | None = None,
    required_pointers: Sequence[str] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedDocument:
    """Verify an ``ecdsa-sd-2023`` derived proof (section 3.6.7); raise on failure.

    ``required_pointers`` names members the verifier insists on seeing (for honnin: issuer,
    type, validity); a derived credential without them raises ``ValidationError``.
    """
    unsecured, proof = open_secured(secured, CRYPTOSUITE, loader)
    check_proof_policy(
        proof, proof_purpose=proof_purpose, domain=domain, challenge=challenge, clock=clock
    )
    derived = parse_derived_proof_value(proof.get("proofValue"), limits)
    key = _issuer_key(proof, key_resolver)
    proof_hash = _proof_hash(proof, unsecured[CLAIM_CONTEXT], loader, limits)
    quads = to_quads(unsecured, loader, limits)
    nquads, _ = label_replacement_canonicalize(quads, label_map_factory(derived.label_map), limits)
    if any(i >= len(nquads) for i in derived.mandatory_indexes):
        raise InvalidSignature("mandatory index points past the revealed statements")
    wanted = set(derived.mandatory_indexes)
    mandatory = [nq for i, nq in enumerate(nquads) if i in wanted]
    non_mandatory = [nq for i, nq in enumerate(nquads) if i not in wanted]
    _verify_signatures(
        key,
        derived.base_signature,
        proof_hash + derived.public_key + _hash_mandatory(mandatory),
        derived.public_key,
        derived.signatures,
        non_mandatory,
    )
    for pointer in check_pointers(required_pointers, limits):
        try:
            select_json_ld([pointer], unsecured, limits)
        except HonninError:
            raise ValidationError(
                f"derived credential does not reveal {pointer}", claim_path=[pointer]
            ) from None
    return VerifiedDocument(unsecured, proof, CRYPTOSUITE, proof["verificationMethod"], key)


__all__ = [
    "CRYPTOSUITE",
    "BaseProofValue",
    "CanonicalGroups",
    "DerivedProofValue",
    "DisclosureData",
    "Group",
    "canonicalize_and_group",
    "compress_label_map",
    "create_base_proof",
    "create_disclosure_data",
    "decompress_label_map",
    "derive_proof",
    "hmac_label_map_factory",
    "label_map_factory",
    "label_replacement_canonicalize",
    "parse_base_proof_value",
    "parse_derived_proof_value",
    "serialize_base_proof_value",
    "serialize_derived_proof_value",
    "verify_base_proof",
    "verify_derived_proof",
]

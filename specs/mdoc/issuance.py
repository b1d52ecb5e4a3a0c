"""Issuing an mdoc: salted IssuerSignedItems, the MSO and IssuerAuth (ISO 18013-5 section 9.1.2)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from specs.errors import LimitExceeded, MalformedInput, Unsupported
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.cbor import EncodedCBOR, embed, encode_cbor
from specs.mdoc.constants import (
    DEFAULT_DIGEST_ALGORITHM,
    DIGEST_ALGORITHMS,
    HEADER_X5CHAIN,
    ISSUER_AUTH_ALGS,
    ISSUER_RANDOM_BYTES,
    MSO_VERSION,
)
from specs.mdoc.cose import cose_key_from_jwk, encode_x5chain, sign1
from specs.mdoc.model import (
    Document,
    IssuerSigned,
    IssuerSignedItem,
    MobileSecurityObject,
    ValidityInfo,
)
from specs.ports import Clock, Random, Signer

ITEM_HASHES: dict[str, Any] = {
    name: getattr(hashlib, hash_name) for name, hash_name in DIGEST_ALGORITHMS.items()
}
"""hashlib constructors by MSO digestAlgorithm name (section 9.1.2.5)."""


def item_digest(item: EncodedCBOR, digest_algorithm: str) -> bytes:
    """Digest of IssuerSignedItemBytes: the hash of the tag-24 encoding (section 9.1.2.5)."""
    hash_new = ITEM_HASHES.get(digest_algorithm)
    if hash_new is None:
        raise Unsupported(f"digest algorithm {digest_algorithm!r} is not supported")
    digest: bytes = hash_new(encode_cbor(item)).digest()
    return digest


def _shuffled_ids(count: int, rng: Random) -> list[int]:
    # Section 9.1.2.5 leaves digestID assignment to the issuer; a random permutation keeps
    # the order of elements in the MSO from revealing which elements exist.
    ids = list(range(count))
    for index in range(count - 1, 0, -1):
        pick = int.from_bytes(rng.bytes(4), "big") % (index + 1)
        ids[index], ids[pick] = ids[pick], ids[index]
    return ids


def issue(
    *,
    doc_type: str,
    namespaces: Mapping[str, Mapping[str, Any]],
    device_key: Mapping[str, Any],
    signer: Signer,
    certificate_chain: Sequence[x509.Certificate],
    clock: Clock,
    rng: Random,
    valid_for: timedelta = timedelta(days=365),
    valid_from: datetime | None = None,
    expected_update: datetime | None = None,
    digest_algorithm: str = DEFAULT_DIGEST_ALGORITHM,
    limits: Limits = DEFAULT_LIMITS,
    status: Mapping[str, Any] | None = None,
    key_authorizations: Mapping[str, Any] | None = None,
) -> Document:
    """Issue a ``Document`` (docType + IssuerSigned) binding ``namespaces`` to ``device_key``.

    ``namespaces`` is ``{namespace: {element identifier: value}}``; values may be any CBOR
    value, ``date`` (encoded as full-date) or aware ``datetime`` (tdate). ``device_key`` is the
    holder's public JWK; ``certificate_chain`` is the document signer certificate first.
    ``status`` goes into the MSO as ``status`` (Token Status List draft, mdoc section:
    ``{"status_list": {"idx", "uri"}}``); ``key_authorizations`` into ``deviceKeyInfo``.
    """
    if not isinstance(doc_type, str) or not doc_type:
        raise MalformedInput("docType must be a non-empty string")
    if signer.alg not in ISSUER_AUTH_ALGS:
        raise Unsupported(f"IssuerAuth algorithm {signer.alg} is not allowed (section 9.1.2.4)")
    if not certificate_chain:
        raise MalformedInput("the document signer certificate is required for x5chain")
    if digest_algorithm not in DIGEST_ALGORITHMS:
        raise Unsupported(f"digest algorithm {digest_algorithm!r} is not supported")
    total = sum(len(elements) for elements in namespaces.values())
    if total > limits.max_mdoc_elements:
        raise LimitExceeded(f"more than {limits.max_mdoc_elements} elements")
    issuer_items: dict[str, tuple[EncodedCBOR, ...]] = {}
    value_digests: dict[str, dict[int, bytes]] = {}
    for namespace, elements in namespaces.items():
        if not isinstance(namespace, str) or not namespace:
            raise MalformedInput("namespace names must be non-empty strings")
        if not elements:
            raise MalformedInput(
                "a namespace must hold at least one element", claim_path=[namespace]
            )
        ids = _shuffled_ids(len(elements), rng)
        encoded: list[EncodedCBOR] = []
        digests: dict[int, bytes] = {}
        for digest_id, (identifier, value) in zip(ids, elements.items(), strict=True):
            if not isinstance(identifier, str) or not identifier:
                raise MalformedInput(
                    "element identifiers must be non-empty strings", claim_path=[namespace]
                )
            item = IssuerSignedItem(digest_id, rng.bytes(ISSUER_RANDOM_BYTES), identifier, value)
            embedded = embed(item.to_cbor_value())
            encoded.append(embedded)
            digests[digest_id] = item_digest(embedded, digest_algorithm)
        issuer_items[namespace] = tuple(encoded)
        value_digests[namespace] = dict(sorted(digests.items()))
    now = clock.now().replace(microsecond=0)
    start = (valid_from or now).replace(microsecond=0)
    mso = MobileSecurityObject(
        version=MSO_VERSION,
        digest_algorithm=digest_algorithm,
        value_digests=value_digests,
        device_key=cose_key_from_jwk(device_key),
        doc_type=doc_type,
        validity_info=ValidityInfo(
            signed=now,
            valid_from=start,
            valid_until=start + valid_for,
            expected_update=expected_update,
        ),
        key_authorizations=dict(key_authorizations) if key_authorizations is not None else None,
        extra={"status": dict(status)} if status is not None else {},
    )
    payload = encode_cbor(embed(mso.to_cbor_value()))
    ders = [cert.public_bytes(serialization.Encoding.DER) for cert in certificate_chain]
    # Section 9.1.2.4: x5chain goes in the unprotected header of IssuerAuth.
    issuer_auth = sign1(signer, payload, unprotected={HEADER_X5CHAIN: encode_x5chain(ders)})
    return Document(doc_type, IssuerSigned(issuer_items, issuer_auth))

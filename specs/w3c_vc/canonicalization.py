"""JSON-LD to RDF and RDF Dataset Canonicalization (RDFC-1.0) over pyld, bounded.

RDFC-1.0 section 4.4 (and its security considerations): a crafted "poison" dataset makes
the N-degree hashing explode combinatorially. Before canonicalizing we refuse datasets
with more quads or blank nodes than the limits; during it we count Hash N-Degree Quads
calls (section 4.8) and refuse any group of indistinguishable blank nodes larger than
the permutation bound, so the work is bounded whatever the input.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.nquads import serialize_nquad

from specs.errors import HonninError, LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.w3c_vc.document_loader import DocumentLoader

Quad = dict[str, Any]
_HASHES: dict[str, Callable[[], Any]] = {"sha256": hashlib.sha256, "sha384": hashlib.sha384}


@dataclass(frozen=True, slots=True)
class CanonicalDataset:
    """Canonical N-Quads (sorted, each ending in a newline) and the blank-node label map."""

    nquads: tuple[str, ...]
    canonical_id_map: Mapping[str, str]
    """Input blank node label -> canonical label (``c14nN``), both without ``_:``."""

    def serialize(self) -> str:
        """Return the canonical N-Quads document (RDFC-1.0 section 4.4.3 step 8)."""
        return "".join(self.nquads)


def unwrap_honnin_error(exc: BaseException) -> HonninError | None:
    """Return the first ``HonninError`` in an exception's cause/context chain, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, HonninError):
            return current
        seen.add(id(current))
        details = getattr(current, "details", None)
        if isinstance(details, dict):
            for value in details.values():
                if isinstance(value, HonninError):
                    return value
        current = current.__cause__ or current.__context__
    return None


def check_document_limits(document: object, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a JSON value nested deeper or with more members than the JSON limits allow."""
    stack: list[tuple[object, int]] = [(document, 1)]
    members = 0
    while stack:
        value, depth = stack.pop()
        if depth > limits.max_json_depth:
            raise LimitExceeded(f"JSON-LD document nests deeper than {limits.max_json_depth}")
        if isinstance(value, Mapping):
            children: Iterable[object] = value.values()
        elif isinstance(value, list | tuple):
            children = value
        else:
            continue
        for child in children:
            members += 1
            if members > limits.max_json_bytes // 2:
                raise LimitExceeded("JSON-LD document has too many members")
            stack.append((child, depth + 1))


def _pyld_call(what: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except HonninError:
        raise
    except Exception as exc:
        inner = unwrap_honnin_error(exc)
        if inner is not None:
            raise type(inner)(inner.detail, claim_path=inner.claim_path) from exc
        raise MalformedInput(f"{what} failed: {exc}") from exc


def _refuse_dropped(term: str | None) -> None:
    # VC Data Integrity 1.0 section 2.4.1 and VCDM 2.0 appendix B.1 ("safe mode"): a term the contexts do
    # not define would be silently dropped from the signed statements, so a holder could
    # add unsigned data that still "verifies". We refuse instead.
    raise MalformedInput(f"JSON-LD term {term!r} is not defined by the document's contexts")


def _processor() -> Any:
    return jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)


def expand(document: Mapping[str, Any], loader: DocumentLoader) -> list[Any]:
    """Run JSON-LD expansion with the offline loader, refusing undefined terms."""
    options = loader.jsonld_options()
    result = _pyld_call("JSON-LD expansion", lambda: _processor().expand(dict(document), options))
    if not isinstance(result, list):
        raise MalformedInput("JSON-LD expansion did not produce an array")
    return result


def compact(document: Any, context: Any, loader: DocumentLoader) -> dict[str, Any]:
    """Run JSON-LD compaction against ``context`` with the offline loader."""
    options = loader.jsonld_options()
    result = _pyld_call(
        "JSON-LD compaction", lambda: _processor().compact(document, context, options)
    )
    if not isinstance(result, dict):
        raise MalformedInput("JSON-LD compaction did not produce an object")
    return result


def to_quads(document: Any, loader: DocumentLoader, limits: Limits = DEFAULT_LIMITS) -> list[Quad]:
    """Deserialize JSON-LD to RDF quads (JSON-LD 1.1 API section 8.1), bounded in count."""
    check_document_limits(document, limits)
    options = loader.jsonld_options()
    dataset = _pyld_call("JSON-LD to RDF", lambda: _processor().to_rdf(document, options))
    quads: list[Quad] = []
    for graph_name, triples in dataset.items():
        for triple in triples:
            quad = dict(triple)
            if graph_name != "@default":
                kind = "blank node" if graph_name.startswith("_:") else "IRI"
                quad["name"] = {"type": kind, "value": graph_name}
            quads.append(quad)
            if len(quads) > limits.max_rdf_quads:
                raise LimitExceeded(
                    f"JSON-LD document yields more than {limits.max_rdf_quads} quads"
                )
    return quads


def serialize_quad(quad: Quad) -> str:
    """Serialize one quad as an N-Quads line (with the trailing newline)."""
    graph = quad.get("name")
    triple = {k: quad[k] for k in ("subject", "predicate", "object")}
    name = graph["value"] if graph is not None else None
    return str(serialize_nquad(triple, name))


def blank_labels(quads: Sequence[Quad]) -> set[str]:
    """Return the blank node labels (with ``_:``) used in ``quads``."""
    labels: set[str] = set()
    for quad in quads:
        for key in ("subject", "object", "name"):
            component = quad.get(key)
            if component is not None and component["type"] == "blank node":
                labels.add(component["value"])
    return labels


class _BoundedRdfc(URDNA2015):  # type: ignore[misc]
    """pyld's URDNA2015 (= RDFC-1.0) with a work counter and a permutation bound."""

    def __init__(self, hash_name: str, limits: Limits) -> None:
        super().__init__()
        self._hash = _HASHES[hash_name]
        self._limits = limits
        self._deep_calls = 0

    def create_hash(self) -> Any:
        return self._hash()

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._deep_calls += 1
        if self._deep_calls > self._limits.max_rdfc_deep_calls:
            raise LimitExceeded(
                "RDF canonicalization exceeded its work bound (possible poison graph)"
            )
        return super().hash_n_degree_quads(id_, issuer)

    def create_hash_to_related(self, id_: str, issuer: Any) -> Any:
        related = super().create_hash_to_related(id_, issuer)
        for nodes in related.values():
            if len(nodes) > self._limits.max_rdfc_permutation_group:
                raise LimitExceeded(
                    f"RDF canonicalization refuses to permute {len(nodes)} "
                    "indistinguishable blank nodes (possible poison graph)"
                )
        return related


def canonicalize_quads(
    quads: Sequence[Quad], *, hash_name: str = "sha256", limits: Limits = DEFAULT_LIMITS
) -> CanonicalDataset:
    """Run RDFC-1.0 on ``quads`` (not modified) within the configured bounds."""
    if hash_name not in _HASHES:
        raise MalformedInput(f"RDFC-1.0 hash {hash_name!r} is not supported")
    if len(quads) > limits.max_rdf_quads:
        raise LimitExceeded(f"dataset has more than {limits.max_rdf_quads} quads")
    labels = blank_labels(quads)
    if len(labels) > limits.max_rdf_blank_nodes:
        raise LimitExceeded(f"dataset has more than {limits.max_rdf_blank_nodes} blank nodes")
    dataset: dict[str, list[Quad]] = {}
    for quad in quads:
        graph = quad.get("name")
        triple = copy.deepcopy({k: quad[k] for k in ("subject", "predicate", "object")})
        dataset.setdefault("@default" if graph is None else graph["value"], []).append(triple)
    engine = _BoundedRdfc(hash_name, limits)
    try:
        serialized = engine.main(dataset, {"format": "application/n-quads"})
    except RecursionError as exc:
        raise LimitExceeded("RDF canonicalization recursed too deeply") from exc
    nquads = tuple(line + "\n" for line in str(serialized).split("\n") if line)
    issued = engine.canonical_issuer.existing
    id_map = {old[2:]: new[2:] for old, new in issued.items()}
    return CanonicalDataset(nquads=nquads, canonical_id_map=id_map)


def canonicalize(
    document: Mapping[str, Any],
    loader: DocumentLoader,
    *,
    hash_name: str = "sha256",
    limits: Limits = DEFAULT_LIMITS,
) -> CanonicalDataset:
    """Convert a JSON-LD document to RDF and canonicalize it with RDFC-1.0."""
    return canonicalize_quads(
        to_quads(document, loader, limits), hash_name=hash_name, limits=limits
    )


def relabel_quads(quads: Sequence[Quad], label_map: Mapping[str, str]) -> list[str]:
    """Serialize ``quads`` with blank node labels replaced through ``label_map`` (no ``_:``)."""
    out: list[str] = []
    for quad in quads:
        copy_ = dict(quad)
        for key in ("subject", "object", "name"):
            component = quad.get(key)
            if component is not None and component["type"] == "blank node":
                new = label_map.get(component["value"][2:])
                if new is None:
                    raise MalformedInput("blank node has no entry in the label map")
                copy_[key] = {"type": "blank node", "value": "_:" + new}
        out.append(serialize_quad(copy_))
    return out


__all__ = [
    "CanonicalDataset",
    "Quad",
    "blank_labels",
    "canonicalize",
    "canonicalize_quads",
    "check_document_limits",
    "compact",
    "expand",
    "relabel_quads",
    "serialize_quad",
    "to_quads",
    "unwrap_honnin_error",
]

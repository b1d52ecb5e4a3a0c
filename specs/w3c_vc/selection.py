"""Selective disclosure primitives of vc-di-ecdsa 1.0 section 3.4 (JSON Pointers, skolemization).

JSON Pointers (RFC 6901) select parts of a compact JSON-LD document; skolemization gives
every blank node a temporary ``urn:custom-scheme:`` IRI so that a selection converts to the
same RDF statements as the full document.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from specs.errors import LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.w3c_vc.canonicalization import Quad, compact, expand, to_quads
from specs.w3c_vc.constants import SKOLEM_URN_SCHEME
from specs.w3c_vc.document_loader import DocumentLoader

_SKOLEM_PREFIX = f"urn:{SKOLEM_URN_SCHEME}:"
# The skolem IRIs are unique because a document that already uses the scheme is refused.
_SKOLEM_RANDOM = "honnin"


def parse_pointer(pointer: object) -> list[str | int]:
    """Split a JSON Pointer into path segments (section 3.4.10 jsonPointerToPaths)."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise MalformedInput(f"JSON Pointer {pointer!r} must be a string starting with '/'")
    paths: list[str | int] = []
    for part in pointer.split("/")[1:]:
        if "~" in part:
            if any(part[i + 1 : i + 2] not in ("0", "1") for i, c in enumerate(part) if c == "~"):
                raise MalformedInput(f"JSON Pointer {pointer!r} has an invalid escape")
            paths.append(part.replace("~1", "/").replace("~0", "~"))
        elif part.isdigit() and part.isascii():
            paths.append(int(part))
        else:
            paths.append(part)
    return paths


def check_pointers(pointers: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Check a list of JSON Pointers is a list of valid pointer strings within the limit."""
    if isinstance(pointers, str) or not isinstance(pointers, Sequence):
        raise MalformedInput("JSON Pointers must be an array of strings")
    if len(pointers) > limits.max_json_pointers:
        raise LimitExceeded(f"more than {limits.max_json_pointers} JSON Pointers")
    for pointer in pointers:
        parse_pointer(pointer)
    return list(pointers)


def _initial_selection(source: object) -> dict[str, Any]:
    """Section 3.4.11 createInitialSelection: keep a non-blank ``id`` and any ``type``."""
    selection: dict[str, Any] = {}
    if isinstance(source, Mapping):
        node_id = source.get("id")
        if isinstance(node_id, str) and not node_id.startswith("_:"):
            selection["id"] = node_id
        if "type" in source:
            selection["type"] = copy.deepcopy(source["type"])
    return selection


class _SparseArray(dict[int, Any]):
    """A selected array while it is built: index -> value, made dense at the end."""


def _step(container: object, path: str | int) -> tuple[bool, Any]:
    if isinstance(container, list):
        if isinstance(path, int) and 0 <= path < len(container):
            return True, container[path]
        return False, None
    if isinstance(container, Mapping):
        key = str(path)
        if key in container:
            return True, container[key]
    return False, None


def _set(parent: Any, path: str | int, value: Any) -> None:
    if isinstance(parent, _SparseArray):
        if not isinstance(path, int):
            raise MalformedInput("JSON Pointer uses a name on an array")
        parent[path] = value
    else:
        parent[str(path)] = value


def _get(parent: Any, path: str | int) -> Any:
    if isinstance(parent, _SparseArray):
        return parent.get(path) if isinstance(path, int) else None
    return parent.get(str(path))


def _select_paths(
    paths: Sequence[str | int], document: Mapping[str, Any], selection: dict[str, Any]
) -> None:
    """Section 3.4.12 selectPaths."""
    value: Any = document
    selected_parent: Any = selection
    selected_value: Any = selection
    for path in paths:
        selected_parent = selected_value
        found, value = _step(value, path)
        if not found:
            raise MalformedInput(
                "JSON Pointer does not match the document",
                claim_path=list(paths),
            )
        selected_value = _get(selected_parent, path)
        if selected_value is None:
            selected_value = (
                _SparseArray() if isinstance(value, list) else _initial_selection(value)
            )
            _set(selected_parent, path, selected_value)
    if not paths:
        raise MalformedInput("an empty JSON Pointer selects nothing")
    if isinstance(value, list):
        selected_value = copy.deepcopy(value)
    elif isinstance(value, Mapping):
        merged = dict(selected_value) if isinstance(selected_value, Mapping) else {}
        merged.update(copy.deepcopy(dict(value)))
        selected_value = merged
    else:
        selected_value = value
    _set(selected_parent, paths[-1], selected_value)


def _densify(value: Any) -> Any:
    if isinstance(value, _SparseArray):
        return [_densify(value[i]) for i in sorted(value)]
    if isinstance(value, dict):
        return {k: _densify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_densify(v) for v in value]
    return value


def select_json_ld(
    pointers: Sequence[str], document: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS
) -> dict[str, Any] | None:
    """Select the parts of a compact JSON-LD document the pointers name (section 3.4.13)."""
    check_pointers(pointers, limits)
    if not pointers:
        return None
    selection = _initial_selection(document)
    selection["@context"] = copy.deepcopy(document.get("@context"))
    for pointer in pointers:
        _select_paths(parse_pointer(pointer), document, selection)
    result = _densify(selection)
    assert isinstance(result, dict)
    return result


def _contains_skolem_scheme(value: Any) -> bool:
    if isinstance(value, str):
        return _SKOLEM_PREFIX in value
    if isinstance(value, Mapping):
        return any(
            _contains_skolem_scheme(k) or _contains_skolem_scheme(v) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_contains_skolem_scheme(v) for v in value)
    return False


def skolemize_expanded(expanded: list[Any], counter: list[int]) -> list[Any]:
    """Give every node object a skolem IRI (section 3.4.6 skolemizeExpandedJsonLd)."""
    out: list[Any] = []
    for element in expanded:
        if not isinstance(element, dict) or "@value" in element:
            out.append(copy.deepcopy(element))
            continue
        node: dict[str, Any] = {}
        for prop, value in element.items():
            if isinstance(value, list):
                node[prop] = skolemize_expanded(value, counter)
            else:
                node[prop] = skolemize_expanded([value], counter)[0]
        node_id = node.get("@id")
        if node_id is None:
            node["@id"] = f"{_SKOLEM_PREFIX}_{_SKOLEM_RANDOM}_{counter[0]}"
            counter[0] += 1
        elif isinstance(node_id, str) and node_id.startswith("_:"):
            node["@id"] = _SKOLEM_PREFIX + node_id[2:]
        out.append(node)
    return out


def skolemize_compact(
    document: Mapping[str, Any], loader: DocumentLoader
) -> tuple[list[Any], dict[str, Any]]:
    """Return (skolemized expanded, skolemized compact) forms (section 3.4.7)."""
    if _contains_skolem_scheme(document):
        raise MalformedInput(f"document must not use the reserved IRI prefix {_SKOLEM_PREFIX}")
    expanded = skolemize_expanded(expand(document, loader), [0])
    compacted = compact(expanded, document.get("@context"), loader)
    return expanded, compacted


def to_deskolemized_quads(
    skolemized: Any, loader: DocumentLoader, limits: Limits = DEFAULT_LIMITS
) -> list[Quad]:
    """Convert a skolemized document to quads with skolem IRIs turned back into blank nodes."""
    quads = to_quads(skolemized, loader, limits)
    for quad in quads:
        for key in ("subject", "object", "name"):
            component = quad.get(key)
            if (
                component is not None
                and component["type"] == "IRI"
                and component["value"].startswith(_SKOLEM_PREFIX)
            ):
                label = component["value"][len(_SKOLEM_PREFIX) :]
                quad[key] = {"type": "blank node", "value": "_:" + label}
    return quads


__all__ = [
    "check_pointers",
    "parse_pointer",
    "select_json_ld",
    "skolemize_compact",
    "skolemize_expanded",
    "to_deskolemized_quads",
]

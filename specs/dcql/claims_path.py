"""Claims path pointers (OpenID for Verifiable Presentations 1.0, section 7).

``select_json`` processes a pointer over a JSON-based Credential exactly as section 7.1.1
prescribes and returns every selected element together with its concrete path (``null``
components replaced by the index they selected), so a wallet knows precisely what to
disclose. ``select_mdoc`` follows section 7.2.1 over a namespace -> element map.
Processing errors raise ``MalformedInput`` (a component applied to the wrong type) or
``NotFound`` (nothing selected), the two ways section 7 says processing "returns an error".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from specs.errors import MalformedInput, NotFound

ClaimsPath = tuple[str | int | None, ...]
Selection = list[tuple[tuple[str | int, ...], Any]]


def select_json(credential: Any, path: ClaimsPath) -> Selection:
    """Process a claims path pointer over JSON claims; return (concrete path, value) pairs."""
    if not path:
        raise MalformedInput("claims path pointer must be non-empty")
    # Section 7.1.1 step 1: start with the root element.
    selected: Selection = [((), credential)]
    for component in path:
        following: Selection = []
        if isinstance(component, str):
            for where, element in selected:
                if not isinstance(element, Mapping):
                    raise MalformedInput(
                        f"claims path component {component!r} applied to a non-object",
                        claim_path=list(where),
                    )
                if component in element:
                    following.append(((*where, component), element[component]))
        elif component is None:
            for where, element in selected:
                if not isinstance(element, list):
                    raise MalformedInput(
                        "claims path component null applied to a non-array", claim_path=list(where)
                    )
                following.extend(((*where, i), item) for i, item in enumerate(element))
        elif isinstance(component, int) and not isinstance(component, bool) and component >= 0:
            for where, element in selected:
                if not isinstance(element, list):
                    raise MalformedInput(
                        f"claims path index {component} applied to a non-array",
                        claim_path=list(where),
                    )
                if component < len(element):
                    following.append(((*where, component), element[component]))
        else:
            raise MalformedInput(f"claims path component {component!r} is not allowed")
        selected = following
    if not selected:
        # Section 7.1.1 step 3: an empty selection is an error.
        raise NotFound("claims path pointer selects nothing", claim_path=list(path))
    return selected


def select_mdoc(namespaces: Mapping[str, Mapping[str, Any]], path: ClaimsPath) -> Selection:
    """Process a claims path pointer over an mdoc's namespace -> data element map."""
    if len(path) != 2 or not all(isinstance(p, str) for p in path):
        raise MalformedInput("an mdoc claims path must be [namespace, element identifier]")
    namespace, element = str(path[0]), str(path[1])
    elements = namespaces.get(namespace)
    if not isinstance(elements, Mapping):
        raise NotFound(f"namespace {namespace!r} is not in the mdoc", claim_path=list(path))
    if element not in elements:
        raise NotFound(f"data element {element!r} is not in the mdoc", claim_path=list(path))
    return [((namespace, element), elements[element])]


def value_matches(value: Any, accepted: tuple[str | int | bool, ...]) -> bool:
    """Return whether ``value`` equals one of ``accepted`` in type and value (section 6.3)."""
    # bool is an int subclass in Python; the spec needs JSON type equality, so compare types.
    return any(type(value) is type(candidate) and value == candidate for candidate in accepted)


def covers(pointer: ClaimsPath, concrete: tuple[str | int, ...]) -> bool:
    """Return whether a concrete path lies at or below what ``pointer`` selects."""
    if len(concrete) < len(pointer):
        return False
    for want, have in zip(pointer, concrete, strict=False):
        if want is None:
            if not isinstance(have, int):
                return False
        elif type(want) is not type(have) or want != have:
            return False
    return True


__all__ = ["ClaimsPath", "Selection", "covers", "select_json", "select_mdoc", "value_matches"]

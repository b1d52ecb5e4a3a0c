"""The mdoc form of a credential type: one docType, one namespace, one element per leaf claim.

ISO/IEC 18013-5 / 23220-2 disclose per data element, so every leaf claim of a type becomes
its own element (its claim path joined by ``_``: ``payer_name``, ``mid_year_change_date``)
and a verifier can receive the payer's name without the payer's address, as with the
per-member disclosures of the SD-JWT VC form. The docType and the namespace are both
``jp.honnin.{id}.{version}`` (``CredentialType.mdoc_namespace``). Dates are CBOR full-date
(RFC 8943, tag 1004); every other value is the claim's JSON value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from specs.credentials.definition import ClaimInfo, CredentialType, leaf_rules
from specs.credentials.registry import CREDENTIAL_TYPES
from specs.credentials.values import Date
from specs.errors import MalformedInput, NotFound

ClaimPath = tuple[str, ...]
ELEMENT_SEPARATOR = "_"


@dataclass(frozen=True, slots=True)
class MdocElement:
    """One data element of a type's namespace and the claim it carries."""

    identifier: str
    claim: ClaimInfo
    is_date: bool


def mdoc_doctype(ctype: CredentialType[Any]) -> str:
    """Return the docType of a credential type, e.g. ``jp.honnin.withholding_slip.1``."""
    return ctype.mdoc_namespace


def mdoc_elements(ctype: CredentialType[Any]) -> tuple[MdocElement, ...]:
    """Return the data elements of a type's namespace, in claim order."""
    cached = ctype._cache.get("mdoc_elements")
    if cached is not None:
        elements: tuple[MdocElement, ...] = cached
        return elements
    rules = leaf_rules(ctype.model)
    out: list[MdocElement] = []
    seen: set[str] = set()
    for info in ctype.claims():
        rule = rules.get(info.path)
        if rule is None:
            continue  # a nested object: its leaves are the elements
        identifier = ELEMENT_SEPARATOR.join(info.path)
        if identifier in seen:
            raise MalformedInput(f"two claims of {ctype.id} map to element {identifier!r}")
        seen.add(identifier)
        out.append(MdocElement(identifier, info, isinstance(rule, Date)))
    elements = ctype._cache["mdoc_elements"] = tuple(out)
    return elements


def _by_identifier(ctype: CredentialType[Any]) -> dict[str, MdocElement]:
    cached = ctype._cache.get("mdoc_by_identifier")
    if cached is None:
        cached = ctype._cache["mdoc_by_identifier"] = {
            e.identifier: e for e in mdoc_elements(ctype)
        }
    found: dict[str, MdocElement] = cached
    return found


def to_mdoc_namespaces(
    ctype: CredentialType[Any], claims: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Return ``{namespace: {element: value}}`` for the (validated) JSON claims of a type."""
    out: dict[str, Any] = {}
    for element in mdoc_elements(ctype):
        node: Any = claims
        for part in element.claim.path:
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is None:
            continue
        out[element.identifier] = date.fromisoformat(node) if element.is_date else node
    return {ctype.mdoc_namespace: out}


def json_value(value: Any) -> Any:
    """Return an element value as JSON: full-date and tdate as ISO strings, maps and arrays deep."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def claims_from_mdoc(ctype: CredentialType[Any], elements: Mapping[str, Any]) -> dict[str, Any]:
    """Return the nested JSON claims carried by elements of the type's namespace.

    Elements the type does not define are left out (a later version may add some).
    """
    known = _by_identifier(ctype)
    out: dict[str, Any] = {}
    for identifier, value in elements.items():
        element = known.get(identifier)
        if element is None:
            continue
        if element.is_date and not isinstance(value, date):
            raise MalformedInput(
                f"element {identifier!r} must be a full-date", claim_path=[identifier]
            )
        node = out
        *parents, leaf = element.claim.path
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = json_value(value)
    return out


def element_paths(ctype: CredentialType[Any], claim_path: Sequence[Any]) -> tuple[ClaimPath, ...]:
    """Return every ``(namespace, element)`` under a claim path (one for a leaf claim)."""
    wanted = tuple(claim_path)
    found = tuple(
        (ctype.mdoc_namespace, e.identifier)
        for e in mdoc_elements(ctype)
        if e.claim.path[: len(wanted)] == wanted
    )
    if not found:
        raise NotFound(f"{ctype.id} has no claim {'/'.join(map(str, wanted))}")
    return found


def claim_path_of(ctype: CredentialType[Any], namespace: str, identifier: str) -> ClaimPath:
    """Return the claim path a ``(namespace, element)`` of the type carries."""
    element = _by_identifier(ctype).get(identifier) if namespace == ctype.mdoc_namespace else None
    if element is None:
        raise NotFound(
            f"{ctype.id} has no element {identifier!r} in namespace {namespace!r}",
            claim_path=[namespace, identifier],
        )
    return element.claim.path


def credential_type_by_doctype(doctype: str) -> CredentialType[Any]:
    """Return the registered type whose docType is ``doctype`` or raise ``NotFound``."""
    for ctype in CREDENTIAL_TYPES.values():
        if mdoc_doctype(ctype) == doctype:
            return ctype
    raise NotFound(f"no registered credential type has docType {doctype!r}")


__all__ = [
    "ELEMENT_SEPARATOR",
    "MdocElement",
    "claim_path_of",
    "claims_from_mdoc",
    "credential_type_by_doctype",
    "element_paths",
    "json_value",
    "mdoc_doctype",
    "mdoc_elements",
    "to_mdoc_namespaces",
]

"""Differences between two trust-list documents: entities added, removed and changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from specs.trustlist import constants as c
from specs.trustlist.model import entity_index


@dataclass(frozen=True, slots=True)
class EntityChange:
    """One entity that differs between two versions, with the members that changed."""

    category: str
    entity_id: str
    kind: str  # "added", "removed" or "changed"
    members: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the change as a JSON object."""
        return {
            "category": self.category,
            "entity_id": self.entity_id,
            "kind": self.kind,
            "members": list(self.members),
        }


@dataclass(frozen=True, slots=True)
class TrustListDiff:
    """All differences between an old and a new trust list."""

    old_sequence_number: int | None
    new_sequence_number: int | None
    scheme_members: tuple[str, ...]
    changes: tuple[EntityChange, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the diff as a JSON object."""
        return {
            "old_sequence_number": self.old_sequence_number,
            "new_sequence_number": self.new_sequence_number,
            "scheme_members": list(self.scheme_members),
            "changes": [change.to_json() for change in self.changes],
        }


def _sequence(document: Mapping[str, Any]) -> int | None:
    info = document.get(c.LIST_AND_SCHEME_INFORMATION)
    value = info.get(c.SEQUENCE_NUMBER) if isinstance(info, Mapping) else None
    return value if isinstance(value, int) else None


def _changed_members(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k)))


def diff_trust_lists(old: Mapping[str, Any], new: Mapping[str, Any]) -> TrustListDiff:
    """Compare two (already validated) trust-list documents."""
    old_index = entity_index(old)
    new_index = entity_index(new)
    changes: list[EntityChange] = []
    for key in sorted(set(old_index) | set(new_index)):
        category, entity_id = key
        if key not in old_index:
            changes.append(EntityChange(category, entity_id, "added", ()))
        elif key not in new_index:
            changes.append(EntityChange(category, entity_id, "removed", ()))
        else:
            members = _changed_members(old_index[key], new_index[key])
            if members:
                changes.append(EntityChange(category, entity_id, "changed", members))
    scheme = _changed_members(
        old.get(c.LIST_AND_SCHEME_INFORMATION, {}), new.get(c.LIST_AND_SCHEME_INFORMATION, {})
    )
    return TrustListDiff(
        old_sequence_number=_sequence(old),
        new_sequence_number=_sequence(new),
        scheme_members=scheme,
        changes=tuple(changes),
    )

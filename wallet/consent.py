"""The consent engine: what may leave the wallet for one request.

What leaves is always a subset of (requested ∩ registered ∩ consented), minus the
never-share list. Items the verifier is not registered for in the trust list are refused
even when the person says yes (同意があっても出来ない連携); the recipient's My Number is on
the never-share list unless the trust list records a legal basis for this verifier.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

ClaimPath = tuple[str | int | None, ...]

# Claim names that hold an individual number (個人番号); refused without a legal basis.
MY_NUMBER_CLAIMS: frozenset[str] = frozenset({"my_number", "individual_number"})


class ItemStatus(StrEnum):
    """Why an item may or may not be shared."""

    SHAREABLE = "shareable"
    NOT_REGISTERED = "not_registered"
    NEVER_SHARE = "never_share"


class RuleDecision(StrEnum):
    """A person's saved rule for a verifier and purpose."""

    ASK = "ask"
    REMEMBER = "remember"
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class ConsentItem:
    """One requested item as the consent screen shows it."""

    path: ClaimPath
    status: ItemStatus
    label: str


@dataclass(frozen=True, slots=True)
class ConsentScreen:
    """Everything the person sees before deciding: who, why, and each item's status."""

    verifier_id: str
    verifier_name: str
    purpose: str
    credential_id: str
    items: tuple[ConsentItem, ...]
    rule: RuleDecision = RuleDecision.ASK

    @property
    def shareable(self) -> tuple[ClaimPath, ...]:
        """The items the person may agree to share."""
        return tuple(i.path for i in self.items if i.status is ItemStatus.SHAREABLE)

    @property
    def refused(self) -> tuple[ConsentItem, ...]:
        """The items the wallet refuses whatever the person says."""
        return tuple(i for i in self.items if i.status is not ItemStatus.SHAREABLE)


@dataclass(frozen=True, slots=True)
class ConsentOutcome:
    """What the person decided and what will leave the wallet."""

    disclosed: tuple[ClaimPath, ...]
    withheld: tuple[ClaimPath, ...]
    declined: bool = False
    reasons: dict[ClaimPath, str] = field(default_factory=dict)


def path_covers(registered: ClaimPath, requested: ClaimPath) -> bool:
    """True when a registered path is the requested path or one of its parents.

    ``None`` in a registered path stands for every array element (DCQL claims path pointer).
    """
    if len(registered) > len(requested):
        return False
    for reg, req in zip(registered, requested, strict=False):
        if reg is None and (req is None or isinstance(req, int)):
            continue
        if reg != req:
            return False
    return True


def is_my_number(path: ClaimPath) -> bool:
    """True when a claim path names an individual number."""
    return any(isinstance(p, str) and p in MY_NUMBER_CLAIMS for p in path)


def screen(
    *,
    verifier_id: str,
    verifier_name: str,
    purpose: str,
    credential_id: str,
    requested: Sequence[ClaimPath],
    registered: Collection[ClaimPath],
    my_number_legal_basis: str | None,
    never_share: Collection[ClaimPath] = (),
    labels: dict[ClaimPath, str] | None = None,
    rule: RuleDecision = RuleDecision.ASK,
) -> ConsentScreen:
    """Classify every requested item for the consent screen."""
    labels = labels or {}
    items = []
    seen: set[ClaimPath] = set()
    for path in requested:
        path = tuple(path)
        if path in seen:
            continue
        seen.add(path)
        if (is_my_number(path) and not my_number_legal_basis) or any(
            path_covers(n, path) for n in never_share
        ):
            status = ItemStatus.NEVER_SHARE
        elif not any(path_covers(r, path) for r in registered):
            status = ItemStatus.NOT_REGISTERED
        else:
            status = ItemStatus.SHAREABLE
        label = labels.get(path, "/".join("*" if p is None else str(p) for p in path))
        items.append(ConsentItem(path, status, label))
    return ConsentScreen(verifier_id, verifier_name, purpose, credential_id, tuple(items), rule)


def decide(consent_screen: ConsentScreen, approved: Iterable[ClaimPath] | None) -> ConsentOutcome:
    """Apply the person's answer (``None`` = declined) and the saved rule to a screen."""
    if consent_screen.rule is RuleDecision.DENY or approved is None:
        all_paths = tuple(i.path for i in consent_screen.items)
        return ConsentOutcome(disclosed=(), withheld=all_paths, declined=True)
    approved_set = {tuple(p) for p in approved}
    disclosed: list[ClaimPath] = []
    withheld: list[ClaimPath] = []
    reasons: dict[ClaimPath, str] = {}
    for item in consent_screen.items:
        if item.status is not ItemStatus.SHAREABLE:
            withheld.append(item.path)
            reasons[item.path] = item.status.value
        elif item.path in approved_set:
            disclosed.append(item.path)
        else:
            withheld.append(item.path)
            reasons[item.path] = "not_consented"
    return ConsentOutcome(tuple(disclosed), tuple(withheld), declined=False, reasons=reasons)

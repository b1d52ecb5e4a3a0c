"""Processing an issuer-signed payload with disclosures (RFC 9901 section 7.1, step 3)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from specs.errors import ClaimPath, DigestMismatch, LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.sd_jwt.constants import ARRAY_DIGEST_KEY, SD_ALG_CLAIM, SD_DIGESTS_KEY
from specs.sd_jwt.disclosure import Disclosure


@dataclass(frozen=True, slots=True)
class ProcessedPayload:
    """The result of applying disclosures: the plain claims and where each disclosure landed."""

    claims: dict[str, Any]
    disclosed: tuple[ClaimPath, ...]
    placed: tuple[tuple[Disclosure, ClaimPath], ...]


_CONTAINERS = (dict, list)
_STR_ONLY = frozenset({str})


class _Processor:
    __slots__ = ("by_digest", "limits", "placed", "seen")

    def __init__(self, by_digest: dict[str, Disclosure], limits: Limits) -> None:
        self.by_digest = by_digest
        self.limits = limits
        self.seen: set[str] = set()
        self.placed: list[tuple[Disclosure, ClaimPath]] = []

    def _digest(self, value: Any, path: ClaimPath) -> Disclosure | None:
        if not isinstance(value, str):
            raise MalformedInput("a digest must be a string", claim_path=path)
        # RFC 9901 section 7.1 step 4: every digest, decoys included, at most once.
        if value in self.seen:
            raise MalformedInput("a digest appears more than once", claim_path=path)
        self.seen.add(value)
        return self.by_digest.get(value)

    def walk(self, value: Any, path: ClaimPath, sd_depth: int) -> Any:
        if isinstance(value, dict):
            return self._object(value, path, sd_depth)
        if isinstance(value, list):
            return self._array(value, path, sd_depth)
        return value

    def _object(self, value: dict[str, Any], path: ClaimPath, sd_depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, item in value.items():
            if name == SD_DIGESTS_KEY:
                continue
            if name == ARRAY_DIGEST_KEY:
                raise MalformedInput("'...' is only allowed as the sole key of an array element")
            # Scalars need no walk (and no claim path built for them).
            out[name] = (
                self.walk(item, (*path, name), sd_depth) if isinstance(item, _CONTAINERS) else item
            )
        digests = value.get(SD_DIGESTS_KEY)
        if digests is None:
            return out
        if not isinstance(digests, list):
            raise MalformedInput("'_sd' must be an array of digests", claim_path=path)
        if len(digests) > self.limits.max_digests_per_object:
            raise LimitExceeded(
                f"'_sd' has more than {self.limits.max_digests_per_object} digests",
                claim_path=path,
            )
        if self._all_fresh_strings(digests):
            # Every entry is a string seen nowhere before: what _digest checks one by one.
            by_digest = self.by_digest
            for hit in [by_digest[entry] for entry in digests if entry in by_digest]:
                self._place(out, hit, path, sd_depth)
        else:
            for entry in digests:
                disclosure = self._digest(entry, path)
                if disclosure is not None:
                    self._place(out, disclosure, path, sd_depth)
        return out

    def _place(
        self, out: dict[str, Any], disclosure: Disclosure, path: ClaimPath, sd_depth: int
    ) -> None:
        claim = disclosure.name
        if claim is None:
            raise MalformedInput(
                "an array-element disclosure is referenced from '_sd'", claim_path=path
            )
        here = (*path, claim)
        # RFC 9901 section 7.1 step 3.3.2.3: a disclosed claim never overrides another.
        if claim in out:
            raise MalformedInput("disclosed claim name already exists", claim_path=here)
        if sd_depth >= self.limits.max_sd_depth:
            raise LimitExceeded(
                f"disclosures nest deeper than {self.limits.max_sd_depth}", claim_path=here
            )
        self.placed.append((disclosure, here))
        value = disclosure.value
        out[claim] = (
            self.walk(value, here, sd_depth + 1) if isinstance(value, _CONTAINERS) else value
        )

    def _all_fresh_strings(self, digests: list[Any]) -> bool:
        # Set operations in C instead of a Python loop; on any doubt (a non-string, a repeat)
        # the caller takes the entry-by-entry path, which raises the precise error.
        if set(map(type, digests)) - _STR_ONLY:
            return False
        fresh = set(digests)
        if len(fresh) != len(digests) or not self.seen.isdisjoint(fresh):
            return False
        self.seen |= fresh
        return True

    def _array(self, value: list[Any], path: ClaimPath, sd_depth: int) -> list[Any]:
        items: list[Any] = []
        for item in value:
            if isinstance(item, dict) and ARRAY_DIGEST_KEY in item:
                if len(item) != 1:
                    raise MalformedInput(
                        "an array digest object must have '...' as its only key", claim_path=path
                    )
                disclosure = self._digest(item[ARRAY_DIGEST_KEY], path)
                if disclosure is None:
                    continue  # RFC 9901 section 7.1 step 3.4: undisclosed elements vanish
                if disclosure.name is not None:
                    raise MalformedInput(
                        "an object-property disclosure is referenced from an array",
                        claim_path=path,
                    )
                here = (*path, len(items))
                self._enter(disclosure, here, sd_depth)
                items.append(self.walk(disclosure.value, here, sd_depth + 1))
            else:
                items.append(self.walk(item, (*path, len(items)), sd_depth))
        return items

    def _enter(self, disclosure: Disclosure, path: ClaimPath, sd_depth: int) -> None:
        if sd_depth >= self.limits.max_sd_depth:
            raise LimitExceeded(
                f"disclosures nest deeper than {self.limits.max_sd_depth}", claim_path=path
            )
        self.placed.append((disclosure, path))


def index_disclosures(
    disclosures: Iterable[Disclosure], *, limits: Limits = DEFAULT_LIMITS
) -> dict[str, Disclosure]:
    """Map digests to disclosures, rejecting a disclosure given twice."""
    by_digest: dict[str, Disclosure] = {}
    for disclosure in disclosures:
        if disclosure.digest in by_digest:
            raise MalformedInput("the same disclosure is included more than once")
        by_digest[disclosure.digest] = disclosure
    if len(by_digest) > limits.max_disclosures:
        raise LimitExceeded(f"more than {limits.max_disclosures} disclosures")
    return by_digest


def process_payload(
    payload: dict[str, Any],
    by_digest: dict[str, Disclosure],
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> ProcessedPayload:
    """Apply disclosures to an issuer-signed payload; every disclosure must be referenced."""
    processor = _Processor(by_digest, limits)
    claims = processor._object(payload, (), 0)
    claims.pop(SD_ALG_CLAIM, None)
    if len(processor.placed) != len(by_digest):
        used = {d.digest for d, _ in processor.placed}
        orphans = [d for d in by_digest.values() if d.digest not in used]
        name = orphans[0].name
        raise DigestMismatch(
            "a disclosure is not referenced by any digest of the issuer-signed JWT"
            + (f" (claim {name!r})" if name is not None else " (array element)")
        )
    placed = processor.placed
    return ProcessedPayload(claims, tuple([path for _, path in placed]), tuple(placed))

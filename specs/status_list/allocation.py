"""Random allocation of unused status list indices.

Sequential indices would tell a verifier how many tokens an issuer has issued and let two
verifiers link neighbouring tokens (draft sections "Linkability Mitigation" and "Default
Values and Double Allocation"); a uniformly random unused index avoids both.
"""

from __future__ import annotations

from collections.abc import Collection

from specs.errors import LimitExceeded, ValidationError
from specs.ports import Random

_MAX_REJECTIONS = 64


def random_below(rng: Random, bound: int) -> int:
    """Return a uniform integer in ``[0, bound)`` by rejection sampling over ``rng``."""
    if bound < 1:
        raise ValidationError("bound must be positive")
    nbits = (bound - 1).bit_length()
    nbytes = max(1, (nbits + 7) // 8)
    mask = (1 << nbits) - 1
    while True:
        candidate = int.from_bytes(rng.bytes(nbytes), "big") & mask
        if candidate < bound:
            return candidate


def _is_used(used: Collection[int] | bytes | bytearray, index: int) -> bool:
    if isinstance(used, bytes | bytearray):
        byte = index // 8
        return byte < len(used) and bool((used[byte] >> (index % 8)) & 1)
    return index in used


def _count_used(used: Collection[int] | bytes | bytearray, size: int) -> int:
    if isinstance(used, bytes | bytearray):
        return sum(bin(b).count("1") for b in used[: (size + 7) // 8])
    return sum(1 for i in used if 0 <= i < size)


def allocate_index(
    rng: Random,
    size: int,
    used: Collection[int] | bytes | bytearray,
) -> int:
    """Pick a uniformly random index in ``[0, size)`` that is not in ``used``.

    ``used`` is a collection of taken indices or a bitmap (bit ``i`` of byte ``i // 8``,
    least significant first). Raises ``LimitExceeded`` when every index is taken.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationError(f"status list size must be a positive integer, got {size!r}")
    for _ in range(_MAX_REJECTIONS):
        candidate = random_below(rng, size)
        if not _is_used(used, candidate):
            return candidate
    # Nearly full list: choose uniformly among the free indices directly.
    free = size - _count_used(used, size)
    if free <= 0:
        raise LimitExceeded(f"the status list is full (all {size} indices are used)")
    target = random_below(rng, free)
    for index in range(size):
        if not _is_used(used, index):
            if target == 0:
                return index
            target -= 1
    raise LimitExceeded(f"the status list is full (all {size} indices are used)")

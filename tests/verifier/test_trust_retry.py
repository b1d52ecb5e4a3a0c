"""After a failed reload the verifier serves the last good list and waits before retrying."""

from __future__ import annotations

import pytest

from specs.errors import MalformedInput
from verifier.trust import RELOAD_SECONDS, RETRY_SECONDS

from .conftest import World
from .test_trust_rollback import Mirror, signed_list, source


def test_a_failing_source_is_not_read_on_every_verification(world: World) -> None:
    mirror = Mirror(signed_list(world, 1))
    trust = source(world, mirror)
    assert trust.current().sequence_number == 1
    mirror.token = "not a trust list"
    world.clock.advance(RELOAD_SECONDS)
    for _ in range(5):  # five verifications right after the failed reload
        assert trust.current().sequence_number == 1
    assert mirror.reads == 2  # one failed re-read, not six
    world.clock.advance(RETRY_SECONDS)
    mirror.token = signed_list(world, 2)
    assert trust.current().sequence_number == 2
    assert mirror.reads == 3


def test_without_a_last_good_list_the_failure_shows_at_once(world: World) -> None:
    mirror = Mirror("not a trust list")
    trust = source(world, mirror)
    for reads in (1, 2):
        with pytest.raises(MalformedInput):
            trust.current()
        assert mirror.reads == reads

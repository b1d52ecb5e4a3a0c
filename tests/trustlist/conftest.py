"""Fixtures of the trust-list package tests: the shared test PKI from pki.py."""

from __future__ import annotations

import pytest

from tests.trustlist.pki import TestPki


@pytest.fixture(scope="session")
def pki() -> TestPki:
    """One test PKI for the whole session (key generation is the slow part)."""
    return TestPki()

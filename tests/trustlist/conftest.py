"""Fixtures of the trust-list package tests: the shared test PKI from pki.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def load_pki() -> ModuleType:
    """Import tests/trustlist/pki.py once, by path."""
    name = "honnin_trustlist_test_pki"
    if name not in sys.modules:
        path = Path(__file__).resolve().parent / "pki.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


pki_module = load_pki()


@pytest.fixture(scope="session")
def pki() -> object:
    """One test PKI for the whole session (key generation is the slow part)."""
    return pki_module.TestPki()

"""The role packages are importable by name inside the test run (test folders must not shadow them)."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("name", ["specs", "issuer", "wallet", "verifier", "trustlist", "honnin"])
def test_role_package_is_the_real_one(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None, f"{name} resolved to a namespace package (a test folder?)"
    assert "/tests/" not in module.__file__


def test_service_factories_are_exported() -> None:
    from issuer import create_app as issuer_app
    from verifier import create_app as verifier_app

    assert callable(issuer_app)
    assert callable(verifier_app)

"""Fixtures for SD-JWT tests: keys of the published examples and the YAML testcase reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from specs.keys import SoftwareSigner
from specs.sd_jwt import SD

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
SD_JWT_VECTORS = VECTORS / "sd_jwt"
SD_JWT_VC_VECTORS = VECTORS / "sd_jwt_vc"


class _Tagged:
    def __init__(self, value: Any) -> None:
        self.value = value


class _Loader(yaml.SafeLoader):
    pass


def _construct_sd(loader: yaml.SafeLoader, node: yaml.Node) -> _Tagged:
    if isinstance(node, yaml.MappingNode):
        return _Tagged(loader.construct_mapping(node, deep=True))
    if isinstance(node, yaml.SequenceNode):
        return _Tagged(loader.construct_sequence(node, deep=True))
    assert isinstance(node, yaml.ScalarNode)
    return _Tagged(loader.construct_scalar(node))


_Loader.add_constructor("!sd", _construct_sd)


def _resolve_scalar(value: Any) -> Any:
    # A tagged scalar loses its implicit type; resolve it as YAML would have.
    if isinstance(value, str):
        loaded = yaml.safe_load(value) if value else value
        return value if loaded is None and value != "null" else loaded
    return value


def to_sd(value: Any) -> Any:
    """Turn the loaded YAML (with ``_Tagged`` markers) into claims with ``SD`` markers."""
    if isinstance(value, _Tagged):
        inner = value.value
        if not isinstance(inner, dict | list):
            inner = _resolve_scalar(inner)
        return SD(to_sd(inner))
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, _Tagged):
                out[str(key.value)] = SD(to_sd(item))
            else:
                out[str(key)] = to_sd(item)
        return out
    if isinstance(value, list):
        return [to_sd(item) for item in value]
    return value


def load_yaml(path: Path) -> Any:
    """Load a specification YAML with the ``!sd`` tag understood."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506


def reveal_paths(selection: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Turn a ``holder_disclosed_claims`` tree into claim paths."""
    paths: list[tuple[Any, ...]] = []
    items = (
        selection.items()
        if isinstance(selection, dict)
        else enumerate(selection)
        if isinstance(selection, list)
        else []
    )
    for key, item in items:
        here = (*prefix, key)
        if item is True:
            paths.append(here)
        elif isinstance(item, dict | list):
            nested = reveal_paths(item, here)
            paths.extend(nested)
    return paths


class YamlCases:
    """The YAML helpers, handed to tests as one fixture."""

    load_yaml = staticmethod(load_yaml)
    to_sd = staticmethod(to_sd)
    reveal_paths = staticmethod(reveal_paths)


@pytest.fixture(scope="session")
def yaml_cases() -> YamlCases:
    """Helpers to read the sd-jwt-python YAML testcases."""
    return YamlCases()


@pytest.fixture(scope="session")
def example_keys() -> dict[str, Any]:
    """The issuer and holder keys of the SD-JWT examples (settings.yml)."""
    settings = yaml.safe_load((SD_JWT_VECTORS / "testcases" / "settings.yml").read_text())
    issuer_jwk = settings["key_settings"]["issuer_keys"][0]
    holder_jwk = settings["key_settings"]["holder_key"]
    return {
        "issuer_jwk": issuer_jwk,
        "holder_jwk": holder_jwk,
        "issuer": SoftwareSigner.from_jwk(issuer_jwk, "ES256"),
        "holder": SoftwareSigner.from_jwk(holder_jwk, "ES256"),
        "settings": settings,
    }

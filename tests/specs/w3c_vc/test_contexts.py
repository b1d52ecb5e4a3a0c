"""Bundled contexts: pinned digests, the honnin context equals its mapping table, offline only."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import pytest

from specs.errors import MalformedInput, Unsupported
from specs.w3c_vc import DocumentLoader
from specs.w3c_vc.document_loader import BUNDLED_CONTEXT_FILES
from specs.w3c_vc.vocabulary import honnin_context_document


@pytest.mark.parametrize("url", sorted(BUNDLED_CONTEXT_FILES))
def test_bundled_context_matches_its_pinned_digest(url: str) -> None:
    name, digest = BUNDLED_CONTEXT_FILES[url]
    raw = resources.files("specs.w3c_vc").joinpath("contexts").joinpath(name).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == digest
    assert DocumentLoader()(url)["document"] == json.loads(raw)


def test_honnin_context_is_generated_from_the_mapping_table() -> None:
    url = "https://honnin.example/contexts/credentials/v1"
    assert DocumentLoader()(url)["document"] == honnin_context_document()


def test_loader_refuses_unknown_urls_and_replacing_bundled_ones() -> None:
    loader = DocumentLoader()
    with pytest.raises(Unsupported):
        loader("https://www.w3.org/2018/credentials/v1")
    with pytest.raises(MalformedInput):
        DocumentLoader({"https://x.example/c": {"no": "context"}})
    served = loader("https://www.w3.org/ns/credentials/v2")["document"]
    served["@context"]["VerifiableCredential"] = "https://evil.example/"
    assert loader("https://www.w3.org/ns/credentials/v2")["document"] != served

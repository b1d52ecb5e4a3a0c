"""An offline JSON-LD document loader: bundled contexts only, every network load refused.

VC Data Integrity 1.0 section 2.4.1 (Context Validation) and VCDM 2.0 section 4.3: a
verifier must know the contexts it processes. We go further and never fetch: a URL that is
not bundled (or added explicitly by the caller) raises ``Unsupported``, and the bundled
W3C files are checked against their published SHA-256 digests before use.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from pyld.context_resolver import ContextResolver

from specs.errors import MalformedInput, Unsupported
from specs.w3c_vc.constants import (
    CREDENTIALS_V2_CONTEXT,
    CREDENTIALS_V2_SHA256,
    DATA_INTEGRITY_V2_CONTEXT,
    DATA_INTEGRITY_V2_SHA256,
    HONNIN_CREDENTIALS_V1_CONTEXT,
    HONNIN_CREDENTIALS_V1_SHA256,
    HONNIN_CREDENTIALS_V2_CONTEXT,
    HONNIN_CREDENTIALS_V2_SHA256,
)

# URL -> (file in specs/w3c_vc/contexts/, pinned SHA-256 of its bytes).
BUNDLED_CONTEXT_FILES: dict[str, tuple[str, str]] = {
    CREDENTIALS_V2_CONTEXT: ("credentials-v2.jsonld", CREDENTIALS_V2_SHA256),
    DATA_INTEGRITY_V2_CONTEXT: ("data-integrity-v2.jsonld", DATA_INTEGRITY_V2_SHA256),
    HONNIN_CREDENTIALS_V1_CONTEXT: ("honnin-credentials-v1.jsonld", HONNIN_CREDENTIALS_V1_SHA256),
    HONNIN_CREDENTIALS_V2_CONTEXT: ("honnin-credentials-v2.jsonld", HONNIN_CREDENTIALS_V2_SHA256),
}


@cache
def bundled_context(url: str) -> dict[str, Any]:
    """Return a parsed bundled context after checking its pinned digest."""
    entry = BUNDLED_CONTEXT_FILES.get(url)
    if entry is None:
        raise Unsupported(f"JSON-LD context {url!r} is not bundled with honnin")
    name, digest = entry
    raw = resources.files("specs.w3c_vc").joinpath("contexts").joinpath(name).read_bytes()
    if hashlib.sha256(raw).hexdigest() != digest:
        raise MalformedInput(f"bundled context {url!r} does not match its pinned digest")
    value = json.loads(raw)
    if not isinstance(value, dict) or "@context" not in value:
        raise MalformedInput(f"bundled context {url!r} is not a JSON-LD context document")
    return value


class DocumentLoader:
    """Serves bundled JSON-LD contexts (plus any the caller adds) and refuses everything else."""

    def __init__(
        self,
        extra_contexts: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        include_bundled: bool = True,
    ) -> None:
        documents: dict[str, dict[str, Any]] = {}
        if include_bundled:
            for url in BUNDLED_CONTEXT_FILES:
                documents[url] = bundled_context(url)
        for url, document in (extra_contexts or {}).items():
            if url in documents:
                raise MalformedInput(f"context {url!r} is bundled and cannot be replaced")
            if not isinstance(document, Mapping) or "@context" not in document:
                raise MalformedInput(f"context {url!r} is not a JSON-LD context document")
            documents[url] = copy.deepcopy(dict(document))
        self._documents = documents
        # A private resolved-context cache: pyld's default cache is process-wide, so a
        # loader elsewhere in the process could otherwise substitute a context we serve.
        self._cache: dict[str, Any] = {}

    @property
    def urls(self) -> frozenset[str]:
        """The context URLs this loader serves."""
        return frozenset(self._documents)

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Return a pyld RemoteDocument for a served URL; raise ``Unsupported`` otherwise."""
        document = self._documents.get(url)
        if document is None:
            raise Unsupported(
                f"refusing to load JSON-LD document {url!r}: only bundled contexts are served"
            )
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(document),
        }

    def jsonld_options(self) -> dict[str, Any]:
        """Return pyld options that route every load through this loader."""
        return {
            "documentLoader": self,
            "contextResolver": ContextResolver(self._cache, self),
        }


__all__ = ["BUNDLED_CONTEXT_FILES", "DocumentLoader", "bundled_context"]

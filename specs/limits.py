"""Safe default limits for every parser, in one place. Callers may pass stricter or looser ones."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Size, depth and count limits accepted by parsers."""

    max_token_bytes: int = 256 * 1024
    max_json_bytes: int = 256 * 1024
    max_json_depth: int = 32
    max_disclosures: int = 1024
    max_sd_depth: int = 16
    max_digests_per_object: int = 4096
    max_cbor_bytes: int = 256 * 1024
    max_cbor_depth: int = 32
    max_trust_list_bytes: int = 4 * 1024 * 1024
    max_x5c_certs: int = 8
    max_request_bytes: int = 512 * 1024


DEFAULT_LIMITS = Limits()

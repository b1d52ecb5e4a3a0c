"""SD-JWT compact serialization (RFC 9901 section 4) and JWS JSON serialization (section 8)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from specs.encoding import dump_json_compact, parse_json_object
from specs.errors import LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.sd_jwt.constants import JSON_DISCLOSURES, JSON_KB_JWT, SEPARATOR


@dataclass(frozen=True, slots=True)
class SdJwt:
    """A split SD-JWT or SD-JWT+KB (not verified): issuer-signed JWT, disclosures, KB-JWT.

    ``json_document`` keeps the JWS JSON serialization it came from, if any, so that a
    presentation can be written back in the same form with every signature intact.
    """

    issuer_jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None = None
    json_document: Mapping[str, Any] | None = None

    def sd_jwt_string(self) -> str:
        """Return the compact SD-JWT without KB-JWT (``<jwt>~<d1>~...~``), the sd_hash input."""
        return SEPARATOR.join((self.issuer_jwt, *self.disclosures, ""))

    def compact(self) -> str:
        """Return the compact serialization, with the KB-JWT appended when present."""
        return self.sd_jwt_string() + (self.kb_jwt or "")

    def with_parts(self, disclosures: Sequence[str], kb_jwt: str | None) -> SdJwt:
        """Return a copy carrying other disclosures and KB-JWT."""
        return SdJwt(self.issuer_jwt, tuple(disclosures), kb_jwt, self.json_document)

    def serialize(self) -> str:
        """Serialise in the form it was parsed from (compact, or JSON text)."""
        if self.json_document is None:
            return self.compact()
        general = "signatures" in self.json_document
        return dump_json_compact(to_json_serialization(self, general=general))


def parse_compact(text: str, *, limits: Limits = DEFAULT_LIMITS) -> SdJwt:
    """Split a compact SD-JWT or SD-JWT+KB into its parts (RFC 9901 section 4)."""
    if not isinstance(text, str):
        raise MalformedInput("SD-JWT must be a string")
    if len(text) > limits.max_token_bytes:
        raise LimitExceeded(f"SD-JWT is longer than {limits.max_token_bytes} characters")
    text = text.strip()
    if SEPARATOR not in text:
        raise MalformedInput("SD-JWT must contain '~' after the issuer-signed JWT")
    parts = text.split(SEPARATOR)
    if len(parts) - 2 > limits.max_disclosures:
        raise LimitExceeded(f"SD-JWT has more than {limits.max_disclosures} disclosures")
    issuer_jwt, disclosures, last = parts[0], parts[1:-1], parts[-1]
    if not issuer_jwt or issuer_jwt.count(".") != 2:
        raise MalformedInput("SD-JWT does not start with a compact JWS")
    if "" in disclosures:
        raise MalformedInput("SD-JWT contains an empty disclosure ('~~')")
    kb_jwt = last or None
    if kb_jwt is not None and kb_jwt.count(".") != 2:
        raise MalformedInput("the part after the last '~' is not a compact KB-JWT")
    return SdJwt(issuer_jwt, tuple(disclosures), kb_jwt)


def _unprotected(entry: Any) -> Mapping[str, Any]:
    if not isinstance(entry, Mapping):
        raise MalformedInput("JWS signature entry must be an object")
    header = entry.get("header", {})
    if not isinstance(header, Mapping):
        raise MalformedInput("JWS unprotected 'header' must be an object")
    return header


def _legacy_form(document: Mapping[str, Any]) -> bool:
    return "signatures" not in document and (
        JSON_DISCLOSURES in document or JSON_KB_JWT in document
    )


def parse_json_serialization(
    document: Mapping[str, Any] | str | bytes, *, limits: Limits = DEFAULT_LIMITS
) -> SdJwt:
    """Read a flattened or general JWS JSON serialized SD-JWT (RFC 9901 section 8)."""
    if isinstance(document, str | bytes):
        if len(document) > limits.max_token_bytes:
            raise LimitExceeded(f"SD-JWT is longer than {limits.max_token_bytes} characters")
        document = parse_json_object(document, what="SD-JWT JSON serialization", limits=limits)
    if not isinstance(document, Mapping):
        raise MalformedInput("SD-JWT JSON serialization must be an object")
    payload = document.get("payload")
    if not isinstance(payload, str):
        raise MalformedInput("SD-JWT JSON serialization lacks a string 'payload'")
    if "signatures" in document:
        entries = document["signatures"]
        if not isinstance(entries, list) or not entries:
            raise MalformedInput("JWS 'signatures' must be a non-empty array")
        if "signature" in document or "protected" in document:
            raise MalformedInput("JWS JSON mixes general and flattened syntax")
        first = entries[0]
        # RFC 9901 section 8.3: disclosures and kb_jwt only in the first unprotected header.
        for entry in entries[1:]:
            header = _unprotected(entry)
            if JSON_DISCLOSURES in header or JSON_KB_JWT in header:
                raise MalformedInput("disclosures/kb_jwt are allowed only in the first signature")
    else:
        first = document
    header = _unprotected(first)
    # Drafts before RFC 9901 (and sd-jwt-python 0.10) put both members at the top level of a
    # flattened document; read that form too, and write it back the same way (_legacy_form).
    if _legacy_form(document):
        header = {
            **header,
            **{k: document[k] for k in (JSON_DISCLOSURES, JSON_KB_JWT) if k in document},
        }
    protected, signature = first.get("protected"), first.get("signature")
    if not isinstance(protected, str) or not isinstance(signature, str):
        raise MalformedInput("JWS signature entry needs 'protected' and 'signature' strings")
    disclosures = header.get(JSON_DISCLOSURES, [])
    if not isinstance(disclosures, list) or not all(isinstance(d, str) and d for d in disclosures):
        raise MalformedInput("'disclosures' must be an array of non-empty strings")
    if len(disclosures) > limits.max_disclosures:
        raise LimitExceeded(f"SD-JWT has more than {limits.max_disclosures} disclosures")
    kb_jwt = header.get(JSON_KB_JWT)
    if kb_jwt is not None and (not isinstance(kb_jwt, str) or kb_jwt.count(".") != 2):
        raise MalformedInput("'kb_jwt' must be a compact JWS")
    issuer_jwt = f"{protected}.{payload}.{signature}"
    if len(issuer_jwt) > limits.max_token_bytes:
        raise LimitExceeded(f"SD-JWT is longer than {limits.max_token_bytes} characters")
    return SdJwt(issuer_jwt, tuple(disclosures), kb_jwt, document)


def parse(value: str | bytes | Mapping[str, Any], *, limits: Limits = DEFAULT_LIMITS) -> SdJwt:
    """Split an SD-JWT in either serialization: compact text, JSON text or a JSON object."""
    if not isinstance(value, str) and isinstance(value, Mapping):
        return parse_json_serialization(value, limits=limits)
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            raise MalformedInput("SD-JWT is not ASCII") from None
    if not isinstance(value, str):
        raise MalformedInput("SD-JWT must be a string or a JSON object")
    if value.lstrip().startswith("{"):
        return parse_json_serialization(value, limits=limits)
    return parse_compact(value, limits=limits)


def to_json_serialization(sd_jwt: SdJwt | str, *, general: bool = False) -> dict[str, Any]:
    """Return the JWS JSON serialization (flattened, or general) of an SD-JWT (section 8)."""
    if isinstance(sd_jwt, str):
        sd_jwt = parse(sd_jwt)
    extra: dict[str, Any] = {JSON_DISCLOSURES: list(sd_jwt.disclosures)}
    if sd_jwt.kb_jwt is not None:
        extra[JSON_KB_JWT] = sd_jwt.kb_jwt
    source = sd_jwt.json_document
    if source is not None and _legacy_form(source) and not general:
        document = {k: v for k, v in source.items() if k not in (JSON_DISCLOSURES, JSON_KB_JWT)}
        return {**copy.deepcopy(document), **extra}
    if source is not None and general == ("signatures" in source):
        document = copy.deepcopy(dict(source))
        first = document["signatures"][0] if general else document
        header = {
            k: v
            for k, v in first.get("header", {}).items()
            if k not in (JSON_DISCLOSURES, JSON_KB_JWT)
        }
        first["header"] = {**header, **extra}
        return document
    protected, payload, signature = sd_jwt.issuer_jwt.split(".")
    entry = {"header": extra, "protected": protected, "signature": signature}
    if general:
        return {"payload": payload, "signatures": [entry]}
    return {**entry, "payload": payload}

"""SD-JWT VC Type Metadata (draft section 5): the document model, integrity, ``extends``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from specs.encoding import parse_json_object
from specs.errors import LimitExceeded, MalformedInput, NotFound, ValidationError
from specs.integrity import check_integrity
from specs.limits import DEFAULT_LIMITS, Limits

SdRule = Literal["always", "allowed", "never"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)


class Logo(_Model):
    """A logo of a type (draft section 5.5.1)."""

    uri: str
    uri_integrity: str | None = Field(default=None, alias="uri#integrity")
    alt_text: str | None = None


class SimpleRendering(_Model):
    """The ``simple`` rendering method: logo and colours."""

    logo: Logo | None = None
    background_color: str | None = None
    text_color: str | None = None


class Rendering(_Model):
    """Rendering information of one display entry."""

    simple: SimpleRendering | None = None
    svg_templates: list[dict[str, Any]] | None = None


class TypeDisplay(_Model):
    """How a credential type is shown in one locale (e.g. ``ja``, ``en``)."""

    locale: str = Field(min_length=1)
    name: str = Field(min_length=1)
    description: str | None = None
    rendering: Rendering | None = None


class ClaimDisplay(_Model):
    """The label of a claim in one locale."""

    locale: str = Field(min_length=1)
    label: str = Field(min_length=1)
    description: str | None = None


class ClaimMetadata(_Model):
    """Metadata of one claim: its path, labels and whether it is selectively disclosable."""

    path: list[str | int | None] = Field(min_length=1)
    display: list[ClaimDisplay] = Field(default_factory=list)
    sd: SdRule = "allowed"
    mandatory: bool = False
    svg_id: str | None = None

    @field_validator("path")
    @classmethod
    def _path_components(cls, path: list[str | int | None]) -> list[str | int | None]:
        for part in path:
            if isinstance(part, bool) or (isinstance(part, int) and part < 0):
                raise ValueError("path components are strings, non-negative integers or null")
        return path

    def label(self, locale: str) -> str | None:
        """Return the label for ``locale`` (exact, then language prefix), else None."""
        for entry in self.display:
            if entry.locale == locale:
                return entry.label
        for entry in self.display:
            if entry.locale.split("-")[0] == locale.split("-")[0]:
                return entry.label
        return None


class TypeMetadata(_Model):
    """A Type Metadata document (draft section 5.2)."""

    vct: str | None = None
    name: str | None = None
    description: str | None = None
    extends: str | None = None
    extends_integrity: str | None = Field(default=None, alias="extends#integrity")
    display: list[TypeDisplay] = Field(default_factory=list)
    claims: list[ClaimMetadata] = Field(default_factory=list)
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    schema_uri: str | None = None
    schema_uri_integrity: str | None = Field(default=None, alias="schema_uri#integrity")

    @field_validator("claims")
    @classmethod
    def _unique_paths(cls, claims: list[ClaimMetadata]) -> list[ClaimMetadata]:
        seen: set[tuple[str | int | None, ...]] = set()
        for claim in claims:
            key = tuple(claim.path)
            if key in seen:
                raise ValueError(f"claim path {list(key)} is described twice")
            seen.add(key)
        return claims

    def claim(self, path: tuple[str | int | None, ...]) -> ClaimMetadata | None:
        """Return the metadata of the claim at ``path``, if described."""
        for claim in self.claims:
            if tuple(claim.path) == path:
                return claim
        return None

    def to_json(self) -> dict[str, Any]:
        """Return the document as JSON (spec member names, unset members left out)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def parse_type_metadata(
    document: bytes | str | Mapping[str, Any], *, limits: Limits = DEFAULT_LIMITS
) -> TypeMetadata:
    """Parse and validate a Type Metadata document; raise ``MalformedInput``."""
    if not isinstance(document, Mapping):
        document = parse_json_object(document, what="type metadata", limits=limits)
    if "schema" in document and "schema_uri" in document:
        raise MalformedInput("type metadata must not contain both schema and schema_uri")
    try:
        return TypeMetadata.model_validate(dict(document))
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise MalformedInput(
            f"invalid type metadata: {first['msg']}",
            claim_path=[p for p in first["loc"] if isinstance(p, str | int)],
        ) from None


def check_type_metadata_integrity(document: bytes, integrity: str) -> None:
    """Check the raw bytes of a Type Metadata document against ``vct#integrity`` (section 6)."""
    check_integrity(document, integrity)


def _merge_claims(parent: list[ClaimMetadata], child: list[ClaimMetadata]) -> list[ClaimMetadata]:
    # Section 5.4: the child's entry for a path replaces the parent's; an "always"/"never"
    # choice of the parent cannot be changed by a child type.
    by_path = {tuple(c.path): c for c in child}
    merged: list[ClaimMetadata] = []
    for claim in parent:
        override = by_path.pop(tuple(claim.path), None)
        if override is None:
            merged.append(claim)
            continue
        if claim.sd != "allowed" and override.sd != claim.sd:
            raise ValidationError(
                f"an extending type cannot change sd {claim.sd!r} to {override.sd!r}",
                claim_path=claim.path,
            )
        merged.append(override)
    merged.extend(c for c in child if tuple(c.path) in by_path)
    return merged


def resolve_type_metadata(
    vct: str,
    load: Callable[[str], bytes],
    *,
    integrity: str | None = None,
    max_depth: int = 8,
    limits: Limits = DEFAULT_LIMITS,
) -> TypeMetadata:
    """Load ``vct``'s type metadata and the chain it ``extends``; return the effective document.

    ``load`` returns the raw bytes of a type's document (the caller fetches or looks it up;
    raise ``NotFound`` for unknown types). Integrity values are checked on the raw bytes.
    """
    chain: list[TypeMetadata] = []
    seen: set[str] = set()
    current: str | None = vct
    expected = integrity
    while current is not None:
        if current in seen:
            raise ValidationError(f"type metadata 'extends' loops back to {current!r}")
        if len(chain) >= max_depth:
            raise LimitExceeded(f"type metadata 'extends' chain is longer than {max_depth}")
        seen.add(current)
        raw = load(current)
        if not isinstance(raw, bytes):
            raise NotFound(f"no type metadata for {current!r}")
        if expected is not None:
            check_type_metadata_integrity(raw, expected)
        document = parse_type_metadata(raw, limits=limits)
        if document.vct is not None and document.vct != current:
            raise ValidationError(f"type metadata for {current!r} names vct {document.vct!r}")
        chain.append(document)
        current, expected = document.extends, document.extends_integrity
    effective = chain[-1]
    for child in reversed(chain[:-1]):
        claims = _merge_claims(list(effective.claims), list(child.claims))
        effective = child.model_copy(update={"claims": claims})
    return effective

"""One definition per credential type: a frozen dataclass whose fields carry claim metadata.

From that one definition a ``CredentialType`` derives the JSON Schema (draft 2020-12), the
SD-JWT VC Type Metadata document (display and claim labels in ja-JP and en-US, ``sd`` and
``mandatory`` per claim), the validation of received claims into the dataclass, the claims
of a dataclass for issuance, and which claims are selectively disclosable.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Generic, TypeVar

import rfc8785

from specs.credentials.constants import (
    JSON_SCHEMA_DIALECT,
    LOCALE_EN,
    LOCALE_JA,
    MDOC_NAMESPACE_PREFIX,
    META_CLAIMS,
    META_DESCRIPTION,
    META_DISPLAY,
    META_EXTENDS,
    META_EXTENDS_INTEGRITY,
    META_LABEL,
    META_LOCALE,
    META_MANDATORY,
    META_NAME,
    META_PATH,
    META_SD,
    META_VCT,
    SD_ALLOWED,
    SD_ALWAYS,
    SD_VALUES,
    VCT_BASE,
)
from specs.credentials.values import KANA_PATTERN, Integer, Kana, Pattern, Text, ValueRule
from specs.errors import MalformedInput, ValidationError
from specs.integrity import integrity
from specs.sd_jwt import SD

T = TypeVar("T")
ClaimPath = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Claim:
    """Metadata of one claim: its value rule, labels in Japanese and English, and ``sd``."""

    rule: ValueRule | None
    ja: str
    en: str
    sd: str = SD_ALWAYS
    # A rule JSON Schema cannot state (a check digit): raises ValidationError without a path.
    check: Callable[[Any], None] | None = None

    def __post_init__(self) -> None:
        if self.sd not in SD_VALUES:
            raise ValueError(f"sd must be one of {sorted(SD_VALUES)}")


def Nested(ja: str, en: str, sd: str = SD_ALWAYS) -> Claim:  # noqa: N802 - a declaration
    """Metadata of a claim whose value is an object described by another dataclass."""
    return Claim(None, ja, en, sd)


@dataclass(frozen=True, slots=True)
class ClaimInfo:
    """One claim as the type metadata lists it (SD-JWT VC section 5.6)."""

    path: ClaimPath
    ja: str
    en: str
    sd: str
    mandatory: bool

    def label(self) -> str:
        """Return ``English (日本語)`` for messages."""
        return f"{self.en} ({self.ja})"


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    claim: Claim
    mandatory: bool
    nested: type | None


def _unwrap_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


@cache
def _fields(model: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(model, include_extras=True)
    out = []
    for f in dataclasses.fields(model):
        hint = hints[f.name]
        if typing.get_origin(hint) is not typing.Annotated:
            raise TypeError(f"{model.__name__}.{f.name} has no Claim annotation")
        base, *extras = typing.get_args(hint)
        claims = [e for e in extras if isinstance(e, Claim)]
        if len(claims) != 1:
            raise TypeError(f"{model.__name__}.{f.name} needs exactly one Claim annotation")
        claim = claims[0]
        mandatory = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        inner = _unwrap_optional(base)
        nested: type | None = inner if claim.rule is None else None
        if nested is not None and not dataclasses.is_dataclass(nested):
            raise TypeError(f"{model.__name__}.{f.name}: a nested claim needs a dataclass")
        out.append(_Field(f.name, claim, mandatory, nested))
    return tuple(out)


Accept = Callable[[Any], bool]
# A Pattern has no length rule; any length passes its quick test.
MAX_TEXT_CHECKED = 1 << 62


def _accept(rule: ValueRule) -> Accept:
    """Return a predicate equal to ``rule.problem(value) is None`` that builds no message.

    For the common rules a cheap test decides the valid case; anything it does not accept
    at once is judged by ``problem`` itself, so the verdict never differs from it.
    """
    problem = rule.problem
    if isinstance(rule, Integer):
        low, high = rule.minimum, rule.maximum
        return lambda v: (type(v) is int and low <= v <= high) or problem(v) is None
    if isinstance(rule, Text):
        low, high, pattern = 1, rule.max_length, rule._pattern()
    elif isinstance(rule, Kana):
        low, high, pattern = 0, rule.max_length, KANA_PATTERN
    elif isinstance(rule, Pattern):
        low, high, pattern = 0, MAX_TEXT_CHECKED, rule._pattern()
    else:
        return lambda v: problem(v) is None
    search = re.compile(pattern).search
    return lambda v: (
        (type(v) is str and low <= len(v) <= high and search(v) is not None) or problem(v) is None
    )


# Per model: (claim name, the nested model's plan or None, the value predicate).
_Plan = tuple[tuple[str, "_Plan | None", Accept], ...]


@cache
def _plan(model: type) -> _Plan:
    out: list[tuple[str, _Plan | None, Accept]] = []
    for f in _fields(model):
        if f.nested is not None:
            out.append((f.name, _plan(f.nested), _no_accept))
        else:
            assert f.claim.rule is not None
            out.append((f.name, None, _accept(f.claim.rule)))
    return tuple(out)


def _no_accept(_: Any) -> bool:
    return False


def _present_valid(plan: _Plan, data: Mapping[str, Any]) -> bool:
    for name, nested, accept in plan:
        if name not in data:
            continue
        value = data[name]
        if nested is not None:
            if not isinstance(value, Mapping) or not _present_valid(nested, value):
                return False
        elif not accept(value):
            return False
    return True


def _label(claim: Claim) -> str:
    return f"{claim.en} ({claim.ja})"


def claims_of(value: Any) -> dict[str, Any]:
    """Return the JSON claims of any annotated model value (a type or one of its parts)."""
    out: dict[str, Any] = {}
    model: type = type(value)
    for f in _fields(model):
        item = getattr(value, f.name)
        if item is None:
            continue
        if f.nested is not None:
            out[f.name] = claims_of(item)
        else:
            assert f.claim.rule is not None
            out[f.name] = f.claim.rule.dump(item)
    return out


def leaf_rules(model: type) -> dict[tuple[str, ...], ValueRule]:
    """Return the value rule of every leaf claim of ``model``, keyed by claim path."""
    out: dict[tuple[str, ...], ValueRule] = {}

    def walk(current: type, prefix: tuple[str, ...]) -> None:
        for f in _fields(current):
            if f.nested is not None:
                walk(f.nested, (*prefix, f.name))
            elif f.claim.rule is not None:
                out[(*prefix, f.name)] = f.claim.rule

    walk(model, ())
    return out


Rules = Callable[[Any], Iterable[ValidationError]]


def _no_rules(_: Any) -> Iterable[ValidationError]:
    return ()


@dataclass(frozen=True, eq=False)
class CredentialType(Generic[T]):
    """A versioned credential type derived from one annotated frozen dataclass."""

    id: str
    version: int
    model: type[T]
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    rules: Rules = _no_rules
    extends: CredentialType[Any] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def vct(self) -> str:
        """Return the ``vct`` value, ``{VCT_BASE}/{id}/{version}``."""
        return f"{VCT_BASE}/{self.id}/{self.version}"

    @property
    def mdoc_namespace(self) -> str:
        """Return the mdoc namespace, e.g. ``jp.honnin.withholding_slip.1``."""
        return f"{MDOC_NAMESPACE_PREFIX}.{self.id.replace('-', '_')}.{self.version}"

    def claims(self) -> tuple[ClaimInfo, ...]:
        """Return every claim path with labels, ``sd`` and ``mandatory``, parents first."""

        def walk(model: type, prefix: ClaimPath, parent_mandatory: bool) -> list[ClaimInfo]:
            out = []
            for f in _fields(model):
                path = (*prefix, f.name)
                mandatory = f.mandatory and parent_mandatory
                out.append(ClaimInfo(path, f.claim.ja, f.claim.en, f.claim.sd, mandatory))
                if f.nested is not None:
                    out.extend(walk(f.nested, path, mandatory))
            return out

        return tuple(walk(self.model, (), True))

    def claim(self, path: Sequence[str]) -> ClaimInfo:
        """Return the metadata of the claim at ``path``."""
        for info in self.claims():
            if info.path == tuple(path):
                return info
        raise KeyError(tuple(path))

    # -- JSON Schema --------------------------------------------------------------------

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema (draft 2020-12) of the claims of this type."""

        def object_schema(model: type) -> dict[str, Any]:
            properties: dict[str, Any] = {}
            required = []
            for f in _fields(model):
                if f.nested is not None:
                    prop = object_schema(f.nested)
                else:
                    assert f.claim.rule is not None
                    prop = f.claim.rule.schema()
                prop = {"title": f.claim.en, "description": f.claim.ja, **prop}
                properties[f.name] = prop
                if f.mandatory:
                    required.append(f.name)
            # Unknown members are allowed: a later version may add optional claims
            # (backward-compatible extension), and SD-JWT VC adds registered claims.
            return {"type": "object", "properties": properties, "required": required}

        return {
            "$schema": JSON_SCHEMA_DIALECT,
            "$id": f"{self.vct}/schema.json",
            "title": f"{self.name_en} ({self.name_ja})",
            **object_schema(self.model),
        }

    # -- SD-JWT VC Type Metadata ----------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """Return the SD-JWT VC Type Metadata document (section 5.2) of this type."""
        doc: dict[str, Any] = {
            META_VCT: self.vct,
            META_NAME: f"{self.name_en}, version {self.version}",
            META_DESCRIPTION: self.description_en,
        }
        if self.extends is not None:
            doc[META_EXTENDS] = self.extends.vct
            doc[META_EXTENDS_INTEGRITY] = self.extends.integrity()
        doc[META_DISPLAY] = [
            {
                META_LOCALE: LOCALE_JA,
                META_NAME: self.name_ja,
                META_DESCRIPTION: self.description_ja,
            },
            {
                META_LOCALE: LOCALE_EN,
                META_NAME: self.name_en,
                META_DESCRIPTION: self.description_en,
            },
        ]
        doc[META_CLAIMS] = [
            {
                META_PATH: list(info.path),
                META_DISPLAY: [
                    {META_LOCALE: LOCALE_JA, META_LABEL: info.ja},
                    {META_LOCALE: LOCALE_EN, META_LABEL: info.en},
                ],
                META_SD: info.sd,
                META_MANDATORY: info.mandatory,
            }
            for info in self.claims()
        ]
        return doc

    def metadata_bytes(self) -> bytes:
        """Return the exact bytes served for the type metadata: RFC 8785 (JCS) UTF-8 JSON.

        ``vct#integrity`` and ``extends#integrity`` hash these bytes (SD-JWT VC section 6:
        the octets of the retrieved document), so a server must serve them unchanged.
        """
        if "metadata_bytes" not in self._cache:
            self._cache["metadata_bytes"] = rfc8785.dumps(self.metadata())
        data: bytes = self._cache["metadata_bytes"]
        return data

    def integrity(self, alg: str = "sha256") -> str:
        """Return the ``vct#integrity`` value: SRI digest of ``metadata_bytes()``."""
        return integrity(self.metadata_bytes(), alg)

    # -- Validation -------------------------------------------------------------------------

    def field_problems(self, claims: object) -> list[ValidationError]:
        """Return every claim that breaks its value rule (exactly what the JSON Schema checks)."""

        def walk(model: type, data: object, prefix: ClaimPath) -> list[ValidationError]:
            if not isinstance(data, Mapping):
                return [ValidationError("must be a JSON object", claim_path=prefix)]
            out: list[ValidationError] = []
            for f in _fields(model):
                path = (*prefix, f.name)
                if f.name not in data:
                    if f.mandatory:
                        out.append(
                            ValidationError(f"{_label(f.claim)}: is required", claim_path=path)
                        )
                    continue
                value = data[f.name]
                if f.nested is not None:
                    out.extend(walk(f.nested, value, path))
                    continue
                assert f.claim.rule is not None
                broken = f.claim.rule.problem(value)
                if broken is not None:
                    out.append(ValidationError(f"{_label(f.claim)}: {broken}", claim_path=path))
            return out

        return walk(self.model, claims, ())

    def present_claims_valid(self, claims: Mapping[str, Any]) -> bool:
        """True when every claim present keeps its value rule; builds no error objects.

        The verdict equals "``field_problems`` reports nothing at a claim path present in
        ``claims``" (absent claims, mandatory or not, are not judged); call
        ``field_problems`` for the details when it is False.
        """
        model: type = self.model
        return _present_valid(_plan(model), claims)

    def _check_problems(self, claims: Mapping[str, Any]) -> list[ValidationError]:
        def walk(model: type, data: Mapping[str, Any], prefix: ClaimPath) -> list[ValidationError]:
            out: list[ValidationError] = []
            for f in _fields(model):
                if f.name not in data:
                    continue
                path = (*prefix, f.name)
                if f.nested is not None:
                    out.extend(walk(f.nested, data[f.name], path))
                elif f.claim.check is not None:
                    try:
                        f.claim.check(data[f.name])
                    except ValidationError as exc:
                        out.append(
                            ValidationError(f"{_label(f.claim)}: {exc.detail}", claim_path=path)
                        )
            return out

        return walk(self.model, claims, ())

    def problems(self, claims: object) -> list[ValidationError]:
        """Return every problem of ``claims``: value rules, check digits, consistency."""
        found = self.field_problems(claims)
        if found:
            return found
        assert isinstance(claims, Mapping)
        found = self._check_problems(claims)
        if found:
            return found
        return list(self.rules(self._build(self.model, claims)))

    def parse(self, claims: object) -> T:
        """Validate ``claims`` (unknown members ignored) and return the model; raise the first problem."""
        found = self.problems(claims)
        if found:
            raise found[0]
        assert isinstance(claims, Mapping)
        built: T = self._build(self.model, claims)
        return built

    def _build(self, model: type, data: Mapping[str, Any]) -> Any:
        kwargs: dict[str, Any] = {}
        for f in _fields(model):
            if f.name not in data:
                continue
            if f.nested is not None:
                kwargs[f.name] = self._build(f.nested, data[f.name])
            else:
                assert f.claim.rule is not None
                kwargs[f.name] = f.claim.rule.load(data[f.name])
        return model(**kwargs)

    def validate(self, value: T) -> T:
        """Check a model built in code (by an issuer) against every rule; return it unchanged."""
        self.parse(self.to_claims(value))
        return value

    def to_claims(self, value: T) -> dict[str, Any]:
        """Return the JSON claims of a model value, leaving out absent optional claims."""
        if not isinstance(value, self.model):
            raise MalformedInput(f"expected a {self.model.__name__}, got {type(value).__name__}")
        return claims_of(value)

    # -- Selective disclosure ---------------------------------------------------------------

    def disclosable_paths(self, *, allowed_as_sd: bool = True) -> frozenset[ClaimPath]:
        """Return the claim paths an issuer makes selectively disclosable.

        ``always`` paths always; ``allowed`` paths when ``allowed_as_sd`` (honnin's default:
        disclose as little as possible); ``never`` paths never (SD-JWT VC section 5.6.4).
        """
        wanted = {SD_ALWAYS, SD_ALLOWED} if allowed_as_sd else {SD_ALWAYS}
        return frozenset(info.path for info in self.claims() if info.sd in wanted)

    def mark_disclosable(
        self,
        claims: Mapping[str, Any],
        *,
        wrap: Callable[[Any], Any] = SD,
        allowed_as_sd: bool = True,
    ) -> dict[str, Any]:
        """Return ``claims`` with every disclosable claim value wrapped for the SD-JWT issuer.

        ``wrap`` defaults to ``specs.sd_jwt.SD``. Nested objects are marked member by member
        (recursive disclosures, RFC 9901 section 6.3), so a verifier can receive one member
        without its siblings. Claims unknown to the type are left plain.
        """
        # The type is immutable: its paths are derived once (issuance calls this per offer).
        key = f"mark:{allowed_as_sd}"
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = (
                self.disclosable_paths(allowed_as_sd=allowed_as_sd),
                frozenset(info.path for info in self.claims()),
            )
        paths, nested = cached

        def walk(data: Mapping[str, Any], prefix: ClaimPath) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, value in data.items():
                path = (*prefix, key)
                if isinstance(value, Mapping) and path in nested:
                    value = walk(value, path)
                out[key] = wrap(value) if path in paths else value
            return out

        return walk(claims, ())


__all__ = ["Claim", "ClaimInfo", "CredentialType", "Nested", "claims_of", "leaf_rules"]

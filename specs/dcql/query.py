"""The DCQL query model and its validation (OpenID for Verifiable Presentations 1.0, section 6).

``parse_dcql_query`` turns the JSON object of a ``dcql_query`` parameter into frozen
dataclasses, enforcing every MUST of section 6 (ids unique and well-formed, non-empty
arrays, ``claim_sets`` only over claim ids, ``credential_sets`` only over credential ids,
format-specific ``meta``) and the limits in ``specs.limits``. Unknown properties are
ignored, as section 6 requires.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from specs.dcql.constants import (
    FORMAT_DC_SD_JWT,
    FORMAT_JWT_VC_JSON,
    FORMAT_LDP_VC,
    FORMAT_MSO_MDOC,
    ID_PATTERN,
    KNOWN_FORMATS,
    META_DOCTYPE_VALUE,
    META_TYPE_VALUES,
    META_VCT_VALUES,
)
from specs.encoding import parse_json_object
from specs.errors import LimitExceeded, MalformedInput, Unsupported
from specs.limits import DEFAULT_LIMITS, Limits

ClaimsPath = tuple[str | int | None, ...]
ClaimValue = str | int | bool

_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True, slots=True)
class ClaimsQuery:
    """One requested claim: its claims path pointer, optional id and accepted values."""

    path: ClaimsPath
    id: str | None = None
    values: tuple[ClaimValue, ...] | None = None
    intent_to_retain: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of this Claims Query."""
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out["path"] = list(self.path)
        if self.values is not None:
            out["values"] = list(self.values)
        if self.intent_to_retain is not None:
            out["intent_to_retain"] = self.intent_to_retain
        return out


@dataclass(frozen=True, slots=True)
class TrustedAuthoritiesQuery:
    """A ``trusted_authorities`` entry: a type and the values that identify an authority."""

    type: str
    values: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of this Trusted Authorities Query."""
        return {"type": self.type, "values": list(self.values)}


@dataclass(frozen=True, slots=True)
class CredentialQuery:
    """A request for one (or, with ``multiple``, several) matching Credentials."""

    id: str
    format: str
    meta: Mapping[str, Any]
    claims: tuple[ClaimsQuery, ...] | None = None
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    multiple: bool = False
    trusted_authorities: tuple[TrustedAuthoritiesQuery, ...] | None = None
    require_cryptographic_holder_binding: bool = True

    @property
    def vct_values(self) -> tuple[str, ...]:
        """The accepted ``vct`` values (SD-JWT VC), empty for other formats."""
        return tuple(self.meta.get(META_VCT_VALUES, ()))

    @property
    def doctype_value(self) -> str | None:
        """The accepted mdoc doctype, ``None`` for other formats."""
        value = self.meta.get(META_DOCTYPE_VALUE)
        return value if isinstance(value, str) else None

    def claim_by_id(self, claim_id: str) -> ClaimsQuery:
        """Return the Claims Query with ``claim_id``."""
        for claim in self.claims or ():
            if claim.id == claim_id:
                return claim
        raise KeyError(claim_id)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of this Credential Query."""
        out: dict[str, Any] = {"id": self.id, "format": self.format, "meta": _plain(self.meta)}
        if self.multiple:
            out["multiple"] = True
        if self.trusted_authorities is not None:
            out["trusted_authorities"] = [t.to_json() for t in self.trusted_authorities]
        if not self.require_cryptographic_holder_binding:
            out["require_cryptographic_holder_binding"] = False
        if self.claims is not None:
            out["claims"] = [c.to_json() for c in self.claims]
        if self.claim_sets is not None:
            out["claim_sets"] = [list(s) for s in self.claim_sets]
        return out


@dataclass(frozen=True, slots=True)
class CredentialSetQuery:
    """A ``credential_sets`` entry: alternative sets of Credential Query ids."""

    options: tuple[tuple[str, ...], ...]
    required: bool = True

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of this Credential Set Query."""
        out: dict[str, Any] = {"options": [list(o) for o in self.options]}
        if not self.required:
            out["required"] = False
        return out


@dataclass(frozen=True, slots=True)
class DcqlQuery:
    """A validated DCQL query."""

    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] | None = None

    def credential(self, query_id: str) -> CredentialQuery:
        """Return the Credential Query with ``query_id``."""
        for query in self.credentials:
            if query.id == query_id:
                return query
        raise KeyError(query_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """The Credential Query ids, in order."""
        return tuple(q.id for q in self.credentials)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of this query (round-trips through ``parse_dcql_query``)."""
        out: dict[str, Any] = {"credentials": [c.to_json() for c in self.credentials]}
        if self.credential_sets is not None:
            out["credential_sets"] = [s.to_json() for s in self.credential_sets]
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _check_id(value: object, what: str, where: list[str | int | None]) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise MalformedInput(
            f"{what} must be a non-empty string of alphanumerics, '_' or '-'", claim_path=where
        )
    return value


def _non_empty_list(
    value: object, what: str, where: list[str | int | None], limit: int
) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise MalformedInput(f"{what} must be a non-empty array", claim_path=where)
    if len(value) > limit:
        raise LimitExceeded(f"{what} has more than {limit} entries", claim_path=where)
    return value


def _optional_bool(obj: Mapping[str, Any], name: str, default: bool, where: list[Any]) -> bool:
    value = obj.get(name, default)
    if not isinstance(value, bool):
        raise MalformedInput(f"'{name}' must be a boolean", claim_path=[*where, name])
    return value


def parse_claims_path(value: object, limits: Limits = DEFAULT_LIMITS) -> ClaimsPath:
    """Check a claims path pointer (section 7): a non-empty array of strings, nulls, ints >= 0."""
    if not isinstance(value, list) or not value:
        raise MalformedInput("claims path pointer must be a non-empty array")
    if len(value) > limits.max_claims_path_length:
        raise LimitExceeded(
            f"claims path pointer is longer than {limits.max_claims_path_length} components"
        )
    for component in value:
        ok = (
            component is None
            or isinstance(component, str)
            or (isinstance(component, int) and not isinstance(component, bool) and component >= 0)
        )
        if not ok:
            raise MalformedInput(
                "claims path components must be strings, null or non-negative integers"
            )
    return tuple(value)


def _parse_claim(
    obj: object, fmt: str, where: list[Any], limits: Limits, id_required: bool
) -> ClaimsQuery:
    if not isinstance(obj, dict):
        raise MalformedInput("a Claims Query must be an object", claim_path=where)
    claim_id = None
    if "id" in obj or id_required:
        if "id" not in obj:
            raise MalformedInput(
                "claims need an 'id' when 'claim_sets' is present", claim_path=where
            )
        claim_id = _check_id(obj["id"], "claim 'id'", [*where, "id"])
    try:
        path = parse_claims_path(obj.get("path"), limits)
    except MalformedInput as exc:
        raise type(exc)(exc.detail, claim_path=[*where, "path"]) from None
    if fmt == FORMAT_MSO_MDOC and (len(path) != 2 or not all(isinstance(p, str) for p in path)):
        # Section 7.2: an mdoc pointer is exactly [namespace, data element identifier].
        raise MalformedInput(
            "an mso_mdoc claims path must be [namespace, element identifier]",
            claim_path=[*where, "path"],
        )
    values: tuple[ClaimValue, ...] | None = None
    if "values" in obj:
        raw = _non_empty_list(obj["values"], "'values'", [*where, "values"], limits.max_dcql_values)
        if not all(isinstance(v, str | int | bool) for v in raw):
            raise MalformedInput(
                "'values' must hold strings, integers or booleans", claim_path=[*where, "values"]
            )
        values = tuple(raw)
    intent = None
    if "intent_to_retain" in obj:
        if fmt != FORMAT_MSO_MDOC:
            intent = None  # Appendix B.2.4 defines it for mdoc only; ignored elsewhere.
        else:
            intent = _optional_bool(obj, "intent_to_retain", False, where)
    return ClaimsQuery(path=path, id=claim_id, values=values, intent_to_retain=intent)


def _parse_meta(value: object, fmt: str, where: list[Any], limits: Limits) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise MalformedInput("'meta' is required and must be an object", claim_path=where)
    if fmt == FORMAT_DC_SD_JWT:
        vcts = _non_empty_list(
            value.get(META_VCT_VALUES),
            "'vct_values'",
            [*where, META_VCT_VALUES],
            limits.max_dcql_values,
        )
        if not all(isinstance(v, str) and v for v in vcts):
            raise MalformedInput(
                "'vct_values' must hold strings", claim_path=[*where, META_VCT_VALUES]
            )
    elif fmt == FORMAT_MSO_MDOC:
        doctype = value.get(META_DOCTYPE_VALUE)
        if not isinstance(doctype, str) or not doctype:
            raise MalformedInput(
                "'doctype_value' must be a doctype string", claim_path=[*where, META_DOCTYPE_VALUE]
            )
    elif fmt in {FORMAT_JWT_VC_JSON, FORMAT_LDP_VC}:
        alternatives = _non_empty_list(
            value.get(META_TYPE_VALUES),
            "'type_values'",
            [*where, META_TYPE_VALUES],
            limits.max_dcql_values,
        )
        for alternative in alternatives:
            if (
                not isinstance(alternative, list)
                or not alternative
                or not all(isinstance(t, str) for t in alternative)
            ):
                raise MalformedInput(
                    "'type_values' must be an array of non-empty string arrays",
                    claim_path=[*where, META_TYPE_VALUES],
                )
    return value


def _parse_trusted_authorities(
    value: object, where: list[Any], limits: Limits
) -> tuple[TrustedAuthoritiesQuery, ...]:
    entries = _non_empty_list(value, "'trusted_authorities'", where, limits.max_dcql_values)
    out = []
    for index, entry in enumerate(entries):
        here = [*where, index]
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            raise MalformedInput("a trusted authority needs a string 'type'", claim_path=here)
        values = _non_empty_list(
            entry.get("values"), "'values'", [*here, "values"], limits.max_dcql_values
        )
        if not all(isinstance(v, str) for v in values):
            raise MalformedInput("trusted authority 'values' must be strings", claim_path=here)
        out.append(TrustedAuthoritiesQuery(type=entry["type"], values=tuple(values)))
    return tuple(out)


def _parse_credential(obj: object, index: int, limits: Limits) -> CredentialQuery:
    where: list[Any] = ["credentials", index]
    if not isinstance(obj, dict):
        raise MalformedInput("a Credential Query must be an object", claim_path=where)
    query_id = _check_id(obj.get("id"), "credential 'id'", [*where, "id"])
    fmt = obj.get("format")
    if not isinstance(fmt, str) or not fmt:
        raise MalformedInput("'format' must be a string", claim_path=[*where, "format"])
    if fmt not in KNOWN_FORMATS:
        raise Unsupported(
            f"Credential Format {fmt!r} is not supported", claim_path=[*where, "format"]
        )
    meta = _parse_meta(obj.get("meta"), fmt, [*where, "meta"], limits)
    multiple = _optional_bool(obj, "multiple", False, where)
    binding = _optional_bool(obj, "require_cryptographic_holder_binding", True, where)
    trusted = None
    if "trusted_authorities" in obj:
        trusted = _parse_trusted_authorities(
            obj["trusted_authorities"], [*where, "trusted_authorities"], limits
        )
    has_sets = "claim_sets" in obj
    claims: tuple[ClaimsQuery, ...] | None = None
    if "claims" in obj:
        raw = _non_empty_list(obj["claims"], "'claims'", [*where, "claims"], limits.max_dcql_claims)
        claims = tuple(
            _parse_claim(c, fmt, [*where, "claims", i], limits, has_sets) for i, c in enumerate(raw)
        )
        ids = [c.id for c in claims if c.id is not None]
        if len(ids) != len(set(ids)):
            raise MalformedInput(
                "claim ids must be unique within 'claims'", claim_path=[*where, "claims"]
            )
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    if has_sets:
        if claims is None:
            raise MalformedInput(
                "'claim_sets' must not be present without 'claims'",
                claim_path=[*where, "claim_sets"],
            )
        known = {c.id for c in claims}
        raw_sets = _non_empty_list(
            obj["claim_sets"], "'claim_sets'", [*where, "claim_sets"], limits.max_dcql_claim_sets
        )
        parsed_sets = []
        for set_index, option in enumerate(raw_sets):
            here = [*where, "claim_sets", set_index]
            members = _non_empty_list(option, "a claim set", here, limits.max_dcql_claims)
            for member in members:
                if not isinstance(member, str) or member not in known:
                    raise MalformedInput(
                        f"claim set names unknown claim id {member!r}", claim_path=here
                    )
            parsed_sets.append(tuple(members))
        claim_sets = tuple(parsed_sets)
    return CredentialQuery(
        id=query_id,
        format=fmt,
        meta=meta,
        claims=claims,
        claim_sets=claim_sets,
        multiple=multiple,
        trusted_authorities=trusted,
        require_cryptographic_holder_binding=binding,
    )


def parse_dcql_query(value: object, limits: Limits = DEFAULT_LIMITS) -> DcqlQuery:
    """Validate a DCQL query (a JSON object, or its JSON text) and return the model."""
    if isinstance(value, str | bytes):
        value = parse_json_object(value, what="DCQL query", limits=limits)
    if not isinstance(value, dict):
        raise MalformedInput("a DCQL query must be a JSON object")
    raw = _non_empty_list(
        value.get("credentials"), "'credentials'", ["credentials"], limits.max_dcql_credentials
    )
    credentials = tuple(_parse_credential(c, i, limits) for i, c in enumerate(raw))
    ids = [c.id for c in credentials]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise MalformedInput(
            f"Credential Query ids must be unique: {duplicates}", claim_path=["credentials"]
        )
    sets: tuple[CredentialSetQuery, ...] | None = None
    if "credential_sets" in value:
        raw_sets = _non_empty_list(
            value["credential_sets"],
            "'credential_sets'",
            ["credential_sets"],
            limits.max_dcql_credential_sets,
        )
        parsed = []
        for index, entry in enumerate(raw_sets):
            where: list[Any] = ["credential_sets", index]
            if not isinstance(entry, dict):
                raise MalformedInput("a Credential Set Query must be an object", claim_path=where)
            options = _non_empty_list(
                entry.get("options"),
                "'options'",
                [*where, "options"],
                limits.max_dcql_credential_sets,
            )
            parsed_options = []
            for option in options:
                members = _non_empty_list(
                    option, "an option", [*where, "options"], limits.max_dcql_credentials
                )
                for member in members:
                    if not isinstance(member, str) or member not in ids:
                        raise MalformedInput(
                            f"option names unknown Credential Query id {member!r}",
                            claim_path=[*where, "options"],
                        )
                parsed_options.append(tuple(members))
            required = _optional_bool(entry, "required", True, where)
            parsed.append(CredentialSetQuery(options=tuple(parsed_options), required=required))
        sets = tuple(parsed)
    return DcqlQuery(credentials=credentials, credential_sets=sets)


__all__ = [
    "ClaimValue",
    "ClaimsPath",
    "ClaimsQuery",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlQuery",
    "TrustedAuthoritiesQuery",
    "parse_claims_path",
    "parse_dcql_query",
]

"""Selecting Credentials and claims for a DCQL query (OpenID4VP 1.0 section 6.4), both sides.

Wallet side: ``match_query`` evaluates a query against candidate Credentials (format,
type, processed claims) and returns, for every Credential Query, the Credentials that
satisfy it and the concrete claim paths to disclose (the first satisfiable ``claim_sets``
option, section 6.4.1), plus a default selection honouring ``credential_sets`` (section
6.4.2). Nothing outside the query is ever selected.

Verifier side: ``check_presentation`` checks that what a wallet disclosed satisfies the
query, raising ``ValidationError`` naming the first unmet requirement, and
``requested_values`` keeps only the claims the query asked for (extra disclosures dropped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from specs.dcql.claims_path import Selection, covers, select_json, select_mdoc, value_matches
from specs.dcql.constants import (
    FORMAT_DC_SD_JWT,
    FORMAT_JWT_VC_JSON,
    FORMAT_LDP_VC,
    FORMAT_MSO_MDOC,
    META_TYPE_VALUES,
)
from specs.dcql.query import ClaimsQuery, CredentialQuery, DcqlQuery
from specs.errors import HonninError, MalformedInput, NotFound, ValidationError

ConcretePath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A Credential as DCQL sees it: format, type, issuer authorities and processed claims.

    ``claims`` is the processed JSON payload for JSON formats (SD-JWT VC after resolving
    disclosures, a W3C VC's root object), and the namespace -> element -> value map (values
    converted to JSON per RFC 8949 section 6.1) for ``mso_mdoc``. ``vcts`` holds the
    credential's ``vct`` and every type it extends; ``types`` the fully expanded W3C types;
    ``authorities`` maps a trusted-authorities type (``aki``, ...) to the values that
    identify this credential's issuer under it.
    """

    id: str
    format: str
    claims: Any
    vcts: tuple[str, ...] = ()
    doctype: str | None = None
    types: tuple[str, ...] = ()
    authorities: Mapping[str, frozenset[str]] = field(default_factory=dict)
    holder_binding: bool = True


@dataclass(frozen=True, slots=True)
class CredentialMatch:
    """One Credential that satisfies one Credential Query, and what to disclose for it."""

    query_id: str
    credential_id: str
    claim_set: tuple[str, ...] | None
    claims: tuple[ClaimsQuery, ...]
    disclose: tuple[ConcretePath, ...]


@dataclass(frozen=True, slots=True)
class DcqlMatch:
    """The outcome of evaluating a query against a wallet's Credentials.

    ``matches`` lists every satisfying Credential per Credential Query. ``selection`` is
    the default answer (one Credential per selected query, first satisfiable option of
    each Credential Set Query); it is empty when ``satisfied`` is false, because section
    6.4.2 forbids returning anything then. ``unsatisfied`` names what could not be met.
    """

    matches: Mapping[str, tuple[CredentialMatch, ...]]
    selection: Mapping[str, tuple[CredentialMatch, ...]]
    satisfied: bool
    unsatisfied: tuple[str, ...]


def _select(candidate_format: str, claims: Any, path: tuple[str | int | None, ...]) -> Selection:
    if candidate_format == FORMAT_MSO_MDOC:
        if not isinstance(claims, Mapping):
            raise MalformedInput("mdoc claims must be a namespace map")
        return select_mdoc(claims, path)
    return select_json(claims, path)


def _satisfy_claim(fmt: str, claims: Any, claim: ClaimsQuery) -> list[ConcretePath] | None:
    try:
        selected = _select(fmt, claims, claim.path)
    except HonninError:
        return None
    if claim.values is not None:
        # Section 6.4.1: a claim whose value does not match is treated as absent.
        selected = [(p, v) for p, v in selected if value_matches(v, claim.values)]
        if not selected:
            return None
    return [p for p, _ in selected]


def _meta_matches(query: CredentialQuery, candidate: Candidate) -> bool:
    if query.format == FORMAT_DC_SD_JWT:
        return bool(set(query.vct_values) & set(candidate.vcts))
    if query.format == FORMAT_MSO_MDOC:
        return candidate.doctype == query.doctype_value
    if query.format in {FORMAT_JWT_VC_JSON, FORMAT_LDP_VC}:
        alternatives = query.meta.get(META_TYPE_VALUES, [])
        return any(set(alt) <= set(candidate.types) for alt in alternatives)
    return False


def _authorities_match(query: CredentialQuery, candidate: Candidate) -> bool:
    if query.trusted_authorities is None:
        return True
    return any(
        set(authority.values) & candidate.authorities.get(authority.type, frozenset())
        for authority in query.trusted_authorities
    )


def _claim_options(
    query: CredentialQuery,
) -> list[tuple[tuple[str, ...] | None, tuple[ClaimsQuery, ...]]]:
    if query.claims is None:
        return [(None, ())]
    if query.claim_sets is None:
        return [(None, query.claims)]
    return [(ids, tuple(query.claim_by_id(i) for i in ids)) for ids in query.claim_sets]


def match_credential(query: CredentialQuery, candidate: Candidate) -> CredentialMatch | None:
    """Return how ``candidate`` satisfies ``query`` (first satisfiable claim set), or None."""
    if candidate.format != query.format or not _meta_matches(query, candidate):
        return None
    if query.require_cryptographic_holder_binding and not candidate.holder_binding:
        return None
    if not _authorities_match(query, candidate):
        return None
    for claim_set, claims in _claim_options(query):
        disclose: list[ConcretePath] = []
        for claim in claims:
            paths = _satisfy_claim(candidate.format, candidate.claims, claim)
            if paths is None:
                break
            disclose.extend(p for p in paths if p not in disclose)
        else:
            return CredentialMatch(
                query_id=query.id,
                credential_id=candidate.id,
                claim_set=claim_set,
                claims=claims,
                disclose=tuple(disclose),
            )
    return None


def _option_ok(option: Sequence[str], matches: Mapping[str, tuple[CredentialMatch, ...]]) -> bool:
    return all(matches.get(query_id) for query_id in option)


def match_query(query: DcqlQuery, candidates: Sequence[Candidate]) -> DcqlMatch:
    """Evaluate ``query`` against the wallet's ``candidates`` (section 6.4)."""
    matches: dict[str, tuple[CredentialMatch, ...]] = {}
    for credential_query in query.credentials:
        found = (match_credential(credential_query, c) for c in candidates)
        matches[credential_query.id] = tuple(m for m in found if m is not None)
    chosen: list[str] = []
    unsatisfied: list[str] = []
    if query.credential_sets is None:
        for query_id in query.ids:
            (chosen if matches[query_id] else unsatisfied).append(query_id)
    else:
        for index, credential_set in enumerate(query.credential_sets):
            option = next((o for o in credential_set.options if _option_ok(o, matches)), None)
            if option is not None:
                chosen.extend(q for q in option if q not in chosen)
            elif credential_set.required:
                unsatisfied.append(f"credential_sets[{index}]")
    satisfied = not unsatisfied
    selection = {q: matches[q][:1] for q in chosen} if satisfied else {}
    return DcqlMatch(
        matches=matches, selection=selection, satisfied=satisfied, unsatisfied=tuple(unsatisfied)
    )


@dataclass(frozen=True, slots=True)
class Presented:
    """A verified presentation's Credential as the verifier sees it (same fields as Candidate)."""

    format: str
    claims: Any
    vcts: tuple[str, ...] = ()
    doctype: str | None = None
    types: tuple[str, ...] = ()
    holder_binding: bool = True


def _check_one(query: CredentialQuery, presented: Presented, check_values: bool) -> None:
    where = [query.id]
    if presented.format != query.format:
        raise ValidationError(
            f"presentation format {presented.format!r} is not the requested {query.format!r}",
            claim_path=where,
        )
    candidate = Candidate(
        id=query.id,
        format=presented.format,
        claims=presented.claims,
        vcts=presented.vcts,
        doctype=presented.doctype,
        types=presented.types,
    )
    if not _meta_matches(query, candidate):
        raise ValidationError("credential type is not one the query accepts", claim_path=where)
    if query.require_cryptographic_holder_binding and not presented.holder_binding:
        raise ValidationError("the query requires cryptographic holder binding", claim_path=where)
    missing: tuple[str | int | None, ...] | None = None
    for _, claims in _claim_options(query):
        missing = None
        for claim in claims:
            relaxed = claim if check_values else ClaimsQuery(path=claim.path, id=claim.id)
            if _satisfy_claim(presented.format, presented.claims, relaxed) is None:
                missing = claim.path
                break
        if missing is None:
            return
    assert missing is not None
    raise ValidationError(
        "a requested claim is missing from the presentation", claim_path=[query.id, *missing]
    )


def check_presentation(
    query: DcqlQuery,
    presented: Mapping[str, Sequence[Presented]],
    *,
    check_values: bool = True,
) -> None:
    """Check that the presented Credentials, keyed by query id, satisfy ``query``; raise if not.

    Per-presentation shape rules (section 8.1): ids must be query ids, arrays non-empty,
    one entry unless ``multiple``. Then each Credential must meet its query (format, type,
    holder binding and one claim option), and the set of ids must satisfy
    ``credential_sets`` (or hold every query when there are none).
    """
    known = set(query.ids)
    for query_id, items in presented.items():
        if query_id not in known:
            raise ValidationError(f"vp_token names unknown Credential Query {query_id!r}")
        credential_query = query.credential(query_id)
        if not items:
            raise MalformedInput("vp_token entries must be non-empty arrays", claim_path=[query_id])
        if len(items) > 1 and not credential_query.multiple:
            raise ValidationError(
                "several presentations for a query without 'multiple'", claim_path=[query_id]
            )
        for item in items:
            _check_one(credential_query, item, check_values)
    present = {q for q, items in presented.items() if items}
    if query.credential_sets is None:
        absent = [q for q in query.ids if q not in present]
        if absent:
            raise ValidationError(f"required Credential Queries not answered: {absent}")
        return
    for index, credential_set in enumerate(query.credential_sets):
        if credential_set.required and not any(set(o) <= present for o in credential_set.options):
            raise ValidationError(
                f"no option of required credential_sets[{index}] is satisfied",
                claim_path=["credential_sets", index],
            )


def requested_values(query: CredentialQuery, presented: Presented) -> dict[ConcretePath, Any]:
    """Return only the claims the query asked for, keyed by concrete path (extras dropped)."""
    out: dict[ConcretePath, Any] = {}
    for claim in query.claims or ():
        try:
            selected = _select(presented.format, presented.claims, claim.path)
        except (MalformedInput, NotFound):
            continue
        for path, value in selected:
            out[path] = value
    return out


def disclosed_within_query(query: CredentialQuery, paths: Sequence[ConcretePath]) -> bool:
    """Return whether every concrete path lies within a claim the query names."""
    return all(any(covers(c.path, p) for c in query.claims or ()) for p in paths)


__all__ = [
    "Candidate",
    "ConcretePath",
    "CredentialMatch",
    "DcqlMatch",
    "Presented",
    "check_presentation",
    "disclosed_within_query",
    "match_credential",
    "match_query",
    "requested_values",
]

"""DCQL, the Digital Credentials Query Language of OpenID for Verifiable Presentations 1.0."""

from specs.dcql.claims_path import covers, select_json, select_mdoc, value_matches
from specs.dcql.matching import (
    Candidate,
    CredentialMatch,
    DcqlMatch,
    Presented,
    check_presentation,
    disclosed_within_query,
    match_credential,
    match_query,
    requested_values,
)
from specs.dcql.query import (
    ClaimsQuery,
    CredentialQuery,
    CredentialSetQuery,
    DcqlQuery,
    TrustedAuthoritiesQuery,
    parse_claims_path,
    parse_dcql_query,
)

__all__ = [
    "Candidate",
    "ClaimsQuery",
    "CredentialMatch",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlMatch",
    "DcqlQuery",
    "Presented",
    "TrustedAuthoritiesQuery",
    "check_presentation",
    "covers",
    "disclosed_within_query",
    "match_credential",
    "match_query",
    "parse_claims_path",
    "parse_dcql_query",
    "requested_values",
    "select_json",
    "select_mdoc",
    "value_matches",
]

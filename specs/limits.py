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
    max_cbor_string_bytes: int = 128 * 1024
    max_mdoc_documents: int = 16
    max_mdoc_elements: int = 1024
    max_trust_list_bytes: int = 4 * 1024 * 1024
    max_x5c_certs: int = 8
    max_request_bytes: int = 512 * 1024
    # Card key attestation: presentation keys in one attestation, CRLs given to one check.
    max_attested_keys: int = 64
    max_crls: int = 16
    max_trust_list_entities: int = 10_000
    max_trust_list_keys_per_entity: int = 16
    max_trust_list_history: int = 256
    max_trust_list_purposes: int = 64
    max_trust_list_claims: int = 512
    max_trust_list_log_entries: int = 100_000
    # Token Status List: decompressed byte array (zip-bomb bound) and number of entries.
    max_status_list_bytes: int = 4 * 1024 * 1024
    max_status_list_entries: int = 16 * 1024 * 1024
    # OpenID4VCI: key proofs in one Credential Request, JWKs in one key attestation.
    max_proofs: int = 100
    # DCQL (OpenID4VP 1.0 section 6): parts of one query, claims path pointer length.
    max_dcql_credentials: int = 64
    max_dcql_claims: int = 256
    max_dcql_claim_sets: int = 64
    max_dcql_credential_sets: int = 64
    max_dcql_values: int = 64
    max_claims_path_length: int = 16
    # OpenID4VP 1.0 section 8.1: presentations in one vp_token.
    max_vp_token_presentations: int = 64
    # JSON-LD / RDFC-1.0 (W3C VC Data Integrity): quads and blank nodes fed to canonicalization,
    # N-degree hash calls and the largest group of indistinguishable blank nodes it permutes.
    max_rdf_quads: int = 4096
    max_rdf_blank_nodes: int = 1024
    max_rdfc_deep_calls: int = 2000
    max_rdfc_permutation_group: int = 8
    max_json_pointers: int = 512
    # Payroll CSV (specs.credentials.payroll_csv): file size and number of people per file.
    max_payroll_csv_bytes: int = 16 * 1024 * 1024
    max_payroll_rows: int = 100_000


DEFAULT_LIMITS = Limits()

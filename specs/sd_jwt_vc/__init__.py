"""SD-JWT VC (draft-ietf-oauth-sd-jwt-vc): typed, holder-bound SD-JWT credentials.

Issue and verify::

    from specs.sd_jwt import SD, KeyBindingCheck, present
    from specs.sd_jwt_vc import issue_sd_jwt_vc, verify_sd_jwt_vc, StaticIssuerKey

    credential = issue_sd_jwt_vc(
        {"given_name": SD("Taro"), "payment_amount": SD(5_000_000)}, issuer_signer,
        vct="https://honnin.example/withholding-slip/v1", iss="https://employer-a.example",
        clock=clock, random=random, holder_jwk=holder.public_jwk, expires_in=86400 * 400,
        status=StatusListReference(idx=42, uri="https://employer-a.example/status/1"),
    )
    presentation = present(credential, [("payment_amount",)], holder_signer=holder,
                           aud="https://employer-b.example", nonce=nonce, clock=clock)
    result = verify_sd_jwt_vc(presentation, issuer_keys=StaticIssuerKey(issuer_jwk),
                              clock=clock, key_binding=KeyBindingCheck(aud=..., nonce=nonce))
    result.vct, result.iss, result.status, result.payload, result.disclosed

Public API:

- ``issue_sd_jwt_vc(claims, signer, *, vct, clock, random, iss=None, holder_jwk=None,
  vct_integrity=None, expires_in=None, not_before=None, status=None, x5c=None, kid=None,
  decoys=0, hash_alg="sha-256", salts=None) -> str``: ``typ: dc+sd-jwt``; the registered
  claims are set from arguments and never disclosable.
- ``verify_sd_jwt_vc(presentation, *, issuer_keys, clock, key_binding=None,
  require_key_binding=None, allowed_algs=..., accepted_vcts=None, accept_legacy_typ=True,
  limits=...) -> VerifiedSdJwtVc``: also accepts the legacy ``vc+sd-jwt`` typ.
- Issuer key resolution, sans-IO (``IssuerKeyResolver`` protocol): ``StaticIssuerKey``,
  ``X5cIssuerKeys(anchors)`` (chain validated with ``specs.keys.x509.validate_chain``, ``iss``
  matched to the leaf's subjectAltName), ``IssuerMetadataKeys(metadata, jwks=None)`` over a
  caller-fetched ``/.well-known/jwt-vc-issuer`` document (``JwtVcIssuerMetadata``,
  ``issuer_metadata_url(iss)``).
- ``StatusListReference(idx, uri)``: the ``status`` claim.
- Type Metadata: ``TypeMetadata`` (pydantic; ``display`` per locale such as ja/en, ``claims``
  with ``path``/``display``/``sd`` always|allowed|never, ``schema``/``schema_uri``, ``extends``),
  ``parse_type_metadata``, ``check_type_metadata_integrity(raw, integrity)``,
  ``resolve_type_metadata(vct, load, integrity=None)`` (follows ``extends`` with integrity).
"""

from specs.sd_jwt_vc.credential import (
    StatusListReference,
    VerifiedSdJwtVc,
    check_vc_claims,
    issue_sd_jwt_vc,
    unverified_sd_jwt_vc_claims,
    verify_sd_jwt_vc,
)
from specs.sd_jwt_vc.issuer_keys import (
    CertificateNames,
    IssuerKeyResolver,
    IssuerMetadataKeys,
    JwtVcIssuerMetadata,
    StaticIssuerKey,
    X5cIssuerKeys,
    certificate_names,
    check_iss_matches_certificate,
    check_iss_matches_names,
    issuer_metadata_url,
)
from specs.sd_jwt_vc.type_metadata import (
    ClaimDisplay,
    ClaimMetadata,
    TypeDisplay,
    TypeMetadata,
    check_type_metadata_integrity,
    parse_type_metadata,
    resolve_type_metadata,
)

__all__ = [
    "CertificateNames",
    "ClaimDisplay",
    "ClaimMetadata",
    "IssuerKeyResolver",
    "IssuerMetadataKeys",
    "JwtVcIssuerMetadata",
    "StaticIssuerKey",
    "StatusListReference",
    "TypeDisplay",
    "TypeMetadata",
    "VerifiedSdJwtVc",
    "X5cIssuerKeys",
    "certificate_names",
    "check_iss_matches_certificate",
    "check_iss_matches_names",
    "check_type_metadata_integrity",
    "check_vc_claims",
    "issue_sd_jwt_vc",
    "issuer_metadata_url",
    "parse_type_metadata",
    "resolve_type_metadata",
    "unverified_sd_jwt_vc_claims",
    "verify_sd_jwt_vc",
]

"""Signing and verifying trust lists: a compact JWS over the RFC 8785 canonical document.

The protected header carries the operator's certificate chain in ``x5c`` (RFC 7515 4.1.6)
and ``typ`` ``honnin-trustlist+jws``. The verifier pins the operator anchors, validates the
chain at the given time, checks the signature, and insists that the payload is exactly the
canonical form of what it parses to, so one list has one byte representation and one digest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cryptography import x509

from specs.credentials.check_digits import check_corporate_number
from specs.encoding import parse_json_object
from specs.errors import LimitExceeded, MalformedInput, UntrustedKey
from specs.jose.jws import (
    VerifiedJws,
    sign_compact,
    unverified_header,
    unverified_payload,
    verify_compact,
)
from specs.keys.jwk import public_jwk, thumbprint
from specs.keys.x509 import encode_x5c, parse_x5c, validate_chain
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Signer
from specs.trustlist import constants as c
from specs.trustlist.canonical import canonical_bytes, token_digest
from specs.trustlist.model import (
    CorporateNumberCheck,
    TrustList,
    parse_trust_list,
)


@dataclass(frozen=True, slots=True)
class VerifiedTrustList:
    """A trust list whose operator signature verified, with who signed it."""

    trust_list: TrustList
    token: str
    digest: str
    signer_certificate: x509.Certificate
    header: Mapping[str, Any]


def jws_limits(limits: Limits) -> Limits:
    """Return limits sized for a trust list: its JSON and JWS may be as large as the list."""
    token_bytes = (limits.max_trust_list_bytes * 4) // 3 + 64 * 1024
    return replace(limits, max_json_bytes=limits.max_trust_list_bytes, max_token_bytes=token_bytes)


def check_operator_key(signer: Signer, chain: Sequence[x509.Certificate]) -> None:
    """Raise ``UntrustedKey`` unless ``signer`` holds the key of the chain's first certificate."""
    leaf_jwk = public_jwk(chain[0].public_key()) if chain else None  # type: ignore[arg-type]
    if leaf_jwk is None or thumbprint(leaf_jwk) != thumbprint(signer.public_jwk):
        raise UntrustedKey("the signing key does not match the operator certificate")


def sign_operator_jws(
    payload: bytes, signer: Signer, chain: Sequence[x509.Certificate], *, typ: str
) -> str:
    """Sign ``payload`` as a compact JWS that carries the operator chain in ``x5c``."""
    return sign_compact(payload, signer, typ=typ, header={"x5c": encode_x5c(chain)})


def verify_operator_jws(
    token: str,
    anchors: Sequence[x509.Certificate],
    at: datetime,
    *,
    typ: str,
    limits: Limits,
    token_limits: Limits,
) -> tuple[VerifiedJws, x509.Certificate]:
    """Verify a compact JWS whose ``x5c`` chains to ``anchors``; return it and the signer.

    ``token_limits`` bound the JWS and its JSON, ``limits`` the certificate chain.
    """
    chain = parse_x5c(unverified_header(token, token_limits).get("x5c"), limits)
    leaf = validate_chain(chain, anchors, at)
    verified = verify_compact(
        token,
        leaf.public_key(),  # type: ignore[arg-type]
        allowed_algs=c.ALLOWED_ALGS,
        expected_typ=typ,
        limits=token_limits,
    )
    return verified, leaf


def sign_trust_list(
    document: Mapping[str, Any],
    signer: Signer,
    chain: Sequence[x509.Certificate],
    *,
    limits: Limits = DEFAULT_LIMITS,
    corporate_number_check: CorporateNumberCheck = check_corporate_number,
) -> str:
    """Validate ``document`` and sign its canonical form with the operator's key and chain."""
    parse_trust_list(document, limits=limits, corporate_number_check=corporate_number_check)
    if not chain:
        raise MalformedInput("the operator certificate chain is empty")
    check_operator_key(signer, chain)
    payload = canonical_bytes(document)
    if len(payload) > limits.max_trust_list_bytes:
        raise LimitExceeded(f"trust list is larger than {limits.max_trust_list_bytes} bytes")
    return sign_operator_jws(payload, signer, chain, typ=c.TRUST_LIST_TYP)


def verify_trust_list(
    token: str,
    anchors: Sequence[x509.Certificate],
    at: datetime,
    *,
    limits: Limits = DEFAULT_LIMITS,
    corporate_number_check: CorporateNumberCheck = check_corporate_number,
) -> VerifiedTrustList:
    """Verify a signed trust list against the operator ``anchors`` at ``at``; raise on failure.

    Freshness (next update, grace) and rollback are the fetcher's policy, not checked here.
    """
    big = jws_limits(limits)
    if not isinstance(token, str):
        raise MalformedInput("a signed trust list is a compact JWS string")
    token = token.strip()
    verified, leaf = verify_operator_jws(
        token, anchors, at, typ=c.TRUST_LIST_TYP, limits=limits, token_limits=big
    )
    document = parse_json_object(verified.payload, what="trust list", limits=big)
    if canonical_bytes(document) != verified.payload:
        raise MalformedInput("trust list payload is not in RFC 8785 canonical form")
    trust_list = parse_trust_list(
        document, limits=limits, corporate_number_check=corporate_number_check
    )
    return VerifiedTrustList(
        trust_list=trust_list,
        token=token,
        digest=token_digest(token),
        signer_certificate=leaf,
        header=verified.header,
    )


def unverified_trust_list_document(token: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Return the JSON document inside a signed list WITHOUT checking signature or schema."""
    return unverified_payload(token.strip(), jws_limits(limits))

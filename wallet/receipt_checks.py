"""Checks on every issued credential before the wallet stores it (receipt checks).

A Credential Response is read only after each credential in it passed, for its format:

- ``dc+sd-jwt``: ``typ``, the issuer signature with the leaf key of the ``x5c`` header
  (SD-JWT VC draft section 2.5; with a trust list, a ``kid`` the list names also works, as
  at the verifier), every disclosure referenced by a digest (RFC 9901 section 7.1, no
  key binding: the holder has no KB-JWT yet), the SD-JWT VC claim rules and ``vct`` (and
  the configuration's ``vct``), ``exp``/``nbf``/``iat``, and ``iss`` equal to the Credential
  Issuer the wallet talked to; without ``iss`` the certificate must name that issuer.
- ``mso_mdoc``: IssuerAuth signed by the document signer certificate of its ``x5chain``,
  every IssuerSignedItem's digest in the MSO, docType, MSO validity now (ISO 18013-5
  section 9.3.1); a certificate that names URLs or hosts (subjectAltName) must name the
  Credential Issuer among them (the ``x5c`` rule of SD-JWT VC); one that names none, as
  ISO 18013-5 Annex B document signer certificates do, is judged by the trust list alone.
- ``ldp_vc``: the ``ecdsa-sd-2023`` base proof, checked as a holder can, by the ``did:jwk``
  key that is the key of its ``x5c`` leaf certificate; ``issuer`` is the Credential Issuer
  and the certificate names it; validFrom/validUntil contain now.

Then every credential must be bound to its own key among those the wallet just sent.

With a trust list configured, the issuer's chain (or listed key) must also belong to an
issuer the list authorises for the credential type now (``trustlist.evaluation``, as the
verifier judges it). Without one there is no anchor to judge by; the chain is then checked
in itself (links, validity periods), so a corrupted or inconsistent credential is still
refused before it lands in the store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from specs.credentials import CredentialType, credential_type_by_vct
from specs.credentials.mdoc import credential_type_by_doctype
from specs.errors import (
    HonninError,
    MalformedInput,
    NotFound,
    PolicyViolation,
    UntrustedIssuer,
    UntrustedKey,
    ValidationError,
)
from specs.keys.jwk import public_jwk, thumbprint
from specs.keys.x509 import parse_x5c, validate_chain
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc import verify_issuer_signed
from specs.mdoc.cose import certificates, jwk_from_cose_key, x5chain_der
from specs.openid4vci import CredentialConfiguration
from specs.openid4vci.constants import FORMAT_DC_SD_JWT, FORMAT_LDP_VC, FORMAT_MSO_MDOC
from specs.ports import FixedClock
from specs.sd_jwt.verification import unverified_sd_jwt
from specs.sd_jwt_vc import (
    IssuerKeyResolver,
    StaticIssuerKey,
    VerifiedSdJwtVc,
    X5cIssuerKeys,
    certificate_names,
    check_iss_matches_certificate,
    check_iss_matches_names,
    verify_sd_jwt_vc,
)
from specs.trustlist import TrustList
from specs.w3c_vc import DocumentLoader, check_validity_period, ecdsa_sd_2023, parse_credential
from specs.w3c_vc.constants import CLAIM_TYPE, HONNIN_VOCAB
from specs.w3c_vc.data_integrity import split_proof
from specs.w3c_vc.did_jwk import resolve_did_jwk, unverified_did_jwk
from specs.w3c_vc.multikey import resolve_did_key
from specs.w3c_vc.vocabulary import credential_type_by_expanded_type
from trustlist.evaluation import authorize_issuer
from wallet.mdoc_presentation import unverified_mdoc

_LOADER = DocumentLoader()


@dataclass(frozen=True, slots=True)
class ReceiptContext:
    """What issued credentials are judged against: their issuer, the time, the trust list."""

    credential_issuer: str
    now: datetime
    trust_list: TrustList | None = None
    limits: Limits = DEFAULT_LIMITS


@dataclass(frozen=True, slots=True)
class CheckedCredential:
    """One issued credential whose checks passed, and the sent key it is bound to.

    ``stored`` is the form the store keeps; ``claims`` are the verified claims: the
    processed SD-JWT VC payload, the mdoc elements by namespace, or the VC's
    ``credentialSubject`` without ``id``. ``key_id`` is "" for an unbound SD-JWT VC
    received without proofs.
    """

    stored: str
    claims: dict[str, Any]
    key_id: str


@dataclass(frozen=True, slots=True)
class _Verified:
    stored: str
    claims: dict[str, Any]
    holder_jwk: Mapping[str, Any] | None


def check_issued(
    config: CredentialConfiguration,
    issued: Sequence[Any],
    keys_sent: Sequence[Mapping[str, Any]],
    context: ReceiptContext,
) -> list[CheckedCredential]:
    """Verify every credential of a Credential Response and bind each to its own sent key."""
    if not issued:
        raise MalformedInput("the Credential Response holds no Credential")
    verified = [_verify_one(config, item.credential, context) for item in issued]
    return _bind(config.format, verified, keys_sent)


def _verify_one(
    config: CredentialConfiguration, credential: Any, context: ReceiptContext
) -> _Verified:
    if config.format == FORMAT_DC_SD_JWT:
        if not isinstance(credential, str):
            raise MalformedInput("a dc+sd-jwt Credential is a string")
        result = check_sd_jwt_vc(credential, context, vct=config.vct)
        return _Verified(credential, result.payload, result.cnf_jwk)
    if config.format == FORMAT_MSO_MDOC:
        if not isinstance(credential, str):
            raise MalformedInput("an mso_mdoc Credential is a base64url string")
        if not config.doctype:
            raise MalformedInput("the mso_mdoc configuration names no doctype")
        namespaces, device_jwk = check_mdoc(credential, config.doctype, context)
        return _Verified(credential, namespaces, device_jwk)
    if config.format == FORMAT_LDP_VC:
        if not isinstance(credential, dict):
            raise MalformedInput("an ldp_vc Credential is a JSON object")
        subject, holder_jwk = check_ldp_vc(credential, context)
        stored = json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
        return _Verified(stored, subject, holder_jwk)
    raise MalformedInput(f"no receipt checks for format {config.format!r}")


def _bind(
    credential_format: str, verified: Sequence[_Verified], keys_sent: Sequence[Mapping[str, Any]]
) -> list[CheckedCredential]:
    by_print = {
        thumbprint({k: v for k, v in j.items() if k != "kid"}): str(j["kid"]) for j in keys_sent
    }
    # Without proofs an SD-JWT VC may come unbound; an mdoc or VC always names its holder key.
    must_bind = bool(keys_sent) or credential_format != FORMAT_DC_SD_JWT
    used: set[str] = set()
    out = []
    for item in verified:
        kid = None
        if item.holder_jwk is not None:
            try:
                kid = by_print.get(thumbprint(dict(item.holder_jwk)))
            except HonninError:
                kid = None
        if must_bind and (kid is None or kid in used):
            raise ValidationError("an issued Credential is not bound to a key this wallet sent")
        used.add(kid or "")
        out.append(CheckedCredential(item.stored, item.claims, kid or ""))
    return out


# --- the issuer: trust list or the chain in itself ---


def _authorize(
    trust_list: TrustList,
    type_names: Sequence[str],
    now: datetime,
    **key: Any,
) -> Sequence[x509.Certificate]:
    # A trust list may name the type by its vct or by its short id (as at the verifier).
    last: HonninError | None = None
    for name in type_names:
        try:
            decision = authorize_issuer(trust_list, credential_type=name, at=now, **key)
        except PolicyViolation as exc:
            last = exc
            continue
        return decision.issuer.identity.certificates
    raise last or PolicyViolation("the credential has no type the trust list could judge")


def _anchors(
    chain: Sequence[x509.Certificate], type_names: Sequence[str], context: ReceiptContext
) -> list[x509.Certificate]:
    """The anchors to validate the issuer chain to: the listed issuer's, or the chain's own top."""
    if context.trust_list is None:
        # No trust list, no anchor: the chain is judged in itself (each link signed by the
        # next, every certificate valid now), which a corrupted chain does not pass.
        return [chain[-1]]
    return list(_authorize(context.trust_list, type_names, context.now, chain=chain))


def _type_names(ctype: CredentialType[Any] | None, vct: Any) -> list[str]:
    names = [vct] if isinstance(vct, str) and vct else []
    if ctype is not None:
        names += [n for n in (ctype.vct, ctype.id) if n not in names]
    return names


# --- dc+sd-jwt ---


def _listed_key(
    trust_list: TrustList, header: Mapping[str, Any], type_names: Sequence[str], now: datetime
) -> IssuerKeyResolver:
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise UntrustedKey("the credential names its key neither by x5c nor by kid")
    found = trust_list.issuer_key(kid)
    if found is None:
        raise UntrustedIssuer(f"no issuer in the trust list has a key with kid {kid!r}")
    _, jwk = found
    _authorize(trust_list, type_names, now, jwk=jwk)
    return StaticIssuerKey(dict(jwk))


def check_sd_jwt_vc(
    text: str, context: ReceiptContext, *, vct: str | None = None
) -> VerifiedSdJwtVc:
    """Verify an issued SD-JWT VC (no KB-JWT); return the ``VerifiedSdJwtVc``."""
    unverified = unverified_sd_jwt(text, limits=context.limits)
    if unverified.sd_jwt.kb_jwt is not None:
        raise MalformedInput("an issued SD-JWT VC carries no KB-JWT")
    header, claimed = unverified.header, unverified.payload or {}
    claimed_vct = claimed.get("vct")
    try:
        ctype: CredentialType[Any] | None = credential_type_by_vct(str(claimed_vct))
    except NotFound:
        ctype = None
    names = _type_names(ctype, claimed_vct)
    leaf: x509.Certificate | None = None
    resolver: IssuerKeyResolver
    if "x5c" in header:
        chain = parse_x5c(header["x5c"], context.limits)
        # X5cIssuerKeys validates the chain to these anchors and matches 'iss' to the leaf.
        resolver = X5cIssuerKeys(_anchors(chain, names, context), limits=context.limits)
        leaf = chain[0]
    elif context.trust_list is not None:
        resolver = _listed_key(context.trust_list, header, names, context.now)
    else:
        raise UntrustedKey(
            "the credential has no x5c header, and without a trust list the wallet has no "
            "other way to find the issuer's key"
        )
    result = verify_sd_jwt_vc(
        text,
        issuer_keys=resolver,
        clock=FixedClock(context.now),
        require_key_binding=False,
        limits=context.limits,
    )
    if vct is not None and result.vct != vct:
        raise ValidationError(
            f"the credential is of type {result.vct!r}, not the {vct!r} the wallet asked for",
            claim_path=("vct",),
        )
    if result.iss is None:
        if leaf is None:
            raise MalformedInput("the credential has no 'iss'", claim_path=("iss",))
        # Without 'iss' the certificate must name the issuer the wallet talked to.
        check_iss_matches_certificate(context.credential_issuer, leaf)
    elif result.iss != context.credential_issuer:
        raise UntrustedIssuer(
            f"the credential's 'iss' {result.iss!r} is not the Credential Issuer "
            f"{context.credential_issuer!r} it came from",
            claim_path=("iss",),
        )
    return result


# --- mso_mdoc ---


def check_mdoc(
    text: str, doctype: str, context: ReceiptContext
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify an issued base64url(IssuerSigned); return its elements and the device key JWK."""
    document, _, _ = unverified_mdoc(text, doctype, limits=context.limits)
    issuer_auth = document.issuer_signed.issuer_auth
    chain = certificates(
        x5chain_der(issuer_auth, what="issuerAuth", limits=context.limits), what="issuerAuth"
    )
    try:
        ctype: CredentialType[Any] | None = credential_type_by_doctype(doctype)
    except NotFound:
        ctype = None
    verified = verify_issuer_signed(
        document,
        trust_anchors=_anchors(chain, _type_names(ctype, None) or [doctype], context),
        now=context.now,
        limits=context.limits,
    )
    names = certificate_names(verified.issuer_certificate)
    # ISO 18013-5 Annex B document signer certificates name an organisation, not a URL; a
    # certificate that does name URLs or hosts must name the Credential Issuer among them.
    if names.uris or names.dns:
        check_iss_matches_names(context.credential_issuer, names)
    namespaces = {ns: dict(elements) for ns, elements in verified.namespaces.items()}
    return namespaces, jwk_from_cose_key(verified.mso.device_key)


# --- ldp_vc ---


def _raw_point(key: object) -> bytes | None:
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return None
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _vc_type(document: Mapping[str, Any]) -> CredentialType[Any] | None:
    types = document.get(CLAIM_TYPE)
    for name in types if isinstance(types, list) else [types]:
        ctype = credential_type_by_expanded_type(HONNIN_VOCAB + str(name))
        if ctype is not None:
            return ctype
    return None


def check_ldp_vc(
    document: Mapping[str, Any], context: ReceiptContext
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Verify an issued VC's base proof and issuer; return ``credentialSubject`` and holder JWK."""
    unsecured, proof = split_proof(document)
    method = proof.get("verificationMethod")
    issuer_jwk = unverified_did_jwk(method, context.limits)
    if "x5c" not in issuer_jwk:
        raise UntrustedKey("the issuer's did:jwk carries no x5c certificate chain")
    chain = parse_x5c(issuer_jwk["x5c"], context.limits)
    key = resolve_did_jwk(method)
    if _raw_point(key) != _raw_point(chain[0].public_key()):
        raise UntrustedKey("the did:jwk key is not the key of its x5c leaf certificate")
    names = _type_names(_vc_type(unsecured), None)
    leaf = validate_chain(chain, _anchors(chain, names, context), context.now)

    def resolve(verification_method: str) -> ec.EllipticCurvePublicKey:
        if verification_method != method:
            raise UntrustedKey("the proof names another verification method than the issuer's")
        return key

    verified = ecdsa_sd_2023.verify_base_proof(
        document, loader=_LOADER, key_resolver=resolve, limits=context.limits
    )
    credential = parse_credential(verified.document)
    if credential.issuer != context.credential_issuer:
        raise UntrustedIssuer(
            f"the credential's issuer {credential.issuer!r} is not the Credential Issuer "
            f"{context.credential_issuer!r} it came from",
            claim_path=("issuer",),
        )
    check_iss_matches_certificate(credential.issuer, leaf)
    check_validity_period(credential, FixedClock(context.now))
    if len(credential.subjects) != 1:
        raise ValidationError("an ldp_vc Credential must have exactly one credentialSubject")
    subject = dict(credential.subjects[0])
    holder = subject.pop("id", None)
    holder_jwk: dict[str, Any] | None = None
    if isinstance(holder, str):
        try:
            holder_jwk = public_jwk(resolve_did_key(holder))
        except HonninError:
            holder_jwk = None
    return subject, holder_jwk


__all__ = [
    "CheckedCredential",
    "ReceiptContext",
    "check_issued",
    "check_ldp_vc",
    "check_mdoc",
    "check_sd_jwt_vc",
]

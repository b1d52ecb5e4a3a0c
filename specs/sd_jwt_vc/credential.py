"""Issuing and verifying SD-JWT VCs (draft-ietf-oauth-sd-jwt-vc sections 2 and 2.5)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from specs.errors import ClaimPath, MalformedInput
from specs.jose import sign_compact, unverified_header, unverified_payload
from specs.keys import DEFAULT_ALLOWED_ALGS
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Clock, Random, Signer
from specs.sd_jwt import SD, KeyBindingCheck, VerifiedSdJwt, issue, parse, verify
from specs.sd_jwt.constants import SEPARATOR
from specs.sd_jwt.issuance import IssuanceTemplate, compile_claims
from specs.sd_jwt.presentation import unverified_processed
from specs.sd_jwt_vc.constants import (
    ACCEPTED_TYPS,
    CNF,
    EXP,
    IAT,
    ISS,
    NBF,
    NEVER_DISCLOSABLE,
    STATUS,
    STATUS_LIST,
    TYP_DC_SD_JWT,
    VCT,
    VCT_INTEGRITY,
)
from specs.sd_jwt_vc.issuer_keys import IssuerKeyResolver


@dataclass(frozen=True, slots=True)
class StatusListReference:
    """A Token Status List reference: index ``idx`` in the list at ``uri``."""

    idx: int
    uri: str

    def to_claim(self) -> dict[str, Any]:
        """Return the ``status`` claim value (draft-ietf-oauth-status-list section 6.1)."""
        return {STATUS_LIST: {"idx": self.idx, "uri": self.uri}}

    @classmethod
    def from_claim(cls, status: Any) -> StatusListReference | None:
        """Read a ``status`` claim; None when it uses no status list; raise when malformed."""
        if not isinstance(status, Mapping):
            raise MalformedInput("'status' must be an object", claim_path=(STATUS,))
        ref = status.get(STATUS_LIST)
        if ref is None:
            return None
        idx, uri = (ref.get("idx"), ref.get("uri")) if isinstance(ref, Mapping) else (None, None)
        if not isinstance(idx, int) or isinstance(idx, bool) or idx < 0 or not isinstance(uri, str):
            raise MalformedInput(
                "'status_list' needs a non-negative integer idx and a string uri",
                claim_path=(STATUS, STATUS_LIST),
            )
        return cls(idx, uri)


@dataclass(frozen=True, slots=True)
class VerifiedSdJwtVc:
    """A verified SD-JWT VC: processed claims, type, issuer, status reference and holder key."""

    payload: dict[str, Any]
    vct: str
    iss: str | None
    status: StatusListReference | None
    cnf_jwk: dict[str, Any] | None
    header: dict[str, Any]
    disclosed: tuple[ClaimPath, ...]
    key_binding: dict[str, Any] | None
    sd_jwt: VerifiedSdJwt


def _timestamp(value: datetime | int | None) -> int | None:
    if value is None:
        return None
    return int(value.timestamp()) if isinstance(value, datetime) else int(value)


def issue_sd_jwt_vc(
    claims: Mapping[str, Any],
    signer: Signer,
    *,
    vct: str,
    clock: Clock,
    random: Random,
    iss: str | None = None,
    holder_jwk: Mapping[str, Any] | None = None,
    vct_integrity: str | None = None,
    expires_in: int | None = None,
    not_before: datetime | int | None = None,
    status: StatusListReference | None = None,
    x5c: Sequence[str] | None = None,
    kid: str | None = None,
    iat_disclosable: bool = False,
    decoys: int = 0,
    hash_alg: str = "sha-256",
    salts: Mapping[ClaimPath, str] | None = None,
) -> str:
    """Issue an SD-JWT VC (``typ: dc+sd-jwt``); ``claims`` mark disclosable values with ``SD``.

    ``iss``, ``nbf``, ``exp``, ``cnf``, ``vct``, ``vct#integrity`` and ``status`` are set from
    the arguments and never disclosable (draft section 2.2.2.3).
    """
    for name in NEVER_DISCLOSABLE | {IAT}:
        if name in claims:
            raise MalformedInput(f"claim {name!r} is set by issue_sd_jwt_vc, not in claims")
    if not isinstance(vct, str) or not vct:
        raise MalformedInput("'vct' must be a non-empty string")
    now = int(clock.now().timestamp())
    payload: dict[str, Any] = {}
    if iss is not None:
        payload[ISS] = iss
    payload[IAT] = SD(now) if iat_disclosable else now
    nbf = _timestamp(not_before)
    if nbf is not None:
        payload[NBF] = nbf
    if expires_in is not None:
        payload[EXP] = now + expires_in
    payload[VCT] = vct
    if vct_integrity is not None:
        payload[VCT_INTEGRITY] = vct_integrity
    if holder_jwk is not None:
        payload[CNF] = {"jwk": dict(holder_jwk)}
    if status is not None:
        payload[STATUS] = status.to_claim()
    payload.update(claims)
    header: dict[str, Any] = {}
    if x5c is not None:
        header["x5c"] = list(x5c)
    if kid is not None:
        header["kid"] = kid
    return issue(
        payload,
        signer,
        random=random,
        hash_alg=hash_alg,
        decoys=decoys,
        header=header,
        typ=TYP_DC_SD_JWT,
        salts=salts,
    )


@dataclass(frozen=True, slots=True, eq=False)
class SdJwtVcTemplate:
    """The per-credential part of issuing SD-JWT VCs, prepared once for a batch of instances.

    Each ``issue`` call draws fresh salts and decoys and signs anew, so no two instances share
    a salt, a digest or a signature (batch issuance for unlinkability).
    """

    template: IssuanceTemplate
    vct: str
    iss: str | None
    vct_integrity: str | None
    expires_in: int | None
    nbf: int | None
    header: dict[str, Any]

    def render(
        self,
        *,
        clock: Clock,
        random: Random,
        holder_jwk: Mapping[str, Any] | None = None,
        status: StatusListReference | None = None,
    ) -> tuple[dict[str, Any], list[str]]:
        """Return one instance's payload and disclosures (fresh salts), not yet signed."""
        now = int(clock.now().timestamp())
        leading: dict[str, Any] = {}
        if self.iss is not None:
            leading[ISS] = self.iss
        leading[IAT] = now
        if self.nbf is not None:
            leading[NBF] = self.nbf
        if self.expires_in is not None:
            leading[EXP] = now + self.expires_in
        leading[VCT] = self.vct
        if self.vct_integrity is not None:
            leading[VCT_INTEGRITY] = self.vct_integrity
        if holder_jwk is not None:
            leading[CNF] = {"jwk": dict(holder_jwk)}
        if status is not None:
            leading[STATUS] = status.to_claim()
        return self.template.render(random, leading)

    def issue(
        self,
        signer: Signer,
        *,
        clock: Clock,
        random: Random,
        holder_jwk: Mapping[str, Any] | None = None,
        status: StatusListReference | None = None,
    ) -> str:
        """Issue one instance: same payload shape and order as ``issue_sd_jwt_vc``."""
        payload, disclosures = self.render(
            clock=clock, random=random, holder_jwk=holder_jwk, status=status
        )
        jwt = sign_compact(payload, signer, header=self.header, typ=TYP_DC_SD_JWT)
        return SEPARATOR.join((jwt, *disclosures, ""))


def prepare_sd_jwt_vc(
    claims: Mapping[str, Any],
    *,
    vct: str,
    iss: str | None = None,
    vct_integrity: str | None = None,
    expires_in: int | None = None,
    not_before: datetime | int | None = None,
    x5c: Sequence[str] | None = None,
    kid: str | None = None,
    decoys: int = 0,
    hash_alg: str = "sha-256",
    limits: Limits = DEFAULT_LIMITS,
) -> SdJwtVcTemplate:
    """Check and compile SD-JWT VC claims once for issuing several instances (``SD`` markers)."""
    for name in NEVER_DISCLOSABLE | {IAT}:
        if name in claims:
            raise MalformedInput(f"claim {name!r} is set by issue_sd_jwt_vc, not in claims")
    if not isinstance(vct, str) or not vct:
        raise MalformedInput("'vct' must be a non-empty string")
    header: dict[str, Any] = {}
    if x5c is not None:
        header["x5c"] = list(x5c)
    if kid is not None:
        header["kid"] = kid
    return SdJwtVcTemplate(
        template=compile_claims(claims, hash_alg=hash_alg, decoys=decoys, limits=limits),
        vct=vct,
        iss=iss,
        vct_integrity=vct_integrity,
        expires_in=expires_in,
        nbf=_timestamp(not_before),
        header=header,
    )


def check_vc_claims(result: VerifiedSdJwt) -> None:
    """Apply the SD-JWT VC claim rules (draft section 2.2.2) to a verified SD-JWT."""
    for path in result.disclosed:
        if path and path[0] in NEVER_DISCLOSABLE:
            raise MalformedInput("this claim must not be selectively disclosed", claim_path=path)
    payload = result.payload
    if not isinstance(payload.get(VCT), str) or not payload[VCT]:
        raise MalformedInput("an SD-JWT VC needs a string 'vct'", claim_path=(VCT,))
    if ISS in payload and not isinstance(payload[ISS], str):
        raise MalformedInput("'iss' must be a string", claim_path=(ISS,))
    if VCT_INTEGRITY in payload and not isinstance(payload[VCT_INTEGRITY], str):
        raise MalformedInput("'vct#integrity' must be a string", claim_path=(VCT_INTEGRITY,))


def verify_sd_jwt_vc(
    presentation: str | Mapping[str, Any],
    *,
    issuer_keys: IssuerKeyResolver,
    clock: Clock,
    key_binding: KeyBindingCheck | None = None,
    require_key_binding: bool | None = None,
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS,
    accepted_vcts: Collection[str] | None = None,
    accept_legacy_typ: bool = True,
    leeway_seconds: int = 60,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedSdJwtVc:
    """Verify an SD-JWT VC presentation: typ, issuer key via ``issuer_keys``, SD-JWT rules, vct."""
    parsed = parse(presentation, limits=limits)
    header = unverified_header(parsed.issuer_jwt, limits)
    typ = header.get("typ")
    accepted = ACCEPTED_TYPS if accept_legacy_typ else frozenset({TYP_DC_SD_JWT})
    if typ not in accepted:
        raise MalformedInput(f"'typ' must be {TYP_DC_SD_JWT!r}, got {typ!r}")
    claimed = unverified_payload(parsed.issuer_jwt, limits)
    key = issuer_keys.resolve(header, claimed, clock.now())
    result = verify(
        parsed.json_document if parsed.json_document is not None else parsed.compact(),
        key,
        clock=clock,
        key_binding=key_binding,
        require_key_binding=require_key_binding,
        allowed_algs=allowed_algs,
        leeway_seconds=leeway_seconds,
        limits=limits,
    )
    check_vc_claims(result)
    payload = result.payload
    if accepted_vcts is not None and payload[VCT] not in accepted_vcts:
        raise MalformedInput(f"credential type {payload[VCT]!r} is not accepted here")
    status = StatusListReference.from_claim(payload[STATUS]) if STATUS in payload else None
    cnf = payload.get(CNF)
    cnf_jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    return VerifiedSdJwtVc(
        payload=payload,
        vct=payload[VCT],
        iss=payload.get(ISS),
        status=status,
        cnf_jwk=dict(cnf_jwk) if isinstance(cnf_jwk, Mapping) else None,
        header=result.header,
        disclosed=result.disclosed,
        key_binding=result.key_binding,
        sd_jwt=result,
    )


def unverified_sd_jwt_vc_claims(sd_jwt: str, *, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Return the claims of an SD-JWT VC with all its disclosures WITHOUT checking anything."""
    _, processed = unverified_processed(parse(sd_jwt, limits=limits), limits=limits)
    return processed.claims

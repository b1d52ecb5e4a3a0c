"""Status List Tokens: signed JWT (``statuslist+jwt``) and CWT (``application/statuslist+cwt``).

Verification follows the draft's "Validation Rules": signature and type, required claims,
``sub`` equal to the Referenced Token's ``uri``, ``iat``/``exp``/``nbf`` against an injected
clock, a positive ``ttl``, then the bounded decompression of the list itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import cbor2

from specs.errors import (
    Expired,
    LimitExceeded,
    MalformedInput,
    NotYetValid,
    StaleData,
    Unsupported,
    ValidationError,
)
from specs.jose import sign_compact, verify_compact
from specs.jose.jws import KeyInput
from specs.keys.algorithms import DEFAULT_ALLOWED_ALGS, algorithm, algorithm_by_cose_id
from specs.keys.jwk import PublicKey, public_key_from_jwk, verify_signature
from specs.limits import DEFAULT_LIMITS, Limits
from specs.ports import Clock, Signer
from specs.status_list.constants import (
    CLAIM_STATUS_LIST,
    CLAIM_TTL,
    COSE_HEADER_ALG,
    COSE_HEADER_KID,
    COSE_HEADER_TYP,
    COSE_SIGN1_TAG,
    CWT_CLAIM_EXP,
    CWT_CLAIM_IAT,
    CWT_CLAIM_STATUS_LIST,
    CWT_CLAIM_SUB,
    CWT_CLAIM_TTL,
    MEDIA_TYPE_STATUSLIST_CWT,
    TYP_STATUSLIST_JWT,
)
from specs.status_list.reference import StatusReference
from specs.status_list.token_status_list import StatusList

DEFAULT_LEEWAY = 60


@dataclass(frozen=True, slots=True)
class VerifiedStatusList:
    """A Status List Token whose signature, type, subject and times were checked."""

    status_list: StatusList
    sub: str
    iat: int
    exp: int | None
    ttl: int | None
    header: dict[Any, Any]
    claims: dict[Any, Any]

    def status(self, reference: StatusReference | int) -> int:
        """Return the status value for a reference (its ``uri`` must be this list's ``sub``)."""
        if isinstance(reference, StatusReference):
            if reference.uri != self.sub:
                raise ValidationError(
                    f"status list {self.sub!r} is not the one referenced ({reference.uri!r})",
                    claim_path=["sub"],
                )
            return self.status_list.get(reference.idx)
        return self.status_list.get(reference)

    def refresh_due(self, fetched_at: datetime) -> datetime | None:
        """When a cached copy fetched at ``fetched_at`` should be fetched again (``ttl``)."""
        return fetched_at + timedelta(seconds=self.ttl) if self.ttl is not None else None


def _numeric_date(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedInput(f"'{name}' must be a NumericDate", claim_path=[name])
    return int(value)


def _check_times(
    *,
    iat: int,
    exp: int | None,
    nbf: int | None,
    ttl: object,
    clock: Clock,
    leeway: int,
    fetched_at: datetime | None,
    max_age: int | None,
) -> int | None:
    now = clock.now().timestamp()
    if iat > now + leeway:
        raise NotYetValid("status list token 'iat' is in the future", claim_path=["iat"])
    if nbf is not None and nbf > now + leeway:
        raise NotYetValid("status list token is not valid yet ('nbf')", claim_path=["nbf"])
    if exp is not None and exp <= now - leeway:
        raise Expired("status list token has expired ('exp')", claim_path=["exp"])
    checked_ttl: int | None = None
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
            raise MalformedInput("'ttl' must be a positive integer", claim_path=["ttl"])
        checked_ttl = ttl
        # Draft "Validation Rules" 4.d: fetch a fresh copy once resolution time + ttl passed.
        if fetched_at is not None and fetched_at.timestamp() + ttl < now:
            raise StaleData("cached status list token is older than its 'ttl'", claim_path=["ttl"])
    if max_age is not None and now - iat > max_age:
        raise StaleData(f"status list token was issued more than {max_age} s ago")
    return checked_ttl


@dataclass(frozen=True, slots=True)
class _Format:
    """How one token format keys its claims and words what is missing: JWT or CWT."""

    what: str
    sub: Any
    iat: Any
    exp: Any
    nbf: Any
    ttl: Any
    status_list: Any
    iss: Any
    lacks_sub: str
    lacks_iat: str
    lacks_status_list: str
    status_list_path: list[str] | None
    encode_list: Callable[[StatusList], Any]
    decode_list: Callable[[Any, Limits], StatusList]


_JWT = _Format(
    what="status list token",
    sub="sub",
    iat="iat",
    exp="exp",
    nbf="nbf",
    ttl=CLAIM_TTL,
    status_list=CLAIM_STATUS_LIST,
    iss="iss",
    lacks_sub="a string 'sub'",
    lacks_iat="'iat'",
    lacks_status_list="'status_list'",
    status_list_path=["status_list"],
    encode_list=StatusList.to_json,
    decode_list=StatusList.from_json,
)
# RFC 8392 section 3.1.5: nbf is CWT claim key 5.
_CWT = _Format(
    what="status list CWT",
    sub=CWT_CLAIM_SUB,
    iat=CWT_CLAIM_IAT,
    exp=CWT_CLAIM_EXP,
    nbf=5,
    ttl=CWT_CLAIM_TTL,
    status_list=CWT_CLAIM_STATUS_LIST,
    iss=1,
    lacks_sub="a text 'sub' (2)",
    lacks_iat="'iat' (6)",
    lacks_status_list="'status_list' (65533)",
    status_list_path=None,
    encode_list=StatusList.to_cbor_map,
    decode_list=StatusList.from_cbor_map,
)


def _claims_to_sign(
    fmt: _Format,
    status_list: StatusList,
    *,
    uri: str,
    clock: Clock,
    expires_in: int | None,
    ttl: int | None,
    issuer: str | None = None,
) -> dict[Any, Any]:
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0):
        raise ValidationError("'ttl' must be a positive integer")
    iat = int(clock.now().timestamp())
    claims: dict[Any, Any] = {fmt.sub: uri, fmt.iat: iat}
    if issuer is not None:
        claims[fmt.iss] = issuer
    if expires_in is not None:
        claims[fmt.exp] = iat + expires_in
    if ttl is not None:
        claims[fmt.ttl] = ttl
    claims[fmt.status_list] = fmt.encode_list(status_list)
    return claims


def _verified_claims(
    fmt: _Format,
    claims: dict[Any, Any],
    header: dict[Any, Any],
    *,
    expected_uri: str,
    clock: Clock,
    leeway: int,
    fetched_at: datetime | None,
    max_age: int | None,
    limits: Limits,
) -> VerifiedStatusList:
    # Draft "Validation Rules": sub, iat, exp/nbf/ttl against the clock, then the list.
    sub = claims.get(fmt.sub)
    if not isinstance(sub, str):
        raise MalformedInput(f"{fmt.what} lacks {fmt.lacks_sub}", claim_path=["sub"])
    if sub != expected_uri:
        raise ValidationError(
            f"{fmt.what} 'sub' {sub!r} is not the referenced uri {expected_uri!r}",
            claim_path=["sub"],
        )
    if fmt.iat not in claims:
        raise MalformedInput(f"{fmt.what} lacks {fmt.lacks_iat}", claim_path=["iat"])
    iat = _numeric_date(claims[fmt.iat], "iat")
    exp = _numeric_date(claims[fmt.exp], "exp") if fmt.exp in claims else None
    nbf = _numeric_date(claims[fmt.nbf], "nbf") if fmt.nbf in claims else None
    ttl = _check_times(
        iat=iat,
        exp=exp,
        nbf=nbf,
        ttl=claims.get(fmt.ttl),
        clock=clock,
        leeway=leeway,
        fetched_at=fetched_at,
        max_age=max_age,
    )
    if fmt.status_list not in claims:
        raise MalformedInput(
            f"{fmt.what} lacks {fmt.lacks_status_list}", claim_path=fmt.status_list_path
        )
    status_list = fmt.decode_list(claims[fmt.status_list], limits)
    return VerifiedStatusList(
        status_list=status_list,
        sub=sub,
        iat=iat,
        exp=exp,
        ttl=ttl,
        header=header,
        claims=claims,
    )


def sign_status_list_jwt(
    status_list: StatusList,
    signer: Signer,
    *,
    uri: str,
    clock: Clock,
    expires_in: int | None = None,
    ttl: int | None = None,
    issuer: str | None = None,
    header: Mapping[str, Any] | None = None,
) -> str:
    """Sign a Status List Token in JWT format for the list published at ``uri``."""
    claims = _claims_to_sign(
        _JWT, status_list, uri=uri, clock=clock, expires_in=expires_in, ttl=ttl, issuer=issuer
    )
    protected = dict(header or {})
    if "kid" not in protected and isinstance(getattr(signer, "kid", None), str):
        protected["kid"] = signer.kid  # type: ignore[attr-defined]
    return sign_compact(claims, signer, header=protected, typ=TYP_STATUSLIST_JWT)


def verify_status_list_jwt(
    token: str,
    key: KeyInput,
    *,
    expected_uri: str,
    clock: Clock,
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS,
    leeway: int = DEFAULT_LEEWAY,
    fetched_at: datetime | None = None,
    max_age: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedStatusList:
    """Verify a ``statuslist+jwt`` for the list at ``expected_uri`` and decode its list."""
    verified = verify_compact(
        token, key, allowed_algs=allowed_algs, expected_typ=TYP_STATUSLIST_JWT, limits=limits
    )
    return _verified_claims(
        _JWT,
        verified.payload_json(limits),
        verified.header,
        expected_uri=expected_uri,
        clock=clock,
        leeway=leeway,
        fetched_at=fetched_at,
        max_age=max_age,
        limits=limits,
    )


# --- CWT (COSE_Sign1, RFC 9052) ---


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    # RFC 9052 section 4.4: Sig_structure for COSE_Sign1 with empty external_aad.
    return bytes(cbor2.dumps(["Signature1", protected, b"", payload]))


def sign_status_list_cwt(
    status_list: StatusList,
    signer: Signer,
    *,
    uri: str,
    clock: Clock,
    expires_in: int | None = None,
    ttl: int | None = None,
    kid: bytes | None = None,
) -> bytes:
    """Sign a Status List Token in CWT format (COSE_Sign1_Tagged, no CWT tag)."""
    claims = _claims_to_sign(
        _CWT, status_list, uri=uri, clock=clock, expires_in=expires_in, ttl=ttl
    )
    alg = algorithm(signer.alg)
    protected = bytes(
        cbor2.dumps({COSE_HEADER_ALG: alg.cose_id, COSE_HEADER_TYP: MEDIA_TYPE_STATUSLIST_CWT})
    )
    payload = bytes(cbor2.dumps(claims))
    signature = signer.sign(_sig_structure(protected, payload))
    unprotected: dict[int, Any] = {COSE_HEADER_KID: kid} if kid is not None else {}
    return bytes(
        cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, unprotected, payload, signature]))
    )


def _cbor_loads(data: bytes, what: str, limits: Limits) -> Any:
    if len(data) > limits.max_cbor_bytes:
        raise LimitExceeded(f"{what} is larger than {limits.max_cbor_bytes} bytes")
    try:
        # A fresh decoder per message; duplicate map keys are rejected.
        return cbor2.loads(data, max_depth=limits.max_cbor_depth, allow_duplicate_keys=False)
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError, OverflowError) as exc:
        raise MalformedInput(f"{what} is not valid CBOR: {exc}") from exc


def verify_status_list_cwt(
    token: bytes,
    key: PublicKey | Mapping[str, Any],
    *,
    expected_uri: str,
    clock: Clock,
    allowed_algs: Collection[str] = DEFAULT_ALLOWED_ALGS,
    leeway: int = DEFAULT_LEEWAY,
    fetched_at: datetime | None = None,
    max_age: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedStatusList:
    """Verify an ``application/statuslist+cwt`` for the list at ``expected_uri``."""
    if not isinstance(token, bytes):
        raise MalformedInput("status list CWT must be bytes")
    outer = _cbor_loads(token, "status list CWT", limits)
    if not isinstance(outer, cbor2.CBORTag) or outer.tag != COSE_SIGN1_TAG:
        # The draft forbids the CWT tag (61) and requires COSE_Sign1_Tagged (18).
        raise MalformedInput("status list CWT must be a COSE_Sign1_Tagged (tag 18) message")
    message = outer.value
    if not isinstance(message, list | tuple) or len(message) != 4:
        raise MalformedInput("COSE_Sign1 must be an array of four elements")
    protected_bytes, unprotected, payload, signature = message
    if not all(isinstance(x, bytes) for x in (protected_bytes, payload, signature)):
        raise MalformedInput("COSE_Sign1 protected header, payload and signature must be bytes")
    if not isinstance(unprotected, Mapping):
        raise MalformedInput("COSE_Sign1 unprotected header must be a map")
    protected = (
        _cbor_loads(protected_bytes, "COSE protected header", limits) if protected_bytes else {}
    )
    if not isinstance(protected, Mapping):
        raise MalformedInput("COSE protected header must be a map")
    if protected.get(COSE_HEADER_TYP) != MEDIA_TYPE_STATUSLIST_CWT:
        raise MalformedInput(
            f"CWT type (16) must be {MEDIA_TYPE_STATUSLIST_CWT!r}, got {protected.get(16)!r}"
        )
    cose_alg = protected.get(COSE_HEADER_ALG)
    if isinstance(cose_alg, bool) or not isinstance(cose_alg, int):
        raise MalformedInput("COSE protected header lacks an integer 'alg' (1)")
    alg = algorithm_by_cose_id(cose_alg)
    if alg.name not in allowed_algs:
        raise Unsupported(f"algorithm {alg.name} is not in the allow-list")
    public_key = public_key_from_jwk(dict(key)) if isinstance(key, Mapping) else key
    verify_signature(alg.name, public_key, _sig_structure(protected_bytes, payload), signature)
    claims = _cbor_loads(payload, "CWT claims", limits)
    if not isinstance(claims, Mapping):
        raise MalformedInput("CWT claims must be a map")
    return _verified_claims(
        _CWT,
        dict(claims),
        {**unprotected, **protected},
        expected_uri=expected_uri,
        clock=clock,
        leeway=leeway,
        fetched_at=fetched_at,
        max_age=max_age,
        limits=limits,
    )

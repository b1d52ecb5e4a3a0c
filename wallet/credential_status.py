"""Checking stored credentials against their issuers' status lists (``honnin wallet status``).

Push and update (DOMAIN.md): an issuer revokes, suspends or re-issues a credential by marking
it in a status list. The wallet reads, for every stored credential, the status reference of
each instance (batch issuance: every instance has its own index):

- ``dc+sd-jwt``: the ``status.status_list`` claim (Token Status List draft, "Referenced Token");
- ``mso_mdoc``: the MSO's CBOR ``status`` (the draft's mdoc section);
- ``ldp_vc``: every BitstringStatusListEntry of ``credentialStatus`` (W3C Bitstring Status
  List v1.0, section 2.1).

Each list is fetched once per run over the wallet's transport (https, or http on loopback;
bounded size, a timeout) and verified as the draft's "Validation Rules" (section 8) say: the
signature by the key the credential itself was issued with (the leaf of the ``x5c`` /
``x5chain`` the wallet checked at receipt, or the did:jwk of a VC's proof), the type,
``sub`` equal to the referenced ``uri``, ``iat``/``exp``/``nbf``/``ttl`` against the clock.
A Bitstring Status List credential must carry a proof by the credential's verification
method, the credential's issuer and a current validity period.

A credential is revoked when any of its instances is, else suspended when any is, else
valid. A list that cannot be fetched or verified is reported for its credentials and nothing
is written for them (no partial state); the others are still checked and recorded. The
wallet never fetches a status list while presenting: the issuer would learn when the person
presents (the draft's privacy considerations, section 12); the person runs the check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from specs.encoding import parse_json_object
from specs.errors import HonninError, LimitExceeded, MalformedInput, NotFound, ValidationError
from specs.keys.jwk import PublicKey, public_key_from_jwk
from specs.keys.x509 import parse_x5c
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc.cose import certificates, x5chain_der
from specs.ports import Clock, FixedClock
from specs.sd_jwt.verification import unverified_sd_jwt
from specs.status_list import (
    MEDIA_TYPE_STATUSLIST_CWT,
    MEDIA_TYPE_STATUSLIST_JWT,
    STATUS_INVALID,
    STATUS_VALID,
    VerifiedStatusList,
    parse_cbor_status,
    parse_status_claim,
    verify_status_list_cwt,
    verify_status_list_jwt,
)
from specs.status_list.bitstring import check_status, parse_status_entry
from specs.status_list.constants import CLAIM_STATUS
from specs.trustlist import TrustList
from specs.urls import is_https_or_loopback
from specs.w3c_vc import DocumentLoader, check_validity_period, ecdsa_rdfc_2019, parse_credential
from specs.w3c_vc.constants import MEDIA_TYPE_VC
from specs.w3c_vc.data_integrity import split_proof
from specs.w3c_vc.did_jwk import resolve_did_jwk
from wallet import constants as wc
from wallet.holder import Wallet
from wallet.mdoc_presentation import FORMAT_MSO_MDOC, unverified_mdoc
from wallet.store import CredentialInstance, StoredCredential
from wallet.transport import WalletHttp
from wallet.w3c_presentation import FORMAT_LDP_VC

_LOADER = DocumentLoader()
_IETF_LIST = "token_status_list"
_BITSTRING = "bitstring_status_list"
# Worst first: a credential takes the worst status among its instances.
_SEVERITY = {wc.STATUS_VALID: 0, wc.STATUS_SUSPENDED: 1, wc.STATUS_REVOKED: 2}


@dataclass(frozen=True, slots=True)
class IssuerKey:
    """The key a credential instance was issued with, as the wallet checked it at receipt."""

    key: PublicKey
    key_id: str
    verification_method: str | None = None


@dataclass(frozen=True, slots=True)
class StatusSlot:
    """Where one instance's status lives: a list, an index, and the key that signs the list."""

    kind: str
    uri: str
    index: int
    issuer_key: IssuerKey
    issuer: str
    purpose: str | None = None
    raw_entry: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ListOutcome:
    """One status list of this run: fetched and verified, or the error that stopped it."""

    uri: str
    error: HonninError | None = None


@dataclass(frozen=True, slots=True)
class CredentialOutcome:
    """What a run found for one stored credential and what it recorded."""

    credential: StoredCredential
    previous_status: str
    issuer_status: str | None
    lists: tuple[str, ...]
    error: HonninError | None = None

    @property
    def checked(self) -> bool:
        """True when a status was recorded for this credential in this run."""
        return self.issuer_status is not None and self.error is None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A whole ``wallet status`` run: when, every credential, every list fetched."""

    checked_at: datetime
    credentials: tuple[CredentialOutcome, ...]
    lists: tuple[ListOutcome, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> bool:
        """True when a list or a credential's references could not be checked."""
        return any(c.error is not None for c in self.credentials)


# --- reading the references from stored instances (already checked at receipt) ---


def _key_id(key: PublicKey) -> str:
    raw = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(raw)
    return digest.finalize().hex()


def _leaf_key(leaf: x509.Certificate) -> IssuerKey:
    key: PublicKey = leaf.public_key()  # type: ignore[assignment]
    return IssuerKey(key, _key_id(key))


def _listed_key(trust_list: TrustList | None, kid: object) -> IssuerKey:
    # The same lookup the receipt checks used for an SD-JWT VC named by kid.
    if trust_list is not None and isinstance(kid, str) and kid:
        found = trust_list.issuer_key(kid)
        if found is not None:
            key = public_key_from_jwk(dict(found[1]))
            return IssuerKey(key, _key_id(key))
    raise NotFound("the issuer's key of this credential is no longer known (no x5c, no listed kid)")


def _sd_jwt_slots(
    credential: StoredCredential, instance: CredentialInstance, trust_list: TrustList | None
) -> list[StatusSlot]:
    unverified = unverified_sd_jwt(instance.credential)
    payload = unverified.payload or {}
    if CLAIM_STATUS not in payload:
        return []
    reference = parse_status_claim(payload)
    header = unverified.header
    if "x5c" in header:
        issuer_key = _leaf_key(parse_x5c(header["x5c"])[0])
    else:
        issuer_key = _listed_key(trust_list, header.get("kid"))
    return [StatusSlot(_IETF_LIST, reference.uri, reference.idx, issuer_key, credential.issuer)]


def _mdoc_slots(credential: StoredCredential, instance: CredentialInstance) -> list[StatusSlot]:
    doctype = str(credential.extra.get("doctype") or credential.vct)
    document, mso, _ = unverified_mdoc(instance.credential, doctype)
    raw = mso.extra.get(CLAIM_STATUS)
    if raw is None:
        return []
    reference = parse_cbor_status(raw)
    issuer_auth = document.issuer_signed.issuer_auth
    leaf = certificates(x5chain_der(issuer_auth, what="issuerAuth"), what="issuerAuth")[0]
    return [
        StatusSlot(_IETF_LIST, reference.uri, reference.idx, _leaf_key(leaf), credential.issuer)
    ]


def _ldp_slots(credential: StoredCredential, instance: CredentialInstance) -> list[StatusSlot]:
    document = parse_json_object(instance.credential, what="stored ldp_vc credential")
    unsecured, proof = split_proof(document)
    method = proof.get("verificationMethod")
    key = resolve_did_jwk(method)
    issuer_key = IssuerKey(key, _key_id(key), str(method))
    credential_model = parse_credential(unsecured)
    slots = []
    for raw in credential_model.status:
        entry = parse_status_entry(raw)
        slots.append(
            StatusSlot(
                _BITSTRING,
                entry.status_list_credential,
                entry.status_list_index,
                issuer_key,
                credential_model.issuer,
                purpose=entry.status_purpose,
                raw_entry=raw,
            )
        )
    return slots


def status_slots(
    credential: StoredCredential,
    instance: CredentialInstance,
    trust_list: TrustList | None = None,
) -> list[StatusSlot]:
    """The status references of one stored instance and the key its lists must be signed by."""
    if credential.format == FORMAT_MSO_MDOC:
        return _mdoc_slots(credential, instance)
    if credential.format == FORMAT_LDP_VC:
        return _ldp_slots(credential, instance)
    return _sd_jwt_slots(credential, instance, trust_list)


# --- fetching and verifying one list ---


def check_fetchable(uri: str) -> None:
    """Raise ``MalformedInput`` unless ``uri`` is https, or http on a loopback host."""
    if not is_https_or_loopback(uri):
        raise MalformedInput(
            f"status list {uri!r} is not an https URL; the wallet does not fetch it"
        )


@dataclass(frozen=True, slots=True)
class _Fetched:
    content_type: str
    body: bytes


async def _fetch(http: WalletHttp, slot: StatusSlot, limits: Limits, timeout: float) -> _Fetched:
    check_fetchable(slot.uri)
    accept = (
        MEDIA_TYPE_VC
        if slot.kind == _BITSTRING
        else f"{MEDIA_TYPE_STATUSLIST_JWT}, {MEDIA_TYPE_STATUSLIST_CWT};q=0.9"
    )
    reply = await http.get(slot.uri, headers={"Accept": accept}, timeout=timeout)
    if reply.status != 200:
        raise NotFound(f"status list {slot.uri} answered HTTP {reply.status}")
    cap = limits.max_json_bytes if slot.kind == _BITSTRING else limits.max_token_bytes
    if len(reply.body) > cap:
        raise LimitExceeded(f"status list {slot.uri} is larger than {cap} bytes")
    return _Fetched(reply.content_type, reply.body)


def _verify_token(
    fetched: _Fetched, slot: StatusSlot, clock: Clock, limits: Limits
) -> VerifiedStatusList:
    # Draft section 8 ("Validation Rules"): signature, typ, sub == uri, iat/exp/nbf/ttl.
    if fetched.content_type == MEDIA_TYPE_STATUSLIST_CWT:
        verified = verify_status_list_cwt(
            fetched.body,
            slot.issuer_key.key,
            expected_uri=slot.uri,
            clock=clock,
            fetched_at=clock.now(),
            limits=limits,
        )
    elif fetched.content_type == MEDIA_TYPE_STATUSLIST_JWT:
        try:
            token = fetched.body.decode("ascii").strip()
        except UnicodeDecodeError as exc:
            raise MalformedInput(f"status list {slot.uri} is not a compact JWT") from exc
        verified = verify_status_list_jwt(
            token,
            slot.issuer_key.key,
            expected_uri=slot.uri,
            clock=clock,
            fetched_at=clock.now(),
            limits=limits,
        )
    else:
        raise MalformedInput(
            f"status list {slot.uri} came as {fetched.content_type!r}, not "
            f"{MEDIA_TYPE_STATUSLIST_JWT} or {MEDIA_TYPE_STATUSLIST_CWT}"
        )
    iss = verified.claims.get("iss", verified.claims.get(1))
    if iss is not None and iss != slot.issuer:
        raise ValidationError(
            f"status list {slot.uri} is issued by {iss!r}, not by the credential's issuer "
            f"{slot.issuer!r}",
            claim_path=["iss"],
        )
    return verified


def _verify_bitstring(
    fetched: _Fetched, slot: StatusSlot, clock: Clock, limits: Limits
) -> dict[str, Any]:
    document = parse_json_object(fetched.body, what="status list credential", limits=limits)
    method = slot.issuer_key.verification_method

    def resolve(verification_method: str) -> ec.EllipticCurvePublicKey:
        if verification_method != method:
            raise ValidationError(
                f"status list {slot.uri} is signed by another key than the issuer's"
            )
        return slot.issuer_key.key  # type: ignore[return-value]

    verified = ecdsa_rdfc_2019.verify_proof(
        document, loader=_LOADER, key_resolver=resolve, limits=limits
    )
    listed = parse_credential(verified.document)
    if listed.issuer != slot.issuer:
        raise ValidationError(f"status list {slot.uri} is issued by someone else")
    check_validity_period(listed, FixedClock(clock.now()))
    return dict(verified.document)


# Draft "Status Types Values": 0x00 VALID, 0x01 INVALID, 0x02 SUSPENDED; any other value
# (application specific) is not valid either, and may be temporary: read as suspended.
_TOKEN_STATUS = {STATUS_VALID: wc.STATUS_VALID, STATUS_INVALID: wc.STATUS_REVOKED}


def _token_status(value: int) -> str:
    return _TOKEN_STATUS.get(value, wc.STATUS_SUSPENDED)


class _Lists:
    """The lists of one run: each URI fetched once, verified once per signing key."""

    def __init__(self, http: WalletHttp, clock: Clock, limits: Limits, timeout: float) -> None:
        self._http = http
        self._clock = clock
        self._limits = limits
        self._timeout = timeout
        self._fetched: dict[str, _Fetched | HonninError] = {}
        self._verified: dict[tuple[str, str], Any] = {}
        self.fetches = 0

    def outcomes(self) -> tuple[ListOutcome, ...]:
        """Every list URI this run reached for, with the error that stopped it, if any."""
        out = []
        for uri, fetched in self._fetched.items():
            error = fetched if isinstance(fetched, HonninError) else None
            if error is None:
                error = next(
                    (
                        v
                        for (u, _), v in self._verified.items()
                        if u == uri and isinstance(v, HonninError)
                    ),
                    None,
                )
            out.append(ListOutcome(uri, error))
        return tuple(out)

    async def status(self, slot: StatusSlot) -> str:
        """The status one slot has in its (verified) list; raises what stopped the list."""
        if slot.uri not in self._fetched:
            self.fetches += 1
            try:
                self._fetched[slot.uri] = await _fetch(
                    self._http, slot, self._limits, self._timeout
                )
            except HonninError as exc:
                self._fetched[slot.uri] = exc
        fetched = self._fetched[slot.uri]
        if isinstance(fetched, HonninError):
            raise fetched
        key = (slot.uri, slot.issuer_key.key_id)
        if key not in self._verified:
            try:
                if slot.kind == _BITSTRING:
                    self._verified[key] = _verify_bitstring(
                        fetched, slot, self._clock, self._limits
                    )
                else:
                    self._verified[key] = _verify_token(fetched, slot, self._clock, self._limits)
            except HonninError as exc:
                self._verified[key] = exc
        verified = self._verified[key]
        if isinstance(verified, HonninError):
            raise verified
        if slot.kind == _BITSTRING:
            assert slot.raw_entry is not None
            result = check_status(parse_status_entry(slot.raw_entry), verified, limits=self._limits)
            if result.valid:
                return wc.STATUS_VALID
            return wc.STATUS_REVOKED if result.purpose == "revocation" else wc.STATUS_SUSPENDED
        assert isinstance(verified, VerifiedStatusList)
        return _token_status(verified.status_list.get(slot.index))


def _worst(statuses: Sequence[str]) -> str:
    return max(statuses, key=lambda s: _SEVERITY[s], default=wc.STATUS_VALID)


async def check_credential_statuses(
    wallet: Wallet,
    http: WalletHttp,
    *,
    limits: Limits = DEFAULT_LIMITS,
    timeout: float = wc.STATUS_LIST_TIMEOUT_SECONDS,
) -> StatusReport:
    """Fetch and verify every stored credential's status lists; record what they say."""
    now = wallet.clock.now()
    trust_list: TrustList | None
    try:
        trust_list = wallet.configured_trust_list()
    except HonninError:
        trust_list = None  # only needed for credentials named by kid; x5c ones still check
    lists = _Lists(http, FixedClock(now), limits, timeout)
    outcomes = []
    for credential in wallet.store.credentials():
        outcomes.append(await _check_one(wallet, credential, trust_list, lists, now))
    return StatusReport(now, tuple(outcomes), lists.outcomes())


async def _check_one(
    wallet: Wallet,
    credential: StoredCredential,
    trust_list: TrustList | None,
    lists: _Lists,
    now: datetime,
) -> CredentialOutcome:
    try:
        instances = wallet.store.instances_of(credential.id)
        slots = [
            slot
            for instance in instances
            for slot in status_slots(credential, instance, trust_list)
        ]
    except HonninError as exc:
        return CredentialOutcome(credential, credential.status, None, (), exc)
    uris = tuple(dict.fromkeys(s.uri for s in slots))
    if not slots:
        return CredentialOutcome(credential, credential.status, None, ())
    statuses = []
    for slot in slots:
        try:
            statuses.append(await lists.status(slot))
        except HonninError as exc:
            # Nothing is written for a credential whose lists did not all verify.
            return CredentialOutcome(credential, credential.status, None, uris, exc)
    issuer_status = _worst(statuses)
    check = {
        "status": issuer_status,
        "checked_at": now.isoformat(),
        "lists": list(uris),
        "instances": len(instances),
    }
    recorded = wallet.store.record_status(
        credential.id, issuer_status, check, keep=frozenset({wc.STATUS_SUPERSEDED})
    )
    return CredentialOutcome(recorded, credential.status, issuer_status, uris)


def status_check_of(credential: StoredCredential) -> Mapping[str, Any]:
    """The last recorded status check of a credential (``{}`` when never checked)."""
    check = credential.extra.get("status_check")
    return check if isinstance(check, Mapping) else {}


def unavailable_reason(credential: StoredCredential) -> str | None:
    """Why a stored credential is not offered to verifiers, or None when it is offered."""
    checked = status_check_of(credential).get("checked_at")
    when = f" (status list checked {checked})" if checked else ""
    if credential.status == wc.STATUS_REVOKED:
        return f"its issuer revoked it{when}"
    if credential.status == wc.STATUS_SUSPENDED:
        return (
            f"its issuer suspended it{when}; it is offered again once `honnin wallet status` "
            "finds it valid"
        )
    if credential.status == wc.STATUS_SUPERSEDED:
        return "a corrected credential replaced it"
    return None


__all__ = [
    "CredentialOutcome",
    "IssuerKey",
    "ListOutcome",
    "StatusReport",
    "StatusSlot",
    "check_credential_statuses",
    "check_fetchable",
    "status_check_of",
    "status_slots",
    "unavailable_reason",
]

"""The evaluation API the roles call: what the trust list allows, at a given time.

Sans-IO and pure: every function takes an already-verified ``TrustList`` and the time to
judge at, and raises a ``HonninError`` when the answer is no. Unknown entities raise
``UntrustedIssuer``/``UntrustedVerifier``/``UntrustedKey``; known entities asking for more
than they are registered for raise ``PolicyViolation``. This module depends on ``specs``
only, so issuer, wallet and verifier may import it without importing each other.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from specs.errors import (
    HonninError,
    MalformedInput,
    PolicyViolation,
    UntrustedIssuer,
    UntrustedKey,
    UntrustedVerifier,
    ValidationError,
)
from specs.keys.jwk import thumbprint
from specs.keys.x509 import validate_chain
from specs.trustlist.constants import MY_NUMBER_CLAIMS, STATUS_GRANTED
from specs.trustlist.model import (
    CardCaEntry,
    ClaimPath,
    IntendedUse,
    IssuerEntry,
    MyNumberLegalBasis,
    StatusHistory,
    StatusListProviderEntry,
    TrustList,
    VerifierEntry,
)


class WithdrawalPolicy(enum.Enum):
    """How to judge a credential from an issuer that was withdrawn after issuing it."""

    # The issuer's status when the credential was issued decides (TS 119 612 5.5.5 history).
    AT_ISSUANCE = "at_issuance"
    # The issuer's status now decides: a withdrawal voids everything it issued.
    AT_VERIFICATION = "at_verification"


@dataclass(frozen=True, slots=True)
class IssuerDecision:
    """An issuer the list authorises for a credential type, and the time that was judged."""

    issuer: IssuerEntry
    credential_type: str
    judged_at: datetime
    withdrawn_since: datetime | None


@dataclass(frozen=True, slots=True)
class VerifierPermissions:
    """What a registered verifier may request for one purpose."""

    verifier: VerifierEntry
    intended_use: IntendedUse
    allowed_claims: Mapping[str, tuple[ClaimPath, ...]]
    my_number_legal_basis: MyNumberLegalBasis | None


@dataclass(frozen=True, slots=True)
class CardCaTrust:
    """Trusted card CAs: the anchors to validate card certificates and where their CRLs are."""

    entries: tuple[CardCaEntry, ...]
    anchors: tuple[x509.Certificate, ...]
    crl_distribution_points: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StatusListTrust:
    """The provider whose keys may sign the status list at a URI."""

    provider: StatusListProviderEntry
    jwks: tuple[Mapping[str, Any], ...]
    certificates: tuple[x509.Certificate, ...]


def _granted(history: StatusHistory, at: datetime) -> bool:
    return history.status_at(at) == STATUS_GRANTED


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _issuer_for_key(
    trust_list: TrustList,
    jwk: Mapping[str, Any] | None,
    chain: Sequence[x509.Certificate] | None,
    at: datetime,
) -> IssuerEntry:
    if (jwk is None) == (chain is None):
        raise MalformedInput("give exactly one of an issuer key (JWK) or a certificate chain")
    if jwk is not None:
        try:
            wanted = thumbprint(dict(jwk))
        except HonninError as exc:
            raise MalformedInput(f"issuer key is not a usable JWK: {exc.detail}") from exc
        for issuer in trust_list.issuers:
            if wanted in issuer.identity.thumbprints:
                return issuer
        raise UntrustedIssuer("the issuer key is not in the trust list")
    assert chain is not None
    if not chain:
        raise MalformedInput("certificate chain is empty")
    for issuer in trust_list.issuers:
        if not issuer.identity.certificates:
            continue
        try:
            validate_chain(chain, issuer.identity.certificates, at)
        except UntrustedKey:
            continue
        return issuer
    raise UntrustedIssuer("the issuer certificate does not chain to any listed issuer")


@dataclass(frozen=True, slots=True)
class _ChainMatch:
    issuer: IssuerEntry
    # Every certificate whose validity period validate_chain may check lies within this window.
    valid_from: datetime
    valid_until: datetime


class IssuerChainCache:
    """Remembers which listed issuer a certificate chain validates to, for one trust list.

    Validating a chain against each listed issuer's anchors costs several signature checks.
    Apart from the validity periods, the outcome depends only on the chain's exact DER bytes
    and the list's anchors, so a positive match is kept per (sequence number, chain DER) and
    reused while ``at`` lies inside every validity period involved (the chain's and all the
    matched issuer's anchors); outside that window the chain is validated afresh. The cache
    belongs to one ``TrustList`` object: a different object (a reload) starts it empty.
    """

    def __init__(self, max_entries: int = 1024) -> None:
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._trust_list: TrustList | None = None
        self._matches: dict[tuple[int, tuple[x509.Certificate, ...]], _ChainMatch] = {}
        self.hits = 0
        self.misses = 0

    def issuer_for_chain(
        self, trust_list: TrustList, chain: Sequence[x509.Certificate], at: datetime
    ) -> IssuerEntry:
        """Return the listed issuer ``chain`` validates to at ``at``; raise as uncached would."""
        if not chain:
            raise MalformedInput("certificate chain is empty")
        # Certificates hash and compare by their DER bytes (pyca/cryptography), so the key is
        # the exact chain without serialising it again on every call.
        key = (trust_list.scheme.sequence_number, tuple(chain))
        with self._lock:
            if self._trust_list is not trust_list:
                self._trust_list = trust_list
                self._matches = {}
            match = self._matches.get(key)
        if match is not None and match.valid_from <= at <= match.valid_until:
            self.hits += 1
            return match.issuer
        self.misses += 1
        issuer = _issuer_for_key(trust_list, None, chain, at)
        # validate_chain checks the time of the chain and of an anchor that signed its top;
        # an earlier-listed issuer's anchor of that name would be tried (and time-checked)
        # first, so its validity period bounds the window too.
        top_issuer = chain[-1].issuer
        involved = [*chain, *issuer.identity.certificates]
        for earlier in trust_list.issuers:
            if earlier is issuer:
                break
            involved.extend(c for c in earlier.identity.certificates if c.subject == top_issuer)
        match = _ChainMatch(
            issuer=issuer,
            valid_from=max(cert.not_valid_before_utc for cert in involved),
            valid_until=min(cert.not_valid_after_utc for cert in involved),
        )
        with self._lock:
            if self._trust_list is trust_list:
                if len(self._matches) >= self._max_entries:
                    self._matches.clear()
                self._matches[key] = match
        return issuer


def authorize_issuer(
    trust_list: TrustList,
    *,
    credential_type: str,
    at: datetime,
    jwk: Mapping[str, Any] | None = None,
    chain: Sequence[x509.Certificate] | None = None,
    issued_at: datetime | None = None,
    policy: WithdrawalPolicy = WithdrawalPolicy.AT_VERIFICATION,
    chain_cache: IssuerChainCache | None = None,
) -> IssuerDecision:
    """Check a key or certificate chain belongs to an issuer allowed ``credential_type``.

    With ``AT_ISSUANCE`` the issuer's status at ``issued_at`` decides, so credentials issued
    before a withdrawal stay acceptable; with ``AT_VERIFICATION`` its status at ``at`` does.
    Certificates are validated at ``at`` in both cases. ``chain_cache`` remembers which
    issuer a chain validated to; the issuer's status and types are judged on every call.
    """
    if chain_cache is not None and chain is not None and jwk is None:
        issuer = chain_cache.issuer_for_chain(trust_list, chain, at)
    else:
        issuer = _issuer_for_key(trust_list, jwk, chain, at)
    if policy is WithdrawalPolicy.AT_ISSUANCE:
        if issued_at is None:
            raise MalformedInput("the at_issuance policy needs the credential's issuance time")
        if issued_at > at:
            raise ValidationError("the credential claims to be issued in the future")
        judged_at = issued_at
    else:
        judged_at = at
    if not _granted(issuer.history, judged_at):
        since = issuer.history.withdrawn_since(judged_at)
        reason = f"withdrawn since {since.isoformat()}" if since else "not yet granted"
        raise UntrustedIssuer(
            f"issuer {issuer.entity_id!r} is {reason} (judged at {judged_at.isoformat()}, "
            f"policy {policy.value})"
        )
    if credential_type not in issuer.credential_types:
        raise PolicyViolation(
            f"issuer {issuer.entity_id!r} is not authorised to issue {credential_type!r}"
        )
    return IssuerDecision(
        issuer=issuer,
        credential_type=credential_type,
        judged_at=judged_at,
        withdrawn_since=issuer.history.withdrawn_since(at),
    )


def _find_verifier(
    trust_list: TrustList,
    client_id: str | None,
    access_certificate: x509.Certificate | None,
) -> VerifierEntry:
    if client_id is None and access_certificate is None:
        raise MalformedInput("give a client_id, an access certificate, or both")
    found: VerifierEntry | None = None
    if client_id is not None:
        found = next((v for v in trust_list.verifiers if v.client_id == client_id), None)
        if found is None:
            raise UntrustedVerifier(f"client_id {client_id!r} is not registered")
    if access_certificate is not None:
        der = _der(access_certificate)
        by_cert = next(
            (v for v in trust_list.verifiers if any(_der(a) == der for a in v.access_certificates)),
            None,
        )
        if by_cert is None:
            raise UntrustedVerifier("the access certificate is not registered")
        if found is not None and by_cert is not found:
            raise UntrustedVerifier("the access certificate belongs to a different verifier")
        found = by_cert
    assert found is not None
    return found


def verifier_permissions(
    trust_list: TrustList,
    *,
    purpose_id: str,
    at: datetime,
    client_id: str | None = None,
    access_certificate: x509.Certificate | None = None,
) -> VerifierPermissions:
    """Return what a verifier (by ``client_id`` and/or access certificate) may request."""
    verifier = _find_verifier(trust_list, client_id, access_certificate)
    if not _granted(verifier.history, at):
        raise UntrustedVerifier(f"verifier {verifier.entity_id!r} is not registered at {at}")
    use = next((u for u in verifier.intended_uses if u.purpose_id == purpose_id), None)
    if use is None:
        raise PolicyViolation(
            f"verifier {verifier.entity_id!r} is not registered for purpose {purpose_id!r}"
        )
    return VerifierPermissions(
        verifier=verifier,
        intended_use=use,
        allowed_claims={p.credential_type: p.claims for p in use.credentials},
        my_number_legal_basis=verifier.my_number_legal_basis,
    )


def path_allowed(requested: ClaimPath, allowed: Sequence[ClaimPath]) -> bool:
    """Tell whether a requested claim path is covered by an allowed one (prefix, ``None`` = any)."""
    for pattern in allowed:
        if len(pattern) > len(requested):
            continue
        if all(
            p == r or (p is None and (r is None or isinstance(r, int)))
            for p, r in zip(pattern, requested, strict=False)
        ):
            return True
    return False


def check_request(
    permissions: VerifierPermissions,
    requested: Mapping[str, Sequence[ClaimPath]],
) -> None:
    """Raise ``PolicyViolation`` if a request asks for any claim outside the registration.

    A My Number claim is refused without a registered legal basis even if it were listed.
    """
    verifier = permissions.verifier.entity_id
    for credential_type, paths in requested.items():
        allowed = permissions.allowed_claims.get(credential_type)
        if allowed is None:
            raise PolicyViolation(
                f"verifier {verifier!r} may not request {credential_type!r} for "
                f"{permissions.intended_use.purpose_id!r}"
            )
        for path in paths:
            path = tuple(path)
            if not path:
                raise MalformedInput("a claim path must not be empty")
            if permissions.my_number_legal_basis is None and any(
                isinstance(p, str) and p in MY_NUMBER_CLAIMS for p in path
            ):
                raise PolicyViolation(
                    f"verifier {verifier!r} has no legal basis to receive a My Number",
                    claim_path=path,
                )
            if not path_allowed(path, allowed):
                raise PolicyViolation(
                    f"verifier {verifier!r} may not request this claim of {credential_type!r}",
                    claim_path=path,
                )


def card_ca_trust(trust_list: TrustList, at: datetime) -> CardCaTrust:
    """Return every card CA trusted at ``at``: anchors and CRL locations."""
    entries = tuple(e for e in trust_list.card_cas if _granted(e.history, at))
    if not entries:
        raise UntrustedKey("the trust list has no card CA in force")
    return CardCaTrust(
        entries=entries,
        anchors=tuple(cert for e in entries for cert in e.certificates),
        crl_distribution_points=tuple(uri for e in entries for uri in e.crl_distribution_points),
    )


def check_card_ca(
    trust_list: TrustList, chain: Sequence[x509.Certificate], at: datetime
) -> CardCaTrust:
    """Check a card certificate chain leads to a card CA in force; return that CA's trust."""
    for entry in trust_list.card_cas:
        if not _granted(entry.history, at):
            continue
        try:
            validate_chain(chain, entry.certificates, at, leaf_key_usage=None)
        except UntrustedKey:
            continue
        return CardCaTrust(
            entries=(entry,),
            anchors=entry.certificates,
            crl_distribution_points=entry.crl_distribution_points,
        )
    raise UntrustedKey("the card certificate does not chain to a trusted card CA")


def _normalised_uri(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme != "https" or not parts.netloc or "@" in parts.netloc:
        raise MalformedInput(f"status list URI must be https without user info: {uri!r}")
    segments = parts.path.split("/")
    if any(s in {".", ".."} or s.lower() in {"%2e", "%2e%2e", ".%2e", "%2e."} for s in segments):
        raise MalformedInput("status list URI must not contain dot segments")
    return uri


def status_list_trust(trust_list: TrustList, uri: str, at: datetime) -> StatusListTrust:
    """Return the provider (and its keys) trusted to sign the status list at ``uri``."""
    uri = _normalised_uri(uri)
    best: tuple[int, StatusListProviderEntry] | None = None
    for provider in trust_list.status_list_providers:
        for prefix in provider.uri_prefixes:
            if uri.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), provider)
    if best is None:
        raise UntrustedIssuer(f"no status-list provider is registered for {uri!r}")
    provider = best[1]
    if not _granted(provider.history, at):
        raise UntrustedIssuer(f"status-list provider {provider.entity_id!r} is not in force")
    return StatusListTrust(
        provider=provider,
        jwks=provider.identity.jwks,
        certificates=provider.identity.certificates,
    )

"""Receiving credentials: the OpenID4VCI 1.0 pre-authorized code flow over httpx.

Each protocol step is built and checked by the wallet half of ``specs.openid4vci``; this
module fetches and posts, generates a batch of presentation keys (one Credential instance
per key, so each verifier can get its own instance), optionally has the card attest the
keys, checks every credential it receives (``wallet.receipt_checks``: issuer signature,
digests, issuer, holder binding, validity and, with a trust list, the issuer's standing),
stores them only when all passed and tells the issuer they were accepted (section 11).
A credential that re-issues one already held (same issuer, type and subject) marks the
old one ``superseded`` (push and update, DOMAIN.md).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cryptography import x509

from specs.credentials import credential_type_by_vct
from specs.errors import HonninError, MalformedInput, NotFound, Unsupported, ValidationError
from specs.openid4vci import (
    CredentialIssuerMetadata,
    CredentialOffer,
    Proofs,
    authorization_server_metadata_url,
    build_jwt_proof,
    credential_issuer_metadata_url,
    parse_offer_link,
)
from specs.openid4vci.wallet import (
    build_credential_request,
    build_notification,
    build_token_request,
    parse_authorization_server_metadata,
    parse_credential_offer,
    parse_credential_response,
    parse_issuer_metadata,
    parse_nonce_response,
    parse_token_response,
)
from specs.ports import Signer
from specs.trustlist import TrustList
from wallet.card.attestation import attest_new_keys
from wallet.constants import (
    DEFAULT_BATCH_SIZE,
    EVENT_CREDENTIAL_ACCEPTED,
    FORMAT_DC_SD_JWT,
    STATUS_SUPERSEDED,
    STATUS_VALID,
)
from wallet.holder import Wallet
from wallet.mdoc_presentation import FORMAT_MSO_MDOC, mdoc_record
from wallet.receipt_checks import CheckedCredential, ReceiptContext, check_issued
from wallet.store import CredentialInstance, StoredCredential
from wallet.transport import WalletHttp, expect_ok
from wallet.w3c_presentation import FORMAT_LDP_VC, ldp_vc_record

# Claims that describe the token, not the person: kept out of the displayed claims.
TOKEN_CLAIMS = frozenset({"iss", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})
# Claims that identify "the same document" when an issuer re-issues a correction.
IDENTITY_CLAIMS = (("tax_year",), ("recipient", "name"), ("name",), ("student_number",))


@dataclass(frozen=True, slots=True)
class CardBinding:
    """The card used to attest new presentation keys (OpenID4VCI Appendix D key attestation)."""

    signer: Signer
    chain: Sequence[x509.Certificate]


@dataclass(frozen=True, slots=True)
class Received:
    """One stored credential, how many instances came, what it superseded, what was sent."""

    credential: StoredCredential
    instances: int
    superseded: tuple[str, ...]
    notified: bool


def _claim(claims: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = claims
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def supersedes(new: StoredCredential, old: StoredCredential) -> bool:
    """True when ``new`` re-issues ``old``: same issuer and type, same identifying claims."""
    if (new.issuer, new.vct) != (old.issuer, old.vct) or new.id == old.id:
        return False
    keys = [p for p in IDENTITY_CLAIMS if _claim(new.claims, p) is not None]
    return bool(keys) and all(_claim(new.claims, p) == _claim(old.claims, p) for p in keys)


def _display(metadata: CredentialIssuerMetadata, configuration_id: str) -> dict[str, Any]:
    data = metadata.to_json()
    config = data["credential_configurations_supported"][configuration_id]
    return {
        "issuer": data.get("display", []),
        "credential": (config.get("credential_metadata") or {}).get("display", []),
    }


def _error_text(reply_body: bytes) -> str:
    return reply_body[:300].decode("utf-8", "replace")


async def _offer(http: WalletHttp, offer_text: str) -> CredentialOffer:
    link = parse_offer_link(offer_text.strip())
    if link.offer is not None:
        return link.offer
    assert link.offer_uri is not None
    reply = expect_ok(await http.get(link.offer_uri), link.offer_uri, "credential offer")
    return parse_credential_offer(reply.body)


async def _token_endpoint(
    http: WalletHttp, offer: CredentialOffer, metadata: CredentialIssuerMetadata
) -> str:
    server = metadata.credential_issuer
    grant = offer.grants.pre_authorized_code if offer.grants is not None else None
    if metadata.authorization_servers:
        chosen = grant.authorization_server if grant is not None else None
        server = str(chosen or metadata.authorization_servers[0])
    url = authorization_server_metadata_url(server)
    reply = expect_ok(await http.get(url), url, "authorization server metadata")
    as_metadata = parse_authorization_server_metadata(reply.body, expected_issuer=server)
    if not as_metadata.token_endpoint:
        raise MalformedInput(f"authorization server {server} has no token_endpoint")
    return str(as_metadata.token_endpoint)


async def receive(
    wallet: Wallet,
    http: WalletHttp,
    offer_text: str,
    *,
    tx_code: str | None = None,
    batch_size: int | None = None,
    card: CardBinding | None = None,
) -> list[Received]:
    """Redeem a Credential Offer link; check and store every credential it offers."""
    # Read before the offer is redeemed, so a broken trust-list setting costs no offer.
    trust_list = wallet.configured_trust_list()
    offer = await _offer(http, offer_text)
    issuer = offer.credential_issuer
    metadata_url = credential_issuer_metadata_url(issuer)
    reply = expect_ok(await http.get(metadata_url), metadata_url, "credential issuer metadata")
    metadata = parse_issuer_metadata(reply.body, expected_issuer=issuer)
    token_url = await _token_endpoint(http, offer, metadata)
    form = build_token_request(offer, tx_code=tx_code)
    reply = await http.post_form(token_url, form)
    if reply.status != 200:
        raise ValidationError(f"the issuer refused the code: {_error_text(reply.body)}")
    token = parse_token_response(reply.body)
    bearer = {"Authorization": f"Bearer {token.access_token}"}
    received = []
    for configuration_id in offer.credential_configuration_ids:
        received.append(
            await _receive_one(
                wallet,
                http,
                metadata,
                configuration_id,
                bearer=bearer,
                batch_size=batch_size,
                card=card,
                trust_list=trust_list,
            )
        )
    return received


async def _receive_one(
    wallet: Wallet,
    http: WalletHttp,
    metadata: CredentialIssuerMetadata,
    configuration_id: str,
    *,
    bearer: Mapping[str, str],
    batch_size: int | None,
    card: CardBinding | None,
    trust_list: TrustList | None,
) -> Received:
    config = metadata.credential_configurations_supported.get(configuration_id)
    if config is None:
        raise NotFound(f"the issuer does not describe configuration {configuration_id!r}")
    if config.format not in (FORMAT_DC_SD_JWT, FORMAT_MSO_MDOC, FORMAT_LDP_VC):
        raise Unsupported(
            f"this wallet stores {FORMAT_DC_SD_JWT}, {FORMAT_MSO_MDOC} and {FORMAT_LDP_VC} "
            f"credentials, not {config.format}"
        )
    count = max(1, min(batch_size or DEFAULT_BATCH_SIZE, metadata.batch_size))
    c_nonce: str | None = None
    if metadata.nonce_endpoint is not None:
        url = str(metadata.nonce_endpoint)
        reply = expect_ok(await http.post_form(url, {}), url, "nonce endpoint")
        c_nonce = parse_nonce_response(reply.body).c_nonce
    proofs, jwks = _proofs(wallet, metadata, config.proof_types_supported, count, c_nonce, card)
    request = build_credential_request(configuration_id, proofs)
    url = str(metadata.credential_endpoint)
    # From here on the new keys are dropped on any failure (the network included): keys are
    # kept only for the credentials stored with them.
    try:
        reply = await http.post_json(url, request.to_json(), headers=bearer)
        if reply.status != 200:
            raise ValidationError(f"the issuer refused the credential: {_error_text(reply.body)}")
        response = parse_credential_response(reply.body, keys_sent=len(jwks))
        if response.credentials is None:
            raise Unsupported("deferred issuance is not supported by this wallet")
        context = ReceiptContext(metadata.credential_issuer, wallet.clock.now(), trust_list)
        # Every credential is checked before any is stored: a refused batch leaves nothing.
        checked = check_issued(config, response.credentials, jwks, context)
        display = _display(metadata, configuration_id)
        if config.format == FORMAT_LDP_VC:
            stored, batch = ldp_vc_record(wallet, metadata, configuration_id, checked, display)
        elif config.format == FORMAT_MSO_MDOC:
            stored, batch = mdoc_record(wallet, metadata, configuration_id, checked, display)
        else:
            stored, batch = _sd_jwt_record(wallet, metadata, configuration_id, checked)
        replacing = [
            replace(old, status=STATUS_SUPERSEDED, extra={**old.extra, "superseded_by": stored.id})
            for old in wallet.store.credentials()
            # Also one a status check found revoked or suspended: the correction replaces it.
            if old.status != STATUS_SUPERSEDED and supersedes(stored, old)
        ]
        # One transaction: the credential, its instances and the superseded marks.
        wallet.store.add_credential(stored, batch, replacing=replacing)
    except BaseException:
        _drop_keys(wallet, jwks)
        raise
    used = {item.key_id for item in checked}
    _drop_keys(wallet, [jwk for jwk in jwks if str(jwk["kid"]) not in used])
    superseded = [old.id for old in replacing]
    instances = len(batch)
    notified = False
    if response.notification_id and metadata.notification_endpoint is not None:
        note = build_notification(response.notification_id, EVENT_CREDENTIAL_ACCEPTED)
        url = str(metadata.notification_endpoint)
        # After the commit on purpose: the credential is the person's once checked and
        # stored; an unreachable notification endpoint only means ``notified`` is False.
        with contextlib.suppress(HonninError):
            reply = await http.post_json(url, note.to_json(), headers=bearer)
            notified = reply.status in (200, 204)
    return Received(stored, instances, tuple(superseded), notified)


def _proofs(
    wallet: Wallet,
    metadata: CredentialIssuerMetadata,
    supported: Mapping[str, Any] | None,
    count: int,
    c_nonce: str | None,
    card: CardBinding | None,
) -> tuple[Proofs | None, list[dict[str, Any]]]:
    before = {str(jwk["kid"]) for jwk in wallet.keys.public_jwks()}
    try:
        return _new_proofs(wallet, metadata, supported, count, c_nonce, card)
    except BaseException:
        # Keys generated (or attested) for proofs that were never built are dropped.
        new = [jwk for jwk in wallet.keys.public_jwks() if str(jwk["kid"]) not in before]
        _drop_keys(wallet, new)
        raise


def _new_proofs(
    wallet: Wallet,
    metadata: CredentialIssuerMetadata,
    supported: Mapping[str, Any] | None,
    count: int,
    c_nonce: str | None,
    card: CardBinding | None,
) -> tuple[Proofs | None, list[dict[str, Any]]]:
    if supported is None:
        return None, []
    audience = metadata.credential_issuer
    if card is not None:
        if c_nonce is None:
            raise MalformedInput("a key attestation needs the issuer's c_nonce")
        attestation, jwks = attest_new_keys(
            wallet.keys, card.signer, card.chain, count=count, nonce=c_nonce, clock=wallet.clock
        )
        if "attestation" in supported:
            return Proofs(attestation=[attestation]), jwks
        signers = [wallet.keys.signer(j["kid"]) for j in jwks]
        jwts = [
            build_jwt_proof(
                s, audience=audience, clock=wallet.clock, nonce=c_nonce, key_attestation=attestation
            )
            for s in signers
        ]
        return Proofs(jwt=jwts), jwks
    if "jwt" not in supported:
        raise Unsupported("the issuer needs a key attestation: use a card (--card)")
    jwks = wallet.keys.generate(count)
    jwts = [
        build_jwt_proof(
            wallet.keys.signer(j["kid"]), audience=audience, clock=wallet.clock, nonce=c_nonce
        )
        for j in jwks
    ]
    return Proofs(jwt=jwts), jwks


def _drop_keys(wallet: Wallet, jwks: Sequence[Mapping[str, Any]]) -> None:
    for jwk in jwks:
        with contextlib.suppress(NotFound):
            wallet.keys.remove(str(jwk["kid"]))


def _sd_jwt_record(
    wallet: Wallet,
    metadata: CredentialIssuerMetadata,
    configuration_id: str,
    checked: Sequence[CheckedCredential],
) -> tuple[StoredCredential, list[CredentialInstance]]:
    first: dict[str, Any] | None = None
    batch: list[CredentialInstance] = []
    for item in checked:
        claims = item.claims
        if first is None:
            first = claims
        elif {k: v for k, v in claims.items() if k not in TOKEN_CLAIMS} != {
            k: v for k, v in first.items() if k not in TOKEN_CLAIMS
        }:
            raise ValidationError("the Credentials of one batch carry different claims")
        batch.append(
            CredentialInstance(
                uuid.UUID(bytes=wallet.random.bytes(16)).hex, item.stored, item.key_id
            )
        )
    assert first is not None
    vct = str(first.get("vct", ""))
    try:
        type_id = credential_type_by_vct(vct).id
    except NotFound:
        type_id = configuration_id
    credential = StoredCredential(
        id=uuid.UUID(bytes=wallet.random.bytes(16)).hex,
        format=FORMAT_DC_SD_JWT,
        type_id=type_id,
        vct=vct,
        issuer=str(first.get("iss", metadata.credential_issuer)),
        claims={k: v for k, v in first.items() if k not in TOKEN_CLAIMS},
        display=_display(metadata, configuration_id),
        status=STATUS_VALID,
        extra={"configuration_id": configuration_id, "received_at": wallet.clock.now().isoformat()},
    )
    return credential, batch


__all__ = ["CardBinding", "Received", "receive", "supersedes"]

"""The wallet half of OpenID4VCI for the issuer tests, over ``specs.openid4vci.wallet``.

Roles never import each other, so these tests drive the issuer the way any conformant
wallet would: parse the offer link, read the metadata, redeem the code, get a nonce, prove
keys and request a batch, then notify.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from specs.keys import SoftwareSigner
from specs.openid4vci import (
    CredentialIssuerMetadata,
    CredentialOffer,
    CredentialResponse,
    Proofs,
    authorization_server_metadata_url,
    credential_issuer_metadata_url,
    parse_offer_link,
)
from specs.openid4vci.wallet import (
    build_credential_request,
    build_notification,
    build_proofs,
    build_token_request,
    parse_authorization_server_metadata,
    parse_credential_offer,
    parse_credential_response,
    parse_issuer_metadata,
    parse_nonce_response,
    parse_token_response,
)
from specs.ports import Clock


@dataclass
class Received:
    """What a wallet holds after a successful issuance."""

    offer: CredentialOffer
    metadata: CredentialIssuerMetadata
    access_token: str
    response: CredentialResponse
    signers: list[SoftwareSigner]

    @property
    def credentials(self) -> list[str]:
        """The issued credentials, one per key."""
        assert self.response.credentials is not None
        return [str(c.credential) for c in self.response.credentials]


class WalletSide:
    """A minimal OpenID4VCI wallet over an httpx client (ASGI or real loopback)."""

    def __init__(self, client: httpx.AsyncClient, clock: Clock) -> None:
        self.client = client
        self.clock = clock

    async def offer(self, link: str) -> CredentialOffer:
        """Parse an offer link, fetching the offer when it comes by reference."""
        parsed = parse_offer_link(link)
        if parsed.offer is not None:
            return parsed.offer
        assert parsed.offer_uri is not None
        response = await self.client.get(parsed.offer_uri)
        response.raise_for_status()
        return parse_credential_offer(response.content)

    async def metadata(self, issuer: str) -> CredentialIssuerMetadata:
        """Fetch and check the Credential Issuer Metadata."""
        response = await self.client.get(credential_issuer_metadata_url(issuer))
        response.raise_for_status()
        return parse_issuer_metadata(response.content, expected_issuer=issuer)

    async def token_response(self, offer: CredentialOffer, tx_code: str | None) -> httpx.Response:
        """POST the Token Request for an offer."""
        form = build_token_request(offer, tx_code=tx_code)
        as_meta = await self.client.get(authorization_server_metadata_url(offer.credential_issuer))
        as_meta.raise_for_status()
        token_endpoint = parse_authorization_server_metadata(
            as_meta.content, expected_issuer=offer.credential_issuer
        ).token_endpoint
        return await self.client.post(token_endpoint, data=form)

    async def nonce(self, metadata: CredentialIssuerMetadata) -> str:
        """Get a fresh c_nonce."""
        assert metadata.nonce_endpoint is not None
        response = await self.client.post(metadata.nonce_endpoint)
        response.raise_for_status()
        return parse_nonce_response(response.content).c_nonce

    async def credential_response(
        self,
        metadata: CredentialIssuerMetadata,
        access_token: str,
        body: dict[str, Any] | bytes,
    ) -> httpx.Response:
        """POST a Credential Request (a JSON object or raw bytes)."""
        headers = {"Authorization": f"Bearer {access_token}"}
        if isinstance(body, bytes):
            headers["Content-Type"] = "application/json"
            return await self.client.post(
                metadata.credential_endpoint, content=body, headers=headers
            )
        return await self.client.post(metadata.credential_endpoint, json=body, headers=headers)

    def proofs(
        self, metadata: CredentialIssuerMetadata, signers: list[SoftwareSigner], nonce: str | None
    ) -> Proofs:
        """One jwt proof per key for this issuer."""
        return build_proofs(
            signers, audience=metadata.credential_issuer, clock=self.clock, nonce=nonce
        )

    async def receive(self, link: str, tx_code: str | None, *, keys: int = 4) -> Received:
        """Run the whole pre-authorized code flow and return what the wallet received."""
        offer = await self.offer(link)
        metadata = await self.metadata(offer.credential_issuer)
        token = await self.token_response(offer, tx_code)
        assert token.status_code == 200, token.text
        access_token = parse_token_response(token.content).access_token
        signers = [SoftwareSigner.generate("ES256") for _ in range(keys)]
        nonce = await self.nonce(metadata)
        request = build_credential_request(
            offer.credential_configuration_ids[0], self.proofs(metadata, signers, nonce)
        )
        response = await self.credential_response(metadata, access_token, request.to_json())
        assert response.status_code == 200, response.text
        parsed = parse_credential_response(response.content, keys_sent=keys)
        return Received(offer, metadata, access_token, parsed, signers)

    async def notify(
        self, received: Received, event: str = "credential_accepted"
    ) -> httpx.Response:
        """POST a Notification Request for a received Credential Response."""
        assert received.metadata.notification_endpoint is not None
        assert received.response.notification_id is not None
        note = build_notification(received.response.notification_id, event)
        return await self.client.post(
            received.metadata.notification_endpoint,
            json=note.to_json(),
            headers={"Authorization": f"Bearer {received.access_token}"},
        )

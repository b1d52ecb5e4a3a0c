"""The OpenID4VCI core's store Protocols over ``IssuerRepository`` (SQLite or PostgreSQL).

Every single-use step maps to one conditional UPDATE of the repository, so replicas sharing
one database never both win a redemption.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from issuer.storage import IssuerRepository, OfferRecord
from specs.errors import Unsupported
from specs.openid4vci import AccessGrant, OfferState


def offer_state(record: OfferRecord) -> OfferState:
    """Return the core's view of a stored offer."""
    return OfferState(
        offer_id=record.id,
        credential_configuration_ids=(record.configuration_id,),
        tx_code_required=record.tx_code_required,
        expires_at=record.expires_at,
        locked=record.locked,
        redeemed_at=record.redeemed_at,
        tx_code_attempts=record.tx_code_attempts,
    )


class SqlOfferStore:
    """``OfferStore`` over the repository; ``add_offer`` is used through ``OfferWriter``."""

    def __init__(self, repository: IssuerRepository) -> None:
        self.repository = repository

    def add_offer(self, offer: OfferState, *, code: str, tx_code: str | None) -> None:
        """Refuse: an offer needs its claims, so offers are stored through ``OfferWriter``."""
        raise Unsupported("create offers through IssuerService.create_offer")

    def offer_by_code(self, code: str) -> OfferState | None:
        """Return the offer of a pre-authorized code."""
        record = self.repository.offer_by_code(code)
        return offer_state(record) if record is not None else None

    def check_tx_code(self, offer_id: str, tx_code: str | None, max_attempts: int) -> bool:
        """Count one attempt atomically; lock the offer at the limit."""
        return self.repository.check_tx_code(offer_id, tx_code, max_attempts)

    def redeem_code(
        self, code: str, now: datetime, *, token: str, token_expires_at: datetime
    ) -> AccessGrant | None:
        """Redeem the code once across all replicas, storing its token in the same transaction."""
        record = self.repository.redeem_code(
            code, now, token=token, token_expires_at=token_expires_at
        )
        if record is None:
            return None
        return AccessGrant(
            offer_id=record.id,
            credential_configuration_ids=(record.configuration_id,),
            expires_at=token_expires_at,
        )

    def access_grant(self, token: str, now: datetime) -> AccessGrant | None:
        """Return what an unexpired access token grants."""
        found = self.repository.access_token(token, now)
        if found is None:
            return None
        record, expires_at = found
        return _grant(record, expires_at)


def _grant(record: OfferRecord, expires_at: datetime) -> AccessGrant:
    # An offer is for one configuration; its access token grants exactly that one.
    return AccessGrant(
        offer_id=record.id,
        credential_configuration_ids=(record.configuration_id,),
        expires_at=expires_at,
    )


class OfferWriter(SqlOfferStore):
    """An ``OfferStore`` for one ``create_offer`` call: stores the offer with its claims."""

    def __init__(
        self,
        repository: IssuerRepository,
        *,
        claims: dict[str, Any],
        created_at: datetime,
        import_key: str | None = None,
        replaces_credential_id: str | None = None,
        defer: bool = False,
    ) -> None:
        super().__init__(repository)
        self.claims = claims
        self.created_at = created_at
        self.import_key = import_key
        self.replaces_credential_id = replaces_credential_id
        self.defer = defer
        self.created = False
        self.row: dict[str, Any] | None = None

    def add_offer(self, offer: OfferState, *, code: str, tx_code: str | None) -> None:
        """Store the offer (or keep the row for a bulk insert when ``defer``)."""
        row: dict[str, Any] = {
            "offer_id": offer.offer_id,
            "configuration_id": offer.credential_configuration_ids[0],
            "claims": self.claims,
            "code": code,
            "tx_code": tx_code,
            "created_at": self.created_at,
            "expires_at": offer.expires_at,
            "import_key": self.import_key,
            "replaces_credential_id": self.replaces_credential_id,
        }
        if self.defer:
            self.row = row
            return
        self.created = self.repository.add_offer(**row)


class SqlNonceStore:
    """``NonceStore`` over the repository."""

    def __init__(self, repository: IssuerRepository) -> None:
        self.repository = repository

    def add_nonce(self, nonce: str, expires_at: datetime) -> None:
        """Store a fresh nonce (hashed)."""
        self.repository.add_nonce(nonce, expires_at)

    def consume(self, nonce: str, now: datetime) -> bool:
        """Consume a nonce exactly once."""
        return self.repository.consume_nonce(nonce, now)


class SqlNotificationStore:
    """``NotificationStore`` over the repository: events land on the issued credentials."""

    def __init__(self, repository: IssuerRepository) -> None:
        self.repository = repository

    def record_notification(self, notification_id: str, event: str) -> bool:
        """Record an event; False for an unknown notification id."""
        return self.repository.record_notification(notification_id, event)

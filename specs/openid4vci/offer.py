"""Credential Offer links (section 4.1): by value and by reference, built and parsed.

A link is ``openid-credential-offer://?credential_offer=<JSON>`` or
``openid-credential-offer://?credential_offer_uri=<https URL>``, exactly one of the two.
Wallets also receive the same query on an https URL (a wallet's Credential Offer Endpoint).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from specs.encoding import dump_json_compact
from specs.errors import LimitExceeded, MalformedInput
from specs.limits import DEFAULT_LIMITS, Limits
from specs.openid4vci.constants import (
    CREDENTIAL_OFFER_SCHEME,
    PARAM_CREDENTIAL_OFFER,
    PARAM_CREDENTIAL_OFFER_URI,
    WELL_KNOWN_CREDENTIAL_ISSUER,
    WELL_KNOWN_OAUTH_AUTHORIZATION_SERVER,
)
from specs.openid4vci.models import CredentialOffer, _https_url, parse_message

MAX_OFFER_LINK = 16 * 1024


@dataclass(frozen=True, slots=True)
class OfferLink:
    """A parsed offer link: the offer itself, or the URL to fetch it from."""

    offer: CredentialOffer | None = None
    offer_uri: str | None = None


def offer_link(offer: CredentialOffer, *, base: str = f"{CREDENTIAL_OFFER_SCHEME}://") -> str:
    """Return a link carrying the offer by value (``credential_offer=``)."""
    payload = quote(dump_json_compact(offer.to_json()), safe="")
    return f"{base}?{PARAM_CREDENTIAL_OFFER}={payload}"


def offer_link_by_reference(offer_uri: str, *, base: str = f"{CREDENTIAL_OFFER_SCHEME}://") -> str:
    """Return a link carrying the offer by reference (``credential_offer_uri=``)."""
    try:
        _https_url(offer_uri)
    except ValueError as exc:
        raise MalformedInput(f"credential_offer_uri {exc}") from None
    return f"{base}?{PARAM_CREDENTIAL_OFFER_URI}={quote(offer_uri, safe='')}"


def parse_offer_link(link: str, *, limits: Limits = DEFAULT_LIMITS) -> OfferLink:
    """Parse an offer link into the offer or its reference; raise ``MalformedInput``."""
    if not isinstance(link, str):
        raise MalformedInput("offer link must be a string")
    if len(link) > MAX_OFFER_LINK:
        raise LimitExceeded(f"offer link is longer than {MAX_OFFER_LINK} characters")
    parts = urlsplit(link.strip())
    if parts.scheme not in (CREDENTIAL_OFFER_SCHEME, "https", "http"):
        raise MalformedInput(f"offer link scheme {parts.scheme!r} is not supported")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError as exc:
        raise MalformedInput(f"offer link query is malformed: {exc}") from None
    by_value = query.get(PARAM_CREDENTIAL_OFFER)
    by_reference = query.get(PARAM_CREDENTIAL_OFFER_URI)
    if (by_value is None) == (by_reference is None):
        raise MalformedInput(
            "offer link must carry exactly one of credential_offer and credential_offer_uri"
        )
    if by_value is not None:
        if len(by_value) != 1:
            raise MalformedInput("credential_offer is repeated")
        offer = parse_message(CredentialOffer, by_value[0], limits=limits, what="credential_offer")
        return OfferLink(offer=offer)
    assert by_reference is not None
    if len(by_reference) != 1:
        raise MalformedInput("credential_offer_uri is repeated")
    uri = by_reference[0]
    try:
        _https_url(uri)
    except ValueError:
        raise MalformedInput(
            "credential_offer_uri must be an https URL", claim_path=["credential_offer_uri"]
        ) from None
    return OfferLink(offer_uri=uri)


def _well_known(identifier: str, suffix: str) -> str:
    # Section 12.2.2: insert the well-known string between host and path.
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{suffix}{path}"


def credential_issuer_metadata_url(credential_issuer: str) -> str:
    """Return where the Credential Issuer Metadata of an identifier is served."""
    return _well_known(credential_issuer, WELL_KNOWN_CREDENTIAL_ISSUER)


def authorization_server_metadata_url(issuer: str) -> str:
    """Return where RFC 8414 Authorization Server Metadata of an issuer is served."""
    return _well_known(issuer, WELL_KNOWN_OAUTH_AUTHORIZATION_SERVER)

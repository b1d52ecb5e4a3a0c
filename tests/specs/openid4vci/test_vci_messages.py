"""OpenID4VCI message models and offer links: the spec's examples round-trip, bad input fails."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.errors import HonninError, LimitExceeded, MalformedInput, ValidationError
from specs.limits import Limits
from specs.openid4vci import (
    CredentialIssuerMetadata,
    CredentialOffer,
    CredentialResponse,
    ErrorResponse,
    NonceResponse,
    NotificationRequest,
    Proofs,
    TokenRequest,
    TokenResponse,
    authorization_server_metadata_url,
    credential_issuer_metadata_url,
    offer_link,
    offer_link_by_reference,
    parse_message,
    parse_offer_link,
)
from specs.openid4vci.models import CredentialConfiguration, CredentialRequest, Message
from specs.openid4vci.wallet import parse_issuer_metadata

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "openid4vci"


def _json(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text())


def _http_body(name: str) -> dict[str, Any]:
    text = (VECTORS / name).read_text()
    body = text.split("\n\n", 1)[1]
    # The spec wraps long strings across lines for display only.
    return json.loads("".join(line.strip() for line in body.splitlines()))


ROUND_TRIPS: list[tuple[type[Message], str]] = [
    (CredentialOffer, "credential_offer_pre-authz_code.json"),
    (CredentialOffer, "credential_offer_by_reference.json"),
    (CredentialOffer, "credential_offer_multiple_credentials.json"),
    (CredentialIssuerMetadata, "credential_issuer_metadata_sd_jwt_long.json"),
    (TokenResponse, "token_response.json"),
    (NonceResponse, "nonce_response.json"),
    (CredentialResponse, "credential_response_batch.json"),
    (CredentialResponse, "credential_response_deferred.json"),
    (NotificationRequest, "notification_request_accepted.json"),
    (NotificationRequest, "notification_request_failure.json"),
    (ErrorResponse, "credential_error_response.json"),
    (Proofs, "proofs_jwt_example.json"),
]


@pytest.mark.parametrize(("model", "name"), ROUND_TRIPS, ids=[n for _, n in ROUND_TRIPS])
def test_spec_example_round_trips(model: type[Message], name: str) -> None:
    raw = (VECTORS / name).read_text()
    parsed = parse_message(model, raw)
    assert parsed.to_json() == json.loads(raw)
    assert parse_message(model, parsed.to_json()) == parsed


def test_http_examples_round_trip() -> None:
    offer = parse_message(CredentialOffer, _http_body("credential_offer_authz_code.txt"))
    assert offer.grants is not None
    assert offer.grants.authorization_code is not None
    assert offer.grants.pre_authorized_code is None
    response = parse_message(CredentialResponse, _http_body("credential_response_sd_jwt_vc.txt"))
    assert response.credentials is not None
    assert str(response.credentials[0].credential).count("~") == 10
    assert response.to_json() == _http_body("credential_response_sd_jwt_vc.txt")


def test_credential_configuration_example() -> None:
    configs = _json("credential_metadata_sd_jwt_vc.json")["credential_configurations_supported"]
    config = parse_message(CredentialConfiguration, configs["SD_JWT_VC_example_in_OpenID4VCI"])
    assert config.vct == "SD_JWT_VC_example_in_OpenID4VCI"
    assert config.proof_types_supported is not None
    required = config.proof_types_supported["jwt"].key_attestations_required
    assert required is not None
    assert required.key_storage == ["iso_18045_moderate"]


def test_metadata_fields() -> None:
    metadata = parse_message(
        CredentialIssuerMetadata, _json("credential_issuer_metadata_sd_jwt_long.json")
    )
    assert metadata.batch_size == 10
    assert metadata.nonce_endpoint == "https://credential-issuer.example.com/nonce"
    assert metadata.display is not None
    assert metadata.display[1].locale == "fr-FR"


def test_token_request_example() -> None:
    form = dict(parse_qsl((VECTORS / "token_request_pre-authz_code.txt").read_text().strip()))
    request = parse_message(TokenRequest, form)
    assert request.pre_authorized_code == "SplxlOBeZQQYbYS6WxSbIA"
    assert request.tx_code == "493536"


def test_offer_links_from_the_spec() -> None:
    link = parse_offer_link((VECTORS / "credential_offer_link_by_value.txt").read_text())
    assert link.offer is not None
    assert link.offer_uri is None
    grant = link.offer.grants.pre_authorized_code  # type: ignore[union-attr]
    assert grant is not None
    assert grant.pre_authorized_code == "oaKazRN8I0IbtZ0C7JuMn5"
    assert grant.tx_code is not None
    assert grant.tx_code.input_mode == "text"
    by_ref = parse_offer_link((VECTORS / "credential_offer_link_by_reference.txt").read_text())
    assert by_ref.offer_uri == (
        "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM"
    )


def test_offer_link_round_trip() -> None:
    offer = parse_message(CredentialOffer, _json("credential_offer_multiple_credentials.json"))
    link = offer_link(offer)
    assert link.startswith("openid-credential-offer://?credential_offer=%7B")
    assert parse_offer_link(link).offer == offer
    ref = offer_link_by_reference("https://issuer.example.jp/offers/abc")
    assert parse_offer_link(ref).offer_uri == "https://issuer.example.jp/offers/abc"


def test_well_known_urls() -> None:
    assert (
        credential_issuer_metadata_url("https://issuer.example.com/tenant")
        == "https://issuer.example.com/.well-known/openid-credential-issuer/tenant"
    )
    assert (
        credential_issuer_metadata_url("https://tenant.issuer.example.com")
        == "https://tenant.issuer.example.com/.well-known/openid-credential-issuer"
    )
    assert (
        authorization_server_metadata_url("https://as.example.com")
        == "https://as.example.com/.well-known/oauth-authorization-server"
    )


# --- negative cases ---


@pytest.mark.parametrize(
    "link",
    [
        "openid-credential-offer://",
        "openid-credential-offer://?credential_offer=%7B%7D",
        "openid-credential-offer://?credential_offer=not-json",
        "openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fevil.example%2Fo",
        "openid-credential-offer://?credential_offer_uri=a&credential_offer_uri=b",
        "openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fa.example",
        "ftp://x/?credential_offer_uri=https%3A%2F%2Fa.example",
    ],
)
def test_bad_offer_links(link: str) -> None:
    with pytest.raises(MalformedInput):
        parse_offer_link(link)


def test_oversize_offer_link() -> None:
    with pytest.raises(LimitExceeded):
        parse_offer_link("openid-credential-offer://?credential_offer=" + "a" * 20000)


@pytest.mark.parametrize(
    "offer",
    [
        {"credential_issuer": "https://a.example", "credential_configuration_ids": []},
        {"credential_issuer": "https://a.example", "credential_configuration_ids": ["x", "x"]},
        {"credential_issuer": "https://a.example?q=1", "credential_configuration_ids": ["x"]},
        {"credential_issuer": "http://a.example", "credential_configuration_ids": ["x"]},
        {"credential_issuer": "https://a.example", "credential_configuration_ids": "x"},
        {
            "credential_issuer": "https://a.example",
            "credential_configuration_ids": ["x"],
            "grants": {
                "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
                    "pre-authorized_code": "c",
                    "tx_code": {"description": "x" * 301},
                }
            },
        },
        {
            "credential_issuer": "https://a.example",
            "credential_configuration_ids": ["x"],
            "grants": {
                "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
                    "pre-authorized_code": "c",
                    "tx_code": {"input_mode": "emoji"},
                }
            },
        },
    ],
)
def test_bad_offers(offer: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput):
        parse_message(CredentialOffer, offer)


@pytest.mark.parametrize(
    "request_body",
    [
        {},
        {"credential_configuration_id": "a", "credential_identifier": "b"},
        {"credential_configuration_id": "a", "proofs": {}},
        {"credential_configuration_id": "a", "proofs": {"jwt": []}},
        {"credential_configuration_id": "a", "proofs": {"jwt": ["x"], "attestation": ["y"]}},
        {"credential_configuration_id": "a", "proofs": {"attestation": ["y", "z"]}},
        {"credential_configuration_id": 5},
    ],
)
def test_bad_credential_requests(request_body: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput):
        parse_message(CredentialRequest, request_body)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"credentials": []},
        {"credentials": [{"credential": "a"}], "transaction_id": "t", "interval": 5},
        {"transaction_id": "t"},
        {"credentials": [{"credential": "a"}], "interval": 5},
        {"transaction_id": "t", "interval": 5, "notification_id": "n"},
        {"credentials": [{"nope": "a"}]},
    ],
)
def test_bad_credential_responses(body: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput):
        parse_message(CredentialResponse, body)


@pytest.mark.parametrize(
    "body",
    [
        {"notification_id": "n", "event": "credential_stolen"},
        {"notification_id": "n", "event": "credential_accepted", "event_description": 'a"b'},
        {"notification_id": "n", "event": "credential_accepted", "event_description": "日本"},
        {"event": "credential_accepted"},
    ],
)
def test_bad_notifications(body: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput):
        parse_message(NotificationRequest, body)


def test_metadata_rules() -> None:
    good = _json("credential_issuer_metadata_sd_jwt_long.json")
    bad_batch = {**good, "batch_credential_issuance": {"batch_size": 1}}
    with pytest.raises(MalformedInput):
        parse_message(CredentialIssuerMetadata, bad_batch)
    duplicate_locale = {
        **good,
        "display": [{"name": "a", "locale": "ja"}, {"name": "b", "locale": "ja"}],
    }
    with pytest.raises(MalformedInput):
        parse_message(CredentialIssuerMetadata, duplicate_locale)
    config = dict(good["credential_configurations_supported"]["SD_JWT_VC_example_in_OpenID4VCI"])
    del config["proof_types_supported"]
    with pytest.raises(MalformedInput):
        parse_message(
            CredentialIssuerMetadata, {**good, "credential_configurations_supported": {"c": config}}
        )
    with pytest.raises(ValidationError):
        parse_issuer_metadata(good, expected_issuer="https://credential-issuer.example.com/")


def test_malformed_json_and_limits() -> None:
    with pytest.raises(MalformedInput):
        parse_message(NonceResponse, '{"c_nonce": "a",}')
    with pytest.raises(MalformedInput):
        parse_message(NonceResponse, '{"c_nonce": "a", "c_nonce": "b"}')
    with pytest.raises(MalformedInput):
        parse_message(NonceResponse, "[1]")
    with pytest.raises(LimitExceeded):
        parse_message(NonceResponse, '{"c_nonce": "' + "a" * 2000 + '"}', max_bytes=1000)
    deep = '{"c_nonce": "a", "x": ' + "[" * 50 + "]" * 50 + "}"
    with pytest.raises(LimitExceeded):
        parse_message(NonceResponse, deep, limits=Limits(max_json_depth=16))


def test_validation_error_names_the_member() -> None:
    with pytest.raises(MalformedInput) as info:
        parse_message(TokenResponse, {"access_token": "a", "token_type": "Bearer", "expires_in": 0})
    assert info.value.claim_path == ("expires_in",)


# --- properties ---


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300))
def test_property_offer_links_raise_only_honnin_errors(text: str) -> None:
    with contextlib.suppress(HonninError):
        parse_offer_link("openid-credential-offer://?credential_offer=" + text)
    with contextlib.suppress(HonninError):
        parse_offer_link(text)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(
    body=st.dictionaries(
        st.sampled_from(
            ["credential_configuration_id", "credential_identifier", "proofs", "x", "jwt"]
        ),
        _json_values,
        max_size=4,
    )
)
def test_property_credential_requests_raise_only_honnin_errors(body: dict[str, Any]) -> None:
    with contextlib.suppress(HonninError):
        parse_message(CredentialRequest, json.dumps(body))


@settings(max_examples=50, deadline=None)
@given(
    ids=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=5, unique=True),
    code=st.text(min_size=1, max_size=40),
    length=st.none() | st.integers(1, 12),
)
def test_property_offer_round_trip(ids: list[str], code: str, length: int | None) -> None:
    tx: dict[str, Any] = {} if length is None else {"length": length}
    offer = parse_message(
        CredentialOffer,
        {
            "credential_issuer": "https://issuer.example.jp",
            "credential_configuration_ids": ids,
            "grants": {
                "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
                    "pre-authorized_code": code,
                    "tx_code": tx,
                }
            },
        },
    )
    assert parse_offer_link(offer_link(offer)).offer == offer

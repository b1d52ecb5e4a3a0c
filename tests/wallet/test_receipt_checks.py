"""The wallet checks every credential it receives before storing it (``wallet.receipt_checks``).

The issuer is the real issuer role (``init_issuer`` + ``issuer.create_app``) issuing the
withholding slip in ``dc+sd-jwt``, ``mso_mdoc`` and ``ldp_vc``. What reaches the wallet is
changed on the way by a transport that rewrites Credential Responses: a flipped signature
byte or an altered disclosure/item (someone on the path), or a credential re-signed with
the issuer's own key after a change (an issuer gone wrong). An issuer the wallet's trust
list does not name is a second real deployment with its own key. Every refusal leaves no
credential in the store and none of the keys generated for the request.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from honnin.sample_data import SampleData
from issuer.app import create_app as create_issuer_app
from issuer.provisioning import init_issuer
from issuer.service import IssuerDeps
from issuer.settings import load_settings as load_issuer_settings
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.credentials.mdoc import mdoc_doctype
from specs.encoding import b64url_decode, b64url_encode
from specs.errors import (
    DigestMismatch,
    Expired,
    HonninError,
    InvalidSignature,
    UntrustedIssuer,
    UntrustedKey,
    ValidationError,
)
from specs.jose import sign_compact
from specs.keys import SoftwareSigner
from specs.keys.certificates import issue_certificate
from specs.keys.x509 import encode_x5c, load_pem_certificates
from specs.mdoc import decode_cbor, encode_cbor
from specs.mdoc import issue as issue_mdoc
from specs.mdoc.cbor import EncodedCBOR, unwrap_encoded_cbor
from specs.mdoc.cose import jwk_from_cose_key
from specs.mdoc.model import IssuerSigned, parse_document_value, parse_mso
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt.verification import unverified_sd_jwt
from specs.sd_jwt_vc import certificate_names
from specs.trustlist import constants as c
from specs.trustlist.signature import sign_trust_list
from specs.w3c_vc import DocumentLoader, ecdsa_sd_2023
from specs.w3c_vc.data_integrity import split_proof
from specs.w3c_vc.multikey import did_key_for
from tests.integration.conftest import slip_claims
from wallet.holder import Wallet
from wallet.receiving import Received, receive
from wallet.transport import WalletHttp

from .conftest import FAST_SCRYPT, PASSPHRASE, Pki, World, trust_document
from .test_flow import receive_slip

ISSUER_URL = "https://issuer-r.example"
OTHER_URL = "https://issuer-z.example"
SD_JWT, MDOC, LDP = "dc+sd-jwt", "mso_mdoc", "ldp_vc"
FORMATS = [SD_JWT, MDOC, LDP]
DOCTYPE = mdoc_doctype(WITHHOLDING_SLIP_V1)

Rewrite = Callable[[Any], Any]


# --- the issuer, the network and the wallets ---


@dataclass
class Deployment:
    """A real issuer deployment: its app, admin token, signing key and certificate."""

    app: FastAPI
    admin_token: str
    signer: SoftwareSigner
    cert: x509.Certificate
    clock: FixedClock


def deploy(
    directory: Path,
    clock: FixedClock,
    *,
    seed: str,
    certificate: Callable[[SoftwareSigner], x509.Certificate] | None = None,
) -> Deployment:
    """``init_issuer`` in ``directory`` and its app; ``certificate`` replaces its own one."""
    made = init_issuer(
        directory,
        name_ja="株式会社アール",
        name_en="R Corporation",
        url=ISSUER_URL,
        clock=FixedClock(clock.now() - timedelta(days=30)),
        random=SeededRandom(seed),
        credential_types=[WITHHOLDING_SLIP_V1.id],
    )
    signer = SoftwareSigner.from_jwk(
        json.loads((directory / "signing-key.jwk").read_text(encoding="utf-8"))
    )
    cert = load_pem_certificates(made.certificate_pem.read_bytes())[0]
    if certificate is not None:
        cert = certificate(signer)
    deps = IssuerDeps(
        clock=clock, rng=SeededRandom(f"{seed}-rng"), signer=signer, certificate_chain=[cert]
    )
    app = create_issuer_app(load_issuer_settings(made.settings_path), deps)
    return Deployment(app, made.admin_token, signer, cert, clock)


def certificate_naming(url: str, clock: FixedClock) -> Callable[[SoftwareSigner], x509.Certificate]:
    """A self-signed certificate for the issuer's own key that names ``url`` instead."""

    def make(signer: SoftwareSigner) -> x509.Certificate:
        return issue_certificate(
            subject_public_key=signer.public_key,
            issuer_key=signer.private_key(),
            issuer=None,
            common_name="R Corporation",
            not_before=clock.now() - timedelta(days=30),
            days=365,
            serial_number=4242,
            san_uris=[url],
        )

    return make


class Rewriting(httpx.AsyncBaseTransport):
    """The issuer's origin, with each Credential of a Credential Response rewritten on the way."""

    def __init__(self, app: FastAPI, rewrite: Rewrite | None) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._rewrite = rewrite

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward to the app; rewrite a successful Credential Response."""
        response = await self._inner.handle_async_request(request)
        if self._rewrite is None or request.url.path != "/credential":
            return response
        body = json.loads(await response.aread())
        if response.status_code != 200:
            return httpx.Response(response.status_code, json=body)
        for entry in body["credentials"]:
            entry["credential"] = self._rewrite(entry["credential"])
        return httpx.Response(200, json=body)


def offer(deployment: Deployment, credential_format: str) -> dict[str, Any]:
    """The issuer's clerk offers the slip in ``credential_format`` (admin API)."""

    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=deployment.app)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.post(
                f"{ISSUER_URL}/admin/offers",
                json={
                    "type": WITHHOLDING_SLIP_V1.id,
                    "claims": slip_claims(),
                    "format": credential_format,
                },
                headers={"Authorization": f"Bearer {deployment.admin_token}"},
            )

    reply = asyncio.run(main())
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def receive_from(
    wallet: Wallet,
    deployment: Deployment,
    credential_format: str,
    rewrite: Rewrite | None = None,
) -> list[Received]:
    """The wallet redeems a fresh offer; ``rewrite`` changes each Credential on the way."""
    made = offer(deployment, credential_format)

    async def main() -> list[Received]:
        mounts = {ISSUER_URL: Rewriting(deployment.app, rewrite)}
        async with httpx.AsyncClient(mounts=mounts) as client:
            return await receive(
                wallet, WalletHttp(client), made["offer_uri"], tx_code=made["tx_code"]
            )

    return asyncio.run(main())


def trust_files(directory: Path, pki: Pki, listed: x509.Certificate | None) -> tuple[Path, Path]:
    """A signed trust list naming ``listed`` as an issuer of the slip, and its anchor."""
    document = trust_document(pki)  # names another issuer (the test peer's key) only
    if listed is not None:
        entry = dict(document[c.ISSUERS][0])
        entry[c.ENTITY_ID] = "issuer-r"
        entry[c.CORPORATE_NUMBER] = SampleData(77).corporate_number()
        entry[c.DIGITAL_IDENTITY] = {c.X509_CERTIFICATES: encode_x5c([listed])}
        document[c.ISSUERS] = [*document[c.ISSUERS], entry]
    directory.mkdir(parents=True, exist_ok=True)
    token = directory / "trustlist.jws"
    token.write_text(sign_trust_list(document, pki.operator, [pki.operator_cert]), "ascii")
    anchor = directory / "operator.pem"
    anchor.write_bytes(pki.operator_cert.public_bytes(serialization.Encoding.PEM))
    return token, anchor


def make_wallet(home: Path, clock: FixedClock, trust: tuple[Path, Path] | None = None) -> Wallet:
    """A card-less wallet, with or without a trust list."""
    return Wallet.create(
        home,
        PASSPHRASE,
        clock=clock,
        random=SeededRandom(home.name),
        trust_list=trust[0] if trust else None,
        trust_list_anchor=trust[1] if trust else None,
        scrypt_n=FAST_SCRYPT,
    )


@pytest.fixture
def issuer(tmp_path: Path, clock: FixedClock) -> Iterator[Deployment]:
    """Issuer R: a real deployment."""
    deployment = deploy(tmp_path / "issuer-r", clock, seed="issuer-r")
    try:
        yield deployment
    finally:
        deployment.app.state.service.close()


@pytest.fixture
def wallet(tmp_path: Path, clock: FixedClock) -> Iterator[Wallet]:
    """A wallet without a trust list: it still checks signatures and consistency."""
    made = make_wallet(tmp_path / "plain", clock)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def listing_wallet(
    tmp_path: Path, clock: FixedClock, pki: Pki, issuer: Deployment
) -> Iterator[Wallet]:
    """A wallet whose trust list names issuer R for the slip."""
    made = make_wallet(
        tmp_path / "listing", clock, trust_files(tmp_path / "list-r", pki, issuer.cert)
    )
    try:
        yield made
    finally:
        made.close()


def refused(
    wallet: Wallet,
    error: type[HonninError],
    receive_step: Callable[[], Any],
    match: str | None = None,
) -> HonninError:
    """Run ``receive_step``, expect exactly ``error``; nothing stored, no key left behind."""
    with pytest.raises(error, match=match) as caught:
        receive_step()
    assert type(caught.value) is error, caught.value
    assert wallet.store.credentials() == []
    assert wallet.keys.public_jwks() == []
    return caught.value


# --- rewriting credentials: a flipped signature byte, an altered item ---


def _flip(data: bytes) -> bytes:
    return bytes([data[0] ^ 0x01]) + data[1:]


def _sd_flip_signature(text: str) -> str:
    jwt, rest = text.split("~", 1)
    header, payload, signature = jwt.split(".")
    return f"{header}.{payload}.{b64url_encode(_flip(b64url_decode(signature)))}~{rest}"


def _sd_alter_disclosure(text: str) -> str:
    jwt, *disclosures = text.split("~")
    decoded = json.loads(b64url_decode(disclosures[0]))
    decoded[-1] = "altered"
    disclosures[0] = b64url_encode(json.dumps(decoded, ensure_ascii=False).encode("utf-8"))
    return "~".join([jwt, *disclosures])


def _issuer_signed(text: str) -> IssuerSigned:
    value = {"docType": DOCTYPE, "issuerSigned": decode_cbor(b64url_decode(text))}
    return parse_document_value(value).issuer_signed


def _mdoc_text(issuer_signed: IssuerSigned) -> str:
    return b64url_encode(encode_cbor(issuer_signed.to_cbor_value()))


def _mdoc_flip_signature(text: str) -> str:
    issuer_signed = _issuer_signed(text)
    auth = issuer_signed.issuer_auth
    return _mdoc_text(replace(issuer_signed, issuer_auth=replace(auth, tag=_flip(auth.tag))))


def _mdoc_alter_item(text: str) -> str:
    issuer_signed = _issuer_signed(text)
    namespace, items = next(iter(issuer_signed.namespaces.items()))
    item = decode_cbor(items[0].data)
    item["elementValue"] = "altered"
    changed = (EncodedCBOR(encode_cbor(item)), *items[1:])
    return _mdoc_text(
        replace(issuer_signed, namespaces={**issuer_signed.namespaces, namespace: changed})
    )


def _ldp_flip_signature(vc: dict[str, Any]) -> dict[str, Any]:
    base = ecdsa_sd_2023.parse_base_proof_value(vc["proof"]["proofValue"])
    flipped = replace(base, base_signature=_flip(base.base_signature))
    value = ecdsa_sd_2023.serialize_base_proof_value(flipped)
    return {**vc, "proof": {**vc["proof"], "proofValue": value}}


def _ldp_alter_statement(vc: dict[str, Any]) -> dict[str, Any]:
    subject = dict(vc["credentialSubject"])
    subject["payment_amount"] = subject["payment_amount"] + 1
    return {**vc, "credentialSubject": subject}


FLIP_SIGNATURE: dict[str, Rewrite] = {
    SD_JWT: _sd_flip_signature,
    MDOC: _mdoc_flip_signature,
    LDP: _ldp_flip_signature,
}
# An altered SD-JWT disclosure or mdoc item no longer matches any digest the issuer signed;
# an altered VC statement no longer matches its ecdsa-sd-2023 statement signature.
ALTER_ITEM: dict[str, tuple[Rewrite, type[HonninError]]] = {
    SD_JWT: (_sd_alter_disclosure, DigestMismatch),
    MDOC: (_mdoc_alter_item, DigestMismatch),
    LDP: (_ldp_alter_statement, InvalidSignature),
}


# --- re-signing with the issuer's own key: an issuer gone wrong ---


def sd_resigned(
    signer: SoftwareSigner, change: Callable[[dict[str, Any], dict[str, Any]], None]
) -> Rewrite:
    """Re-sign the issuer JWT after ``change(header, payload)``; disclosures kept."""

    def rewrite(text: str) -> str:
        unverified = unverified_sd_jwt(text)
        header, payload = dict(unverified.header), dict(unverified.payload or {})
        change(header, payload)
        header.pop("alg")
        typ = header.pop("typ")
        jwt = sign_compact(payload, signer, header=header, typ=typ)
        return "~".join([jwt, *text.split("~")[1:]])

    return rewrite


def mdoc_reissued(
    deployment: Deployment,
    *,
    device_jwk: dict[str, Any] | None = None,
    cert: x509.Certificate | None = None,
) -> Rewrite:
    """Issue the same elements again with the issuer key: another device key or certificate."""

    def rewrite(text: str) -> str:
        issuer_signed = _issuer_signed(text)
        assert issuer_signed.issuer_auth.payload is not None
        mso = parse_mso(unwrap_encoded_cbor(issuer_signed.issuer_auth.payload))
        elements = {
            namespace: {
                item["elementIdentifier"]: item["elementValue"]
                for item in (decode_cbor(encoded.data) for encoded in items)
            }
            for namespace, items in issuer_signed.namespaces.items()
        }
        document = issue_mdoc(
            doc_type=mso.doc_type,
            namespaces=elements,
            device_key=device_jwk or jwk_from_cose_key(mso.device_key),
            signer=deployment.signer,
            certificate_chain=[cert or deployment.cert],
            clock=deployment.clock,
            rng=SeededRandom("reissue"),
            key_authorizations=mso.key_authorizations,
        )
        return _mdoc_text(document.issuer_signed)

    return rewrite


def ldp_resigned(deployment: Deployment, change: Callable[[dict[str, Any]], None]) -> Rewrite:
    """A new base proof by the issuer key (same method and pointers) after ``change``."""

    def rewrite(vc: dict[str, Any]) -> dict[str, Any]:
        unsecured, proof = split_proof(vc)
        base = ecdsa_sd_2023.parse_base_proof_value(proof["proofValue"])
        change(unsecured)
        return ecdsa_sd_2023.create_base_proof(
            unsecured,
            deployment.signer,
            verification_method=proof["verificationMethod"],
            mandatory_pointers=list(base.mandatory_pointers),
            rng=SeededRandom("reproof"),
            loader=DocumentLoader(),
            created=deployment.clock.now(),
        )

    return rewrite


def bound_to_foreign_key(deployment: Deployment, credential_format: str) -> Rewrite:
    """The issuer binds the credential to a key this wallet never sent."""
    foreign = SoftwareSigner.generate("ES256")
    if credential_format == SD_JWT:
        return sd_resigned(
            deployment.signer, lambda _, payload: payload.update(cnf={"jwk": foreign.public_jwk})
        )
    if credential_format == MDOC:
        return mdoc_reissued(deployment, device_jwk=foreign.public_jwk)
    holder = did_key_for(foreign.public_key)
    return ldp_resigned(deployment, lambda vc: vc["credentialSubject"].update(id=holder))


def naming_another_issuer(deployment: Deployment, credential_format: str) -> Rewrite:
    """The credential names another issuer than the one the wallet talked to, consistently
    signed (for mdoc, which has no ``iss``: a DS certificate naming another issuer)."""
    if credential_format == SD_JWT:
        other = encode_x5c([certificate_naming(OTHER_URL, deployment.clock)(deployment.signer)])

        def change(header: dict[str, Any], payload: dict[str, Any]) -> None:
            header["x5c"] = other
            payload["iss"] = OTHER_URL

        return sd_resigned(deployment.signer, change)
    if credential_format == MDOC:
        cert = certificate_naming(OTHER_URL, deployment.clock)(deployment.signer)
        return mdoc_reissued(deployment, cert=cert)
    return ldp_resigned(deployment, lambda vc: vc.update(issuer=OTHER_URL))


# --- the tests ---


@pytest.mark.parametrize("credential_format", FORMATS)
def test_genuine_credentials_are_stored_with_and_without_a_trust_list(
    credential_format: str, issuer: Deployment, wallet: Wallet, listing_wallet: Wallet
) -> None:
    for holder in (wallet, listing_wallet):
        (received,) = receive_from(holder, issuer, credential_format)
        assert received.instances == 4
        assert received.credential.issuer == ISSUER_URL
        assert [c.id for c in holder.store.credentials()] == [received.credential.id]
        assert len(holder.keys.public_jwks()) == 4
        assert received.notified


@pytest.mark.parametrize("credential_format", FORMATS)
def test_a_flipped_signature_byte_is_refused(
    credential_format: str, issuer: Deployment, wallet: Wallet
) -> None:
    refused(
        wallet,
        InvalidSignature,
        lambda: receive_from(wallet, issuer, credential_format, FLIP_SIGNATURE[credential_format]),
    )


@pytest.mark.parametrize("credential_format", FORMATS)
def test_an_altered_disclosure_or_item_is_refused(
    credential_format: str, issuer: Deployment, wallet: Wallet
) -> None:
    rewrite, error = ALTER_ITEM[credential_format]
    refused(wallet, error, lambda: receive_from(wallet, issuer, credential_format, rewrite))


@pytest.mark.parametrize("credential_format", FORMATS)
def test_a_credential_naming_another_issuer_is_refused(
    credential_format: str, issuer: Deployment, wallet: Wallet
) -> None:
    # For SD-JWT VC and VCs: consistently signed, but not by the issuer the wallet talked to.
    match = (
        "does not match the issuer certificate"
        if credential_format == MDOC
        else "not the Credential Issuer"
    )
    refused(
        wallet,
        UntrustedIssuer,
        lambda: receive_from(
            wallet, issuer, credential_format, naming_another_issuer(issuer, credential_format)
        ),
        match=match,
    )


@pytest.mark.parametrize("credential_format", FORMATS)
def test_an_issuer_certificate_naming_another_issuer_is_refused(
    credential_format: str, tmp_path: Path, clock: FixedClock, wallet: Wallet
) -> None:
    # Issuer R runs with a certificate for its key that names another URL.
    rogue = deploy(
        tmp_path / "issuer-cert-z",
        clock,
        seed="cert-z",
        certificate=certificate_naming(OTHER_URL, clock),
    )
    try:
        refused(
            wallet,
            UntrustedIssuer,
            lambda: receive_from(wallet, rogue, credential_format),
            match="does not match the issuer certificate",
        )
    finally:
        rogue.app.state.service.close()


def test_an_mdoc_signer_certificate_naming_no_url_is_stored(
    tmp_path: Path, clock: FixedClock, wallet: Wallet
) -> None:
    # ISO 18013-5 Annex B document signer certificates name an organisation, no URL: such
    # an mdoc interoperates (the trust list, when set, decides whom to trust).
    def unnamed(signer: SoftwareSigner) -> x509.Certificate:
        return issue_certificate(
            subject_public_key=signer.public_key,
            issuer_key=signer.private_key(),
            issuer=None,
            common_name="R Corporation DS",
            not_before=clock.now() - timedelta(days=30),
            days=365,
            serial_number=4343,
        )

    iso_style = deploy(tmp_path / "issuer-iso-ds", clock, seed="iso-ds", certificate=unnamed)
    try:
        names = certificate_names(iso_style.cert)
        assert not names.uris
        assert not names.dns
        (received,) = receive_from(wallet, iso_style, MDOC)
        assert [c.id for c in wallet.store.credentials()] == [received.credential.id]
    finally:
        iso_style.app.state.service.close()


@pytest.mark.parametrize("credential_format", FORMATS)
def test_a_credential_bound_to_a_foreign_key_is_refused(
    credential_format: str, issuer: Deployment, wallet: Wallet
) -> None:
    refused(
        wallet,
        ValidationError,
        lambda: receive_from(
            wallet, issuer, credential_format, bound_to_foreign_key(issuer, credential_format)
        ),
        match="not bound to a key this wallet sent",
    )


@pytest.mark.parametrize("credential_format", FORMATS)
def test_an_issuer_missing_from_the_trust_list_is_refused(
    credential_format: str, tmp_path: Path, clock: FixedClock, pki: Pki, issuer: Deployment
) -> None:
    # The list names another issuer of the slip; R signs correctly, but is not on it.
    holder = make_wallet(tmp_path / "other-list", clock, trust_files(tmp_path / "list", pki, None))
    try:
        refused(
            holder,
            UntrustedIssuer,
            lambda: receive_from(holder, issuer, credential_format),
            match="does not chain to any listed issuer",
        )
        # The same credentials pass a wallet without a trust list: the list made the difference.
        plain = make_wallet(tmp_path / "no-list", clock)
        try:
            receive_from(plain, issuer, credential_format)
            assert len(plain.store.credentials()) == 1
        finally:
            plain.close()
    finally:
        holder.close()


@pytest.mark.parametrize("credential_format", FORMATS)
def test_a_listed_issuer_with_another_key_is_refused(
    credential_format: str, tmp_path: Path, clock: FixedClock, listing_wallet: Wallet
) -> None:
    # Another deployment at R's URL with its own key and certificate naming R: not R's listed one.
    impostor = deploy(tmp_path / "issuer-r2", clock, seed="impostor")
    try:
        refused(
            listing_wallet,
            UntrustedIssuer,
            lambda: receive_from(listing_wallet, impostor, credential_format),
        )
    finally:
        impostor.app.state.service.close()


def test_an_expired_sd_jwt_vc_is_refused(issuer: Deployment, wallet: Wallet) -> None:
    past = int((issuer.clock.now() - timedelta(days=1)).timestamp())
    rewrite = sd_resigned(issuer.signer, lambda _, payload: payload.update(exp=past))
    refused(wallet, Expired, lambda: receive_from(wallet, issuer, SD_JWT, rewrite))


def test_an_sd_jwt_vc_of_another_vct_is_refused(issuer: Deployment, wallet: Wallet) -> None:
    rewrite = sd_resigned(
        issuer.signer, lambda _, payload: payload.update(vct="https://other.example/vct")
    )
    refused(
        wallet,
        ValidationError,
        lambda: receive_from(wallet, issuer, SD_JWT, rewrite),
        match="not the .* the wallet asked for",
    )


def test_one_bad_credential_refuses_the_whole_batch(issuer: Deployment, wallet: Wallet) -> None:
    seen: list[str] = []

    def last_one_flipped(text: str) -> str:
        seen.append(text)
        return _sd_flip_signature(text) if len(seen) == 4 else text

    refused(
        wallet, InvalidSignature, lambda: receive_from(wallet, issuer, SD_JWT, last_one_flipped)
    )
    assert len(seen) == 4


# --- an SD-JWT VC naming its key by kid (no x5c): only a trust list can resolve it ---


def test_kid_named_key_is_resolved_from_the_trust_list(world: World) -> None:
    world.issuer.x5c = None
    (received,) = receive_slip(world)
    assert received.instances == 4


def test_kid_named_key_without_a_trust_list_is_refused(
    world: World, tmp_path: Path, clock: FixedClock
) -> None:
    world.issuer.x5c = None
    listed = world.wallet
    world.wallet = make_wallet(tmp_path / "kid-plain", clock)
    try:
        refused(world.wallet, UntrustedKey, lambda: receive_slip(world), match="no x5c header")
    finally:
        world.wallet.close()
        world.wallet = listed

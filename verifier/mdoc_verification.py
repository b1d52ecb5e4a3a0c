"""The verification pipeline for one ``mso_mdoc`` presentation (OpenID4VP 1.0 Appendix B.2).

The same steps and outcomes as the SD-JWT VC pipeline (``verifier.pipeline``):

1. ``well_formed``: the ``vp_token`` entry is base64url(DeviceResponse), status OK, one
   document of the requested docType, with an ``x5chain`` in IssuerAuth.
2. ``issuer_trusted``: the document signer chain validates to an issuer the trust list
   allows for this credential type, judged at the MSO's ``signed`` time.
3. ``signature``: IssuerAuth by that certificate, and every returned element's digest.
4. ``validity``: the MSO ``validFrom``/``validUntil`` (ISO 18013-5 section 9.3.1).
5. ``status``: the MSO ``status`` reference in the issuer's Token Status List.
6. ``key_binding``: DeviceAuth, a detached COSE_Sign1 by the MSO deviceKey over
   DeviceAuthentication with this transaction's OpenID4VP SessionTranscript (Appendix
   B.2.6.1), so another session's or another key's answer fails; device-signed elements
   only where the MSO's keyAuthorizations allow (section 9.1.2.4).
7. ``schema``: the elements hold values the credential type allows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from specs.credentials import CredentialType
from specs.credentials.constants import MDOC_DEVICE_NAMESPACE, MDOC_PSEUDONYM_ELEMENT
from specs.credentials.mdoc import (
    claim_path_of,
    claims_from_mdoc,
    credential_type_by_doctype,
    json_value,
)
from specs.dcql import Presented
from specs.dcql.constants import FORMAT_MSO_MDOC
from specs.encoding import b64url_decode
from specs.errors import (
    Expired,
    HonninError,
    MalformedInput,
    NotFound,
    NotYetValid,
    PolicyViolation,
    Unsupported,
    ValidationError,
)
from specs.limits import Limits
from specs.mdoc import TrustAnchors, decode_device_response, verify_issuer_signed
from specs.mdoc.cbor import unembed, unwrap_encoded_cbor
from specs.mdoc.constants import DEVICE_AUTH_ALGS, STATUS_OK
from specs.mdoc.cose import certificates, device_key_from_cose_key, verify_sign1, x5chain_der
from specs.mdoc.device_authentication import device_authentication_bytes
from specs.mdoc.model import Document, MobileSecurityObject, parse_mso
from specs.openid4vp import PresentationContext, VerifiedPresentation
from specs.sd_jwt_vc import StatusListReference
from specs.status_list import parse_cbor_status
from specs.status_list.constants import CLAIM_STATUS
from specs.trustlist import IssuerEntry, TrustList
from trustlist.evaluation import IssuerChainCache, authorize_issuer
from verifier.pipeline import (
    STEP_ISSUER_TRUSTED,
    STEP_KEY_BINDING,
    STEP_SCHEMA,
    STEP_SIGNATURE,
    STEP_STATUS,
    STEP_VALIDITY,
    STEP_WELL_FORMED,
    PipelineSettings,
    SdJwtVcPipeline,
    StepLog,
    StepPipeline,
    _Failed,
    _run,
    schema_problems,
)

_MAX_ANCHOR_SETS = 64
# OpenID4VP 1.0 Appendix B.2.2: numeric COSE algorithm identifiers (-7 = ES256).
MDOC_VP_FORMATS: dict[str, Any] = {
    FORMAT_MSO_MDOC: {"issuerauth_alg_values": [-7], "deviceauth_alg_values": [-7]}
}


def result_path(path: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return the type's claim path for an mdoc ``(namespace, element)``, else ``path``."""
    if len(path) != 2 or not isinstance(path[0], str):
        return path
    try:
        ctype = credential_type_by_doctype(path[0])
        return claim_path_of(ctype, path[0], str(path[1]))
    except NotFound:
        return path


def _unverified_mso(document: Document, limits: Limits) -> MobileSecurityObject:
    # The signed time decides the issuer's trust-list status before the signature is
    # checked, as the SD-JWT VC pipeline reads ``iat``; the signature step checks it all.
    payload = document.issuer_signed.issuer_auth.payload
    if payload is None:
        raise MalformedInput("issuerAuth carries no MSO")
    return parse_mso(
        unwrap_encoded_cbor(payload, what="issuerAuth payload", limits=limits), limits=limits
    )


def _device_elements(document: Document, mso: MobileSecurityObject, limits: Limits) -> Any:
    assert document.device_signed is not None
    value = unembed(document.device_signed.namespaces, what="DeviceNameSpacesBytes", limits=limits)
    if not isinstance(value, dict):
        raise MalformedInput("DeviceNameSpaces must be a map")
    authorized = mso.key_authorizations or {}
    whole = authorized.get("nameSpaces") or []
    single = authorized.get("dataElements") or {}
    for namespace, elements in value.items():
        if not isinstance(namespace, str) or not isinstance(elements, dict):
            raise MalformedInput("DeviceNameSpaces must map namespaces to element maps")
        for element in elements:
            # ISO 18013-5 9.1.2.4 keyAuthorizations: the device signs only what the issuer allowed.
            allowed = (isinstance(whole, list) and namespace in whole) or (
                isinstance(single, dict) and element in (single.get(namespace) or [])
            )
            if not allowed:
                raise PolicyViolation(
                    "the device key is not authorized to sign this element",
                    claim_path=[namespace, element],
                )
    return value


class MdocPipeline(StepPipeline):
    """Verifies ``mso_mdoc`` presentations step by step against the trust list."""

    def __init__(
        self,
        *,
        sd_jwt: SdJwtVcPipeline,
        trust_list: Callable[[], TrustList],
        settings: PipelineSettings | None = None,
    ) -> None:
        self._sd_jwt = sd_jwt
        self._trust_list = trust_list
        self._settings = settings or PipelineSettings()
        self._issuer_chains = IssuerChainCache()
        self._anchors: dict[tuple[str, tuple[x509.Certificate, ...]], TrustAnchors] = {}

    def _anchors_of(self, entry: IssuerEntry) -> TrustAnchors:
        key = (entry.entity_id, tuple(entry.identity.certificates))
        anchors = self._anchors.get(key)
        if anchors is None:
            if len(self._anchors) >= _MAX_ANCHOR_SETS:
                self._anchors.clear()
            anchors = self._anchors[key] = TrustAnchors(entry.identity.certificates)
        return anchors

    def _authorize(
        self,
        trust_list: TrustList,
        ctype: CredentialType[Any],
        chain: list[x509.Certificate],
        now: datetime,
        issued_at: datetime,
    ) -> IssuerEntry:
        # A trust list may name the type by its vct or by its short id, as for SD-JWT VC.
        last: HonninError | None = None
        for name in (ctype.vct, ctype.id):
            try:
                return authorize_issuer(
                    trust_list,
                    credential_type=name,
                    at=now,
                    issued_at=issued_at,
                    policy=self._settings.withdrawal_policy,
                    chain=chain,
                    chain_cache=self._issuer_chains,
                ).issuer
            except PolicyViolation as exc:
                last = exc
        assert last is not None
        raise last

    def _steps(
        self, context: PresentationContext, log: StepLog, query_id: str
    ) -> VerifiedPresentation:
        limits = self._settings.limits
        now = context.now
        trust_list = self._trust_list()

        def well_formed() -> tuple[Document, CredentialType[Any], list[x509.Certificate], Any]:
            if context.query.format != FORMAT_MSO_MDOC:
                raise MalformedInput(f"format {context.query.format!r} is not mso_mdoc")
            if not isinstance(context.presentation, str):
                raise MalformedInput("an mso_mdoc presentation is a base64url string")
            data = b64url_decode(context.presentation, what="DeviceResponse")
            response = decode_device_response(data, limits=limits)
            if response.status != STATUS_OK:
                raise ValidationError(f"DeviceResponse status is {response.status}, not OK")
            if len(response.documents) != 1:
                raise MalformedInput("the DeviceResponse must hold exactly one document")
            (document,) = response.documents
            expected = context.query.doctype_value
            if document.doc_type != expected:
                raise ValidationError(
                    f"docType {document.doc_type!r} is not the requested {expected!r}"
                )
            try:
                ctype = credential_type_by_doctype(document.doc_type)
            except NotFound as exc:
                raise PolicyViolation(
                    f"docType {document.doc_type!r} is not one this verifier knows"
                ) from exc
            if document.device_signed is None:
                raise MalformedInput("the document has no deviceSigned (device binding)")
            issuer_auth = document.issuer_signed.issuer_auth
            chain = certificates(
                x5chain_der(issuer_auth, what="issuerAuth", limits=limits), what="issuerAuth"
            )
            return document, ctype, chain, _unverified_mso(document, limits)

        document, ctype, chain, claimed = _run(STEP_WELL_FORMED, well_formed)
        log.passed(STEP_WELL_FORMED, query_id)
        entry: IssuerEntry = _run(
            STEP_ISSUER_TRUSTED,
            lambda: self._authorize(trust_list, ctype, chain, now, claimed.validity_info.signed),
        )
        log.passed(
            STEP_ISSUER_TRUSTED,
            query_id,
            f"{entry.legal_name.en} ({entry.legal_name.ja}) may issue {ctype.mdoc_namespace}",
        )
        try:
            issuer = verify_issuer_signed(
                document, trust_anchors=self._anchors_of(entry), now=now, limits=limits
            )
        except (Expired, NotYetValid) as exc:
            # verify_issuer_signed checks validity only after IssuerAuth's signature passed.
            log.passed(STEP_SIGNATURE, query_id)
            raise _Failed(STEP_VALIDITY, exc) from exc
        except HonninError as exc:
            raise _Failed(STEP_SIGNATURE, exc) from exc
        log.passed(STEP_SIGNATURE, query_id)
        log.passed(STEP_VALIDITY, query_id)
        mso = issuer.mso
        leaf = issuer.issuer_certificate

        def status() -> str:
            raw = mso.extra.get(CLAIM_STATUS)
            if raw is None:
                if self._settings.require_status:
                    raise PolicyViolation("the MSO carries no status list reference")
                return "the MSO carries no status list reference"
            ref = parse_cbor_status(raw)
            return self._sd_jwt.check_status(
                trust_list,
                StatusListReference(idx=ref.idx, uri=ref.uri),
                entry=entry,
                key=leaf.public_key(),  # type: ignore[arg-type]
                key_id="x5chain:" + leaf.fingerprint(hashes.SHA256()).hex(),
                credential_type=ctype,
                now=now,
            )

        log.passed(STEP_STATUS, query_id, _run(STEP_STATUS, status))

        def key_binding() -> Any:
            device_signed = document.device_signed
            assert device_signed is not None
            if device_signed.is_mac:
                raise Unsupported("deviceMac needs a reader key; OpenID4VP answers are signed")
            payload = device_authentication_bytes(
                context.session_transcript, document.doc_type, device_signed.namespaces
            )
            _, device_key = device_key_from_cose_key(mso.device_key)
            verify_sign1(
                device_signed.device_auth,
                device_key,
                allowed_algs=DEVICE_AUTH_ALGS,
                what="deviceSignature",
                detached_payload=payload,
            )
            return _device_elements(document, mso, limits)

        device_elements = _run(STEP_KEY_BINDING, key_binding)
        log.passed(STEP_KEY_BINDING, query_id)
        elements = issuer.namespaces.get(ctype.mdoc_namespace, {})

        def schema() -> dict[str, Any]:
            claims = claims_from_mdoc(ctype, elements)
            problems = schema_problems(ctype, claims)
            if problems:
                raise problems[0]
            return claims

        _run(STEP_SCHEMA, schema)
        log.passed(STEP_SCHEMA, query_id)
        pseudonym = (device_elements.get(MDOC_DEVICE_NAMESPACE) or {}).get(MDOC_PSEUDONYM_ELEMENT)
        return VerifiedPresentation(
            presented=Presented(
                format=FORMAT_MSO_MDOC,
                claims={
                    ns: {k: json_value(v) for k, v in items.items()}
                    for ns, items in issuer.namespaces.items()
                },
                doctype=document.doc_type,
                holder_binding=True,
            ),
            issuer=entry.entity_id,
            details={
                "issuer": {
                    "entity_id": entry.entity_id,
                    "name": {"ja": entry.legal_name.ja, "en": entry.legal_name.en},
                    "corporate_number": entry.corporate_number,
                },
                "doctype": document.doc_type,
                "issued_at": mso.validity_info.signed.isoformat(),
                "pseudonym": pseudonym if isinstance(pseudonym, str) else None,
            },
        )


__all__ = ["MDOC_VP_FORMATS", "MdocPipeline", "result_path"]

"""ISO mdoc (``mso_mdoc``) in the wallet: storing issued mdocs and presenting them over OpenID4VP.

Receiving: each Credential of a batch is base64url(IssuerSigned) (OpenID4VCI 1.0 Appendix
A.2.4), stored once ``wallet.receipt_checks`` verified it (IssuerAuth, digests, docType,
validity) and bound it (deviceKey) to a key this wallet sent. The stored credential keeps the type's claims in their JSON shape,
so the consent screen, labels and log are the same as for SD-JWT VC; its ``vct`` field
holds the docType.

Presenting: the consent engine works on the type's claim paths; DCQL ``mso_mdoc`` queries
speak ``[namespace, element]``, translated both ways by ``specs.credentials.mdoc``. The
answer is a DeviceResponse with only the consented elements, DeviceAuth (a detached
COSE_Sign1 by the instance's key) over the OpenID4VP SessionTranscript (Appendix B.2.6.1),
the verifier's pairwise pseudonym as a device-signed element, and ``vp_token`` entry
base64url(DeviceResponse) (Appendix B.2.4).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from specs.credentials import CredentialType
from specs.credentials.constants import MDOC_DEVICE_NAMESPACE, MDOC_PSEUDONYM_ELEMENT
from specs.credentials.mdoc import (
    claim_path_of,
    claims_from_mdoc,
    credential_type_by_doctype,
    element_paths,
    json_value,
    mdoc_doctype,
    to_mdoc_namespaces,
)
from specs.dcql import Candidate, CredentialQuery
from specs.dcql.constants import FORMAT_MSO_MDOC
from specs.encoding import b64url_decode, b64url_encode
from specs.errors import ClaimPath, MalformedInput, NotFound, ValidationError
from specs.limits import DEFAULT_LIMITS, Limits
from specs.mdoc import ItemsRequest, decode_cbor, present
from specs.mdoc.cbor import unwrap_encoded_cbor
from specs.mdoc.model import (
    Document,
    MobileSecurityObject,
    parse_document_value,
    parse_issuer_signed_item,
    parse_mso,
)
from specs.openid4vci import CredentialIssuerMetadata
from specs.openid4vp.handover import session_transcript_for
from specs.openid4vp.request import AuthorizationRequest
from wallet.constants import STATUS_VALID
from wallet.holder import Wallet
from wallet.store import CredentialInstance, StoredCredential

if TYPE_CHECKING:
    from wallet.receipt_checks import CheckedCredential


def unverified_mdoc(
    text: str, doctype: str, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[Document, MobileSecurityObject, dict[str, Any]]:
    """Decode base64url(IssuerSigned): the document, its MSO and elements, NOT verified."""
    data = b64url_decode(text, what="mso_mdoc Credential")
    document = parse_document_value(
        {"docType": doctype, "issuerSigned": decode_cbor(data, what="IssuerSigned", limits=limits)},
        limits=limits,
    )
    payload = document.issuer_signed.issuer_auth.payload
    if payload is None:
        raise MalformedInput("issuerAuth carries no MSO")
    mso = parse_mso(unwrap_encoded_cbor(payload, what="issuerAuth payload", limits=limits))
    if mso.doc_type != doctype:
        raise ValidationError(f"the MSO is for docType {mso.doc_type!r}, expected {doctype!r}")
    elements = {
        ns: {
            item.element_identifier: item.element_value
            for item in (parse_issuer_signed_item(e, limits=limits) for e in items)
        }
        for ns, items in document.issuer_signed.namespaces.items()
    }
    return document, mso, elements


def mdoc_record(
    wallet: Wallet,
    metadata: CredentialIssuerMetadata,
    configuration_id: str,
    checked: Sequence[CheckedCredential],
    display: Mapping[str, Any],
) -> tuple[StoredCredential, list[CredentialInstance]]:
    """The record and instances of one batch of mdocs that passed the receipt checks."""
    config = metadata.credential_configurations_supported[configuration_id]
    doctype = config.doctype
    if not doctype:
        raise MalformedInput(f"configuration {configuration_id!r} names no doctype")
    ctype = credential_type_by_doctype(doctype)
    first: dict[str, Any] | None = None
    batch: list[CredentialInstance] = []
    for item in checked:
        claims = claims_from_mdoc(ctype, item.claims.get(ctype.mdoc_namespace, {}))
        if first is None:
            first = claims
        elif claims != first:
            raise ValidationError("the mdocs of one batch carry different elements")
        batch.append(
            CredentialInstance(
                uuid.UUID(bytes=wallet.random.bytes(16)).hex, item.stored, item.key_id
            )
        )
    if first is None:
        raise MalformedInput("the issuer returned no mdoc")
    credential = StoredCredential(
        id=uuid.UUID(bytes=wallet.random.bytes(16)).hex,
        format=FORMAT_MSO_MDOC,
        type_id=ctype.id,
        vct=doctype,
        issuer=metadata.credential_issuer,
        claims=first,
        display=dict(display),
        status=STATUS_VALID,
        extra={
            "configuration_id": configuration_id,
            "doctype": doctype,
            "received_at": wallet.clock.now().isoformat(),
        },
    )
    return credential, batch


# --- DCQL and the consent engine ---


def mdoc_candidate(credential: StoredCredential) -> Candidate:
    """The stored mdoc as DCQL sees it: docType and ``{namespace: {element: JSON value}}``."""
    ctype = credential_type_by_doctype(credential.vct)
    namespaces = {
        ns: {k: json_value(v) for k, v in elements.items()}
        for ns, elements in to_mdoc_namespaces(ctype, credential.claims).items()
    }
    return Candidate(
        id=credential.id, format=FORMAT_MSO_MDOC, claims=namespaces, doctype=credential.vct
    )


def query_type(query: CredentialQuery) -> CredentialType[Any] | None:
    """The credential type an ``mso_mdoc`` query asks for, or None for another format/type."""
    if query.format != FORMAT_MSO_MDOC or query.doctype_value is None:
        return None
    try:
        return credential_type_by_doctype(query.doctype_value)
    except NotFound:
        return None


def claim_paths(query: CredentialQuery, paths: Sequence[Sequence[Any]]) -> list[ClaimPath]:
    """Translate ``[namespace, element]`` paths of an mdoc query to the type's claim paths.

    Paths of another namespace are kept as they are (the consent engine refuses them as
    not registered).
    """
    ctype = query_type(query)
    out: list[ClaimPath] = []
    for path in paths:
        try:
            if ctype is None or len(path) != 2:
                raise NotFound("not an element of a known type")
            out.append(claim_path_of(ctype, str(path[0]), str(path[1])))
        except NotFound:
            out.append(tuple(path))
    return out


# --- the DeviceResponse ---


def present_mdoc(
    wallet: Wallet,
    credential: StoredCredential,
    instance: CredentialInstance,
    disclosed: Sequence[ClaimPath],
    request: AuthorizationRequest,
    pseudonym: str,
) -> str:
    """Return the ``vp_token`` entry: base64url(DeviceResponse) with only ``disclosed``."""
    ctype = credential_type_by_doctype(credential.vct)
    document, _, _ = unverified_mdoc(instance.credential, mdoc_doctype(ctype))
    wanted: dict[str, list[str]] = {}
    for path in disclosed:
        for namespace, element in element_paths(ctype, path):
            wanted.setdefault(namespace, []).append(element)
    response = present(
        document,
        ItemsRequest(mdoc_doctype(ctype), {ns: tuple(e) for ns, e in wanted.items()}),
        session_transcript=session_transcript_for(request),
        device_signer=wallet.keys.signer(instance.key_id),
        device_namespaces={MDOC_DEVICE_NAMESPACE: {MDOC_PSEUDONYM_ELEMENT: pseudonym}},
    )
    # Elements absent from this mdoc would be listed as errors: only what it holds was asked.
    return b64url_encode(response.to_cbor())


__all__ = [
    "FORMAT_MSO_MDOC",
    "claim_paths",
    "mdoc_candidate",
    "mdoc_record",
    "present_mdoc",
    "query_type",
    "unverified_mdoc",
]

"""W3C VCs with Data Integrity (``ldp_vc``) in the wallet: storing and presenting over OpenID4VP.

Receiving: each Credential of a batch is a JSON object (OpenID4VCI 1.0 appendix A.1.2)
with an ``ecdsa-sd-2023`` base proof, which ``wallet.receipt_checks`` checks as a holder
can (base signature over the mandatory statements and every per-statement signature,
issuer key from its ``did:jwk`` and ``x5c``) before anything is stored;
``credentialSubject.id`` must be the ``did:key`` of a key this wallet sent. The stored credential keeps ``credentialSubject`` (without ``id``) as its claims, in
the shape of the type's claim paths, so consent screen, labels and log are the ones of
SD-JWT VC; ``vct`` holds the type's vct, ``extra["types"]`` the expanded VC types.

Presenting: DCQL ``ldp_vc`` queries speak paths from the VC root (``credentialSubject``
first); the consent engine works on the type's claim paths without that prefix. The
answer is a derived ``ecdsa-sd-2023`` proof revealing the mandatory statements and only
the consented items, wrapped in a Verifiable Presentation whose ``holder`` is the
instance's ``did:key``, carrying the verifier's pairwise pseudonym (``pairwisePseudonym``)
and secured with ``ecdsa-rdfc-2019`` by the instance key: ``proofPurpose``
``authentication``, ``challenge`` = the request's nonce, ``domain`` = its client_id
(OpenID4VP 1.0 appendix B.1.3.2). The ``vp_token`` entry is that JSON object.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from specs.credentials import CredentialType
from specs.dcql import Candidate, CredentialQuery
from specs.dcql.constants import FORMAT_LDP_VC, META_TYPE_VALUES
from specs.errors import ClaimPath, MalformedInput, NotFound, ValidationError
from specs.keys.jwk import public_key_from_jwk
from specs.openid4vci import CredentialIssuerMetadata
from specs.openid4vp.request import AuthorizationRequest
from specs.w3c_vc import DocumentLoader, ecdsa_rdfc_2019, ecdsa_sd_2023
from specs.w3c_vc.constants import (
    CLAIM_CONTEXT,
    CLAIM_CREDENTIAL_SUBJECT,
    CLAIM_HOLDER,
    CLAIM_TYPE,
    CLAIM_VERIFIABLE_CREDENTIAL,
    CREDENTIALS_V2_CONTEXT,
    HONNIN_CREDENTIALS_V2_CONTEXT,
    HONNIN_VOCAB,
    PROOF_PURPOSE_AUTHENTICATION,
    TERM_PAIRWISE_PSEUDONYM,
    TYPE_VERIFIABLE_PRESENTATION,
)
from specs.w3c_vc.multikey import did_key_for, did_key_verification_method
from specs.w3c_vc.vocabulary import (
    credential_type_by_expanded_type,
    expanded_types,
    subject_pointer,
)
from wallet.constants import STATUS_VALID
from wallet.holder import Wallet
from wallet.store import CredentialInstance, StoredCredential

if TYPE_CHECKING:
    from wallet.receipt_checks import CheckedCredential

_LOADER = DocumentLoader()


def _credential_type(document: Mapping[str, Any]) -> CredentialType[Any]:
    for name in document.get(CLAIM_TYPE) or ():
        ctype = credential_type_by_expanded_type(HONNIN_VOCAB + str(name))
        if ctype is not None:
            return ctype
    raise NotFound("the VC has no type of a known credential type")


def ldp_vc_record(
    wallet: Wallet,
    metadata: CredentialIssuerMetadata,
    configuration_id: str,
    checked: Sequence[CheckedCredential],
    display: Mapping[str, Any],
) -> tuple[StoredCredential, list[CredentialInstance]]:
    """The record and instances of one batch of ``ldp_vc`` Credentials that passed the checks."""
    first: dict[str, Any] | None = None
    batch: list[CredentialInstance] = []
    for item in checked:
        if first is None:
            first = item.claims
        elif item.claims != first:
            raise ValidationError("the Credentials of one batch carry different claims")
        batch.append(
            CredentialInstance(
                uuid.UUID(bytes=wallet.random.bytes(16)).hex, item.stored, item.key_id
            )
        )
    if first is None:
        raise MalformedInput("the Credential Response holds no Credential")
    ctype = _credential_type(json.loads(batch[0].credential))
    stored = StoredCredential(
        id=uuid.UUID(bytes=wallet.random.bytes(16)).hex,
        format=FORMAT_LDP_VC,
        type_id=ctype.id,
        vct=ctype.vct,
        issuer=metadata.credential_issuer,
        claims=first,
        display=dict(display),
        status=STATUS_VALID,
        extra={
            "configuration_id": configuration_id,
            "types": list(expanded_types(ctype)),
            "received_at": wallet.clock.now().isoformat(),
        },
    )
    return stored, batch


# --- DCQL and the consent engine ---


def ldp_candidate(credential: StoredCredential) -> Candidate:
    """The stored VC as DCQL sees it: expanded types and the VC root with its subject."""
    return Candidate(
        id=credential.id,
        format=FORMAT_LDP_VC,
        claims={CLAIM_CREDENTIAL_SUBJECT: credential.claims},
        types=tuple(credential.extra.get("types") or ()),
    )


def ldp_query_type_ids(query: CredentialQuery) -> tuple[str, ...]:
    """The credential type ids (and vcts) an ``ldp_vc`` query asks for, for the trust list."""
    if query.format != FORMAT_LDP_VC:
        return ()
    keys: list[str] = []
    for alternative in query.meta.get(META_TYPE_VALUES) or ():
        for iri in alternative:
            ctype = credential_type_by_expanded_type(str(iri))
            if ctype is not None:
                keys += [ctype.vct, ctype.id]
    return tuple(keys)


def ldp_claim_paths(query: CredentialQuery, paths: Sequence[Sequence[Any]]) -> list[ClaimPath]:
    """Translate VC-root paths of an ``ldp_vc`` query to the type's claim paths.

    ``credentialSubject`` is dropped; any other path is kept as it is (the consent engine
    refuses it as not registered).
    """
    if query.format != FORMAT_LDP_VC:
        return [tuple(p) for p in paths]
    return [
        tuple(p[1:]) if len(p) > 1 and p[0] == CLAIM_CREDENTIAL_SUBJECT else tuple(p) for p in paths
    ]


def present_ldp_vc(
    wallet: Wallet,
    instance: CredentialInstance,
    disclosed: Sequence[ClaimPath],
    request: AuthorizationRequest,
    pseudonym: str,
) -> dict[str, Any]:
    """Build the ``vp_token`` entry: a VP with a derived VC revealing only ``disclosed``."""
    base = json.loads(instance.credential)
    # A consented item is a concrete claim path (no array wildcard).
    pointers = [subject_pointer([p for p in path if p is not None]) for path in disclosed]
    derived = ecdsa_sd_2023.derive_proof(base, pointers, loader=_LOADER)
    signer = wallet.keys.signer(instance.key_id)
    key = public_key_from_jwk(signer.public_jwk)
    holder = did_key_for(key)  # type: ignore[arg-type]
    presentation = {
        CLAIM_CONTEXT: [CREDENTIALS_V2_CONTEXT, HONNIN_CREDENTIALS_V2_CONTEXT],
        CLAIM_TYPE: [TYPE_VERIFIABLE_PRESENTATION],
        CLAIM_HOLDER: holder,
        TERM_PAIRWISE_PSEUDONYM: pseudonym,
        CLAIM_VERIFIABLE_CREDENTIAL: [derived],
    }
    return ecdsa_rdfc_2019.add_proof(
        presentation,
        signer,
        verification_method=did_key_verification_method(key),  # type: ignore[arg-type]
        loader=_LOADER,
        created=wallet.clock.now(),
        proof_purpose=PROOF_PURPOSE_AUTHENTICATION,
        domain=request.client_id,
        challenge=request.nonce,
    )


__all__ = [
    "FORMAT_LDP_VC",
    "ldp_candidate",
    "ldp_claim_paths",
    "ldp_query_type_ids",
    "ldp_vc_record",
    "present_ldp_vc",
]

"""Issuing credential types as ISO mdoc (``mso_mdoc``, OpenID4VCI 1.0 Appendix A.2).

The same ``specs.credentials`` types the issuer serves as ``dc+sd-jwt`` are also offered
as ``{type}-mdoc`` configurations: docType and namespace ``jp.honnin.{id}.{version}``, one
data element per leaf claim (``specs.credentials.mdoc``). A batch gives one mdoc per proven
key: the key (a JWK in the proof) becomes the MSO's deviceKey as a COSE_Key, IssuerAuth is
signed by the issuer key with its certificate chain as ``x5chain``, and the MSO carries the
instance's Token Status List reference as ``status`` (draft-ietf-oauth-status-list, the
mdoc section). Each credential is returned as base64url(IssuerSigned) (Appendix A.2.4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Protocol

from cryptography import x509

from issuer.settings import IssuerSettings
from issuer.storage import CredentialRecord, OfferRecord
from specs.credentials import CredentialType
from specs.credentials.constants import (
    LOCALE_EN,
    LOCALE_JA,
    MDOC_DEVICE_NAMESPACE,
    MDOC_PSEUDONYM_ELEMENT,
)
from specs.credentials.mdoc import mdoc_doctype, mdoc_elements, to_mdoc_namespaces
from specs.encoding import b64url_encode
from specs.keys.algorithms import algorithm
from specs.keys.x509 import parse_x5c
from specs.limits import Limits
from specs.mdoc import encode_cbor, issue
from specs.openid4vci.constants import FORMAT_DC_SD_JWT, FORMAT_MSO_MDOC
from specs.ports import Clock, Random, Signer
from specs.status_list import StatusReference

MDOC_CONFIGURATION_SUFFIX = "-mdoc"
# Appendix A.2.2: the key a mdoc is bound to is given as a COSE_Key.
BINDING_COSE_KEY = "cose_key"
SECONDS_PER_DAY = 86_400


def mdoc_configuration_id(type_id: str) -> str:
    """Return the Credential Configuration id of a credential type in ``mso_mdoc``."""
    return f"{type_id}{MDOC_CONFIGURATION_SUFFIX}"


def is_mdoc_configuration(configuration_id: str) -> bool:
    """True when a configuration id names the ``mso_mdoc`` form of a type."""
    return configuration_id.endswith(MDOC_CONFIGURATION_SUFFIX)


def format_of(configuration_id: str) -> str:
    """Return the Credential Format of one of this issuer's configuration ids."""
    return FORMAT_MSO_MDOC if is_mdoc_configuration(configuration_id) else FORMAT_DC_SD_JWT


def mdoc_configuration(
    ctype: CredentialType[Any], *, signing_alg: str, proof_types: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the ``credential_configurations_supported`` entry of a type as ``mso_mdoc``."""
    return {
        "format": FORMAT_MSO_MDOC,
        "scope": f"{ctype.id}{MDOC_CONFIGURATION_SUFFIX}",
        "doctype": mdoc_doctype(ctype),
        # Appendix A.2.2: numeric COSE algorithm identifiers (IANA COSE Algorithms).
        "credential_signing_alg_values_supported": [algorithm(signing_alg).cose_id],
        "cryptographic_binding_methods_supported": [BINDING_COSE_KEY],
        "proof_types_supported": dict(proof_types),
        "credential_metadata": {
            "display": [
                {"name": ctype.name_ja, "locale": LOCALE_JA, "description": ctype.description_ja},
                {"name": ctype.name_en, "locale": LOCALE_EN, "description": ctype.description_en},
            ],
            # Section 12.2.4 / Appendix A.2.2: an mdoc claim path is [namespace, element].
            "claims": [
                {
                    "path": [ctype.mdoc_namespace, element.identifier],
                    "mandatory": element.claim.mandatory,
                    "display": [
                        {"name": element.claim.ja, "locale": LOCALE_JA},
                        {"name": element.claim.en, "locale": LOCALE_EN},
                    ],
                }
                for element in mdoc_elements(ctype)
            ],
        },
    }


class IssuingService(Protocol):
    """What mdoc issuance needs of ``issuer.service.IssuerService``."""

    types: dict[str, CredentialType[Any]]
    signer: Signer
    x5c: list[str]
    clock: Clock
    rng: Random
    limits: Limits
    settings: IssuerSettings

    def status_list_uri(self, list_id: str) -> str:
        """Return the URI of a status list."""


def issue_mdoc_batch(
    service: IssuingService,
    offer: OfferRecord,
    holder_keys: Sequence[Mapping[str, Any]],
    records: Sequence[CredentialRecord],
) -> list[str]:
    """Sign one mdoc per holder key, with the status slot of its record; base64url IssuerSigned."""
    ctype = service.types[offer.configuration_id]
    namespaces = to_mdoc_namespaces(ctype, ctype.to_claims(ctype.parse(offer.claims)))
    chain: list[x509.Certificate] = parse_x5c(service.x5c, service.limits)
    valid_for = timedelta(days=service.settings.credential_ttl_days)
    out = []
    for record, key in zip(records, holder_keys, strict=True):
        reference = StatusReference(
            idx=record.status_index, uri=service.status_list_uri(record.status_list)
        )
        document = issue(
            doc_type=mdoc_doctype(ctype),
            namespaces=namespaces,
            device_key=key,
            signer=service.signer,
            certificate_chain=chain,
            clock=service.clock,
            rng=service.rng,
            valid_for=valid_for,
            limits=service.limits,
            status=reference.to_claim(),
            # ISO 18013-5 9.1.2.4: the wallet may sign its pairwise pseudonym in DeviceSigned.
            key_authorizations={"dataElements": {MDOC_DEVICE_NAMESPACE: [MDOC_PSEUDONYM_ELEMENT]}},
        )
        out.append(b64url_encode(encode_cbor(document.issuer_signed.to_cbor_value())))
    return out


__all__ = [
    "BINDING_COSE_KEY",
    "MDOC_CONFIGURATION_SUFFIX",
    "IssuingService",
    "format_of",
    "is_mdoc_configuration",
    "issue_mdoc_batch",
    "mdoc_configuration",
    "mdoc_configuration_id",
]

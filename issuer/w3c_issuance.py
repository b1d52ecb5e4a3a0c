"""W3C VCs with Data Integrity (``ldp_vc``): configurations, issuance and Bitstring Status Lists.

The same credential definitions (``specs.credentials``) as the ``dc+sd-jwt`` path, the same
offers, status slots and administration; only the format differs:

- Credential Configuration ``<type>-ldp-vc`` (OpenID4VCI 1.0 appendix A.1.2) with
  ``credential_definition`` {``@context``, ``type``}.
- Holder binding: ``credentialSubject.id`` is the ``did:key`` of the key the wallet proved
  possession of (one instance per key, as for SD-JWT VC batches).
- An ``ecdsa-sd-2023`` base proof whose mandatory pointers reveal issuer, type, validity,
  credentialSchema, credentialStatus, the holder's ``did:key`` and every claim the type
  marks never selectively disclosable; the issuer key is a ``did:jwk`` carrying ``x5c``.
- ``credentialStatus``: two BitstringStatusListEntry (revocation and suspension) at the
  instance's status slot; the status list credentials are served here, signed with
  ``ecdsa-rdfc-2019``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from specs.credentials import CredentialType
from specs.encoding import dump_json_compact
from specs.errors import NotFound
from specs.keys import public_key_from_jwk
from specs.openid4vci.constants import FORMAT_LDP_VC
from specs.status_list import STATUS_INVALID, STATUS_SUSPENDED
from specs.status_list.bitstring import (
    MINIMUM_NUMBER_OF_ENTRIES,
    Bitstring,
    BitstringStatusListEntry,
    build_status_list_credential,
)
from specs.w3c_vc import (
    DocumentLoader,
    build_credential,
    ecdsa_rdfc_2019,
    ecdsa_sd_2023,
    honnin_mandatory_pointers,
)
from specs.w3c_vc.constants import (
    CREDENTIALS_V2_CONTEXT,
    CRYPTOSUITE_ECDSA_SD_2023,
    HONNIN_CREDENTIALS_V2_CONTEXT,
    MEDIA_TYPE_VC,
    TYPE_JSON_SCHEMA,
)
from specs.w3c_vc.did_jwk import did_jwk_verification_method
from specs.w3c_vc.multikey import did_key_for
from specs.w3c_vc.vocabulary import credential_definition_types, w3c_type_name

if TYPE_CHECKING:
    from issuer.service import IssuerService
    from issuer.storage import CredentialRecord, OfferRecord

LDP_VC_CONFIGURATION_SUFFIX = "-ldp-vc"
W3C_STATUS_LIST_PATH = "/w3c-status-lists"
SCHEMA_PATH = "/schemas"
STATUS_PURPOSE_REVOCATION = "revocation"
STATUS_PURPOSE_SUSPENSION = "suspension"
# Which stored status sets the bit of each purpose's list.
_STATUS_OF_PURPOSE = {
    STATUS_PURPOSE_REVOCATION: STATUS_INVALID,
    STATUS_PURPOSE_SUSPENSION: STATUS_SUSPENDED,
}
STATUS_LIST_CREDENTIAL_LIFETIME = timedelta(days=1)
SECONDS_PER_DAY = 86_400


def ldp_vc_configuration_id(type_id: str) -> str:
    """Return the Credential Configuration id of a credential type in ``ldp_vc``."""
    return f"{type_id}{LDP_VC_CONFIGURATION_SUFFIX}"


def is_ldp_vc_configuration(configuration_id: str) -> bool:
    """True for the ``ldp_vc`` configuration ids this issuer names."""
    return configuration_id.endswith(LDP_VC_CONFIGURATION_SUFFIX)


def mandatory_subject_paths(ctype: CredentialType[Any]) -> list[tuple[str, ...]]:
    """Leaf claim paths the type never lets the holder withhold (``sd`` = never)."""
    infos = ctype.claims()
    parents = {info.path[:-1] for info in infos if len(info.path) > 1}
    return [
        tuple(info.path)
        for info in infos
        if info.sd == "never"
        and info.path not in parents
        and all(p.sd == "never" for p in infos if p.path == info.path[: len(p.path)])
    ]


class W3cIssuance:
    """Issues ``ldp_vc`` credentials and serves their Bitstring Status List credentials."""

    def __init__(self, service: IssuerService) -> None:
        self.service = service
        self.loader = DocumentLoader()
        jwk = {**service.signer.public_jwk, "x5c": list(service.x5c)}
        jwk.pop("kid", None)
        self.verification_method = did_jwk_verification_method(jwk)

    # --- metadata ---

    def configuration(self, ctype: CredentialType[Any], base: Mapping[str, Any]) -> dict[str, Any]:
        """The ``ldp_vc`` configuration of a type, from its ``dc+sd-jwt`` one (same claims)."""
        config = {k: v for k, v in base.items() if k not in ("format", "vct")}
        config["format"] = FORMAT_LDP_VC
        config["credential_definition"] = {
            "@context": [CREDENTIALS_V2_CONTEXT, HONNIN_CREDENTIALS_V2_CONTEXT],
            "type": credential_definition_types(ctype),
        }
        # Appendix A.1.2: algorithms of Data Integrity credentials are cryptosuite names.
        config["credential_signing_alg_values_supported"] = [CRYPTOSUITE_ECDSA_SD_2023]
        config["cryptographic_binding_methods_supported"] = ["did:key"]
        metadata = dict(config.get("credential_metadata") or {})
        if "claims" in metadata:
            metadata["claims"] = [
                {**claim, "path": ["credentialSubject", *claim["path"]]}
                for claim in metadata["claims"]
            ]
            config["credential_metadata"] = metadata
        return config

    # --- URLs ---

    def status_list_url(self, list_id: str, purpose: str) -> str:
        """Where the Bitstring Status List credential of a list and purpose is served."""
        return self.service.endpoint(f"{W3C_STATUS_LIST_PATH}/{list_id}/{purpose}")

    def schema_url(self, ctype: CredentialType[Any]) -> str:
        """Where the JSON Schema of a credential type is served (``credentialSchema.id``)."""
        return self.service.endpoint(f"{SCHEMA_PATH}/{ctype.id}/{ctype.version}")

    # --- issuance ---

    def issue_batch(
        self,
        offer: OfferRecord,
        holder_keys: Sequence[Mapping[str, Any]],
        *,
        now: datetime,
        notification_id: str | None = None,
        access_token: str | None = None,
    ) -> list[dict[str, Any]]:
        """Secure one VC per holder key, then store the instances (one transaction)."""
        service = self.service
        ctype = service.types.get(offer.configuration_id)
        if ctype is None:
            raise NotFound(f"configuration {offer.configuration_id!r} is not issued here")
        subjects = [did_key_for(public_key_from_jwk(dict(key))) for key in holder_keys]  # type: ignore[arg-type]
        valid_until = now + timedelta(
            seconds=service.settings.credential_ttl_days * SECONDS_PER_DAY
        )

        def secure(records: Sequence[CredentialRecord]) -> list[dict[str, Any]]:
            return [
                self._secure(ctype, offer, record, subject_id, now, valid_until)
                for record, subject_id in zip(records, subjects, strict=True)
            ]

        return service._issue_instances(  # the same status slots as dc+sd-jwt
            offer, holder_keys, notification_id, now, secure, access_token=access_token
        )

    def _secure(
        self,
        ctype: CredentialType[Any],
        offer: OfferRecord,
        record: CredentialRecord,
        subject_id: str,
        now: datetime,
        valid_until: datetime,
    ) -> dict[str, Any]:
        service = self.service
        status = [
            BitstringStatusListEntry(
                status_purpose=purpose,
                status_list_index=record.status_index,
                status_list_credential=self.status_list_url(record.status_list, purpose),
            ).to_json()
            for purpose in (STATUS_PURPOSE_REVOCATION, STATUS_PURPOSE_SUSPENSION)
        ]
        document = build_credential(
            types=credential_definition_types(ctype),
            issuer=service.url,
            subject={"id": subject_id, **offer.claims},
            valid_from=now,
            valid_until=valid_until,
            status=status,
            schema={"id": self.schema_url(ctype), "type": TYPE_JSON_SCHEMA},
            contexts=(HONNIN_CREDENTIALS_V2_CONTEXT,),
        )
        pointers = honnin_mandatory_pointers(document, ("id",))
        pointers += [
            "/credentialSubject/" + "/".join(path)
            for path in mandatory_subject_paths(ctype)
            if _has(offer.claims, path)
        ]
        return ecdsa_sd_2023.create_base_proof(
            document,
            service.signer,
            verification_method=self.verification_method,
            mandatory_pointers=pointers,
            rng=service.rng,
            loader=self.loader,
            created=now,
            limits=service.limits,
        )

    # --- Bitstring Status List credentials (W3C Bitstring Status List v1.0) ---

    def status_list_credential(self, list_id: str, purpose: str) -> dict[str, Any]:
        """Return the signed BitstringStatusListCredential of one list and purpose."""
        service = self.service
        wanted = _STATUS_OF_PURPOSE.get(purpose)
        info = service.repository.status_list(list_id)
        if wanted is None or info is None:
            raise NotFound(f"no status list {list_id!r}/{purpose!r}")
        _, size = info
        bits = Bitstring.empty(max(size, MINIMUM_NUMBER_OF_ENTRIES))
        for index, status in service.repository.statuses(list_id).items():
            if status == wanted:
                bits.set(index, 1)
        now = service.clock.now()
        document = build_status_list_credential(
            list_id=self.status_list_url(list_id, purpose),
            issuer=service.url,
            purpose=purpose,
            bitstring=bits,
            valid_from=now,
            valid_until=now + STATUS_LIST_CREDENTIAL_LIFETIME,
            ttl_ms=service.settings.status_list_ttl_seconds * 1000,
        )
        return ecdsa_rdfc_2019.add_proof(
            document,
            service.signer,
            verification_method=self.verification_method,
            loader=self.loader,
            created=now,
            limits=service.limits,
        )


def _has(claims: Mapping[str, Any], path: Sequence[str]) -> bool:
    node: Any = claims
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def mount_w3c_routes(app: FastAPI, w3c: W3cIssuance, prefix: str) -> None:
    """Serve the Bitstring Status List credentials and the JSON Schemas of the types."""
    service = w3c.service

    async def status_list(list_id: str, purpose: str) -> Response:
        try:
            document = await run_in_threadpool(w3c.status_list_credential, list_id, purpose)
        except NotFound as exc:
            return JSONResponse({"error": exc.code, "error_description": exc.detail}, 404)
        return Response(
            dump_json_compact(document).encode("utf-8"),
            media_type=MEDIA_TYPE_VC,
            headers={"Cache-Control": f"max-age={service.settings.status_list_ttl_seconds}"},
        )

    async def schema(type_id: str, version: int) -> Response:
        for ctype in service.types.values():
            if ctype.id == type_id and ctype.version == version:
                return JSONResponse(ctype.schema(), media_type="application/schema+json")
        return JSONResponse({"error": "not_found"}, 404)

    app.add_api_route(f"{prefix}{W3C_STATUS_LIST_PATH}/{{list_id}}/{{purpose}}", status_list)
    app.add_api_route(f"{prefix}{SCHEMA_PATH}/{{type_id}}/{{version}}", schema)


__all__ = [
    "LDP_VC_CONFIGURATION_SUFFIX",
    "W3C_STATUS_LIST_PATH",
    "W3cIssuance",
    "is_ldp_vc_configuration",
    "ldp_vc_configuration_id",
    "mandatory_subject_paths",
    "mount_w3c_routes",
    "w3c_type_name",
]

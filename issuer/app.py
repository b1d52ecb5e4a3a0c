"""The issuer's HTTP adapter: ``create_app(settings, deps) -> FastAPI`` over ``IssuerService``.

Routes only read bounded bodies, call the service in a worker thread and turn what it
raises into responses through ``issuer.errors``; no protocol rule lives here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from issuer.errors import admin_error, admin_unauthorized, protocol_error
from issuer.service import (
    CREDENTIAL_PATH,
    NONCE_PATH,
    NOTIFICATION_PATH,
    OFFER_PATH,
    STATUS_LIST_PATH,
    TOKEN_PATH,
    TYPE_METADATA_PATH,
    IssuedOffer,
    IssuerDeps,
    IssuerService,
    StatusChange,
)
from issuer.settings import IssuerSettings
from issuer.w3c_issuance import mount_w3c_routes
from specs.encoding import parse_json_object
from specs.errors import HonninError, LimitExceeded, MalformedInput
from specs.openid4vci import Endpoint
from specs.openid4vci.constants import (
    WELL_KNOWN_CREDENTIAL_ISSUER,
    WELL_KNOWN_OAUTH_AUTHORIZATION_SERVER,
)
from specs.status_list import MEDIA_TYPE_STATUSLIST_JWT

NO_STORE = {"Cache-Control": "no-store"}
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS = 16


class OfferCreate(BaseModel):
    """Admin API body: create an offer for one person."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(default="withholding-slip", max_length=128)
    claims: dict[str, Any]
    by_reference: bool = False
    import_key: str | None = Field(default=None, max_length=256)
    # OpenID4VCI Appendix A: "dc+sd-jwt" (default), "mso_mdoc" or "ldp_vc".
    format: Literal["dc+sd-jwt", "mso_mdoc", "ldp_vc"] = "dc+sd-jwt"


class Reissue(BaseModel):
    """Admin API body: re-issue with corrected claims (or the same ones when absent)."""

    model_config = ConfigDict(extra="forbid")

    claims: dict[str, Any] | None = None
    by_reference: bool = False


def offer_json(offer: IssuedOffer) -> dict[str, Any]:
    """The admin API's view of a created offer (the tx_code is for the other channel)."""
    return {
        "offer_id": offer.offer_id,
        "offer_uri": offer.offer_uri,
        "tx_code": offer.tx_code,
        "credential_configuration_id": offer.configuration_id,
        "created": offer.created,
    }


def change_json(change: StatusChange) -> dict[str, Any]:
    """The admin API's view of a status change."""
    return {
        "offer_id": change.offer_id,
        "credential_ids": list(change.credential_ids),
        "status": change.status,
        "offer_locked": change.offer_locked,
    }


async def read_body(request: Request, limit: int) -> bytes:
    """Read the request body, refusing more than ``limit`` bytes before buffering them."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise LimitExceeded(f"the request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise LimitExceeded(f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_form(body: bytes) -> dict[str, str]:
    """Parse an ``application/x-www-form-urlencoded`` body; parameters MUST NOT repeat."""
    try:
        text = body.decode("utf-8")
        fields = parse_qs(
            text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedInput(f"the form body is malformed: {exc}") from None
    form: dict[str, str] = {}
    for name, values in fields.items():
        if len(values) != 1:
            # RFC 6749 section 3.2: request parameters MUST NOT be included more than once.
            raise MalformedInput(f"parameter {name!r} is repeated", claim_path=[name])
        form[name] = values[0]
    return form


def bearer_token(request: Request) -> str | None:
    """Return the RFC 6750 bearer token of the Authorization header, if any."""
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def create_app(settings: IssuerSettings, deps: IssuerDeps | None = None) -> FastAPI:
    """Build the issuer's FastAPI application (OpenID4VCI, status lists, admin API)."""
    service = IssuerService(settings, deps)
    limit = service.limits.max_request_bytes
    prefix = service.path_prefix

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(
        lifespan=lifespan,
        title=f"{settings.name.en} credential issuer",
        description="OpenID4VCI 1.0 credential issuer (honnin)",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.service = service
    admin_hash = settings.admin_token_sha256.lower()

    async def protocol(endpoint: Endpoint, call: Callable[[], Awaitable[Response]]) -> Response:
        try:
            return await call()
        except Exception as exc:
            return protocol_error(exc, endpoint)

    async def admin(request: Request, call: Callable[[], Awaitable[Response]]) -> Response:
        token = bearer_token(request)
        presented = hashlib.sha256((token or "").encode("utf-8")).hexdigest()
        # Compare digests in constant time; the plain token is never stored.
        if token is None or not hmac.compare_digest(presented, admin_hash):
            return admin_unauthorized()
        try:
            return await call()
        except Exception as exc:
            return admin_error(exc)

    async def public(call: Callable[[], Awaitable[Response]]) -> Response:
        try:
            return await call()
        except Exception as exc:
            return admin_error(exc)

    @app.get(f"{WELL_KNOWN_CREDENTIAL_ISSUER}{prefix}")
    async def credential_issuer_metadata() -> Response:
        return JSONResponse(service.metadata.to_json())

    @app.get(f"{WELL_KNOWN_OAUTH_AUTHORIZATION_SERVER}{prefix}")
    async def authorization_server_metadata() -> Response:
        return JSONResponse(service.authorization_server_metadata().to_json())

    @app.post(f"{prefix}{TOKEN_PATH}")
    async def token(request: Request) -> Response:
        async def call() -> Response:
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media != FORM_MEDIA_TYPE:
                raise MalformedInput(f"the Token Request must be {FORM_MEDIA_TYPE}")
            form = parse_form(await read_body(request, limit))
            response = await run_in_threadpool(service.token, form)
            return JSONResponse(response.to_json(), headers=NO_STORE)

        return await protocol(Endpoint.TOKEN, call)

    @app.post(f"{prefix}{NONCE_PATH}")
    async def nonce() -> Response:
        async def call() -> Response:
            response = await run_in_threadpool(service.nonce)
            return JSONResponse(response.to_json(), headers=NO_STORE)

        return await protocol(Endpoint.NONCE, call)

    @app.post(f"{prefix}{CREDENTIAL_PATH}")
    async def credential(request: Request) -> Response:
        async def call() -> Response:
            body = await read_body(request, limit)
            response = await run_in_threadpool(service.credential, bearer_token(request), body)
            return JSONResponse(response.to_json(), headers=NO_STORE)

        return await protocol(Endpoint.CREDENTIAL, call)

    @app.post(f"{prefix}{NOTIFICATION_PATH}")
    async def notification(request: Request) -> Response:
        async def call() -> Response:
            body = await read_body(request, limit)
            await run_in_threadpool(service.notification, bearer_token(request), body)
            return Response(status_code=204, headers=NO_STORE)

        return await protocol(Endpoint.NOTIFICATION, call)

    @app.get(f"{prefix}{OFFER_PATH}/{{code}}")
    async def offer_by_reference(code: str) -> Response:
        async def call() -> Response:
            offer = await run_in_threadpool(service.offer_by_reference, code)
            return JSONResponse(offer, headers=NO_STORE)

        return await public(call)

    @app.get(f"{prefix}{STATUS_LIST_PATH}/{{list_id}}")
    async def status_list(list_id: str) -> Response:
        async def call() -> Response:
            token = await run_in_threadpool(service.status_list_token, list_id)
            return Response(
                token,
                media_type=MEDIA_TYPE_STATUSLIST_JWT,
                headers={"Cache-Control": f"max-age={settings.status_list_ttl_seconds}"},
            )

        return await public(call)

    @app.get(f"{prefix}{TYPE_METADATA_PATH}/{{type_id}}/{{version}}")
    async def type_metadata(type_id: str, version: int) -> Response:
        async def call() -> Response:
            # Exact bytes: vct#integrity hashes them (SD-JWT VC section 6).
            data = service.type_metadata(type_id, version)
            return Response(data, media_type="application/json")

        return await public(call)

    def _admin_body(model: type[BaseModel], body: bytes) -> Any:
        data = parse_json_object(body, what="admin request") if body else {}
        try:
            return model.model_validate(data)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            raise MalformedInput(
                f"admin request is invalid: {first['msg']}",
                claim_path=[p for p in first["loc"] if isinstance(p, str | int)],
            ) from None

    @app.post(f"{prefix}/admin/offers")
    async def admin_create_offer(request: Request) -> Response:
        async def call() -> Response:
            body: OfferCreate = _admin_body(OfferCreate, await read_body(request, limit))
            offer, _ = await run_in_threadpool(
                lambda: service.create_offer(
                    body.type,
                    body.claims,
                    by_reference=body.by_reference,
                    import_key=body.import_key,
                    credential_format=body.format,
                )
            )
            return JSONResponse(
                offer_json(offer), status_code=201 if offer.created else 200, headers=NO_STORE
            )

        return await admin(request, call)

    def _status_route(action: str, step: Callable[[str], StatusChange]) -> None:
        async def change(request: Request, credential_id: str) -> Response:
            async def call() -> Response:
                result = await run_in_threadpool(step, credential_id)
                return JSONResponse(change_json(result), headers=NO_STORE)

            return await admin(request, call)

        app.add_api_route(
            f"{prefix}/admin/credentials/{{credential_id}}/{action}",
            change,
            methods=["POST"],
            name=f"admin_{action}",
        )

    _status_route("revoke", service.revoke)
    _status_route("suspend", service.suspend)
    _status_route("resume", service.resume)

    @app.post(f"{prefix}/admin/credentials/{{credential_id}}/reissue")
    async def admin_reissue(request: Request, credential_id: str) -> Response:
        async def call() -> Response:
            body: Reissue = _admin_body(Reissue, await read_body(request, limit))
            offer, change = await run_in_threadpool(
                lambda: service.reissue(credential_id, body.claims, by_reference=body.by_reference)
            )
            return JSONResponse(
                {**offer_json(offer), "revoked": change_json(change)},
                status_code=201,
                headers=NO_STORE,
            )

        return await admin(request, call)

    mount_w3c_routes(app, service.w3c, prefix)

    @app.exception_handler(HonninError)
    async def honnin_error(_: Request, exc: HonninError) -> Response:
        return admin_error(exc)

    return app

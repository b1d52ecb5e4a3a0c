"""The verifier's FastAPI app: OpenID4VP endpoints for wallets and the HR desk's pages and API.

A thin adapter over ``VerifierService``: every route parses, calls one service method and
maps refusals through ``verifier.errors``. HR sessions are stateless signed cookies (any
replica accepts them); a transaction's result is shown only to the session that created it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import segno
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from specs.errors import HonninError, LimitExceeded, MalformedInput
from specs.openid4vp import build_request_link, response_endpoint_reply
from specs.openid4vp.constants import MEDIA_TYPE_REQUEST_OBJECT
from verifier.errors import error_body, http_status
from verifier.export import export_csv, export_json
from verifier.purposes import PURPOSES
from verifier.service import (
    IN_PROGRESS,
    OUTCOME_PENDING,
    REQUEST_PATH,
    RESPONSE_PATH,
    VerifierDeps,
    VerifierService,
    session_hash,
)
from verifier.settings import VerifierSettings

SESSION_COOKIE = "honnin_hr"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("web") / "templates"))
PURGE_INTERVAL_SECONDS = 3600


class RequestBody(BaseModel):
    """POST /hr/api/requests."""

    model_config = ConfigDict(extra="forbid")

    purpose: str


def _sign_session(secret: str, session_id: str) -> str:
    mac = hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).hexdigest()
    return f"{session_id}.{mac}"


def _session_id(secret: str, cookie: str | None) -> str | None:
    if not cookie or "." not in cookie:
        return None
    session_id, _, _ = cookie.partition(".")
    return session_id if hmac.compare_digest(_sign_session(secret, session_id), cookie) else None


def _error(exc: HonninError) -> JSONResponse:
    return JSONResponse(error_body(exc), status_code=http_status(exc))


def qr_svg(link: str) -> str:
    """Return an inline SVG QR code of a request link (cross-device flow)."""
    return str(segno.make(link, error="m").svg_inline(scale=4, dark="#111", border=2))


def create_app(settings: VerifierSettings, deps: VerifierDeps | None = None) -> FastAPI:
    """Build the verifier app for ``settings``; ``deps`` injects clock, randomness and HTTP."""
    service = VerifierService(settings, deps)
    secret = settings.hr_token_sha256

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async def retention() -> None:
            while True:
                await run_in_threadpool(service.purge)
                await asyncio.sleep(PURGE_INTERVAL_SECONDS)

        task = asyncio.create_task(retention())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title=f"honnin verifier: {settings.name.en}", lifespan=lifespan)
    app.state.service = service

    def hr_session(request: Request) -> str | None:
        """Return the HR session's hash, from the cookie or a bearer HR token."""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
            if hmac.compare_digest(hashlib.sha256(token.encode()).hexdigest(), secret):
                return session_hash("bearer")
            return None
        session_id = _session_id(secret, request.cookies.get(SESSION_COOKIE))
        return session_hash(session_id) if session_id else None

    # --- OpenID4VP: request_uri and response_uri ---

    @app.get(REQUEST_PATH + "/{transaction_id}")
    def get_request_object(transaction_id: str) -> Response:
        try:
            token = service.request_object(transaction_id)
        except HonninError as exc:
            return _error(exc)
        return Response(token, media_type=MEDIA_TYPE_REQUEST_OBJECT)

    @app.post(REQUEST_PATH + "/{transaction_id}")
    async def post_request_object(transaction_id: str, request: Request) -> Response:
        try:
            form = await _form(request, service.limits.max_request_bytes)
            token = await run_in_threadpool(
                service.request_object, transaction_id, form.get("wallet_nonce")
            )
        except HonninError as exc:
            return _error(exc)
        return Response(token, media_type=MEDIA_TYPE_REQUEST_OBJECT)

    @app.post(RESPONSE_PATH)
    async def post_response(request: Request) -> Response:
        try:
            form = await _form(request, service.limits.max_request_bytes)
            await run_in_threadpool(service.accept, form)
        except HonninError as exc:
            return _error(exc)
        # Section 8.2: 200 with a JSON object; no redirect_uri for the cross-device flow.
        return JSONResponse(response_endpoint_reply())

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok", "client_id": service.client_id}

    # --- HR desk: pages ---

    def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.update(settings=settings, client_id=service.client_id, purposes=PURPOSES)
        return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/hr", status_code=303)

    @app.get("/hr", response_class=HTMLResponse)
    def hr_home(request: Request) -> HTMLResponse:
        session = hr_session(request)
        if session is None:
            return page(request, "login.html")
        recent = service.repository.transactions_for_session(session)
        return page(request, "index.html", recent=recent)

    @app.post("/hr/login")
    async def hr_login(request: Request) -> Response:
        form = await _form(request, 4096)
        token = form.get("token", "")
        if not hmac.compare_digest(hashlib.sha256(token.encode()).hexdigest(), secret):
            return page(request, "login.html", status_code=401, error="wrong HR desk token")
        response = RedirectResponse("/hr", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            _sign_session(secret, secrets.token_urlsafe(24)),
            httponly=True,
            samesite="strict",
            secure=settings.url.startswith("https://"),
        )
        return response

    @app.post("/hr/logout")
    def hr_logout() -> Response:
        response = RedirectResponse("/hr", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.post("/hr/requests")
    async def hr_new_request(request: Request) -> Response:
        session = hr_session(request)
        if session is None:
            return RedirectResponse("/hr", status_code=303)
        form = await _form(request, 4096)
        try:
            created = await run_in_threadpool(
                service.create_request, form.get("purpose", ""), session
            )
        except HonninError as exc:
            recent = service.repository.transactions_for_session(session)
            return page(
                request, "index.html", status_code=http_status(exc), recent=recent, error=exc
            )
        return RedirectResponse(f"/hr/transactions/{created.transaction_id}", status_code=303)

    @app.get("/hr/transactions/{transaction_id}", response_class=HTMLResponse)
    def hr_transaction(request: Request, transaction_id: str) -> HTMLResponse:
        session = hr_session(request)
        if session is None:
            return page(request, "login.html", status_code=401)
        try:
            result = service.result(transaction_id, session)
            record = service.repository.transaction(transaction_id)
        except HonninError as exc:
            return page(request, "error.html", status_code=http_status(exc), error=exc)
        link = _link(service, record.id)
        return page(
            request,
            "transaction.html",
            result=result,
            record=record,
            link=link,
            qr=qr_svg(link) if result["outcome"] == OUTCOME_PENDING else None,
            in_progress=result["outcome"] in IN_PROGRESS,
            purpose=PURPOSES.get(record.purpose),
        )

    # --- HR desk: JSON API and exports ---

    @app.post("/hr/api/requests")
    def api_new_request(request: Request, body: RequestBody) -> Response:
        session = hr_session(request)
        if session is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        try:
            created = service.create_request(body.purpose, session)
        except HonninError as exc:
            return _error(exc)
        return JSONResponse(
            {
                "request_link": created.request_link,
                "transaction_id": created.transaction_id,
                "expires_at": created.expires_at.isoformat(),
                "qr_svg": qr_svg(created.request_link),
            }
        )

    @app.get("/hr/api/transactions/{transaction_id}")
    def api_result(request: Request, transaction_id: str) -> Response:
        session = hr_session(request)
        if session is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        try:
            return JSONResponse(service.result(transaction_id, session))
        except HonninError as exc:
            return _error(exc)

    @app.get("/hr/transactions/{transaction_id}/export.{kind}")
    def export(request: Request, transaction_id: str, kind: str) -> Response:
        session = hr_session(request)
        if session is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        try:
            result = service.verified_result(transaction_id, session)
        except HonninError as exc:
            return _error(exc)
        name = f"payroll-{transaction_id[:12]}"
        if kind == "csv":
            return Response(
                export_csv([result]).encode("utf-8-sig"),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        if kind == "json":
            return Response(
                json.dumps(export_json([result]), ensure_ascii=False, indent=2),
                media_type="application/json",
                headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
            )
        return JSONResponse({"error": "not_found"}, status_code=404)

    return app


def _link(service: VerifierService, transaction_id: str) -> str:
    return build_request_link(
        service.client_id, f"{service.settings.url}{REQUEST_PATH}/{transaction_id}"
    )


async def _form(request: Request, max_bytes: int) -> dict[str, str]:
    """Read an ``application/x-www-form-urlencoded`` body within ``max_bytes``; no repeats."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise LimitExceeded(f"the request body is larger than {max_bytes} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise LimitExceeded(f"the request body is larger than {max_bytes} bytes")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedInput(f"the form body does not parse: {exc}") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise MalformedInput(f"form parameter {name!r} is repeated")
        form[name] = value
    return form


__all__ = ["create_app", "qr_svg"]

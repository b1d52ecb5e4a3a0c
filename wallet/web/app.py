"""The local wallet page: credentials, receiving, the consent screen and the history.

Server-rendered (Jinja2) with no JavaScript needed. It binds to localhost only; the
presentation core decides, the page only shows the consent screen and posts the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from specs.errors import HonninError
from wallet.consent import ItemStatus
from wallet.credential_status import check_credential_statuses, status_check_of
from wallet.holder import Wallet
from wallet.presenting import (
    PendingPresentation,
    deliver,
    fetch_request,
    prepare,
    refuse,
    respond,
    verify_incoming,
)
from wallet.receiving import receive
from wallet.transport import WalletHttp

TEMPLATES = Path(__file__).with_name("templates")

TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "title": "本人ウォレット",
        "credentials": "保有している証明書",
        "none": "証明書はまだありません。",
        "receive": "証明書を受け取る",
        "offer": "発行者からのリンク",
        "tx_code": "確認コード",
        "present": "提示の依頼に答える",
        "request": "検証者からのリンク",
        "go": "進む",
        "history": "提供の記録",
        "consent": "提供の確認",
        "who": "依頼者(トラストリストによる)",
        "purpose": "利用目的",
        "item": "項目",
        "state": "可否",
        "shareable": "提供できます",
        "not_registered": "登録外のため提供できません",
        "never_share": "提供しません(法的根拠なし)",
        "share": "選んだ項目を提供する",
        "decline": "提供しない",
        "sent": "検証者に送った内容",
        "back": "戻る",
        "time": "日時",
        "verifier": "提供先",
        "items": "項目",
        "outcome": "結果",
        "intact": "記録は改ざんされていません",
        "broken": "記録が改ざんされています",
        "status": "状態",
        "left": "残り",
        "checked": "状態の確認",
        "never": "未確認",
        "check_status": "発行者の失効リストで状態を確認する",
        "check_privacy": "リストを丸ごと取得するため、発行者に分かるのはこのウォレットのIPアドレスと時刻だけで、どの証明書かは分かりません。",
        "status_failed": "確認できなかったリスト",
        "lang": "English",
    },
    "en": {
        "title": "honnin wallet",
        "credentials": "Your credentials",
        "none": "No credentials yet.",
        "receive": "Receive a credential",
        "offer": "Offer link from the issuer",
        "tx_code": "Transaction code",
        "present": "Answer a request",
        "request": "Request link from the verifier",
        "go": "Continue",
        "history": "Disclosure history",
        "consent": "Before you share",
        "who": "Who asks (from the trust list)",
        "purpose": "Purpose",
        "item": "Item",
        "state": "May share?",
        "shareable": "may be shared",
        "not_registered": "refused: not registered for this verifier",
        "never_share": "refused: never shared without a legal basis",
        "share": "Share the selected items",
        "decline": "Decline",
        "sent": "What was sent to the verifier",
        "back": "Back",
        "time": "Time",
        "verifier": "Verifier",
        "items": "Items",
        "outcome": "Outcome",
        "intact": "The history is intact",
        "broken": "The history was altered",
        "status": "Status",
        "left": "Left",
        "checked": "Status checked",
        "never": "never",
        "check_status": "Check status with the issuers' status lists",
        "check_privacy": "The whole list is fetched: its host learns this wallet's IP address and the time, never which credential.",
        "status_failed": "Lists that could not be checked",
        "lang": "日本語",
    },
}


def _name(display: list[dict[str, Any]], language: str, fallback: str) -> str:
    for item in display:
        if str(item.get("locale", "")).startswith(language):
            return str(item.get("name", fallback))
    return fallback


def create_app(wallet: Wallet, client_factory: Callable[[], httpx.AsyncClient]) -> FastAPI:
    """Build the page for an open wallet; ``client_factory`` makes the outgoing HTTP client."""
    app = FastAPI(title="honnin wallet", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    pending: dict[str, PendingPresentation] = {}

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        lang = request.query_params.get("lang") or wallet.profile.language
        lang = lang if lang in TEXT else "ja"
        return templates.TemplateResponse(request, name, {"t": TEXT[lang], "lang": lang, **context})

    def rows(request: Request) -> list[dict[str, Any]]:
        lang = request.query_params.get("lang") or wallet.profile.language
        return [
            {
                "id": c.id,
                "name": _name(c.display.get("credential", []), lang, c.type_id),
                "issuer": _name(c.display.get("issuer", []), lang, c.issuer),
                "status": c.status,
                "checked_at": status_check_of(c).get("checked_at"),
                "left": wallet.store.instances_left(c.id),
            }
            for c in wallet.store.credentials()
        ]

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request, error: str | None = None) -> HTMLResponse:
        return page(request, "index.html", credentials=rows(request), error=error)

    @app.post("/status", response_class=HTMLResponse)
    async def check_status(request: Request) -> HTMLResponse:
        # Only when the person asks: never while presenting (Token Status List section 12).
        async with client_factory() as client:
            report = await check_credential_statuses(wallet, WalletHttp(client))
        failed = [
            f"{item.credential.id[:12]}: {item.error}"
            for item in report.credentials
            if item.error is not None
        ]
        return page(
            request, "index.html", credentials=rows(request), error=None, status_failed=failed
        )

    @app.post("/receive")
    async def receive_offer(
        request: Request, offer: str = Form(...), tx_code: str = Form("")
    ) -> Response:
        try:
            async with client_factory() as client:
                await receive(wallet, WalletHttp(client), offer, tx_code=tx_code or None)
        except HonninError as exc:
            return page(request, "index.html", credentials=[], error=str(exc))
        return RedirectResponse("/", status_code=303)

    @app.post("/present", response_class=HTMLResponse)
    async def present(request: Request, link: str = Form(...)) -> HTMLResponse:
        try:
            async with client_factory() as client:
                http = WalletHttp(client)
                request_link, request_object = await fetch_request(http, link)
                trust = wallet.trust_list()
                verified = verify_incoming(wallet, request_link, request_object, trust)
                try:
                    ready = prepare(wallet, verified, trust)
                except HonninError as exc:
                    outcome = refuse(wallet, verified, exc, trust)
                    entry = await deliver(wallet, http, outcome)
                    return page(request, "result.html", message=outcome.message, entry=entry)
        except HonninError as exc:
            return page(request, "result.html", message=f"{exc} — nothing was sent", entry=None)
        key = wallet.random.bytes(12).hex()
        pending[key] = ready
        return page(request, "consent.html", key=key, p=ready, shareable=ItemStatus.SHAREABLE)

    @app.post("/consent/{key}", response_class=HTMLResponse)
    async def consent(request: Request, key: str) -> HTMLResponse:
        form = await request.form()
        ready = pending.pop(key, None)
        if ready is None:
            return page(request, "result.html", message="unknown or answered request", entry=None)
        approvals = None
        if form.get("action") == "share":
            chosen = set(form.getlist("item"))
            approvals = {
                s.query_id: [i.path for i in s.screen.items if f"{s.query_id}:{i.label}" in chosen]
                for s in ready.screens
            }
        outcome = respond(wallet, ready, approvals)
        async with client_factory() as client:
            entry = await deliver(wallet, WalletHttp(client), outcome)
        return page(request, "result.html", message=outcome.message, entry=entry)

    @app.get("/history", response_class=HTMLResponse)
    async def history(request: Request) -> HTMLResponse:
        try:
            wallet.store.verify_log()
            intact = True
        except HonninError:
            intact = False
        entries = [i.entry for i in wallet.store.log()] if intact else []
        return page(request, "history.html", entries=entries, intact=intact)

    return app


__all__ = ["TEXT", "create_app"]

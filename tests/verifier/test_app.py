"""The verifier app over HTTP: wallet endpoints, the HR desk, exports, and two replicas on PostgreSQL."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from specs.keys import SoftwareSigner
from specs.openid4vp import parse_response_endpoint_reply
from specs.openid4vp.constants import MEDIA_TYPE_REQUEST_OBJECT
from tests.support.servers import serving
from verifier.app import create_app
from verifier.database import make_engine, migrate
from verifier.service import VerifierDeps
from verifier.settings import load_settings

from .conftest import World, holder_answer, wallet_verify

HOLDER = SoftwareSigner.generate("ES256")


def _app(world: World, **deps: Any) -> FastAPI:
    settings = load_settings(world.settings_path)
    return create_app(settings, VerifierDeps(clock=world.clock, http=world.http, **deps))


def _login(client: TestClient, token: str) -> None:
    response = client.post("/hr/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert "honnin_hr" in response.cookies


def _wallet(world: World, client: TestClient, link: str) -> Any:
    request_uri = httpx.URL(str(httpx.URL(link).params["request_uri"]))
    fetched = client.get(request_uri.path)
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == MEDIA_TYPE_REQUEST_OBJECT
    return wallet_verify(world, link, fetched.text)


def test_hr_desk_flow_with_exports(world: World) -> None:
    with TestClient(_app(world), base_url="http://127.0.0.1:8700") as client:
        assert "Sign in" in client.get("/hr").text
        assert client.post("/hr/login", data={"token": "wrong"}).status_code == 401
        _login(client, world.hr_token)
        page = client.post("/hr/requests", data={"purpose": "year-end-adjustment"})
        assert page.status_code == 200
        assert "<svg" in page.text
        assert "openid4vp://?client_id=" in page.text.replace("&amp;", "&")
        created = client.post("/hr/api/requests", json={"purpose": "year-end-adjustment"}).json()
        assert set(created) >= {"request_link", "transaction_id", "qr_svg"}
        tid = created["transaction_id"]
        assert client.get(f"/hr/api/transactions/{tid}").json()["outcome"] == "pending"
        assert client.get(f"/hr/transactions/{tid}/export.csv").status_code == 409
        verified = _wallet(world, client, created["request_link"])
        post = holder_answer(world, verified, world.credential(HOLDER), HOLDER)
        reply = client.post("/openid4vp/response", data=post.form)
        assert reply.status_code == 200
        assert parse_response_endpoint_reply(reply.content) is None
        assert client.post("/openid4vp/response", data=post.form).status_code == 409
        result = client.get(f"/hr/api/transactions/{tid}").json()
        assert result["outcome"] == "verified"
        page = client.get(f"/hr/transactions/{tid}")
        assert "株式会社エー" in page.text
        assert "key_binding" in page.text
        exported = client.get(f"/hr/transactions/{tid}/export.csv")
        assert exported.status_code == 200
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert len(rows) == 1
        assert int(rows[0]["payment_amount"]) == result["claims"]["payment_amount"]
        assert rows[0]["issuer_name_ja"] == "株式会社エー"
        assert "recipient_address" not in rows[0]
        records = client.get(f"/hr/transactions/{tid}/export.json").json()["records"]
        assert records[0]["withheld_tax"] == result["claims"]["withheld_tax"]
    # Another HR session (or none) cannot read the result.
    with TestClient(_app(world), base_url="http://127.0.0.1:8700") as other:
        assert other.get(f"/hr/api/transactions/{tid}").status_code == 401
        _login(other, world.hr_token)
        assert other.get(f"/hr/api/transactions/{tid}").status_code == 404
        assert other.get(f"/hr/transactions/{tid}/export.json").status_code == 404
    with TestClient(_app(world), cookies={"honnin_hr": "abc.def"}) as forged:
        assert forged.get(f"/hr/api/transactions/{tid}").status_code == 401


def test_hr_page_keeps_refreshing_while_a_response_is_verified(world: World) -> None:
    """`processing` (a response claimed, checks running) is not final: the page reloads."""
    from verifier.storage import VerifierRepository

    refresh = '<meta http-equiv="refresh"'
    with TestClient(_app(world), base_url="http://127.0.0.1:8700") as client:
        _login(client, world.hr_token)
        tid = client.post("/hr/api/requests", json={"purpose": "year-end-adjustment"}).json()[
            "transaction_id"
        ]
        assert refresh in client.get(f"/hr/transactions/{tid}").text
        engine = make_engine(load_settings(world.settings_path).database_url)
        try:
            assert VerifierRepository(engine).claim(tid, world.clock.now())
        finally:
            engine.dispose()
        assert client.get(f"/hr/api/transactions/{tid}").json()["outcome"] == "processing"
        page = client.get(f"/hr/transactions/{tid}").text
        assert refresh in page
        assert "<svg" not in page  # the QR code is for a wallet that has not answered yet
        world.clock.advance(seconds=3600)  # the replica that claimed it never finished
        assert client.get(f"/hr/api/transactions/{tid}").json()["outcome"] == "expired"


def test_wallet_declines_shown_to_hr(world: World) -> None:
    from specs.openid4vp import build_error_response

    with TestClient(_app(world)) as client:
        _login(client, world.hr_token)
        created = client.post("/hr/api/requests", json={"purpose": "year-end-adjustment"}).json()
        verified = _wallet(world, client, created["request_link"])
        post = build_error_response(verified, "access_denied", "declined by the person")
        assert client.post("/openid4vp/response", data=post.form).status_code == 200
        page = client.get(f"/hr/transactions/{created['transaction_id']}")
        assert "access_denied" in page.text
        assert "declined by the person" in page.text


def test_request_uri_post_with_wallet_nonce(world: World) -> None:
    with TestClient(_app(world)) as client:
        _login(client, world.hr_token)
        created = client.post("/hr/api/requests", json={"purpose": "year-end-adjustment"}).json()
        path = "/openid4vp/request/" + created["transaction_id"]
        fetched = client.post(path, data={"wallet_nonce": "wn-1"})
        assert fetched.status_code == 200
        from specs.jose import unverified_payload

        assert unverified_payload(fetched.text)["wallet_nonce"] == "wn-1"
        assert client.get("/openid4vp/request/unknown").status_code == 404


def test_response_endpoint_refusals(world: World) -> None:
    with TestClient(_app(world)) as client:
        _login(client, world.hr_token)
        client.post("/hr/api/requests", json={"purpose": "year-end-adjustment"})
        oversize = client.post("/openid4vp/response", data={"response": "a" * 600_000})
        assert oversize.status_code == 413
        assert oversize.json()["code"] == "limit_exceeded"
        malformed = client.post("/openid4vp/response", data={"response": "x.y.z.w.v"})
        assert malformed.status_code == 400
        assert malformed.json()["error"] == "invalid_request"
        repeated = client.post(
            "/openid4vp/response",
            content=b"state=a&state=b",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert repeated.status_code == 400
        unknown = client.post(
            "/openid4vp/response", data={"state": "nope", "error": "access_denied"}
        )
        assert unknown.status_code == 404


def _send(base: str, form: dict[str, str], barrier: Barrier) -> int:
    barrier.wait()
    return httpx.post(base + "/openid4vp/response", data=form, timeout=30).status_code


def test_two_replicas_never_double_accept(world: World, postgres_schema_url: str) -> None:
    engine = make_engine(postgres_schema_url)
    migrate(engine)
    replicas = [_app(world, engine=make_engine(postgres_schema_url)) for _ in range(2)]
    with serving(replicas[0]) as first, serving(replicas[1]) as second:
        hr = httpx.Client(base_url=first, headers={"authorization": f"Bearer {world.hr_token}"})
        accepted = 0
        for _ in range(5):
            created = hr.post("/hr/api/requests", json={"purpose": "year-end-adjustment"}).json()
            link = created["request_link"]
            request_uri = httpx.URL(str(httpx.URL(link).params["request_uri"]))
            fetched = httpx.get(second + request_uri.path)
            verified = wallet_verify(world, link, fetched.text)
            post = holder_answer(world, verified, world.credential(HOLDER), HOLDER)
            barrier = Barrier(4)
            form = dict(post.form)
            with ThreadPoolExecutor(4) as pool:
                codes = list(
                    pool.map(_send, [first, second, first, second], [form] * 4, [barrier] * 4)
                )
            assert sorted(codes) == [200, 409, 409, 409], codes
            accepted += codes.count(200)
            result = hr.get(f"/hr/api/transactions/{created['transaction_id']}").json()
            assert result["outcome"] == "verified"
        assert accepted == 5
        hr.close()
    engine.dispose()

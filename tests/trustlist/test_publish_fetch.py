"""Build from source files, publish (static + FastAPI), fetch with caching, freshness and log."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from specs.errors import MalformedInput, NotFound, Rollback, StaleData, ValidationError
from specs.ports import FixedClock
from specs.trustlist import append_entry, sign_log, verify_trust_list
from specs.trustlist import constants as c
from specs.trustlist.log import parse_log_entry
from tests.trustlist import pki as P  # noqa: N812 (the short name these tests use)
from trustlist.build import publish
from trustlist.fetch import FetcherState, FileStateStore, MemoryStateStore, TrustListFetcher
from trustlist.freshness import FreshnessPolicy
from trustlist.operator import CERT_FILE, KEY_FILE, OPERATOR_DIR, create_operator, load_operator
from trustlist.service import ServiceSettings, create_app
from trustlist.source import write_source_file

BASE = "http://trust.test"


def make_operator_dir(tmp: Path, pki: Any, clock: FixedClock) -> Path:
    directory = tmp / "op"
    create_operator(
        directory,
        common_name="Trust List Operator",
        organization="honnin tests",
        not_before=clock.now() - timedelta(days=1),
        random=P_RANDOM,
    )
    write_source_file(
        directory / "scheme.yaml",
        {
            "scheme_operator_name": {"ja": "運営者", "en": "Operator"},
            "policy_or_legal_notice": "https://trust.example.jp/policy",
            "next_update_days": 7,
        },
    )
    document = P.make_document(pki)
    for category, folder in (
        (c.ISSUERS, "issuers"),
        (c.VERIFIERS, "verifiers"),
        (c.CARD_CAS, "card_cas"),
        (c.STATUS_LIST_PROVIDERS, "status_list_providers"),
    ):
        for item in document[category]:
            suffix = ".json" if category == c.VERIFIERS else ".yaml"
            value = dict(item)
            identity = value.pop(c.DIGITAL_IDENTITY, None)
            if identity:
                value.update(identity)
            write_source_file(directory / folder / f"{item[c.ENTITY_ID]}{suffix}", value)
    return directory


class _Random:
    def bytes(self, n: int) -> bytes:
        return b"\x42" * n


P_RANDOM = _Random()


@pytest.fixture
def operator_dir(tmp_path: Path, pki: Any, clock: FixedClock) -> Path:
    return make_operator_dir(tmp_path, pki, clock)


def fetcher(
    directory: Path,
    clock: FixedClock,
    store: Any,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[TrustListFetcher, httpx.AsyncClient]:
    app = create_app(ServiceSettings(public_dir=directory / "public", max_age_seconds=60))
    client = httpx.AsyncClient(transport=transport or httpx.ASGITransport(app=app), base_url=BASE)
    anchors = list(load_operator(directory).chain)
    return (
        TrustListFetcher(
            client,
            f"{BASE}/trustlist.jws",
            anchors,
            clock,
            store,
            log_url=f"{BASE}/log.json",
            policy=FreshnessPolicy(grace=timedelta(hours=12)),
        ),
        client,
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_build_and_publish_static_files(operator_dir: Path, clock: FixedClock) -> None:
    first = publish(operator_dir, clock)
    clock.advance(3600)
    second = publish(operator_dir, clock)
    assert (first.sequence_number, second.sequence_number) == (1, 2)
    public = operator_dir / "public"
    assert (public / "trustlist.jws").read_text().strip() == second.token
    assert (public / "versions" / "1.jws").read_text().strip() == first.token
    anchors = load_operator(operator_dir).chain
    tl = verify_trust_list(second.token, anchors, clock.now()).trust_list
    assert tl.scheme.next_update - tl.scheme.issued_at == timedelta(days=7)
    assert [i.entity_id for i in tl.issuers] == ["employer-a", "school-x"]
    log = json.loads((public / "log.json").read_text())
    assert [e["sequence_number"] for e in log["entries"]] == [1, 2]
    # No private key material is ever published.
    for path in public.rglob("*"):
        if path.is_file():
            assert '"d"' not in path.read_text()
    with pytest.raises(Rollback):
        publish(operator_dir, clock, sequence_number=2)


def _files(public: Path) -> dict[Path, bytes]:
    return {p.relative_to(public): p.read_bytes() for p in public.rglob("*") if p.is_file()}


def test_failed_publish_puts_back_the_list_and_log(operator_dir: Path, clock: FixedClock) -> None:
    publish(operator_dir, clock)
    public = operator_dir / "public"
    # The last file of a publication cannot be replaced (a directory sits at its path):
    # the version, log and list written before it are put back as they were.
    (public / "operator.pem").unlink()
    (public / "operator.pem").mkdir()
    before = _files(public)
    clock.advance(3600)
    with pytest.raises(IsADirectoryError):
        publish(operator_dir, clock)
    assert _files(public) == before
    assert not (public / "versions" / "2.jws").exists()
    (public / "operator.pem").rmdir()
    fetch, client = fetcher(operator_dir, clock, MemoryStateStore())

    async def scenario() -> None:
        # The list on the server is the newest entry of its log, so clients accept it.
        assert (await fetch.fetch(fallback=False)).verified.trust_list.sequence_number == 1
        clock.advance(60)
        assert publish(operator_dir, clock).sequence_number == 2
        assert (await fetch.fetch(fallback=False)).verified.trust_list.sequence_number == 2
        await client.aclose()

    run(scenario())


def test_failed_operator_creation_leaves_no_key(tmp_path: Path, clock: FixedClock) -> None:
    folder = tmp_path / "op" / OPERATOR_DIR
    (folder / CERT_FILE).mkdir(parents=True)  # the certificate cannot be written
    with pytest.raises(IsADirectoryError):
        create_operator(
            tmp_path / "op",
            common_name="Trust List Operator",
            organization="honnin tests",
            not_before=clock.now(),
            random=P_RANDOM,
        )
    assert not (folder / KEY_FILE).exists()
    (folder / CERT_FILE).rmdir()
    created = create_operator(
        tmp_path / "op",
        common_name="Trust List Operator",
        organization="honnin tests",
        not_before=clock.now(),
        random=P_RANDOM,
    )
    assert load_operator(tmp_path / "op").chain == created.chain


def test_source_with_private_key_is_refused(operator_dir: Path, clock: FixedClock) -> None:
    path = operator_dir / "issuers" / "employer-a.yaml"
    import yaml

    value = yaml.safe_load(path.read_text())
    value["jwks"][0]["d"] = "AAAA"
    path.write_text(yaml.safe_dump(value))
    with pytest.raises(ValidationError):
        publish(operator_dir, clock)


def test_malformed_source_file(operator_dir: Path, clock: FixedClock) -> None:
    (operator_dir / "issuers" / "broken.yaml").write_text("entity_id: [unclosed\n")
    with pytest.raises(MalformedInput):
        publish(operator_dir, clock)
    (operator_dir / "issuers" / "broken.yaml").write_text("entity_id: x\nunknown: 1\n")
    with pytest.raises(MalformedInput):
        publish(operator_dir, clock)


def test_endpoint_etag_and_cache_control(operator_dir: Path, clock: FixedClock) -> None:
    publish(operator_dir, clock)
    app = create_app(ServiceSettings(public_dir=operator_dir / "public", max_age_seconds=60))

    async def scenario() -> None:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE
        ) as client:
            first = await client.get("/trustlist.jws")
            assert first.status_code == 200
            assert first.headers["content-type"] == c.TRUST_LIST_MEDIA_TYPE
            assert first.headers["cache-control"] == "public, max-age=60"
            etag = first.headers["etag"]
            again = await client.get("/trustlist.jws", headers={"If-None-Match": etag})
            assert again.status_code == 304
            assert again.content == b""
            other = await client.get("/trustlist.jws", headers={"If-None-Match": '"x"'})
            assert other.status_code == 200
            assert (await client.get("/versions/1.jws")).status_code == 200
            assert (await client.get("/versions/9.jws")).status_code == 404
            assert (await client.get("/log.json")).status_code == 200
            assert (await client.get("/operator.pem")).text.startswith("-----BEGIN CERTIFICATE")

    run(scenario())


def test_fetch_caching_update_and_rollback(operator_dir: Path, clock: FixedClock) -> None:
    publish(operator_dir, clock)
    store = MemoryStateStore()
    fetch, client = fetcher(operator_dir, clock, store)

    async def scenario() -> None:
        first = await fetch.fetch()
        assert (first.source, first.warning) == ("network", None)
        assert first.verified.trust_list.sequence_number == 1
        cached = await fetch.fetch()
        assert cached.source == "not_modified"
        clock.advance(60)
        publish(operator_dir, clock)
        second = await fetch.fetch()
        assert second.verified.trust_list.sequence_number == 2
        assert store.load().log_size == 2
        # The server rolls back to version 1: refused, the last good list stays.
        public = operator_dir / "public"
        shutil.copy(public / "versions" / "1.jws", public / "trustlist.jws")
        with pytest.raises(Rollback):
            await fetch.fetch(fallback=False)
        kept = await fetch.fetch()
        assert kept.source == "last_good"
        assert isinstance(kept.error, Rollback)
        assert kept.verified.trust_list.sequence_number == 2
        assert "keeping last good list 2" in (kept.warning or "")
        await client.aclose()

    run(scenario())


def test_fetch_detects_fork(operator_dir: Path, clock: FixedClock) -> None:
    publish(operator_dir, clock)
    clock.advance(60)
    publish(operator_dir, clock)
    store = MemoryStateStore()
    fetch, client = fetcher(operator_dir, clock, store)

    async def scenario() -> None:
        await fetch.fetch()
        # The operator rewrites history: a new log whose entry 1 differs, then a version 3.
        public = operator_dir / "public"
        log = json.loads((public / "log.json").read_text())
        entries = tuple(parse_log_entry(e, i) for i, e in enumerate(log["entries"]))
        forked = append_entry(
            entries[:1], sequence_number=2, issued_at=clock.now(), list_digest="f" * 64
        )
        clock.advance(60)
        operator = load_operator(operator_dir)
        (public / "log.json").write_text(
            json.dumps(sign_log(forked, operator.signer, operator.chain, clock.now()))
        )
        publish(operator_dir, clock)
        with pytest.raises(Rollback, match="forked"):
            await fetch.fetch(fallback=False)
        await client.aclose()

    run(scenario())


def test_stale_list_and_grace(operator_dir: Path, clock: FixedClock) -> None:
    publish(operator_dir, clock)
    store = MemoryStateStore()
    fetch, client = fetcher(operator_dir, clock, store)

    async def scenario() -> None:
        await fetch.fetch()
        clock.advance(timedelta(days=7, hours=1).total_seconds())
        within = await fetch.fetch()
        assert "within grace" in (within.warning or "")
        clock.advance(timedelta(hours=12).total_seconds())
        with pytest.raises(StaleData):
            await fetch.fetch(fallback=False)
        # The last good list is stale too: nothing to fall back to.
        with pytest.raises(StaleData):
            await fetch.fetch()
        await client.aclose()

    run(scenario())


def test_network_failure_keeps_last_good(
    operator_dir: Path, clock: FixedClock, tmp_path: Path
) -> None:
    publish(operator_dir, clock)
    store = FileStateStore(tmp_path / "state.json")
    fetch, client = fetcher(operator_dir, clock, store)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    down, down_client = fetcher(operator_dir, clock, store, httpx.MockTransport(refuse))

    async def scenario() -> None:
        with pytest.raises(httpx.ConnectError):
            await down.fetch()  # nothing accepted yet: no last good list
        await fetch.fetch()
        assert (
            FetcherState.model_validate_json(
                (tmp_path / "state.json").read_text()
            ).last_sequence_number
            == 1
        )
        status = await down.fetch()
        assert status.source == "last_good"
        assert "network" in (status.warning or "")
        assert status.verified.trust_list.sequence_number == 1
        (operator_dir / "public" / "trustlist.jws").unlink()
        with pytest.raises(NotFound):
            await fetch.fetch(fallback=False)
        await client.aclose()
        await down_client.aclose()

    run(scenario())

"""Benchmark: withholding-slip presentations through the verifier's whole pipeline.

Part 1 (in-process, one run): the bare ES256 signature checks a presentation needs (the
issuer's SD-JWT signature and the holder's KB-JWT; the status list is cached) against
(a) the pipeline steps alone (trust list, signature, validity, status, key binding,
schema) and (b) ``VerifierService.accept`` end to end (JWE decryption, single-use claim in
SQLite, DCQL, result and audit writes). Target for (a): at most 2x the bare checks.

Part 2 (bounded load): two uvicorn replicas on loopback sharing one PostgreSQL schema;
each response is POSTed to both replicas at once. Reports p50/p99 latency and proves
zero double-accepts. Skipped (reported as such) when PostgreSQL is unreachable.

    .venv/bin/python bench/verification.py [--quick] [--output PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from specs.encoding import b64url_decode  # noqa: E402
from specs.keys import SoftwareSigner  # noqa: E402
from specs.keys.jwk import raw_to_der_ecdsa  # noqa: E402
from specs.openid4vp import PresentationContext, session_transcript_for  # noqa: E402
from specs.ports import FixedClock  # noqa: E402
from specs.sd_jwt import parse  # noqa: E402

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _world_module() -> Any:
    # The same deterministic world the verifier tests use (trust list, issuer, status list).
    name = "honnin_bench_verifier_world"
    if name not in sys.modules:
        path = ROOT / "tests" / "verifier" / "conftest.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _time_each(fns: list[Callable[[], object]]) -> float:
    samples = []
    for fn in fns:
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _bare_checks(presentation: str, issuer_key: Any, holder_key: Any) -> Callable[[], None]:
    parsed = parse(presentation)
    assert parsed.kb_jwt is not None
    jobs = []
    for token, key in ((parsed.issuer_jwt, issuer_key), (parsed.kb_jwt, holder_key)):
        head, payload, sig = token.split(".")
        jobs.append((key, raw_to_der_ecdsa(b64url_decode(sig)), f"{head}.{payload}".encode()))

    def run() -> None:
        for key, der, data in jobs:
            key.verify(der, data, ec.ECDSA(hashes.SHA256()))

    return run


def _prepare(world: Any, service: Any, holder: SoftwareSigner, n: int) -> list[tuple[Any, Any]]:
    w = _world_module()
    credential = world.credential(holder)
    out = []
    for _ in range(n):
        created = service.create_request("year-end-adjustment", session_hash=None)
        verified = w.wallet_verify(
            world, created.request_link, service.request_object(created.transaction_id)
        )
        out.append((verified, w.holder_answer(world, verified, credential, holder)))
    return out


def in_process(n: int) -> dict[str, Any]:
    w = _world_module()
    holder = SoftwareSigner.generate("ES256")
    with tempfile.TemporaryDirectory() as tmp:
        world = w.build_world(Path(tmp), FixedClock(NOW))
        service = world.service()
        prepared = _prepare(world, service, holder, n)
        presentation = _plain_presentation(world, prepared[0][0], holder)
        bare = _bare_checks(
            presentation, world.issuer.cert.public_key(), holder.private_key().public_key()
        )
        bare_s = _time_each([bare] * n)
        query = prepared[0][0].request.dcql_query.credentials[0]

        def pipeline_once(verified: Any = prepared[0][0]) -> None:
            from verifier.pipeline import StepLog

            request = verified.request
            service.pipeline.verify(
                PresentationContext(
                    query=query,
                    presentation=presentation,
                    client_id=request.client_id,
                    nonce=request.nonce,
                    response_uri=request.response_uri,
                    session_transcript=session_transcript_for(request),
                    now=world.clock.now(),
                ),
                StepLog(),
            )

        pipeline_once()  # warm the status-list cache
        pipeline_s = _time_each([pipeline_once] * n)
        outcomes = []

        def accept(form: Any) -> None:
            outcomes.append(service.accept(form)["outcome"])

        accept_s = _time_each([lambda f=post.form: accept(f) for _, post in prepared])
        assert set(outcomes) == {"verified"}, outcomes
        service.close()
        world.http.close()
    return {
        "iterations": n,
        "per_second": {
            "bare_signature_checks": 1 / bare_s,
            "pipeline_steps": 1 / pipeline_s,
            "accept_end_to_end": 1 / accept_s,
        },
        "ratio_vs_bare": {
            "pipeline_steps": pipeline_s / bare_s,
            "accept_end_to_end": accept_s / bare_s,
        },
    }


def _plain_presentation(world: Any, verified: Any, holder: SoftwareSigner) -> str:
    from specs.sd_jwt import present
    from specs.sd_jwt_vc import unverified_sd_jwt_vc_claims

    w = _world_module()
    credential = world.credential(holder)
    full = unverified_sd_jwt_vc_claims(credential)
    return present(
        credential,
        [p for p in w.SLIP_PATHS if w._has(full, p)],
        holder_signer=holder,
        aud=verified.request.client_id,
        nonce=verified.request.nonce,
        clock=world.clock,
    )


def load_run(n: int) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    w = _world_module()
    schema = "bench_" + uuid.uuid4().hex[:10]
    try:
        admin = create_engine(POSTGRES)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        return {"skipped": f"PostgreSQL unreachable: {type(exc).__name__}"}
    url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    try:
        from verifier.app import create_app
        from verifier.database import make_engine, migrate
        from verifier.service import VerifierDeps
        from verifier.settings import load_settings

        engine = make_engine(url)
        migrate(engine)
        holder = SoftwareSigner.generate("ES256")
        with tempfile.TemporaryDirectory() as tmp:
            world = w.build_world(Path(tmp), FixedClock(NOW))
            settings = load_settings(world.settings_path)
            apps = [
                create_app(
                    settings,
                    VerifierDeps(clock=world.clock, http=world.http, engine=make_engine(url)),
                )
                for _ in range(2)
            ]
            serving = _serving()
            with serving(apps[0]) as first, serving(apps[1]) as second:
                hr = httpx.Client(
                    base_url=first, headers={"authorization": f"Bearer {world.hr_token}"}
                )
                credential = world.credential(holder)
                jobs = []
                for _ in range(n):
                    link = hr.post("/hr/api/requests", json={"purpose": "year-end-adjustment"})
                    link_value = link.json()["request_link"]
                    path = httpx.URL(str(httpx.URL(link_value).params["request_uri"])).path
                    verified = w.wallet_verify(world, link_value, httpx.get(second + path).text)
                    jobs.append(dict(w.holder_answer(world, verified, credential, holder).form))
                latencies: list[float] = []
                accepted_per_tx: list[int] = []

                def post(base: str, form: dict[str, str]) -> int:
                    start = time.perf_counter()
                    code = httpx.post(base + "/openid4vp/response", data=form, timeout=60)
                    latencies.append(time.perf_counter() - start)
                    return code.status_code

                started = time.perf_counter()
                with ThreadPoolExecutor(8) as pool:
                    futures = [
                        (pool.submit(post, first, form), pool.submit(post, second, form))
                        for form in jobs
                    ]
                    for a, b in futures:
                        accepted_per_tx.append([a.result(), b.result()].count(200))
                elapsed = time.perf_counter() - started
                hr.close()
            world.http.close()
        latencies.sort()
        return {
            "transactions": n,
            "posts": len(latencies),
            "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "accepted_per_second": n / elapsed,
            "double_accepts": sum(1 for a in accepted_per_tx if a > 1),
            "never_accepted": sum(1 for a in accepted_per_tx if a == 0),
        }
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _serving() -> Any:
    import socket
    import threading
    from contextlib import contextmanager

    import uvicorn

    @contextmanager
    def serving(app: Any) -> Any:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)

    return serving


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few iterations (for the test)")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "results" / "verification.json"
    )
    args = parser.parse_args(argv)
    n, load_n = (5, 5) if args.quick else (200, 200)
    result: dict[str, Any] = {
        "bench": "verification",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": args.quick,
        "in_process": in_process(n),
        "load_two_replicas_postgres": load_run(load_n),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()

"""Benchmark: Token Status List tokens against the bare ES256 operations underneath them.

Measures, in one run, for a list of N entries (default 2^20, 2 bits, 1% revoked):
sign_status_list_jwt vs a bare ES256 signature, verify_status_list_jwt (with bounded
decompression) vs a bare ES256 verification, a status lookup, and random index allocation.
Prints ratios and writes bench/results/status_list.json.

    .venv/bin/python bench/status_list.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from specs.keys import SoftwareSigner, verify_signature  # noqa: E402
from specs.ports import FixedClock, SeededRandom  # noqa: E402
from specs.status_list import (  # noqa: E402
    STATUS_INVALID,
    StatusList,
    StatusReference,
    allocate_index,
    sign_status_list_jwt,
    verify_status_list_jwt,
)

URI = "https://issuer.example.jp/status/1"


def _time(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(entries: int, repeat: int) -> dict[str, object]:
    """Run every measurement and return the results."""
    clock = FixedClock(datetime(2026, 7, 1, tzinfo=UTC))
    rng = SeededRandom(b"bench")
    signer = SoftwareSigner.generate("ES256")
    status_list = StatusList.new(entries, 2)
    used: set[int] = set()
    for _ in range(entries // 100):
        index = allocate_index(rng, entries, used)
        used.add(index)
        status_list.set(index, STATUS_INVALID)

    token = sign_status_list_jwt(status_list, signer, uri=URI, clock=clock, ttl=3600)
    message = token.rsplit(".", 1)[0].encode()
    signature = signer.sign(message)
    public = signer.public_key

    bare_sign = _time(lambda: signer.sign(message), repeat)
    bare_verify = _time(lambda: verify_signature("ES256", public, message, signature), repeat)
    sign = _time(
        lambda: sign_status_list_jwt(status_list, signer, uri=URI, clock=clock, ttl=3600), repeat
    )
    verified = verify_status_list_jwt(token, signer.public_jwk, expected_uri=URI, clock=clock)
    verify = _time(
        lambda: verify_status_list_jwt(token, signer.public_jwk, expected_uri=URI, clock=clock),
        repeat,
    )
    reference = StatusReference(next(iter(used)), URI)
    lookup = _time(lambda: verified.status(reference), repeat)
    allocate = _time(lambda: allocate_index(rng, entries, used), repeat)
    return {
        "entries": entries,
        "bits": 2,
        "revoked": len(used),
        "token_bytes": len(token),
        "seconds": {
            "bare_es256_sign": bare_sign,
            "bare_es256_verify": bare_verify,
            "sign_status_list_jwt": sign,
            "verify_status_list_jwt": verify,
            "status_lookup": lookup,
            "allocate_index": allocate,
        },
        "ratios": {
            "sign_vs_bare_sign": sign / bare_sign,
            "verify_vs_bare_verify": verify / bare_verify,
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print a summary, write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small list, few repeats")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "results" / "status_list.json"
    )
    args = parser.parse_args(argv)
    entries, repeat = (4096, 3) if args.quick else (1 << 20, 15)
    results = run(entries, repeat)
    seconds = results["seconds"]
    ratios = results["ratios"]
    assert isinstance(seconds, dict)
    assert isinstance(ratios, dict)
    print(
        f"status list: {entries} entries, 2 bits, {results['revoked']} revoked, "
        f"token {results['token_bytes']} bytes"
    )
    for name, value in seconds.items():
        print(f"  {name:24s} {value * 1e3:9.3f} ms")
    for name, value in ratios.items():
        print(f"  {name:24s} {value:9.1f}x")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

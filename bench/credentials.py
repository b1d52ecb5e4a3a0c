"""Benchmark: credential-type validation, SD-JWT VC issuance and payroll CSV import vs bare ES256.

In one run it times the bare ES256 signature and verification with ``cryptography`` (the
floor), validating a withholding slip's claims into the model, issuing a slip as SD-JWT VC
(validation, selective-disclosure marking, one disclosure per item, signature), verifying a
fully disclosed presentation and parsing it back into the model, and importing payroll CSV
(per row). Prints ratios and writes ``bench/results/credentials.json``.

    .venv/bin/python bench/credentials.py [--quick] [--rows N] [--output PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from honnin.sample_data import SampleData  # noqa: E402
from specs.credentials import WITHHOLDING_SLIP_V1  # noqa: E402
from specs.credentials.payroll_csv import parse_payroll_csv, write_payroll_csv  # noqa: E402
from specs.keys import SoftwareSigner  # noqa: E402
from specs.ports import FixedClock, SeededRandom  # noqa: E402
from specs.sd_jwt import present  # noqa: E402
from specs.sd_jwt_vc import StaticIssuerKey, issue_sd_jwt_vc, verify_sd_jwt_vc  # noqa: E402

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _time(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(repeat: int, rows: int) -> dict[str, object]:
    """Run every measurement."""
    clock = FixedClock(NOW)
    t = WITHHOLDING_SLIP_V1
    data = SampleData(2026)
    slip = data.withholding_slip(data.person(), data.employer())
    claims = t.to_claims(slip)
    issuer = SoftwareSigner.generate("ES256")
    bare = ec.generate_private_key(ec.SECP256R1())
    message = b"x" * 1200
    signature = bare.sign(message, ec.ECDSA(hashes.SHA256()))
    keys = StaticIssuerKey(issuer.public_jwk)

    def issue() -> str:
        return issue_sd_jwt_vc(
            t.mark_disclosable(t.to_claims(t.validate(slip))),
            issuer,
            vct=t.vct,
            vct_integrity=t.integrity(),
            clock=clock,
            random=SeededRandom(b"bench"),
        )

    presentation = present(issue(), [(k,) for k in claims])

    def verify_and_parse() -> object:
        result = verify_sd_jwt_vc(
            presentation, issuer_keys=keys, clock=clock, require_key_binding=False
        )
        return t.parse(result.payload)

    csv_text = write_payroll_csv(data.payroll(rows))
    csv_seconds = _time(lambda: parse_payroll_csv(csv_text), max(1, repeat // 20))
    seconds = {
        "bare_es256_sign": _time(lambda: bare.sign(message, ec.ECDSA(hashes.SHA256())), repeat),
        "bare_es256_verify": _time(
            lambda: bare.public_key().verify(signature, message, ec.ECDSA(hashes.SHA256())),
            repeat,
        ),
        "validate_slip": _time(lambda: t.parse(claims), repeat),
        "issue_slip_sd_jwt_vc": _time(issue, repeat),
        "verify_and_parse_slip": _time(verify_and_parse, repeat),
        "payroll_csv_per_row": csv_seconds / rows,
    }
    return {
        "python": platform.python_version(),
        "rows": rows,
        "disclosures": presentation.count("~") - 1,
        "seconds": seconds,
        "ratios": {
            "validate_vs_bare_sign": seconds["validate_slip"] / seconds["bare_es256_sign"],
            "issue_vs_bare_sign": seconds["issue_slip_sd_jwt_vc"] / seconds["bare_es256_sign"],
            "verify_and_parse_vs_bare_verify": seconds["verify_and_parse_slip"]
            / seconds["bare_es256_verify"],
            "csv_row_vs_bare_sign": seconds["payroll_csv_per_row"] / seconds["bare_es256_sign"],
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print a summary, write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, few rows")
    parser.add_argument("--rows", type=int, default=None, help="payroll CSV rows")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "results" / "credentials.json"
    )
    args = parser.parse_args(argv)
    repeat, rows = (5, 20) if args.quick else (200, 1000)
    results = run(repeat, args.rows or rows)
    seconds = results["seconds"]
    ratios = results["ratios"]
    assert isinstance(seconds, dict)
    assert isinstance(ratios, dict)
    print(f"credentials: withholding slip, {results['disclosures']} disclosures")
    for name, value in seconds.items():
        print(f"  {name:32s} {value * 1e3:9.3f} ms")
    for name, value in ratios.items():
        print(f"  {name:32s} {value:9.1f}x")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

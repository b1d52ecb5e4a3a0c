"""Benchmark: card key attestations per second through PKCS#11 vs a bare RSA-2048 signature.

A SoftHSM2 test My Number Card is set up in a temporary directory. In one run it times:
the bare RSA-2048 PKCS#1 v1.5 SHA-256 signature with ``cryptography`` (the floor), the same
signature through PKCS#11 (``Pkcs11Signer.sign``), a whole key attestation through PKCS#11
(claims over a batch of presentation keys + JWS signed on the token), and the issuer's
``verify_key_attestation`` (card chain, CRL, signature, claims). Prints ratios and writes
``bench/results/card.json``.

    .venv/bin/python bench/card.py [--quick] [--batch N] [--output PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from honnin.testcard import JpkiTestCa, SoftHsm, create_test_card  # noqa: E402
from specs.key_attestation import (  # noqa: E402
    build_key_attestation_claims,
    sign_key_attestation,
    verify_key_attestation,
)
from specs.keys import public_jwk  # noqa: E402
from specs.ports import FixedClock  # noqa: E402
from wallet.card import Pkcs11Signer  # noqa: E402

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


def run(repeat: int, batch: int) -> dict[str, object]:
    """Set up a test card and run every measurement."""
    clock = FixedClock(NOW)
    bare_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keys = [public_jwk(ec.generate_private_key(ec.SECP256R1())) for _ in range(batch)]
    message = b"x" * 1500  # about the size of an attestation signing input over 4 keys
    with tempfile.TemporaryDirectory(prefix="honnin-bench-card-") as tmp:
        hsm = SoftHsm(Path(tmp))
        hsm.activate()
        ca = JpkiTestCa.create(NOW)
        card = create_test_card(hsm, ca, now=NOW)
        crls = [ca.issue_crl(NOW - timedelta(hours=1))]
        with Pkcs11Signer.open(card.module, card.pin) as signer:

            def attest() -> str:
                claims = build_key_attestation_claims(keys, nonce="bench-nonce", clock=clock)
                return sign_key_attestation(claims, signer, card.chain)

            token = attest()
            seconds = {
                "bare_rsa2048_sign": _time(
                    lambda: bare_key.sign(message, padding.PKCS1v15(), hashes.SHA256()), repeat
                ),
                "pkcs11_sign": _time(lambda: signer.sign(message), repeat),
                "pkcs11_attestation": _time(attest, repeat),
                "verify_attestation": _time(
                    lambda: verify_key_attestation(
                        token,
                        card_cas=[ca.certificate],
                        crls=crls,
                        expected_nonce="bench-nonce",
                        clock=clock,
                    ),
                    repeat,
                ),
            }
    bare = seconds["bare_rsa2048_sign"]
    return {
        "benchmark": "card",
        "batch": batch,
        "repeat": repeat,
        "python": platform.python_version(),
        "seconds": seconds,
        "per_second": {name: round(1 / value, 1) for name, value in seconds.items()},
        "ratios": {
            "pkcs11_sign_vs_bare_sign": round(seconds["pkcs11_sign"] / bare, 2),
            "attestation_vs_bare_sign": round(seconds["pkcs11_attestation"] / bare, 2),
            "verify_vs_bare_sign": round(seconds["verify_attestation"] / bare, 2),
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print a summary and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few repetitions (smoke run)")
    parser.add_argument("--batch", type=int, default=4, help="presentation keys per attestation")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "results" / "card.json", help="JSON output"
    )
    args = parser.parse_args(argv)
    results = run(repeat=5 if args.quick else 200, batch=args.batch)
    for name, value in results["per_second"].items():  # type: ignore[attr-defined]
        print(f"{name:>22}: {value:10.1f} /s")
    for name, value in results["ratios"].items():  # type: ignore[attr-defined]
        print(f"{name:>28}: x{value}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

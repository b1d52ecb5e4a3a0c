"""Benchmark: ecdsa-sd-2023 derive and verify per second vs the bare ECDSA operations underneath.

In one run it times, for a withholding-slip credential (給与所得の源泉徴収票): the bare P-256
ECDSA sign and verify with ``cryptography`` (the floor), creating a base proof, deriving a
proof that reveals two items, verifying the derived proof, and ecdsa-rdfc-2019 add/verify.
The time spent in JSON-LD processing and RDFC-1.0 canonicalization is measured separately
(by timing the canonicalization entry points during the same calls), so the report shows
how much of each operation is canonicalization and how much is ECDSA.

    .venv/bin/python bench/w3c_vc.py [--quick] [--output PATH]
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
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from specs.keys import SoftwareSigner  # noqa: E402
from specs.ports import SeededRandom  # noqa: E402
from specs.w3c_vc import (  # noqa: E402
    DocumentLoader,
    build_credential,
    did_key_verification_method,
    honnin_mandatory_pointers,
    selection,
)
from specs.w3c_vc import ecdsa_rdfc_2019 as rdfc  # noqa: E402
from specs.w3c_vc import ecdsa_sd_2023 as sd  # noqa: E402
from specs.w3c_vc.vocabulary import WITHHOLDING_SLIP_MANDATORY_SUBJECT_FIELDS  # noqa: E402

REVEAL = ["/credentialSubject/paymentAmount", "/credentialSubject/withheldTax"]


class CanonTimer:
    """Accumulates time spent in JSON-LD/RDFC entry points while installed."""

    # (module, attribute) pairs the cryptosuites call; patched where they are looked up.
    TARGETS = (
        (sd, "canonicalize"),
        (sd, "canonicalize_quads"),
        (sd, "to_quads"),
        (selection, "expand"),
        (selection, "compact"),
        (selection, "to_quads"),
        (rdfc, "canonicalize"),
    )

    def __init__(self) -> None:
        self.seconds = 0.0
        self._depth = 0
        self._saved: list[tuple[Any, str, Any]] = []

    def _wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.seconds += time.perf_counter() - start

        return timed

    def __enter__(self) -> CanonTimer:
        for module, name in self.TARGETS:
            original = getattr(module, name)
            self._saved.append((module, name, original))
            setattr(module, name, self._wrap(original))
        return self

    def __exit__(self, *exc: object) -> None:
        for module, name, original in reversed(self._saved):
            setattr(module, name, original)
        self._saved.clear()


def _time(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _canon_split(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median (canonicalization seconds, its share of the same call) over ``repeat`` calls."""
    seconds, shares = [], []
    for _ in range(repeat):
        with CanonTimer() as timer:
            start = time.perf_counter()
            fn()
            total = time.perf_counter() - start
        seconds.append(timer.seconds)
        shares.append(timer.seconds / total)
    return statistics.median(seconds), statistics.median(shares)


def _slip() -> dict[str, Any]:
    return build_credential(
        types=["WithholdingSlipCredential"],
        issuer="did:web:employer-a.example",
        subject={
            "type": "WithholdingSlip",
            "taxYear": "2026",
            "recipientName": "佐藤 花子",
            "recipientNameKana": "サトウ ハナコ",
            "recipientBirthDate": "1990-04-01",
            "recipientAddress": "東京都千代田区霞が関1-1-1",
            "paymentCategory": "給料・賞与",
            "paymentAmount": 3_000_000,
            "incomeAfterEmploymentDeduction": 2_020_000,
            "totalIncomeDeductions": 910_000,
            "withheldTax": 85_000,
            "socialInsurancePremiums": 430_000,
            "leaveDate": "2026-06-30",
            "payerName": "株式会社A",
            "payerAddress": "東京都港区芝公園4-2-8",
            "payerCorporateNumber": "1234567890123",
        },
        valid_from=datetime(2026, 7, 1, tzinfo=UTC),
        valid_until=datetime(2031, 7, 1, tzinfo=UTC),
        schema={"id": "https://honnin.example/schemas/withholding-slip/v1", "type": "JsonSchema"},
    )


def run(repeat: int) -> dict[str, Any]:
    """Run every measurement and return the results."""
    loader = DocumentLoader()
    key = ec.generate_private_key(ec.SECP256R1())
    signer = SoftwareSigner(key, "ES256")
    method = did_key_verification_method(key.public_key())
    message = bytes(64)
    der = key.sign(message, ec.ECDSA(hashes.SHA256()))
    bare_sign = _time(lambda: key.sign(message, ec.ECDSA(hashes.SHA256())), repeat * 20)
    bare_verify = _time(
        lambda: key.public_key().verify(der, message, ec.ECDSA(hashes.SHA256())), repeat * 20
    )

    document = _slip()
    pointers = honnin_mandatory_pointers(document, WITHHOLDING_SLIP_MANDATORY_SUBJECT_FIELDS)

    def create() -> dict[str, Any]:
        return sd.create_base_proof(
            document,
            signer,
            verification_method=method,
            mandatory_pointers=pointers,
            rng=SeededRandom("bench"),
            loader=loader,
        )

    base = create()
    derived = sd.derive_proof(base, REVEAL, loader=loader)
    base_statements = len(sd.parse_base_proof_value(base["proof"]["proofValue"]).signatures)
    revealed = len(sd.parse_derived_proof_value(derived["proof"]["proofValue"]).signatures)

    def derive() -> object:
        return sd.derive_proof(base, REVEAL, loader=loader)

    def verify() -> object:
        return sd.verify_derived_proof(derived, loader=loader)

    secured = rdfc.add_proof(document, signer, verification_method=method, loader=loader)

    def rdfc_verify() -> object:
        return rdfc.verify_proof(secured, loader=loader)

    seconds = {
        "bare_ecdsa_p256_sign": bare_sign,
        "bare_ecdsa_p256_verify": bare_verify,
        "sd_create_base_proof": _time(create, repeat),
        "sd_derive": _time(derive, repeat),
        "sd_verify_derived": _time(verify, repeat),
        "rdfc_2019_verify": _time(rdfc_verify, repeat),
    }
    split = {
        "sd_create_base_proof": _canon_split(create, repeat),
        "sd_derive": _canon_split(derive, repeat),
        "sd_verify_derived": _canon_split(verify, repeat),
        "rdfc_2019_verify": _canon_split(rdfc_verify, repeat),
    }
    canonicalization = {name: value[0] for name, value in split.items()}
    # ECDSA operations each call performs: base = one issuer signature plus one per
    # non-mandatory statement; derive = none; verify = 1 + revealed selective statements.
    ecdsa_seconds = {
        "sd_create_base_proof": (1 + base_statements) * bare_sign,
        "sd_derive": 0.0,
        "sd_verify_derived": (1 + revealed) * bare_verify,
        "rdfc_2019_verify": bare_verify,
    }
    return {
        "benchmark": "w3c_vc",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "repeat": repeat,
        "base_statements_signed": base_statements,
        "revealed_selective_statements": revealed,
        "seconds": seconds,
        "canonicalization_seconds": canonicalization,
        "ecdsa_seconds_estimate": ecdsa_seconds,
        "per_second": {
            "sd_derive": 1 / seconds["sd_derive"],
            "sd_verify_derived": 1 / seconds["sd_verify_derived"],
        },
        "ratios": {
            "derive_vs_bare_sign": seconds["sd_derive"] / bare_sign,
            "verify_derived_vs_bare_verify": seconds["sd_verify_derived"] / bare_verify,
            "create_base_vs_bare_sign": seconds["sd_create_base_proof"] / bare_sign,
            "rdfc_verify_vs_bare_verify": seconds["rdfc_2019_verify"] / bare_verify,
        },
        "canonicalization_share": {name: value[1] for name, value in split.items()},
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print a summary and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one repetition (smoke run)")
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "bench" / "results" / "w3c_vc.json",
        help="where to write the JSON results",
    )
    args = parser.parse_args(argv)
    results = run(1 if args.quick else 15)
    s = results["seconds"]
    for name, value in s.items():
        share = results["canonicalization_share"].get(name)
        extra = f"  canonicalization {share:6.1%}" if share is not None else ""
        print(f"{name:28s} {value * 1000:9.3f} ms{extra}")
    for name, value in results["ratios"].items():
        print(f"{name:34s} x{value:9.1f}")
    print(
        f"derive/s {results['per_second']['sd_derive']:.1f}  "
        f"verify/s {results['per_second']['sd_verify_derived']:.1f}"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

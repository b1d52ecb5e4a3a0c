"""Benchmark: DeviceResponse verifications per second vs the bare ES256 verifies they need.

Two modes, each against exactly the bare verifies it performs, timed in the same run:

* ``warm`` (the target mode, what a running verifier does): the trust anchors are a
  ``TrustAnchors`` that has already validated this DS chain, so a response needs two ES256
  verifies: IssuerAuth over the MSO and DeviceAuth over the session.
* ``cold``: the anchors are a plain list, so every response also parses the DS certificate
  and validates its chain: three ES256 verifies (the IACA's signature on the DS certificate,
  IssuerAuth, DeviceAuth).

Timing is per-thread CPU time (the machine is shared; time spent descheduled is not ours),
in rounds that alternate the full and the bare side so load changes hit both alike; the
ratio is the best round of the bare side over the best round of the full side, and the
median of the per-round ratios is reported next to it. ``load_average`` is recorded.
Run ``python bench/mdoc.py`` (``--quick`` for a smoke run); results go to
``bench/results/mdoc.json``.
"""

from __future__ import annotations

import argparse
import json
import os
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

from bench.yardsticks import mdoc_python_floor  # noqa: E402
from specs.keys import SoftwareSigner  # noqa: E402
from specs.keys.certificates import issue_certificate  # noqa: E402
from specs.keys.jwk import raw_to_der_ecdsa  # noqa: E402
from specs.mdoc import (  # noqa: E402
    TrustAnchors,
    decode_device_response,
    issue,
    openid4vp_session_transcript,
    parse_items_request,
    present,
    verify_device_response,
)
from specs.mdoc.cose import _sig_structure  # noqa: E402
from specs.mdoc.device_authentication import device_authentication_bytes  # noqa: E402
from specs.ports import FixedClock, SeededRandom  # noqa: E402

DOC_TYPE = "jp.honnin.withholding_slip.1"
NAMESPACE = "jp.honnin.withholding_slip.1"
ELEMENTS = {
    "year": 2026,
    "recipient_name": "佐藤 花子",
    "recipient_kana": "サトウ ハナコ",
    "recipient_address": "東京都千代田区霞が関1-1-1",
    "birth_date": datetime(1990, 4, 1).date(),
    "payment_amount": 3_600_000,
    "income_after_deduction": 2_480_000,
    "total_deductions": 1_200_000,
    "withheld_tax": 81_200,
    "social_insurance": 520_000,
    "payer_name": "株式会社A",
    "payer_corporate_number": "1234567890123",
}
REQUESTED = ["payment_amount", "withheld_tax", "recipient_name", "birth_date", "year"]


def _batch_rate(operation: Callable[[], object], seconds: float) -> float:
    """Operations per CPU second of this thread over one batch of about ``seconds``."""
    count = 0
    start = time.thread_time()
    deadline = start + seconds
    while True:
        operation()
        count += 1
        now = time.thread_time()
        if now >= deadline:
            return count / (now - start)


def _paired_rates(
    full: Callable[[], object], bare: Callable[[], object], seconds: float, rounds: int
) -> tuple[float, float, float]:
    """Alternate full and bare batches; return (best full rate, best bare rate, median ratio)."""
    full_rates, bare_rates = [], []
    for index in range(rounds):
        # Alternate which side goes first so neither always runs right after the other.
        pair = (full, bare) if index % 2 == 0 else (bare, full)
        first = _batch_rate(pair[0], seconds / (2 * rounds))
        second = _batch_rate(pair[1], seconds / (2 * rounds))
        full_rates.append(first if pair[0] is full else second)
        bare_rates.append(second if pair[0] is full else first)
    ratios = [b / f for f, b in zip(full_rates, bare_rates, strict=True)]
    return max(full_rates), max(bare_rates), statistics.median(ratios)


def run(seconds: float = 20.0) -> dict[str, object]:
    """Run both modes for about ``seconds`` of CPU time each and return the results."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    iaca_signer, ds_signer, device = (SoftwareSigner.generate() for _ in range(3))
    iaca = issue_certificate(
        subject_public_key=iaca_signer.public_key,
        issuer_key=iaca_signer.private_key(),
        issuer=None,
        common_name="bench IACA",
        not_before=start,
        days=3650,
        serial_number=1,
        ca=True,
        path_length=0,
    )
    ds_cert = issue_certificate(
        subject_public_key=ds_signer.public_key,
        issuer_key=iaca_signer.private_key(),
        issuer=iaca,
        common_name="bench DS",
        not_before=start,
        days=730,
        serial_number=2,
    )
    clock = FixedClock(datetime(2026, 7, 1, 9, tzinfo=UTC))
    document = issue(
        doc_type=DOC_TYPE,
        namespaces={NAMESPACE: ELEMENTS},
        device_key=device.public_jwk,
        signer=ds_signer,
        certificate_chain=[ds_cert],
        clock=clock,
        rng=SeededRandom(b"bench"),
    )
    transcript = openid4vp_session_transcript(
        "x509_san_dns:verifier.example.jp", "bench-nonce", "https://verifier.example.jp/response"
    )
    request = parse_items_request({"docType": DOC_TYPE, "nameSpaces": {NAMESPACE: REQUESTED}})
    response = present(
        document, request, session_transcript=transcript, device_signer=device
    ).to_cbor()

    def full() -> object:
        return verify_device_response(
            response, trust_anchors=[iaca], session_transcript=transcript, clock=clock
        )

    anchors = TrustAnchors([iaca])

    def warm() -> object:
        return verify_device_response(
            response, trust_anchors=anchors, session_transcript=transcript, clock=clock
        )

    assert len(full()) == 1  # type: ignore[arg-type]
    assert len(warm()) == 1  # type: ignore[arg-type]

    # The three bare ES256 verifies, on exactly the bytes the full verification checks.
    parsed = decode_device_response(response).documents[0]
    issuer_auth = parsed.issuer_signed.issuer_auth
    device_auth = parsed.device_signed.device_auth  # type: ignore[union-attr]
    device_payload = device_authentication_bytes(
        transcript,
        DOC_TYPE,
        parsed.device_signed.namespaces,  # type: ignore[union-attr]
    )
    checks = [
        (iaca.public_key(), ds_cert.signature, ds_cert.tbs_certificate_bytes),
        (
            ds_cert.public_key(),
            raw_to_der_ecdsa(issuer_auth.tag),
            _sig_structure(issuer_auth.protected_bytes, issuer_auth.payload or b"", b""),
        ),
        (
            device.public_key,
            raw_to_der_ecdsa(device_auth.tag),
            _sig_structure(device_auth.protected_bytes, device_payload, b""),
        ),
    ]
    algorithm = ec.ECDSA(hashes.SHA256())

    def bare() -> None:
        for key, signature, data in checks:
            key.verify(signature, data, algorithm)

    def bare_warm() -> None:
        # With the DS chain already validated, a response needs IssuerAuth and DeviceAuth only.
        for key, signature, data in checks[1:]:
            key.verify(signature, data, algorithm)

    bare()
    floor = mdoc_python_floor(response, ds_cert.public_key(), device.public_key, transcript)
    assert set(floor()) == set(REQUESTED)  # type: ignore[arg-type]
    load_before = os.getloadavg()
    rounds = max(2, min(20, int(seconds)))
    full_rate, bare_rate, cold_median = _paired_rates(full, bare, seconds, rounds)
    warm_rate, bare_warm_rate, warm_median = _paired_rates(warm, bare_warm, seconds, rounds)
    floor_rate, floor_bare_rate, floor_median = _paired_rates(floor, bare_warm, seconds, rounds)
    load_after = os.getloadavg()
    return {
        "benchmark": "mdoc DeviceResponse verification",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "timer": "thread CPU time, full and bare batches alternating",
        "rounds": rounds,
        "load_average": [round(x, 2) for x in (*load_before, *load_after)],
        "response_bytes": len(response),
        "disclosed_elements": len(REQUESTED),
        "target_mode": "warm",
        "cold_mode": "anchors as a plain list: DS certificate parsed and chain validated per call",
        "es256_verifies_per_response": len(checks),
        "verify_per_second": round(full_rate, 1),
        "bare_es256_sets_per_second": round(bare_rate, 1),
        "ratio_vs_bare": round(bare_rate / full_rate, 3),
        "median_round_ratio": round(cold_median, 3),
        "warm_mode": "TrustAnchors that already validated this DS chain (a running verifier)",
        "warm_es256_verifies_per_response": len(checks) - 1,
        "warm_verify_per_second": round(warm_rate, 1),
        "warm_bare_es256_sets_per_second": round(bare_warm_rate, 1),
        "warm_ratio_vs_bare": round(bare_warm_rate / warm_rate, 3),
        "warm_median_round_ratio": round(warm_median, 3),
        "target_ratio": 1.5,
        "python_floor_mode": (
            "a check-free yardstick (decode, hash, Sig_structures, the two verifies; warm keys):"
            " what the machine's Python costs around the two verifies, not a verifier"
        ),
        "python_floor_per_second": round(floor_rate, 1),
        "python_floor_ratio_vs_bare": round(floor_bare_rate / floor_rate, 3),
        "python_floor_median_round_ratio": round(floor_median, 3),
        "warm_ratio_vs_python_floor": round(floor_rate / warm_rate, 3),
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run from the command line, print a summary and write bench/results/mdoc.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument(
        "--seconds", type=float, default=12.0, help="CPU seconds per mode (both sides together)"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "mdoc.json")
    args = parser.parse_args(argv)
    results = run(0.2 if args.quick else args.seconds)
    print(
        f"warm (DS chain already validated, TrustAnchors; target mode): "
        f"{results['warm_verify_per_second']}/s; bare 2x ES256: "
        f"{results['warm_bare_es256_sets_per_second']}/s; ratio {results['warm_ratio_vs_bare']}x "
        f"(median round {results['warm_median_round_ratio']}x; "
        f"target <= {results['target_ratio']}x)"
    )
    print(
        f"cold (chain parsed and validated per call): {results['verify_per_second']}/s; "
        f"bare 3x ES256: {results['bare_es256_sets_per_second']}/s; "
        f"ratio {results['ratio_vs_bare']}x (median round {results['median_round_ratio']}x)"
    )
    print(
        f"python floor (check-free yardstick, warm keys): {results['python_floor_per_second']}/s; "
        f"ratio {results['python_floor_ratio_vs_bare']}x the bare 2x ES256 "
        f"(median round {results['python_floor_median_round_ratio']}x); warm verification is "
        f"{results['warm_ratio_vs_python_floor']}x the floor"
    )
    print(f"load average before/after: {results['load_average']}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


if __name__ == "__main__":
    main()

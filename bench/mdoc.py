"""Benchmark: DeviceResponse verifications per second vs the bare ES256 verifies they need.

One verification of an mdoc DeviceResponse needs three ES256 verifies: the DS certificate
(signed by the IACA), IssuerAuth over the MSO, and DeviceAuth over the session. Both are
timed in the same run; the ratio (full verify / three bare verifies) is what we track.
Run ``python bench/mdoc.py`` (``--quick`` for a smoke run); results go to
``bench/results/mdoc.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
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


def _best_rate(operation: Callable[[], object], seconds: float, rounds: int = 5) -> float:
    """Operations per second: the best of ``rounds`` timed batches (least disturbed by others)."""
    best = 0.0
    for _ in range(rounds):
        count = 0
        start = time.perf_counter()
        deadline = start + seconds / rounds
        while True:
            operation()
            count += 1
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, count / (now - start))
    return best


def run(seconds: float = 20.0) -> dict[str, object]:
    """Run the benchmark for about ``2 * seconds`` and return the results."""
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
    full_rate = _best_rate(full, seconds / 2)
    bare_rate = _best_rate(bare, seconds / 2)
    warm_rate = _best_rate(warm, seconds / 2)
    bare_warm_rate = _best_rate(bare_warm, seconds / 2)
    return {
        "benchmark": "mdoc DeviceResponse verification",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "response_bytes": len(response),
        "disclosed_elements": len(REQUESTED),
        "es256_verifies_per_response": len(checks),
        "verify_per_second": round(full_rate, 1),
        "bare_es256_sets_per_second": round(bare_rate, 1),
        "ratio_vs_bare": round(bare_rate / full_rate, 3),
        "warm_es256_verifies_per_response": len(checks) - 1,
        "warm_verify_per_second": round(warm_rate, 1),
        "warm_bare_es256_sets_per_second": round(bare_warm_rate, 1),
        "warm_ratio_vs_bare": round(bare_warm_rate / warm_rate, 3),
        "target_ratio": 1.5,
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run from the command line, print a summary and write bench/results/mdoc.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--seconds", type=float, default=20.0, help="time per measured side")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "mdoc.json")
    args = parser.parse_args(argv)
    results = run(0.2 if args.quick else args.seconds)
    print(
        f"mdoc verify: {results['verify_per_second']}/s; "
        f"bare 3x ES256: {results['bare_es256_sets_per_second']}/s; "
        f"ratio {results['ratio_vs_bare']}x (target <= {results['target_ratio']}x)"
    )
    print(
        f"with the DS chain already validated (TrustAnchors): "
        f"{results['warm_verify_per_second']}/s; bare 2x ES256: "
        f"{results['warm_bare_es256_sets_per_second']}/s; ratio {results['warm_ratio_vs_bare']}x"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


if __name__ == "__main__":
    main()

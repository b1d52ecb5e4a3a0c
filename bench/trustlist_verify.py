"""Benchmark: trust-list verification and evaluation against the bare signature check.

Builds a list with N issuers and N verifiers, signs it, then times in one run:
the bare ES256 verification of the same signing input (the floor), verify_trust_list
(x5c chain, JWS, JCS re-canonicalisation, schema, model), and one issuer and one verifier
evaluation on the verified list. Prints ratios and writes bench/results/trustlist_verify.json.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from specs.encoding import b64url_decode
from specs.keys.certificates import issue_certificate
from specs.keys.jwk import public_jwk, verify_signature
from specs.keys.software import SoftwareSigner
from specs.trustlist import constants as c
from specs.trustlist import format_time, sign_trust_list, verify_trust_list
from trustlist.evaluation import authorize_issuer, check_request, verifier_permissions

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def corporate_number(n: int) -> str:
    base = f"{n:012d}"
    total = sum(int(d) * (1 if i % 2 else 2) for i, d in enumerate(reversed(base), start=1))
    return str(9 - total % 9) + base


def build(entities: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    history = [{c.STATUS: c.STATUS_GRANTED, c.STATUS_STARTING_TIME: "2026-01-01T00:00:00Z"}]
    keys = [public_jwk(SoftwareSigner.generate().private_key()) for _ in range(entities)]
    doc = {
        c.LIST_AND_SCHEME_INFORMATION: {
            c.VERSION: c.LOTE_VERSION_IDENTIFIER,
            c.SEQUENCE_NUMBER: 1,
            c.TYPE: c.LOTE_TYPE,
            c.OPERATOR_NAME: {"ja": "運営者", "en": "operator"},
            c.TERRITORY: "JP",
            c.POLICY: "https://trust.example.jp/policy",
            c.ISSUE_TIME: format_time(NOW - timedelta(days=1)),
            c.NEXT_UPDATE: format_time(NOW + timedelta(days=30)),
            c.DISTRIBUTION_POINTS: [],
        },
        c.ISSUERS: [
            {
                c.ENTITY_ID: f"issuer-{i}",
                c.LEGAL_NAME: {"ja": f"発行者{i}", "en": f"issuer {i}"},
                c.CORPORATE_NUMBER: corporate_number(i),
                c.DIGITAL_IDENTITY: {c.JWKS: [keys[i]]},
                c.CREDENTIAL_TYPES: ["withholding_slip", "employment"],
                c.STATUS_HISTORY: history,
            }
            for i in range(entities)
        ],
        c.VERIFIERS: [
            {
                c.ENTITY_ID: f"verifier-{i}",
                c.LEGAL_NAME: {"ja": f"検証者{i}", "en": f"verifier {i}"},
                c.CORPORATE_NUMBER: corporate_number(10**6 + i),
                c.CLIENT_ID: f"https://v{i}.example.jp",
                c.ACCESS_CERTIFICATES: [],
                c.INTENDED_USES: [
                    {
                        c.PURPOSE_ID: "year_end_tax_adjustment",
                        c.PURPOSE: {"ja": "年末調整", "en": "year-end tax adjustment"},
                        c.CREDENTIALS: [
                            {
                                c.CREDENTIAL_TYPE: "withholding_slip",
                                c.CLAIMS: [["payment_amount"], ["withheld_tax"]],
                            }
                        ],
                    }
                ],
                c.MY_NUMBER_LEGAL_BASIS: None,
                c.STATUS_HISTORY: history,
            }
            for i in range(entities)
        ],
        c.CARD_CAS: [],
        c.STATUS_LIST_PROVIDERS: [],
    }
    return doc, keys


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and return (and write) its results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny run for tests")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "trustlist_verify.json"
    )
    args = parser.parse_args(argv)
    sizes = [10] if args.quick else [10, 100, 1000]
    repeat = 3 if args.quick else 20
    signer = SoftwareSigner.generate()
    cert = issue_certificate(
        subject_public_key=signer.private_key().public_key(),
        issuer_key=signer.private_key(),
        issuer=None,
        common_name="bench operator",
        not_before=NOW - timedelta(days=1),
        days=30,
        serial_number=1,
    )
    results: dict[str, Any] = {"bench": "trustlist_verify", "sizes": {}}
    for size in sizes:
        doc, keys = build(size)
        token = sign_trust_list(doc, signer, [cert])
        head, payload, sig = token.split(".")
        signing_input = f"{head}.{payload}".encode()
        raw_sig = b64url_decode(sig)
        public = cert.public_key()

        def bare() -> None:
            verify_signature("ES256", public, signing_input, raw_sig)  # noqa: B023

        def full() -> None:
            verify_trust_list(token, [cert], NOW)  # noqa: B023

        tl = verify_trust_list(token, [cert], NOW).trust_list
        key = keys[-1]

        def evaluate() -> None:
            authorize_issuer(tl, credential_type="withholding_slip", at=NOW, jwk=key)  # noqa: B023
            perms = verifier_permissions(
                tl,  # noqa: B023
                purpose_id="year_end_tax_adjustment",
                at=NOW,
                client_id=f"https://v{size - 1}.example.jp",  # noqa: B023
            )
            check_request(perms, {"withholding_slip": [("payment_amount",)]})

        t_bare = timed(bare, repeat * 5)
        t_full = timed(full, max(1, repeat // (1 + size // 200)))
        t_eval = timed(evaluate, repeat * 5)
        row = {
            "bytes": len(token),
            "bare_verify_s": t_bare,
            "verify_trust_list_s": t_full,
            "evaluate_s": t_eval,
            "verify_ratio": t_full / t_bare,
            "evaluate_ratio": t_eval / t_bare,
        }
        results["sizes"][str(size)] = row
        print(
            f"{size:5d} issuers+verifiers, {len(token) / 1024:8.1f} KiB: verify_trust_list "
            f"{t_full * 1000:8.2f} ms = {row['verify_ratio']:7.1f}x bare ES256 verify "
            f"({t_bare * 1e6:.0f} us); issuer+verifier evaluation {row['evaluate_ratio']:.2f}x"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()

"""Benchmark: issuing withholding slips in-process against the bare ES256 signatures they need.

Measures, in one run, on a SQLite file:
- issuance of N slips x batch 4 through ``IssuerService.credential`` (the Credential
  Endpoint without HTTP: 4 proof verifications, nonce and token consumption, 4 random status
  slots stored, 4 SD-JWT VCs signed), and the issuing part alone (slots + SD-JWT VCs);
- the bare operations underneath: 4 ES256 signatures (and 4 verifications) per slip;
- ``honnin issuer import`` of M payroll rows (``import_payroll`` + outputs, no QR files), and
  the time of writing one PNG QR code.
Prints ratios and writes bench/results/issuance.json.

    .venv/bin/python bench/issuance.py [--quick] [--slips N] [--rows M]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from honnin.sample_data import SampleData  # noqa: E402
from issuer.bulk import import_payroll, write_outputs  # noqa: E402
from issuer.qr import write_qr  # noqa: E402
from issuer.service import IssuerDeps, IssuerService  # noqa: E402
from issuer.settings import IssuerSettings  # noqa: E402
from specs.credentials import WITHHOLDING_SLIP_V1  # noqa: E402
from specs.keys import SoftwareSigner, public_key_from_jwk, verify_signature  # noqa: E402
from specs.keys.certificates import issue_certificate  # noqa: E402
from specs.openid4vci import parse_offer_link  # noqa: E402
from specs.openid4vci.wallet import (  # noqa: E402
    build_credential_request,
    build_proofs,
    build_token_request,
)
from specs.ports import FixedClock, SystemRandom  # noqa: E402
from specs.sd_jwt_vc import StatusListReference, issue_sd_jwt_vc  # noqa: E402

URL = "https://issuer.example"
BATCH = 4


def _service(directory: Path, clock: FixedClock) -> IssuerService:
    signer = SoftwareSigner.generate("ES256", kid="bench")
    cert = issue_certificate(
        subject_public_key=signer.public_key,
        issuer_key=signer.private_key(),
        issuer=None,
        common_name="Bench",
        not_before=clock.now(),
        days=30,
        serial_number=1,
        san_uris=[URL],
    )
    settings = IssuerSettings.model_validate(
        {
            "name": {"ja": "ベンチ株式会社", "en": "Bench Corporation"},
            "url": URL,
            "database_url": f"sqlite:///{directory / 'issuer.db'}",
            "signing_key": "unused",
            "certificate_chain": "unused",
            "admin_token_sha256": hashlib.sha256(b"x").hexdigest(),
            "nonce_ttl_seconds": 86_400,
            "access_token_ttl_seconds": 86_400,
            "proof_max_age_seconds": 86_400,
        }
    )
    deps = IssuerDeps(clock=clock, rng=SystemRandom(), signer=signer, certificate_chain=[cert])
    return IssuerService(settings, deps)


def bench_issuance(slips: int, directory: Path) -> dict[str, Any]:
    """Issue ``slips`` x 4 credentials; compare with 4 bare ES256 signatures per slip."""
    clock = FixedClock(datetime(2026, 7, 1, 9, tzinfo=UTC))
    service = _service(directory, clock)
    data = SampleData(7)
    employer = data.employer()
    prepared = []
    for _ in range(slips):  # the wallet's work, outside the measured loop
        claims = WITHHOLDING_SLIP_V1.to_claims(data.withholding_slip(data.person(), employer))
        offer, _ = service.create_offer("withholding-slip", claims)
        parsed = parse_offer_link(offer.offer_uri).offer
        assert parsed is not None
        token = service.token(build_token_request(parsed, tx_code=offer.tx_code)).access_token
        nonce = service.nonce().c_nonce
        signers = [SoftwareSigner.generate("ES256") for _ in range(BATCH)]
        proofs = build_proofs(signers, audience=URL, clock=clock, nonce=nonce)
        body = json.dumps(
            build_credential_request("withholding-slip-sd-jwt", proofs).to_json()
        ).encode()
        prepared.append((token, body))

    start = time.perf_counter()
    for token, body in prepared:
        response = service.credential(token, body)
        assert response.credentials is not None
        assert len(response.credentials) == BATCH
    endpoint = time.perf_counter() - start

    # The issuing part alone: slots stored and SD-JWT VCs signed, no proof checks.
    offer_record = service.repository.offer(
        service.repository.credential(_any_credential(service)).offer_id
    )
    keys = [SoftwareSigner.generate("ES256").public_jwk for _ in range(BATCH)]
    ctype = WITHHOLDING_SLIP_V1
    start = time.perf_counter()
    for _ in range(slips):
        records = service._store_instances(offer_record, keys, None, clock.now())
        claims = ctype.mark_disclosable(offer_record.claims)
        for record, key in zip(records, keys, strict=True):
            issue_sd_jwt_vc(
                claims,
                service.signer,
                vct=ctype.vct,
                vct_integrity=ctype.integrity(),
                clock=clock,
                random=service.rng,
                iss=URL,
                holder_jwk=key,
                expires_in=400 * 86_400,
                status=StatusListReference(record.status_index, service.status_list_uri("1")),
                x5c=service.x5c,
            )
    issuing = time.perf_counter() - start

    signer = service.signer
    public = public_key_from_jwk(signer.public_jwk)
    message = b"x" * 2000
    start = time.perf_counter()
    signatures = [signer.sign(message) for _ in range(slips * BATCH)]
    bare_sign = time.perf_counter() - start
    start = time.perf_counter()
    for signature in signatures:
        verify_signature("ES256", public, message, signature)
    bare_verify = time.perf_counter() - start
    service.close()
    credentials = slips * BATCH
    return {
        "slips": slips,
        "batch": BATCH,
        "credentials": credentials,
        "credential_endpoint_seconds": endpoint,
        "credential_endpoint_per_second": credentials / endpoint,
        "issuing_seconds": issuing,
        "issuing_per_second": credentials / issuing,
        "bare_es256_sign_seconds": bare_sign,
        "bare_es256_verify_seconds": bare_verify,
        "ratio_issuing_to_bare_sign": issuing / bare_sign,
        "ratio_endpoint_to_bare_sign": endpoint / bare_sign,
        "ratio_endpoint_to_bare_sign_plus_verify": endpoint / (bare_sign + bare_verify),
    }


def _any_credential(service: IssuerService) -> str:
    with service.engine.connect() as conn:
        value = conn.exec_driver_sql("select id from issuer_credentials limit 1").scalar()
    return str(value)


def bench_import(rows: int, directory: Path) -> dict[str, Any]:
    """Time ``import_payroll`` plus its outputs for ``rows`` payroll rows (QR files apart)."""
    clock = FixedClock(datetime(2026, 7, 1, 9, tzinfo=UTC))
    service = _service(directory, clock)
    start = time.perf_counter()
    csv_bytes = SampleData(11).payroll_csv(rows).encode("utf-8")
    generate = time.perf_counter() - start
    start = time.perf_counter()
    report = import_payroll(service, csv_bytes)
    write_outputs(
        service, report, offers_dir=directory / "offers", tx_codes_dir=directory / "tx", qr=None
    )
    elapsed = time.perf_counter() - start
    assert len(report.created) == rows, report.summary()
    start = time.perf_counter()
    again = import_payroll(service, csv_bytes)
    rerun = time.perf_counter() - start
    assert len(again.created) == 0
    link = report.created[0].offer.offer_uri
    start = time.perf_counter()
    qr_count = 20
    for i in range(qr_count):
        write_qr(link, directory / f"qr-{i}.png")
    qr_each = (time.perf_counter() - start) / qr_count
    service.close()
    return {
        "rows": rows,
        "csv_generation_seconds": generate,
        "import_seconds": elapsed,
        "import_rows_per_second": rows / elapsed,
        "rerun_seconds_no_duplicates": rerun,
        "png_qr_seconds_each": qr_each,
        "import_with_png_qr_estimate_seconds": elapsed + qr_each * rows,
    }


def main() -> None:
    """Run the benchmark and write bench/results/issuance.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny run (tests)")
    parser.add_argument("--slips", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "issuance.json")
    args = parser.parse_args()
    slips, rows = (10, 50) if args.quick else (args.slips, args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        issuance = bench_issuance(slips, Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        imported = bench_import(rows, Path(tmp))
    result = {"issuance": issuance, "import": imported, "quick": args.quick}
    print(
        f"issuance: {issuance['credentials']} credentials ({slips} slips x {BATCH}); "
        f"credential endpoint {issuance['credential_endpoint_per_second']:.0f}/s, "
        f"issuing {issuance['issuing_per_second']:.0f}/s; "
        f"issuing / bare ES256 sign = {issuance['ratio_issuing_to_bare_sign']:.2f}x, "
        f"endpoint / bare sign = {issuance['ratio_endpoint_to_bare_sign']:.2f}x, "
        f"endpoint / bare sign+verify = "
        f"{issuance['ratio_endpoint_to_bare_sign_plus_verify']:.2f}x"
    )
    print(
        f"import: {rows} rows in {imported['import_seconds']:.1f} s "
        f"({imported['import_rows_per_second']:.0f} rows/s), rerun "
        f"{imported['rerun_seconds_no_duplicates']:.1f} s; PNG QR "
        f"{imported['png_qr_seconds_each'] * 1000:.1f} ms each"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

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
import base64
import hashlib
import json
import os
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
from specs.jose import sign_compact  # noqa: E402
from specs.keys import SoftwareSigner, public_key_from_jwk, verify_signature  # noqa: E402
from specs.keys.certificates import issue_certificate  # noqa: E402
from specs.openid4vci import parse_offer_link  # noqa: E402
from specs.openid4vci.wallet import (  # noqa: E402
    build_credential_request,
    build_proofs,
    build_token_request,
)
from specs.ports import FixedClock, SystemRandom  # noqa: E402
from specs.sd_jwt_vc import StatusListReference  # noqa: E402

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


def _min(values: list[float]) -> float:
    return min(values)


def _floor_disclosures(disclosures: list[list[str]]) -> float:
    """Time the bare disclosure work (salt, JSON, base64url, SHA-256, base64url) by hand."""
    items = []
    for encoded in disclosures:
        for text in encoded:
            content = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            items.append(content[1:])
    start = time.perf_counter()
    for rest in items:
        salt = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode("ascii")
        enc = base64.urlsafe_b64encode(json.dumps([salt, *rest]).encode()).rstrip(b"=")
        base64.urlsafe_b64encode(hashlib.sha256(enc).digest()).rstrip(b"=")
    return time.perf_counter() - start


def bench_issuance(slips: int, directory: Path, repeats: int) -> dict[str, Any]:
    """Issue ``slips`` x 4 credentials; compare with 4 bare ES256 signatures per slip."""
    clock = FixedClock(datetime(2026, 7, 1, 9, tzinfo=UTC))
    service = _service(directory, clock)
    data = SampleData(7)
    employer = data.employer()
    prepared = []
    offer_ids = []
    for _ in range(slips):  # the wallet's work, outside the measured loop
        claims = WITHHOLDING_SLIP_V1.to_claims(data.withholding_slip(data.person(), employer))
        offer, _ = service.create_offer("withholding-slip", claims)
        offer_ids.append(offer.offer_id)
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

    # The issuing part alone, exactly as the endpoint runs it after the request checks:
    # claims compiled once per offer, status slots + one durable transaction per batch,
    # one SD-JWT VC (fresh salts, own digests, own signature) per holder key.
    offers = [service.repository.offer(offer_id) for offer_id in offer_ids]
    keys = [SoftwareSigner.generate("ES256").public_jwk for _ in range(BATCH)]
    now = clock.now()
    issuing_wall: list[float] = []
    issuing_cpu: list[float] = []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        for offer in offers:
            issued = service.issue_batch(offer, keys, now=now)
        issuing_wall.append(time.perf_counter() - start)
        issuing_cpu.append(time.process_time() - cpu)
    assert len(issued) == BATCH

    # Where the time goes: the same steps, one phase at a time.
    phases = dict.fromkeys(
        ("claims_preparation", "status_allocation", "db_write", "disclosures_payload", "jws"),
        0.0,
    )
    samples: list[list[str]] = []
    perf = time.perf_counter
    for offer in offers:
        t0 = perf()
        template = service.prepare(offer)
        t1 = perf()
        list_id, picked = service._allocate_slots(BATCH, now)
        records = service._instance_records(offer, keys, list_id, picked, None, now)
        t2 = perf()
        assert service.repository.add_credentials(records)
        t3 = perf()
        rendered = [
            template.render(
                clock=clock,
                random=service.rng,
                holder_jwk=key,
                status=StatusListReference(record.status_index, service.status_list_uri("1")),
            )
            for record, key in zip(records, keys, strict=True)
        ]
        t4 = perf()
        for payload, _ in rendered:
            sign_compact(payload, service.signer, header=template.header, typ="dc+sd-jwt")
        t5 = perf()
        phases["claims_preparation"] += t1 - t0
        phases["status_allocation"] += t2 - t1
        phases["db_write"] += t3 - t2
        phases["disclosures_payload"] += t4 - t3
        phases["jws"] += t5 - t4
        samples.extend(disclosures for _, disclosures in rendered)
    disclosures_per_credential = sum(len(d) for d in samples) / len(samples)

    signer = service.signer
    public = public_key_from_jwk(signer.public_jwk)
    message = b"x" * 2000
    sign_wall: list[float] = []
    sign_cpu: list[float] = []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        signatures = [signer.sign(message) for _ in range(slips * BATCH)]
        sign_wall.append(time.perf_counter() - start)
        sign_cpu.append(time.process_time() - cpu)
    bare_sign = _min(sign_wall)
    start = time.perf_counter()
    for signature in signatures:
        verify_signature("ES256", public, message, signature)
    bare_verify = time.perf_counter() - start
    floor_disclosures = _min([_floor_disclosures(samples) for _ in range(repeats)])
    service.close()
    credentials = slips * BATCH
    issuing = _min(issuing_wall)
    per_credential_us = {k: v / credentials * 1e6 for k, v in phases.items()}
    return {
        "slips": slips,
        "batch": BATCH,
        "credentials": credentials,
        "repeats": repeats,
        "credential_endpoint_seconds": endpoint,
        "credential_endpoint_per_second": credentials / endpoint,
        "issuing_seconds": issuing,
        "issuing_seconds_each_repeat": issuing_wall,
        "issuing_cpu_seconds_each_repeat": issuing_cpu,
        "issuing_per_second": credentials / issuing,
        "bare_es256_sign_seconds": bare_sign,
        "bare_es256_sign_seconds_each_repeat": sign_wall,
        "bare_es256_sign_cpu_seconds": _min(sign_cpu),
        "bare_es256_verify_seconds": bare_verify,
        "ratio_issuing_to_bare_sign": issuing / bare_sign,
        "ratio_issuing_cpu_to_bare_sign_cpu": _min(issuing_cpu) / _min(sign_cpu),
        "ratio_endpoint_to_bare_sign": endpoint / bare_sign,
        "ratio_endpoint_to_bare_sign_plus_verify": endpoint / (bare_sign + bare_verify),
        "disclosures_per_credential": disclosures_per_credential,
        "breakdown_seconds": phases,
        "breakdown_us_per_credential": per_credential_us,
        "bare_es256_sign_us_per_credential": bare_sign / credentials * 1e6,
        "floor_disclosures_by_hand_us_per_credential": floor_disclosures / credentials * 1e6,
        "ratio_floor_sign_plus_disclosures_to_bare_sign": (bare_sign + floor_disclosures)
        / bare_sign,
        # The same steps as issuing, timed phase by phase, leaving out the durable commit.
        "ratio_phases_without_db_write_to_bare_sign": (
            sum(v for k, v in phases.items() if k != "db_write") / bare_sign
        ),
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
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "issuance.json")
    args = parser.parse_args()
    slips, rows = (10, 50) if args.quick else (args.slips, args.rows)
    repeats = 1 if args.quick else args.repeats
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        issuance = bench_issuance(slips, Path(tmp), repeats)
    with tempfile.TemporaryDirectory() as tmp:
        imported = bench_import(rows, Path(tmp))
    result = {
        "issuance": issuance,
        "import": imported,
        "quick": args.quick,
        "load_average": {"before": list(load_before), "after": list(os.getloadavg())},
        "cpus": os.cpu_count(),
    }
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
    us = issuance["breakdown_us_per_credential"]
    print(
        f"per credential ({issuance['disclosures_per_credential']:.0f} disclosures): "
        f"bare ES256 sign {issuance['bare_es256_sign_us_per_credential']:.0f} us; "
        + ", ".join(f"{name} {value:.0f} us" for name, value in us.items())
        + f"; disclosures by hand (floor) "
        f"{issuance['floor_disclosures_by_hand_us_per_credential']:.0f} us"
    )
    print(
        f"floor (bare sign + disclosures by hand) / bare sign = "
        f"{issuance['ratio_floor_sign_plus_disclosures_to_bare_sign']:.2f}x; "
        f"all phases but the durable DB write / bare sign = "
        f"{issuance['ratio_phases_without_db_write_to_bare_sign']:.2f}x; "
        f"CPU time issuing / bare sign = {issuance['ratio_issuing_cpu_to_bare_sign_cpu']:.2f}x; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

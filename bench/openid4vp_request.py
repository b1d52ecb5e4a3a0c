"""Benchmark: the wallet's Request Object verification and the verifier's response decryption.

In one run it times the bare operations underneath (one ES256 signature check, one
certificate signature check, one ECDH-ES + A128GCM decryption with jwcrypto) and honnin's
``verify_request_object`` (header rules, x5c chain to the anchor, signature, client_id
prefix and response_uri rules, request and DCQL validation) and ``parse_response_form``
for a ``direct_post.jwt`` response (header rules, decryption, vp_token parsing). Prints the
ratios and writes ``bench/results/openid4vp_request.json``.

    .venv/bin/python bench/openid4vp_request.py [--quick] [--output PATH]
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

from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jwcrypto import jwe as jc_jwe  # noqa: E402
from jwcrypto import jwk as jc_jwk  # noqa: E402

from specs.dcql import parse_dcql_query  # noqa: E402
from specs.jose.jwe import encrypt_compact  # noqa: E402
from specs.keys import SoftwareSigner  # noqa: E402
from specs.keys.certificates import issue_certificate  # noqa: E402
from specs.keys.jwk import raw_to_der_ecdsa, strip_private  # noqa: E402
from specs.openid4vp import (  # noqa: E402
    AuthorizationRequest,
    ClientMetadata,
    parse_response_form,
    sign_request_object,
    verify_request_object,
)
from specs.ports import FixedClock  # noqa: E402

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
DNS = "verifier.example.jp"


def _time(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(repeat: int) -> dict[str, object]:
    """Build a PKI, a request and a response, then time each operation."""
    clock = FixedClock(NOW)
    ca = SoftwareSigner.generate("ES256")
    anchor = issue_certificate(
        subject_public_key=ca.public_key,
        issuer_key=ca.private_key(),
        issuer=None,
        common_name="bench CA",
        not_before=datetime(2026, 1, 1, tzinfo=UTC),
        days=3650,
        serial_number=1,
        ca=True,
        path_length=0,
    )
    signer = SoftwareSigner.generate("ES256")
    leaf = issue_certificate(
        subject_public_key=signer.public_key,
        issuer_key=ca.private_key(),
        issuer=anchor,
        common_name="bench verifier",
        not_before=datetime(2026, 1, 1, tzinfo=UTC),
        days=365,
        serial_number=2,
        san_dns=[DNS],
    )
    enc_key = json.loads(jc_jwk.JWK.generate(kty="EC", crv="P-256").export_private())
    enc_key.update(kid="e1", alg="ECDH-ES", use="enc")
    query = parse_dcql_query(
        {
            "credentials": [
                {
                    "id": "slip",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": ["urn:honnin:withholding-slip"]},
                    "claims": [
                        {"path": [name]}
                        for name in ("year", "payment_amount", "withheld_tax", "payer_name")
                    ],
                }
            ]
        }
    )
    request = AuthorizationRequest(
        client_id=f"x509_san_dns:{DNS}",
        response_uri=f"https://{DNS}/response",
        nonce="n" * 22,
        state="s" * 22,
        dcql_query=query,
        client_metadata=ClientMetadata(
            jwks=(strip_private(enc_key),), vp_formats_supported={"dc+sd-jwt": {}}
        ),
    )
    token = sign_request_object(request, signer, [leaf], clock=clock)
    signing_input, _, signature_b64 = token.rpartition(".")
    from specs.encoding import b64url_decode

    der = raw_to_der_ecdsa(b64url_decode(signature_b64))
    public = signer.public_key
    payload = {"vp_token": {"slip": ["x" * 1500]}, "state": "s" * 22}
    response = encrypt_compact(payload, strip_private(enc_key))
    jc_key = jc_jwk.JWK(**enc_key)

    def bare_signature() -> None:
        public.verify(der, signing_input.encode(), ec.ECDSA(signer._alg.hash()))

    def bare_chain() -> None:
        leaf.verify_directly_issued_by(anchor)

    def bare_decrypt() -> None:
        jwe = jc_jwe.JWE()
        jwe.deserialize(response, jc_key)

    def honnin_request() -> None:
        verify_request_object(token, anchors=[anchor], clock=clock)

    def honnin_response() -> None:
        parse_response_form({"response": response}, decryption_keys=enc_key)

    t = {
        "bare_es256_verify": _time(bare_signature, repeat),
        "bare_certificate_verify": _time(bare_chain, repeat),
        "bare_jwe_decrypt": _time(bare_decrypt, repeat),
        "verify_request_object": _time(honnin_request, repeat),
        "parse_encrypted_response": _time(honnin_response, repeat),
    }
    floor_request = t["bare_es256_verify"] + t["bare_certificate_verify"]
    return {
        "python": platform.python_version(),
        "repeat": repeat,
        "seconds_median": t,
        "per_second": {k: round(1 / v, 1) for k, v in t.items()},
        "ratio_request_vs_bare_signatures": round(t["verify_request_object"] / floor_request, 2),
        "ratio_response_vs_bare_decrypt": round(
            t["parse_encrypted_response"] / t["bare_jwe_decrypt"], 2
        ),
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run the benchmark, print a summary and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few iterations only (for tests)")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "results" / "openid4vp_request.json"
    )
    args = parser.parse_args(argv)
    result = run(5 if args.quick else 300)
    for name, per_second in result["per_second"].items():  # type: ignore[attr-defined]
        print(f"{name:28s} {per_second:>10.1f} /s")
    print(
        f"verify_request_object / (ES256 + certificate check): {result['ratio_request_vs_bare_signatures']}x"
    )
    print(
        f"encrypted response / bare jwcrypto decrypt:         {result['ratio_response_vs_bare_decrypt']}x"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()

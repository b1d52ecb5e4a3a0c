"""01: Issue a withholding slip (給与所得の源泉徴収票) as an SD-JWT VC bound to the holder's key.

Employer A turns one payroll row into the typed claims of the withholding-slip credential
type, marks every item selectively disclosable (except issuer, year and type), and signs an
SD-JWT VC for the wallet's key. Run: ``.venv/bin/python examples/01_issue_a_slip.py [OUT]``
(OUT: write the credential and both keys as JSON, for example 02).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from honnin.sample_data import SampleData
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.encoding import b64url_decode, parse_json_object
from specs.keys import SoftwareSigner, thumbprint
from specs.ports import SystemClock, SystemRandom
from specs.sd_jwt import parse
from specs.sd_jwt_vc import StaticIssuerKey, issue_sd_jwt_vc, verify_sd_jwt_vc

EMPLOYER_A = "https://employer-a.example"


def main() -> None:
    """Issue one slip, check it verifies, print what it holds."""
    clock, random = SystemClock(), SystemRandom()
    sample = SampleData(seed=8)
    employer = sample.employer()
    person = sample.person()

    # 1. The payroll data, as the credential type's dataclass; validate() runs every rule
    #    (check digits, amounts, era year, dates) and raises ValidationError on the first bad one.
    slip = WITHHOLDING_SLIP_V1.validate(
        sample.withholding_slip(person, employer, tax_year=2026, leave_date=date(2026, 6, 30))
    )
    claims = WITHHOLDING_SLIP_V1.mark_disclosable(WITHHOLDING_SLIP_V1.to_claims(slip))

    # 2. Keys: the issuer's signing key; the wallet's key (only its public JWK reaches A).
    issuer_key = SoftwareSigner.generate("ES256")
    issuer_key = SoftwareSigner(
        issuer_key.private_key(), "ES256", thumbprint(issuer_key.public_jwk)
    )
    holder_key = SoftwareSigner.generate("ES256")

    # 3. Sign: typ dc+sd-jwt, vct with its integrity, cnf = the holder key, one year of validity.
    credential = issue_sd_jwt_vc(
        claims,
        issuer_key,
        vct=WITHHOLDING_SLIP_V1.vct,
        vct_integrity=WITHHOLDING_SLIP_V1.integrity(),
        iss=EMPLOYER_A,
        clock=clock,
        random=random,
        holder_jwk=holder_key.public_jwk,
        expires_in=400 * 86400,
        kid=issuer_key.kid,
        decoys=3,
    )

    # 4. Check our own output the way a verifier would (raises a HonninError on any problem).
    verified = verify_sd_jwt_vc(
        credential, issuer_keys=StaticIssuerKey(issuer_key.public_jwk, iss=EMPLOYER_A), clock=clock
    )
    disclosures = parse(credential).disclosures
    print(f"issued {verified.vct} to {person.name} by {employer.name}")
    print(f"SD-JWT VC: {len(credential)} characters, {len(disclosures)} disclosures")
    # What anyone holding the credential sees without a disclosure: the issuer-signed payload.
    signed = parse_json_object(b64url_decode(parse(credential).issuer_jwt.split(".")[1]))
    # payer and recipient stay as objects; their members are disclosed one by one.
    print(f"issuer-signed members: {sorted(k for k in signed if not k.startswith('_sd'))}")
    if len(sys.argv) > 1:
        out = Path(sys.argv[1])
        out.write_text(
            json.dumps(
                {
                    "credential": credential,
                    "issuer_private_jwk": issuer_key.export_private_jwk(),
                    "holder_private_jwk": holder_key.export_private_jwk(),
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        print(f"wrote {out}")


if __name__ == "__main__":
    main()

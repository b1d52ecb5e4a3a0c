"""03: Build and sign a trust list, verify it as a client would, and ask it questions.

The trust-list operator registers employer A as an issuer of withholding slips, employer B
as a verifier that may ask for five slip items for the year-end adjustment (年末調整), and
the (test) JPKI card CA. The list is signed with the operator's key (JWS over the RFC 8785
canonical form); clients pin the operator certificate. Run:
``.venv/bin/python examples/03_build_a_trust_list.py``. The ``honnin trustlist`` commands do
the same from files (see docs/getting-started.md).
"""

from __future__ import annotations

from datetime import timedelta

from honnin.sample_data import SampleData
from honnin.testcard import JpkiTestCa
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.errors import PolicyViolation, UntrustedVerifier
from specs.keys import SoftwareSigner
from specs.keys.certificates import issue_certificate
from specs.keys.x509 import encode_x5c
from specs.ports import SystemClock
from specs.trustlist import constants as c
from specs.trustlist import format_time, sign_trust_list, verify_trust_list
from trustlist.evaluation import authorize_issuer, check_request, verifier_permissions

SLIP = WITHHOLDING_SLIP_V1.vct
B_CLIENT_ID = "redirect_uri:https://employer-b.example/hr/response"
YEAR_END = "year-end-adjustment"
B_MAY_ASK = [
    ["recipient", "name"],
    ["payment_amount"],
    ["income_after_deduction"],
    ["social_insurance_premiums"],
    ["withheld_tax"],
]


def main() -> None:
    """Build, sign, verify and evaluate a trust list."""
    now = SystemClock().now().replace(microsecond=0)
    sample = SampleData(seed=3)
    employer_a, employer_b = sample.employer(), sample.employer()

    # The operator's key and self-signed certificate (the anchor clients pin).
    operator = SoftwareSigner.generate("ES256")
    anchor = issue_certificate(
        subject_public_key=operator.private_key().public_key(),
        issuer_key=operator.private_key(),
        issuer=None,
        common_name="honnin example trust list operator",
        not_before=now - timedelta(minutes=5),
        days=365,
        serial_number=1,
    )
    issuer_key = SoftwareSigner.generate("ES256")  # employer A's credential-signing key
    card_ca = JpkiTestCa.create(now)  # stands in for J-LIS's user-authentication CA
    granted = [{c.STATUS: c.STATUS_GRANTED, c.STATUS_STARTING_TIME: format_time(now)}]

    document = {
        c.LIST_AND_SCHEME_INFORMATION: {
            c.VERSION: c.LOTE_VERSION_IDENTIFIER,
            c.SEQUENCE_NUMBER: 1,
            c.TYPE: c.LOTE_TYPE,
            c.OPERATOR_NAME: {"ja": "本人トラストリスト(例)", "en": "honnin example list"},
            c.TERRITORY: "JP",
            c.POLICY: "https://trust.example/policy",
            c.ISSUE_TIME: format_time(now),
            c.NEXT_UPDATE: format_time(now + timedelta(days=30)),
            c.DISTRIBUTION_POINTS: ["https://trust.example/trustlist.jws"],
        },
        c.ISSUERS: [
            {
                c.ENTITY_ID: "employer-a",
                c.LEGAL_NAME: {"ja": employer_a.name, "en": "Employer A"},
                c.CORPORATE_NUMBER: employer_a.corporate_number,
                c.DIGITAL_IDENTITY: {c.JWKS: [issuer_key.public_jwk]},
                c.CREDENTIAL_TYPES: [SLIP],
                c.STATUS_HISTORY: granted,
            }
        ],
        c.VERIFIERS: [
            {
                c.ENTITY_ID: "employer-b",
                c.LEGAL_NAME: {"ja": employer_b.name, "en": "Employer B"},
                c.CORPORATE_NUMBER: employer_b.corporate_number,
                c.CLIENT_ID: B_CLIENT_ID,
                c.ACCESS_CERTIFICATES: [],
                c.INTENDED_USES: [
                    {
                        c.PURPOSE_ID: YEAR_END,
                        c.PURPOSE: {"ja": "年末調整", "en": "year-end tax adjustment"},
                        c.CREDENTIALS: [{c.CREDENTIAL_TYPE: SLIP, c.CLAIMS: B_MAY_ASK}],
                    }
                ],
                # No legal basis: the wallet never gives B a My Number (個人番号).
                c.MY_NUMBER_LEGAL_BASIS: None,
                c.STATUS_HISTORY: granted,
            }
        ],
        c.CARD_CAS: [
            {
                c.ENTITY_ID: "jpki-test",
                c.NAME: {"ja": "JPKI テスト認証局", "en": "JPKI test CA"},
                c.X509_CERTIFICATES: encode_x5c([card_ca.certificate]),
                c.CRL_DISTRIBUTION_POINTS: ["https://crl.jpki-test.example/user-auth.crl"],
                c.STATUS_HISTORY: granted,
            }
        ],
        c.STATUS_LIST_PROVIDERS: [],
    }

    # Sign (the document is schema-checked and its corporate numbers' check digits verified).
    token = sign_trust_list(document, operator, [anchor])
    print(f"signed trust list: {len(token)} characters, typ {c.TRUST_LIST_TYP}")

    # A client (wallet or verifier) verifies it against the pinned operator certificate.
    trust_list = verify_trust_list(token, [anchor], now).trust_list
    print(
        f"verified list {trust_list.sequence_number}, next update {trust_list.scheme.next_update}"
    )

    # Questions the roles ask: may this key issue slips? What may B ask for, and why?
    decision = authorize_issuer(trust_list, credential_type=SLIP, at=now, jwk=issuer_key.public_jwk)
    print(f"issuer key belongs to {decision.issuer.entity_id}, allowed to issue the slip")
    permissions = verifier_permissions(
        trust_list, purpose_id=YEAR_END, at=now, client_id=B_CLIENT_ID
    )
    check_request(permissions, {SLIP: [("payment_amount",), ("withheld_tax",)]})
    print(f"{permissions.verifier.entity_id} may ask for {len(B_MAY_ASK)} items for {YEAR_END}")

    # ...and the answers that are "no".
    try:
        check_request(permissions, {SLIP: [("recipient", "my_number")]})
    except PolicyViolation as exc:
        print(f"refused: {exc.detail} [{exc.code}]")
    else:
        raise SystemExit("a My Number request without legal basis must be refused")
    try:
        verifier_permissions(trust_list, purpose_id=YEAR_END, at=now, client_id="https://x.example")
    except UntrustedVerifier as exc:
        print(f"refused: {exc.detail} [{exc.code}]")
    else:
        raise SystemExit("an unregistered verifier must be refused")


if __name__ == "__main__":
    main()

"""02: Verify a presentation of a withholding slip, with the issuer's key from the trust list.

Employer B receives an SD-JWT VC presentation with a Key Binding JWT. It checks, in order:
the issuer-signed JWT with a key the trust list gives to an issuer registered for this
credential type, every disclosure's digest, validity times, the holder's key-binding
signature over B's audience and fresh nonce, and that only the items B asked for arrived.
Run: ``.venv/bin/python examples/02_verify_a_presentation.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from honnin.sample_data import SampleData
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.errors import HonninError, UntrustedIssuer
from specs.keys import SoftwareSigner, public_key_from_jwk, thumbprint
from specs.keys.certificates import issue_certificate
from specs.ports import SystemClock, SystemRandom
from specs.sd_jwt import KeyBindingCheck, present
from specs.sd_jwt_vc import issue_sd_jwt_vc, verify_sd_jwt_vc
from specs.trustlist import TrustList, format_time, sign_trust_list, verify_trust_list
from specs.trustlist import constants as c
from trustlist.evaluation import authorize_issuer

SLIP = WITHHOLDING_SLIP_V1.vct
EMPLOYER_A = "https://employer-a.example"
EMPLOYER_B = "redirect_uri:https://employer-b.example/hr/response"
ASKED = [("recipient", "name"), ("payment_amount",), ("withheld_tax",)]


class TrustListIssuerKeys:
    """Resolve the issuer key by ``kid`` (its JWK thumbprint) among the trust list's issuers."""

    def __init__(self, trust_list: TrustList) -> None:
        self._list = trust_list

    def resolve(self, header: Mapping[str, Any], payload: Mapping[str, Any], at: datetime) -> Any:
        """Return the key of an issuer registered for the presented ``vct``, or raise."""
        for issuer in self._list.issuers:
            for jwk in issuer.identity.jwks:
                if thumbprint(dict(jwk)) == header.get("kid"):
                    authorize_issuer(self._list, credential_type=payload["vct"], at=at, jwk=jwk)
                    return public_key_from_jwk(dict(jwk))
        raise UntrustedIssuer("the credential's signing key is in no registered issuer's entry")


def signed_trust_list(now: datetime, issuer_jwk: dict[str, Any]) -> tuple[str, Any]:
    """A one-issuer trust list signed by a fresh operator; return it and the operator anchor."""
    operator = SoftwareSigner.generate("ES256")
    anchor = issue_certificate(
        subject_public_key=operator.private_key().public_key(),
        issuer_key=operator.private_key(),
        issuer=None,
        common_name="example operator",
        not_before=now - timedelta(minutes=5),
        days=30,
        serial_number=2,
    )
    granted = [{c.STATUS: c.STATUS_GRANTED, c.STATUS_STARTING_TIME: format_time(now)}]
    document = {
        c.LIST_AND_SCHEME_INFORMATION: {
            c.VERSION: c.LOTE_VERSION_IDENTIFIER,
            c.SEQUENCE_NUMBER: 1,
            c.TYPE: c.LOTE_TYPE,
            c.OPERATOR_NAME: {"ja": "例", "en": "example"},
            c.TERRITORY: "JP",
            c.POLICY: "https://trust.example/policy",
            c.ISSUE_TIME: format_time(now),
            c.NEXT_UPDATE: format_time(now + timedelta(days=7)),
            c.DISTRIBUTION_POINTS: [],
        },
        c.ISSUERS: [
            {
                c.ENTITY_ID: "employer-a",
                c.LEGAL_NAME: {"ja": "株式会社エー", "en": "A Corporation"},
                c.CORPORATE_NUMBER: SampleData(seed=2).corporate_number(),
                c.DIGITAL_IDENTITY: {c.JWKS: [issuer_jwk]},
                c.CREDENTIAL_TYPES: [SLIP],
                c.STATUS_HISTORY: granted,
            }
        ],
        c.VERIFIERS: [],
        c.CARD_CAS: [],
        c.STATUS_LIST_PROVIDERS: [],
    }
    return sign_trust_list(document, operator, [anchor]), anchor


def main() -> None:
    """Issue, present three items, verify; then show three presentations that are refused."""
    clock, random = SystemClock(), SystemRandom()
    now = clock.now().replace(microsecond=0)
    a_key = SoftwareSigner.generate("ES256")
    a_key = SoftwareSigner(a_key.private_key(), "ES256", thumbprint(a_key.public_jwk))
    holder = SoftwareSigner.generate("ES256")
    token, anchor = signed_trust_list(now, a_key.public_jwk)

    sample = SampleData(seed=12)
    slip = sample.withholding_slip(sample.person(), sample.employer(), leave_date=date(2026, 6, 30))
    credential = issue_sd_jwt_vc(
        WITHHOLDING_SLIP_V1.mark_disclosable(WITHHOLDING_SLIP_V1.to_claims(slip)),
        a_key,
        vct=SLIP,
        iss=EMPLOYER_A,
        clock=clock,
        random=random,
        holder_jwk=holder.public_jwk,
        expires_in=400 * 86400,
        kid=a_key.kid,
    )

    # B's request carried a fresh nonce; the wallet answers with only the asked-for items.
    nonce = random.bytes(16).hex()
    presentation = present(
        credential, ASKED, holder_signer=holder, aud=EMPLOYER_B, nonce=nonce, clock=clock
    )

    # B verifies the trust list against its pinned anchor, then the presentation.
    trust_list = verify_trust_list(token, [anchor], now).trust_list
    keys = TrustListIssuerKeys(trust_list)
    result = verify_sd_jwt_vc(
        presentation,
        issuer_keys=keys,
        clock=clock,
        key_binding=KeyBindingCheck(aud=EMPLOYER_B, nonce=nonce),
        accepted_vcts=[SLIP],
    )
    disclosed = sorted("/".join(map(str, p)) for p in result.disclosed)
    print(f"verified {result.vct} from {result.iss}")
    print(f"disclosed: {', '.join(disclosed)}")
    leaked = [p for p in result.disclosed if not any(p[: len(a)] == a for a in ASKED)]
    if leaked:
        raise SystemExit(f"received items B did not ask for: {leaked}")
    print(
        f"payment {result.payload['payment_amount']} yen, tax {result.payload['withheld_tax']} yen"
    )

    rogue = issue_sd_jwt_vc(
        {"withheld_tax": 0},
        SoftwareSigner.generate("ES256", kid="rogue"),
        vct=SLIP,
        iss=EMPLOYER_A,
        clock=clock,
        random=random,
        holder_jwk=holder.public_jwk,
    )
    refusals = [
        ("replayed to another transaction", presentation, EMPLOYER_B, "other-nonce"),
        ("meant for another verifier", presentation, "https://employer-c.example", nonce),
        (
            "signed by an unregistered key",
            present(rogue, [], holder_signer=holder, aud=EMPLOYER_B, nonce=nonce, clock=clock),
            EMPLOYER_B,
            nonce,
        ),
    ]
    for what, shown, aud, expected_nonce in refusals:
        try:
            verify_sd_jwt_vc(
                shown,
                issuer_keys=keys,
                clock=clock,
                key_binding=KeyBindingCheck(aud=aud, nonce=expected_nonce),
            )
        except HonninError as exc:
            print(f"refused ({what}): {type(exc).__name__} [{exc.code}]")
        else:
            raise SystemExit(f"a presentation {what} must be refused")


if __name__ == "__main__":
    main()

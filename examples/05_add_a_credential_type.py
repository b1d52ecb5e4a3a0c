"""05: Add a new credential type: a childcare worker registration (保育士登録証).

A credential type is ONE annotated frozen dataclass: each field says its value rule, its
Japanese and English label and whether it is selectively disclosable. ``CredentialType``
derives from it the JSON Schema, the SD-JWT VC Type Metadata (ja-JP/en-US), validation with
claim paths, and the selective-disclosure marking used at issuance. Run:
``.venv/bin/python examples/05_add_a_credential_type.py``. To ship a type with honnin, put
it in ``specs/credentials/`` and register it in ``specs/credentials/registry.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from specs.credentials import Claim, CredentialType
from specs.credentials.claims import BirthDate, Name
from specs.credentials.constants import SD_NEVER
from specs.credentials.values import Date, Pattern, Text
from specs.errors import ValidationError
from specs.keys import SoftwareSigner
from specs.ports import SystemClock, SystemRandom
from specs.sd_jwt import KeyBindingCheck, present
from specs.sd_jwt_vc import StaticIssuerKey, issue_sd_jwt_vc, verify_sd_jwt_vc

REGISTRATION_NUMBER = Pattern("[A-Z]{2}[0-9]{6}", "two capital letters then six digits")


@dataclass(frozen=True, slots=True)
class ChildcareWorkerRegistration:
    """保育士登録証: the person is registered as a childcare worker (保育士)."""

    registration_number: Annotated[
        str, Claim(REGISTRATION_NUMBER, "登録番号", "Registration number")
    ]
    name: Name
    birth_date: BirthDate
    registration_date: Annotated[date, Claim(Date(), "登録年月日", "Date of registration")]
    # The registering body is printed on every certificate: never selectively disclosable.
    registered_by: Annotated[str, Claim(Text(100), "登録機関", "Registered by", SD_NEVER)]


def registration_rules(value: ChildcareWorkerRegistration) -> Iterator[ValidationError]:
    """Yield every consistency rule the registration breaks."""
    if value.registration_date <= value.birth_date:
        yield ValidationError(
            "Date of registration (登録年月日): must be after the date of birth (生年月日)",
            claim_path=("registration_date",),
        )


CHILDCARE_WORKER_V1: CredentialType[ChildcareWorkerRegistration] = CredentialType(
    id="childcare-worker-registration",
    version=1,
    model=ChildcareWorkerRegistration,
    name_ja="保育士登録証",
    name_en="Childcare worker registration",
    description_ja="都道府県知事の登録を受けた保育士であることの証明。",
    description_en="Proof that the person is a registered childcare worker.",
    rules=registration_rules,
)


def main() -> None:
    """Show what the type derives, validate good and bad data, issue and present one."""
    print(f"vct: {CHILDCARE_WORKER_V1.vct}")
    print(f"mdoc namespace: {CHILDCARE_WORKER_V1.mdoc_namespace}")
    schema = CHILDCARE_WORKER_V1.schema()
    print(f"JSON Schema requires: {schema['required']}")
    metadata = CHILDCARE_WORKER_V1.metadata()
    labels = {d["locale"]: d["name"] for d in metadata["display"]}
    print(f"type metadata display: {json.dumps(labels, ensure_ascii=False)}")
    for info in CHILDCARE_WORKER_V1.claims():
        print(f"  claim {'/'.join(info.path):22} sd={info.sd:7} {info.label()}")

    # Validation: every problem names its claim path and says the rule in both languages.
    bad = {
        "registration_number": "12-3456",
        "name": "山田\u3000花子",
        "birth_date": "1990-04-01",
        "registration_date": "1989-04-01",
        "registered_by": "東京都",
    }
    for claims in (bad, dict(bad, registration_number="TK123456")):
        for problem in CHILDCARE_WORKER_V1.problems(claims):
            print(f"refused {list(problem.claim_path or ())}: {problem.detail}")
    good = dict(bad, registration_number="TK123456", registration_date="2014-04-01")
    registration = CHILDCARE_WORKER_V1.parse(good)
    print(f"valid: {registration.registration_number} registered {registration.registration_date}")

    # Issue it with SD-JWT VC; the holder shows only that they are registered, and by whom.
    clock, random = SystemClock(), SystemRandom()
    issuer, holder = SoftwareSigner.generate("ES256"), SoftwareSigner.generate("ES256")
    credential = issue_sd_jwt_vc(
        CHILDCARE_WORKER_V1.mark_disclosable(CHILDCARE_WORKER_V1.to_claims(registration)),
        issuer,
        vct=CHILDCARE_WORKER_V1.vct,
        vct_integrity=CHILDCARE_WORKER_V1.integrity(),
        iss="https://pref.tokyo.example",
        clock=clock,
        random=random,
        holder_jwk=holder.public_jwk,
    )
    nursery = "https://nursery.example"
    shown = present(
        credential,
        [("registration_number",)],
        holder_signer=holder,
        aud=nursery,
        nonce="n-0S6_WzA2Mj",
        clock=clock,
    )
    result = verify_sd_jwt_vc(
        shown,
        issuer_keys=StaticIssuerKey(issuer.public_jwk, iss="https://pref.tokyo.example"),
        clock=clock,
        key_binding=KeyBindingCheck(aud=nursery, nonce="n-0S6_WzA2Mj"),
        accepted_vcts=[CHILDCARE_WORKER_V1.vct],
    )
    fields = schema["properties"]
    received = {k: v for k, v in result.payload.items() if k in fields}
    print(f"the nursery received: {json.dumps(received, ensure_ascii=False)}")


if __name__ == "__main__":
    main()

"""A small test PKI and trust-list document factory shared by the trust-list tests.

Imported as ``tests.trustlist.pki`` by the conftest files and tests of tests/specs/trustlist
and tests/trustlist.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509

from specs.keys.certificates import issue_certificate
from specs.keys.jwk import public_jwk
from specs.keys.software import SoftwareSigner, generate_private_key
from specs.keys.x509 import encode_x5c
from specs.trustlist import constants as c
from specs.trustlist.model import format_time

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
WITHHOLDING_SLIP = "urn:honnin:credential:withholding_slip:1"
ENROLLMENT = "urn:honnin:credential:enrollment:1"
EMPLOYMENT = "urn:honnin:credential:employment:1"


def corporate_number(base: str) -> str:
    """Return a 13-digit corporate number with a correct check digit for 12 base digits."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return str(9 - total % 9) + base


@dataclass
class Party:
    """A key pair with a certificate chain (leaf first) and the CA that issued it."""

    signer: SoftwareSigner
    chain: list[x509.Certificate]

    @property
    def jwk(self) -> dict[str, Any]:
        """The public JWK."""
        return public_jwk(self.signer.private_key())


_serial = iter(range(1000, 10**6))


def _cert(
    key: Any,
    issuer_key: Any,
    issuer: x509.Certificate | None,
    cn: str,
    *,
    ca: bool,
    days: int = 3650,
    not_before: datetime = T0,
) -> x509.Certificate:
    return issue_certificate(
        subject_public_key=key.public_key(),
        issuer_key=issuer_key,
        issuer=issuer,
        common_name=cn,
        organization="honnin tests",
        not_before=not_before,
        days=days,
        serial_number=next(_serial),
        ca=ca,
        path_length=1 if ca else None,
    )


def self_signed(cn: str, *, ca: bool = False, days: int = 3650, not_before: datetime = T0) -> Party:
    """A party with a self-signed certificate."""
    key = generate_private_key("ES256")
    return Party(
        SoftwareSigner(key), [_cert(key, key, None, cn, ca=ca, days=days, not_before=not_before)]
    )


def issued_by(ca: Party, cn: str, *, as_ca: bool = False) -> Party:
    """A party whose certificate ``ca`` issued (chain: leaf, then ca's chain without its root)."""
    key = generate_private_key("ES256")
    cert = _cert(key, ca.signer.private_key(), ca.chain[0], cn, ca=as_ca)
    return Party(SoftwareSigner(key), [cert, *ca.chain])


@dataclass
class TestPki:
    """Every key and certificate the trust-list tests need."""

    operator: Party = field(default_factory=lambda: self_signed("Trust List Operator"))
    other_operator: Party = field(default_factory=lambda: self_signed("Impostor Operator"))
    employer_a_key: Party = field(default_factory=lambda: self_signed("employer A key"))
    school_ca: Party = field(default_factory=lambda: self_signed("School CA", ca=True))
    verifier_b: Party = field(default_factory=lambda: self_signed("verifier B access"))
    city: Party = field(default_factory=lambda: self_signed("city access"))
    jpki_root: Party = field(default_factory=lambda: self_signed("JPKI test root", ca=True))
    status_key: Party = field(default_factory=lambda: self_signed("status provider"))

    def __post_init__(self) -> None:
        self.school_signer = issued_by(self.school_ca, "School issuing key")
        self.jpki_sub = issued_by(self.jpki_root, "JPKI test user-auth CA", as_ca=True)
        self.card = issued_by(self.jpki_sub, "card holder")


def _history(*changes: tuple[str, datetime]) -> list[dict[str, str]]:
    return [{c.STATUS: s, c.STATUS_STARTING_TIME: format_time(t)} for s, t in changes]


def make_document(
    pki: TestPki,
    *,
    sequence_number: int = 1,
    issued_at: datetime = NOW - timedelta(days=1),
    next_update: datetime = NOW + timedelta(days=29),
) -> dict[str, Any]:
    """A realistic trust-list document: two issuers, two verifiers, a card CA, a status provider."""
    granted = (c.STATUS_GRANTED, T0)
    return {
        c.LIST_AND_SCHEME_INFORMATION: {
            c.VERSION: c.LOTE_VERSION_IDENTIFIER,
            c.SEQUENCE_NUMBER: sequence_number,
            c.TYPE: c.LOTE_TYPE,
            c.OPERATOR_NAME: {"ja": "本人トラストリスト運営者", "en": "honnin trust list operator"},
            c.TERRITORY: "JP",
            c.POLICY: "https://trust.example.jp/policy",
            c.ISSUE_TIME: format_time(issued_at),
            c.NEXT_UPDATE: format_time(next_update),
            c.DISTRIBUTION_POINTS: ["https://trust.example.jp/trustlist.jws"],
        },
        c.ISSUERS: [
            {
                c.ENTITY_ID: "employer-a",
                c.LEGAL_NAME: {"ja": "株式会社エー", "en": "A Corporation"},
                c.CORPORATE_NUMBER: corporate_number("234567890123"),
                c.DIGITAL_IDENTITY: {c.JWKS: [pki.employer_a_key.jwk]},
                c.CREDENTIAL_TYPES: [WITHHOLDING_SLIP, EMPLOYMENT],
                c.STATUS_HISTORY: _history(granted),
            },
            {
                c.ENTITY_ID: "school-x",
                c.LEGAL_NAME: {"ja": "学校法人エックス", "en": "X School Corporation"},
                c.CORPORATE_NUMBER: corporate_number("345678901234"),
                c.DIGITAL_IDENTITY: {c.X509_CERTIFICATES: encode_x5c(pki.school_ca.chain)},
                c.CREDENTIAL_TYPES: [ENROLLMENT],
                c.STATUS_HISTORY: _history(granted),
            },
        ],
        c.VERIFIERS: [
            {
                c.ENTITY_ID: "employer-b",
                c.LEGAL_NAME: {"ja": "株式会社ビー", "en": "B Corporation"},
                c.CORPORATE_NUMBER: corporate_number("456789012345"),
                c.CLIENT_ID: "x509_san_dns:verifier.b.example.jp",
                c.ACCESS_CERTIFICATES: encode_x5c(pki.verifier_b.chain),
                c.INTENDED_USES: [
                    {
                        c.PURPOSE_ID: "year_end_tax_adjustment",
                        c.PURPOSE: {"ja": "年末調整", "en": "year-end tax adjustment"},
                        c.CREDENTIALS: [
                            {
                                c.CREDENTIAL_TYPE: WITHHOLDING_SLIP,
                                c.CLAIMS: [
                                    ["payment_amount"],
                                    ["withheld_tax"],
                                    ["dependants", None, "name"],
                                    ["recipient", "address"],
                                ],
                            }
                        ],
                    }
                ],
                c.MY_NUMBER_LEGAL_BASIS: None,
                c.STATUS_HISTORY: _history(granted),
            },
            {
                c.ENTITY_ID: "city-office",
                c.LEGAL_NAME: {"ja": "テスト市役所", "en": "Test City Office"},
                c.CORPORATE_NUMBER: corporate_number("000012345678"),
                c.CLIENT_ID: "https://city.example.jp",
                c.ACCESS_CERTIFICATES: encode_x5c(pki.city.chain),
                c.INTENDED_USES: [
                    {
                        c.PURPOSE_ID: "resident_tax",
                        c.PURPOSE: {"ja": "住民税の賦課", "en": "resident tax assessment"},
                        c.CREDENTIALS: [
                            {
                                c.CREDENTIAL_TYPE: WITHHOLDING_SLIP,
                                c.CLAIMS: [["my_number"], ["payment_amount"]],
                            }
                        ],
                    }
                ],
                c.MY_NUMBER_LEGAL_BASIS: {c.LAW: "番号法", c.ARTICLE: "第19条第1号"},
                c.STATUS_HISTORY: _history(granted),
            },
        ],
        c.CARD_CAS: [
            {
                c.ENTITY_ID: "jpki-test-root",
                c.NAME: {"ja": "JPKI テスト認証局", "en": "JPKI test CA"},
                c.X509_CERTIFICATES: encode_x5c(pki.jpki_root.chain),
                c.CRL_DISTRIBUTION_POINTS: ["https://jpki.example.jp/crl/user-auth.crl"],
                c.STATUS_HISTORY: _history(granted),
            }
        ],
        c.STATUS_LIST_PROVIDERS: [
            {
                c.ENTITY_ID: "employer-a-status",
                c.NAME: {"ja": "株式会社エー 失効情報", "en": "A Corporation status lists"},
                c.URI_PREFIXES: ["https://status.a.example.jp/lists/"],
                c.DIGITAL_IDENTITY: {c.JWKS: [pki.status_key.jwk]},
                c.STATUS_HISTORY: _history(granted),
            }
        ],
    }


def variant(document: dict[str, Any]) -> dict[str, Any]:
    """A deep copy to mutate in a test."""
    return copy.deepcopy(document)

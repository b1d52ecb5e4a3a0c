"""SD-JWT VC: draft vectors, issue/verify, issuer key resolution (x5c, metadata), type metadata."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from specs.errors import (
    DigestMismatch,
    LimitExceeded,
    MalformedInput,
    UntrustedIssuer,
    UntrustedKey,
    ValidationError,
)
from specs.integrity import integrity
from specs.keys import SoftwareSigner
from specs.keys.x509 import encode_x5c
from specs.ports import FixedClock, SeededRandom
from specs.sd_jwt import SD, KeyBindingCheck, issue, present
from specs.sd_jwt_vc import (
    IssuerMetadataKeys,
    StaticIssuerKey,
    StatusListReference,
    X5cIssuerKeys,
    issue_sd_jwt_vc,
    issuer_metadata_url,
    parse_type_metadata,
    resolve_type_metadata,
    verify_sd_jwt_vc,
)
from tests.support.certificates import certify

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
FIGS = VECTORS / "sd_jwt_vc" / "spec_examples"
ISSUER_JWK = json.loads(
    (VECTORS / "sd_jwt" / "spec_examples" / "appA5_issuer_public_jwk.json").read_text()
)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("presentation", "expected", "aud", "iat"),
    [
        (
            "fig08_presented_sd_jwt_kb_example.txt",
            "fig09_verified_sd_jwt_payload_example.json",
            "https://example.com/verifier",
            1787325881,
        ),
        (
            "fig10_presented_sd_jwt_example.txt",
            "fig11_processed_sd_jwt_payload_example.json",
            None,
            1787325881,
        ),
        (
            "fig26_presented_sd_jwt_kb.txt",
            "fig28_processed_sd_jwt_payload.json",
            "https://example.com/verifier",
            1787325881,
        ),
    ],
)
def test_draft_presentations(presentation: str, expected: str, aud: str | None, iat: int) -> None:
    clock = FixedClock(datetime.fromtimestamp(iat, UTC))
    check = KeyBindingCheck(aud=aud, nonce="1234567890") if aud else None
    result = verify_sd_jwt_vc(
        _text(FIGS / presentation),
        issuer_keys=StaticIssuerKey(ISSUER_JWK),
        clock=clock,
        key_binding=check,
    )
    assert result.payload == _json(FIGS / expected)


def test_appendix_a3_pid_presentation() -> None:
    folder = VECTORS / "sd_jwt_vc" / "from_sd_jwt_spec_appA3"
    clock = FixedClock(datetime.fromtimestamp(1748536865, UTC))
    result = verify_sd_jwt_vc(
        _text(folder / "sd_jwt_kb_presentation.txt"),
        issuer_keys=StaticIssuerKey(ISSUER_JWK),
        clock=clock,
        key_binding=KeyBindingCheck(aud="https://verifier.example.org", nonce="1234567890"),
    )
    assert result.payload == _json(folder / "processed_payload.json")
    assert result.key_binding == _json(folder / "kb_jwt_payload.json")


def test_issue_present_verify_with_status(clock: FixedClock, rng: SeededRandom) -> None:
    issuer, holder = SoftwareSigner.generate(), SoftwareSigner.generate()
    credential = issue_sd_jwt_vc(
        {"payment_amount": SD(3150000), "name": SD("佐藤")},
        issuer,
        vct="urn:honnin:slip",
        iss="https://a.example",
        clock=clock,
        random=rng,
        holder_jwk=holder.public_jwk,
        expires_in=3600,
        status=StatusListReference(7, "https://a.example/status"),
        kid="k1",
    )
    presentation = present(
        credential, [("payment_amount",)], holder_signer=holder, aud="v", nonce="n", clock=clock
    )
    result = verify_sd_jwt_vc(
        presentation,
        issuer_keys=StaticIssuerKey(issuer.public_jwk, iss="https://a.example"),
        clock=clock,
        key_binding=KeyBindingCheck(aud="v", nonce="n"),
    )
    assert result.vct == "urn:honnin:slip"
    assert result.status == StatusListReference(7, "https://a.example/status")
    assert result.payload["payment_amount"] == 3150000
    assert "name" not in result.payload
    assert result.header["typ"] == "dc+sd-jwt"
    assert result.header["kid"] == "k1"
    with pytest.raises(UntrustedIssuer):
        verify_sd_jwt_vc(
            presentation,
            issuer_keys=StaticIssuerKey(issuer.public_jwk, iss="https://x"),
            clock=clock,
            key_binding=KeyBindingCheck(aud="v", nonce="n"),
        )


def test_legacy_typ_accepted_unless_refused(clock: FixedClock, rng: SeededRandom) -> None:
    issuer = SoftwareSigner.generate()
    token = issue({"vct": "urn:x", "a": SD(1)}, issuer, random=rng, typ="vc+sd-jwt")
    keys = StaticIssuerKey(issuer.public_jwk)
    assert verify_sd_jwt_vc(token, issuer_keys=keys, clock=clock).vct == "urn:x"
    with pytest.raises(MalformedInput):
        verify_sd_jwt_vc(token, issuer_keys=keys, clock=clock, accept_legacy_typ=False)


@pytest.mark.parametrize(
    ("claims", "typ"),
    [
        ({"a": 1}, "dc+sd-jwt"),  # no vct
        ({"vct": SD("urn:x")}, "dc+sd-jwt"),  # vct disclosable
        ({"vct": "urn:x", "iss": SD("https://a")}, "dc+sd-jwt"),  # iss disclosable
        ({"vct": "urn:x", "status": SD({"status_list": {"idx": 1, "uri": "u"}})}, "dc+sd-jwt"),
        ({"vct": "urn:x", "status": {"status_list": {"idx": -1, "uri": "u"}}}, "dc+sd-jwt"),
        ({"vct": "urn:x"}, "JWT"),  # wrong typ
    ],
)
def test_vc_rule_violations(
    claims: dict[str, Any], typ: str, clock: FixedClock, rng: SeededRandom
) -> None:
    issuer = SoftwareSigner.generate()
    token = issue(claims, issuer, random=rng, typ=typ)
    with pytest.raises(MalformedInput):
        verify_sd_jwt_vc(token, issuer_keys=StaticIssuerKey(issuer.public_jwk), clock=clock)


def test_issue_rejects_reserved_claims(clock: FixedClock, rng: SeededRandom) -> None:
    with pytest.raises(MalformedInput):
        issue_sd_jwt_vc(
            {"iss": "x"}, SoftwareSigner.generate(), vct="urn:x", clock=clock, random=rng
        )


def _pki(at: datetime, *, san: str, root_name: str = "Root") -> tuple[Any, Any, SoftwareSigner]:
    root = certify(root_name, not_before=at - timedelta(days=1), days=365, serial_number=1, ca=True)
    leaf = certify(
        "Employer A",
        by=root,
        not_before=at - timedelta(days=1),
        days=90,
        serial_number=2,
        san_dns=[san],
    )
    return root.certificate, leaf.certificate, leaf.signer


def test_x5c_resolution(clock: FixedClock, rng: SeededRandom) -> None:
    root, leaf, leaf_key = _pki(clock.now(), san="a.example")
    token = issue_sd_jwt_vc(
        {"a": SD(1)},
        leaf_key,
        vct="urn:x",
        iss="https://a.example",
        clock=clock,
        random=rng,
        x5c=encode_x5c([leaf]),
    )
    assert verify_sd_jwt_vc(token, issuer_keys=X5cIssuerKeys([root]), clock=clock).payload["a"] == 1
    other_root, _, _ = _pki(clock.now(), san="a.example", root_name="Other Root")
    with pytest.raises(UntrustedKey):
        verify_sd_jwt_vc(token, issuer_keys=X5cIssuerKeys([other_root]), clock=clock)
    wrong_iss = issue_sd_jwt_vc(
        {},
        leaf_key,
        vct="urn:x",
        iss="https://b.example",
        clock=clock,
        random=rng,
        x5c=encode_x5c([leaf]),
    )
    with pytest.raises(UntrustedIssuer):
        verify_sd_jwt_vc(wrong_iss, issuer_keys=X5cIssuerKeys([root]), clock=clock)
    no_x5c = issue_sd_jwt_vc({}, leaf_key, vct="urn:x", clock=clock, random=rng)
    with pytest.raises(UntrustedKey):
        verify_sd_jwt_vc(no_x5c, issuer_keys=X5cIssuerKeys([root]), clock=clock)


def test_issuer_metadata_resolution(clock: FixedClock) -> None:
    metadata = _json(FIGS / "fig14_example_http_response_with_metadata_including_a_json.json")
    token = _text(FIGS / "fig08_presented_sd_jwt_kb_example.txt")
    at = FixedClock(datetime.fromtimestamp(1787325881, UTC))
    # fig14 names issuer https://example.com; the fig08 credential says https://example.com/issuer.
    with pytest.raises(UntrustedIssuer):
        verify_sd_jwt_vc(token, issuer_keys=IssuerMetadataKeys(metadata), clock=at)
    metadata["issuer"] = "https://example.com/issuer"
    result = verify_sd_jwt_vc(token, issuer_keys=IssuerMetadataKeys(metadata), clock=at)
    assert result.iss == "https://example.com/issuer"
    with pytest.raises(MalformedInput):
        IssuerMetadataKeys(_json(FIGS / "fig15_example_metadata_with_a_json_web_key_set_uri.json"))
    jwks_uri = _json(FIGS / "fig15_example_metadata_with_a_json_web_key_set_uri.json")
    jwks_uri["issuer"] = "https://example.com/issuer"
    keys = IssuerMetadataKeys(
        jwks_uri, jwks={"keys": [{**ISSUER_JWK, "kid": "doc-signer-05-25-2022"}]}
    )
    assert verify_sd_jwt_vc(token, issuer_keys=keys, clock=at).vct


def test_issuer_metadata_url() -> None:
    assert (
        issuer_metadata_url("https://example.com")
        == "https://example.com/.well-known/jwt-vc-issuer"
    )
    assert (
        issuer_metadata_url("https://example.com/tenant/1234/")
        == "https://example.com/.well-known/jwt-vc-issuer/tenant/1234"
    )
    with pytest.raises(MalformedInput):
        issuer_metadata_url("http://example.com")


def test_type_metadata_extends_matches_fig22() -> None:
    documents = {
        "https://example.com/base-type-metadata": (
            FIGS / "fig20_example_base_type_metadata_document.json"
        ).read_bytes(),
        "https://example.com/custom-type-metadata": (
            FIGS / "fig21_example_child_type_metadata_document.json"
        ).read_bytes(),
    }
    child_integrity = integrity(documents["https://example.com/custom-type-metadata"])
    effective = resolve_type_metadata(
        "https://example.com/custom-type-metadata", documents.__getitem__, integrity=child_integrity
    )
    expected = _json(FIGS / "fig22_effective_claim_metadata_for_child_type.json")["claims"]
    assert [
        c.model_dump(exclude_defaults=True, exclude_none=True) for c in effective.claims
    ] == expected
    with pytest.raises(DigestMismatch):
        resolve_type_metadata(
            "https://example.com/custom-type-metadata",
            documents.__getitem__,
            integrity=integrity(b"other"),
        )


def test_type_metadata_documents_parse() -> None:
    for name in (
        "fig17_example_type_metadata_document.json",
        "fig30_example_type_metadata_document.json",
    ):
        parsed = parse_type_metadata((FIGS / name).read_bytes())
        assert parsed.to_json()["vct"] == _json(FIGS / name)["vct"]


def test_type_metadata_rules() -> None:
    base = {"vct": "urn:base", "claims": [{"path": ["a"], "sd": "never"}]}
    child = {"vct": "urn:child", "extends": "urn:base", "claims": [{"path": ["a"], "sd": "always"}]}
    docs = {"urn:base": json.dumps(base).encode(), "urn:child": json.dumps(child).encode()}
    with pytest.raises(ValidationError):
        resolve_type_metadata("urn:child", docs.__getitem__)
    loop = {
        "urn:a": b'{"vct": "urn:a", "extends": "urn:b"}',
        "urn:b": b'{"vct": "urn:b", "extends": "urn:a"}',
    }
    with pytest.raises(ValidationError):
        resolve_type_metadata("urn:a", loop.__getitem__)
    chain = {
        f"urn:{i}": json.dumps({"vct": f"urn:{i}", "extends": f"urn:{i + 1}"}).encode()
        for i in range(20)
    }
    with pytest.raises(LimitExceeded):
        resolve_type_metadata("urn:0", chain.__getitem__)
    with pytest.raises(MalformedInput):
        parse_type_metadata(b'{"claims": [{"path": [], "sd": "allowed"}]}')
    with pytest.raises(MalformedInput):
        parse_type_metadata(b'{"claims": [{"path": ["a"], "sd": "sometimes"}]}')
    with pytest.raises(MalformedInput):
        parse_type_metadata(b'{"schema": {}, "schema_uri": "https://x"}')
    ja = parse_type_metadata(
        json.dumps(
            {
                "vct": "urn:slip",
                "display": [
                    {"locale": "ja", "name": "源泉徴収票"},
                    {"locale": "en", "name": "Withholding slip"},
                ],
                "claims": [
                    {
                        "path": ["payment_amount"],
                        "display": [{"locale": "ja", "label": "支払金額"}],
                        "sd": "always",
                    }
                ],
            }
        ).encode()
    )
    claim = ja.claim(("payment_amount",))
    assert claim is not None
    assert claim.label("ja-JP") == "支払金額"
    assert claim.label("en") is None

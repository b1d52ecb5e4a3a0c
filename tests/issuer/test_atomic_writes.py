"""No partial state in the issuer, on SQLite and PostgreSQL.

Issuance makes every credential before the one transaction that stores the instances and
consumes the access token; revocation locks the offer and sets the status together; a
re-issue checks the new claims first and then revokes, stores the new offer and marks the
old instances superseded in one transaction. Each test makes the second step fail and
checks that nothing of the first stayed.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from honnin_issuer_test_support import make_settings, slip_claims
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError, StatementError

from honnin.sample_data import SampleData
from issuer import bulk, provisioning, storage
from issuer.provisioning import IssuerDeployment, init_issuer
from issuer.service import IssuerDeps, IssuerService
from issuer.storage import OfferRecord, offers
from specs.errors import NotFound, ValidationError
from specs.keys import SoftwareSigner
from specs.openid4vci import parse_offer_link
from specs.openid4vci.constants import FORMAT_DC_SD_JWT, FORMAT_LDP_VC
from specs.openid4vci.wallet import build_token_request
from specs.ports import FixedClock, Signer, SystemRandom
from specs.status_list import STATUS_VALID

# SQLAlchemy wraps the JSON encoder's TypeError for SQLite; psycopg raises it as is.
_NOT_JSON = (StatementError, TypeError)
FORMAT_MSO_MDOC = "mso_mdoc"


class _SignerDown:
    """The issuer's signer while its signing device is unreachable."""

    def __init__(self, real: Signer) -> None:
        self._real = real

    @property
    def alg(self) -> str:
        return self._real.alg

    @property
    def public_jwk(self) -> dict[str, Any]:
        return self._real.public_jwk

    def sign(self, data: bytes) -> bytes:
        raise OSError("signing device unavailable")


@pytest.fixture
def service(
    tmp_path: Path, database_url: str, make_deps: Callable[..., IssuerDeps]
) -> Iterator[IssuerService]:
    service = IssuerService(make_settings(tmp_path, database_url), make_deps())
    yield service
    service.close()


def _offer(service: IssuerService, credential_format: str = FORMAT_DC_SD_JWT) -> OfferRecord:
    issued, _ = service.create_offer(
        "withholding-slip", slip_claims(), credential_format=credential_format
    )
    return service.repository.offer(issued.offer_id)


def _holder_keys(count: int) -> list[dict[str, Any]]:
    return [SoftwareSigner.generate("ES256").public_jwk for _ in range(count)]


def _token(service: IssuerService, offer: OfferRecord) -> str:
    token = f"token-of-{offer.id}"
    expires = service.clock.now() + timedelta(minutes=5)
    service.repository.add_access_token(token, offer.id, expires)
    return token


@pytest.mark.parametrize("credential_format", [FORMAT_DC_SD_JWT, FORMAT_MSO_MDOC, FORMAT_LDP_VC])
def test_a_credential_that_cannot_be_signed_stores_nothing_and_keeps_the_token(
    service: IssuerService, credential_format: str
) -> None:
    offer = _offer(service, credential_format)
    token = _token(service, offer)
    keys = _holder_keys(2)
    real = service.signer
    service.signer = _SignerDown(real)
    with pytest.raises(OSError, match="signing device unavailable"):
        service.issue_batch(offer, keys, now=service.clock.now(), access_token=token)
    assert service.repository.credentials_of_offer(offer.id) == []
    # The slots went back to the pool and the token is still unused: the wallet can retry.
    service.signer = real
    issued = service.issue_batch(offer, keys, now=service.clock.now(), access_token=token)
    assert len(issued) == 2
    assert len(service.repository.credentials_of_offer(offer.id)) == 2


def test_reissue_with_bad_claims_leaves_the_old_credential_valid(service: IssuerService) -> None:
    offer = _offer(service)
    service.issue_batch(offer, _holder_keys(2), now=service.clock.now())
    bad = slip_claims()
    bad["payment_amount"] = "a lot"
    with pytest.raises(ValidationError):
        service.reissue(offer.id, bad)
    old = service.repository.credentials_of_offer(offer.id)
    assert {c.status for c in old} == {STATUS_VALID}
    assert {c.superseded_by for c in old} == {None}
    issued, change = service.reissue(offer.id, slip_claims())
    assert change.credential_ids == tuple(c.id for c in old)
    assert {c.superseded_by for c in service.repository.credentials_of_offer(offer.id)} == {
        issued.offer_id
    }


def test_revocation_and_replacement_offer_are_one_transaction(service: IssuerService) -> None:
    offer = _offer(service)
    service.issue_batch(offer, _holder_keys(2), now=service.clock.now())
    unstorable = {
        "offer_id": "replacement",
        "configuration_id": offer.configuration_id,
        "claims": {"payment_amount": object()},  # not JSON: the database cannot store it
        "code": "replacement-code",
        "tx_code": None,
        "created_at": service.clock.now(),
        "expires_at": service.clock.now() + timedelta(days=1),
    }
    with pytest.raises(_NOT_JSON):
        service.repository.revoke(offer.id, replacement=unstorable)
    assert {c.status for c in service.repository.credentials_of_offer(offer.id)} == {STATUS_VALID}
    assert not service.repository.offer(offer.id).locked
    with pytest.raises(NotFound):
        service.repository.offer("replacement")


def test_revoking_an_unredeemed_offer_locks_it(service: IssuerService) -> None:
    offer = _offer(service)
    change = service.revoke(offer.id)
    assert change.offer_locked
    assert change.credential_ids == ()
    assert service.repository.offer(offer.id).locked


# --- bulk import: one transaction for the offers, all or nothing for the outputs ---


def _payroll(seed: int, rows: int) -> bytes:
    return SampleData(seed).payroll_csv(rows).encode("utf-8")


def _offer_count(service: IssuerService) -> int:
    with service.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(offers)).scalar_one())


def test_an_offer_that_cannot_be_stored_takes_the_whole_import_down(
    service: IssuerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _payroll(3, bulk.CHUNK + 60)  # more rows than one chunk
    original = storage._offer_values
    calls = 0

    def unstorable_row_557(row: Mapping[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        values = original(row)
        if calls == bulk.CHUNK + 57:
            values["claims"] = {"payment_amount": object()}  # not JSON
        return values

    monkeypatch.setattr(storage, "_offer_values", unstorable_row_557)
    with pytest.raises(_NOT_JSON):
        bulk.import_payroll(service, data)
    assert _offer_count(service) == 0
    monkeypatch.undo()
    report = bulk.import_payroll(service, data)
    assert (len(report.created), report.skipped, report.errors) == (bulk.CHUNK + 60, [], [])
    assert _offer_count(service) == bulk.CHUNK + 60


def test_failed_outputs_put_files_back_and_withdraw_the_offers(
    service: IssuerService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    offers_dir, tx_dir = out / "offers", out / "tx-codes"

    def write(report: bulk.ImportReport) -> None:
        bulk.write_outputs(service, report, offers_dir=offers_dir, tx_codes_dir=tx_dir, qr="svg")

    write(bulk.import_payroll(service, _payroll(1, 3)))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    original = bulk._replace

    def disk_full_on_tx_codes(path: Path, data: bytes) -> None:
        if path.name == "tx-codes.csv":
            raise OSError(28, "No space left on device", str(path))
        original(path, data)

    monkeypatch.setattr(bulk, "_replace", disk_full_on_tx_codes)
    second = bulk.import_payroll(service, _payroll(2, 3))
    assert len(second.created) == 3
    with pytest.raises(OSError, match="No space left"):
        write(second)
    # offers.csv, the QR files and the letters are as before; the offers are gone again.
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    for item in second.created:
        with pytest.raises(NotFound):
            service.repository.offer(item.offer.offer_id)
    monkeypatch.undo()
    again = bulk.import_payroll(service, _payroll(2, 3))
    assert (len(again.created), again.skipped) == (3, [])
    write(again)
    with (tx_dir / "tx-codes.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(bulk.TX_CODES_HEADER)
    assert len(rows) == 1 + 6
    assert all(len(r[3]) == service.settings.tx_code_length for r in rows[1:])
    assert len(list((offers_dir / "qr").iterdir())) == 6


def test_init_writes_the_settings_file_last(
    tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_locked(engine: Any) -> None:
        raise OperationalError("ALTER TABLE", {}, Exception("database is locked"))

    def init() -> IssuerDeployment:
        return init_issuer(
            tmp_path / "issuer-a",
            name_ja="株式会社エー",
            name_en="A Corp",
            url="https://issuer.a.example",
            clock=clock,
            random=SystemRandom(),
        )

    monkeypatch.setattr(provisioning, "migrate", database_locked)
    with pytest.raises(OperationalError):
        init()
    # No issuer.toml: the folder is not taken for a deployment, a second init completes it.
    assert not (tmp_path / "issuer-a" / "issuer.toml").exists()
    monkeypatch.undo()
    deployment = init()
    assert deployment.settings_path.is_file()


def test_a_code_whose_token_cannot_be_stored_stays_redeemable(
    service: IssuerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued, _ = service.create_offer("withholding-slip", slip_claims())
    link = parse_offer_link(issued.offer_uri)
    assert link.offer is not None
    form = build_token_request(link.offer, tx_code=issued.tx_code)

    def disk_full(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The database refuses the token row, inside the redemption's own transaction.
        if statement.lstrip().upper().startswith("INSERT INTO ISSUER_ACCESS_TOKENS"):
            raise OperationalError(statement, {}, Exception("database or disk is full"))

    engine = service.repository.engine
    event.listen(engine, "before_cursor_execute", disk_full)
    try:
        with pytest.raises(OperationalError):
            service.token(form)
    finally:
        event.remove(engine, "before_cursor_execute", disk_full)
    # Both or neither: the code is still redeemable and no token row exists.
    assert service.repository.offer(issued.offer_id).redeemed_at is None
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(storage.access_tokens)).scalar() == 0
    assert service.token(form).access_token
    assert service.repository.offer(issued.offer_id).redeemed_at is not None

"""Bulk issuance from a payroll CSV: validate every row, create offers, write two outputs.

Offers (links and QR files) and tx_codes go to separate folders so they can travel by
separate channels (OpenID4VCI section 4.1.1: the tx_code is never in the offer). Running
an import twice creates no duplicates: each row has an idempotency key.

What is all or nothing: a bad row (a field that does not validate, a repeated slip) is
reported by line and the good rows are imported all the same (documented behaviour of
``honnin issuer import``). The offers of the good rows are stored in one database
transaction, and ``write_outputs`` either writes every link and tx_code or withdraws those
offers again: an offer whose tx_code was never written out could never be redeemed, and a
second run would skip it as already imported.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from issuer.qr import write_qr
from issuer.service import IssuedOffer, IssuerService, import_key_of
from specs.credentials import WITHHOLDING_SLIP_V1
from specs.credentials.payroll_csv import PayrollRowError, parse_payroll_csv
from specs.errors import Replay, ValidationError

TYPE_ID = WITHHOLDING_SLIP_V1.id
CHUNK = 500
_STORE_ATTEMPTS = 3
OFFERS_HEADER = ("line", "name", "offer_id", "offer_uri", "qr_file")
TX_CODES_HEADER = ("line", "name", "offer_id", "tx_code", "letter_file")


@dataclass(frozen=True, slots=True)
class ImportedOffer:
    """One person's new offer from a payroll row."""

    line: int
    name: str
    offer: IssuedOffer


@dataclass
class ImportReport:
    """What an import did: new offers, rows already imported, and every bad row."""

    created: list[ImportedOffer] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    errors: list[PayrollRowError] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready summary."""
        return {
            "created": len(self.created),
            "already_imported": len(self.skipped),
            "errors": [e.to_dict() for e in self.errors],
        }


def import_payroll(
    service: IssuerService,
    data: bytes,
    *,
    by_reference: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Create one offer per valid payroll row, idempotently; report bad rows by line and field.

    The new offers are stored in one transaction: a failure stores none of them.
    """
    parsed = parse_payroll_csv(data, limits=service.limits)
    report = ImportReport(errors=list(parsed.errors))
    rows = list(parsed.rows)
    seen: dict[str, int] = {}
    pending: list[tuple[int, str, IssuedOffer, dict[str, Any]]] = []
    done = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        keyed = []
        for row in chunk:
            claims = WITHHOLDING_SLIP_V1.to_claims(row.slip)
            key = import_key_of(TYPE_ID, claims)
            if key in seen:
                report.errors.append(
                    PayrollRowError(
                        row.line, None, ValidationError(f"same slip as line {seen[key]}")
                    )
                )
                continue
            seen[key] = row.line
            keyed.append((row, claims, key))
        existing = service.repository.existing_import_keys([key for _, _, key in keyed])
        for row, claims, key in keyed:
            if key in existing:
                report.skipped.append((row.line, existing[key]))
                continue
            offer, record = service.create_offer(
                TYPE_ID, claims, by_reference=by_reference, import_key=key, defer=True
            )
            assert record is not None
            pending.append((row.line, row.slip.recipient.name, offer, record))
        done += len(chunk)
        if progress is not None:
            progress(done, len(rows))
    for _ in range(_STORE_ATTEMPTS):
        # None: another import stored one of these keys meanwhile; read the keys again.
        imported = service.repository.add_new_offers([p[3] for p in pending])
        if imported is not None:
            break
    else:
        raise Replay("another import of the same rows is running; try again")
    for line, name, offer, record in pending:
        if record["import_key"] in imported:
            report.skipped.append((line, imported[record["import_key"]]))
        else:
            report.created.append(ImportedOffer(line, name, offer))
    report.skipped.sort()
    return report


LETTER = """{name} 様

{issuer_ja} より、給与所得の源泉徴収票をデジタル証明書としてお届けします。
別途お送りするQRコード（またはリンク）をウォレットで読み取り、次の確認コードを入力してください。

  確認コード: {tx_code}

このコードは他人に知らせないでください。{attempts}回間違えると受け取れなくなります。

Dear {name},

{issuer_en} offers you your withholding slip as a digital credential. Scan the QR code
(or open the link) we sent you separately with your wallet and enter this code:

  Transaction code: {tx_code}

Keep this code to yourself. After {attempts} wrong attempts the offer is locked.

(offer {offer_id})
"""


def letter_text(service: IssuerService, name: str, offer: IssuedOffer) -> str:
    """Return the tx_code letter (ja/en) for one person, to send apart from the offer."""
    return LETTER.format(
        name=name,
        issuer_ja=service.settings.name.ja,
        issuer_en=service.settings.name.en,
        tx_code=offer.tx_code,
        attempts=service.settings.tx_code_max_attempts,
        offer_id=offer.offer_id,
    )


def write_outputs(
    service: IssuerService,
    report: ImportReport,
    *,
    offers_dir: Path,
    tx_codes_dir: Path,
    qr: str | None = "png",
) -> None:
    """Write offers (offers.csv, QR files) and tx_codes (tx-codes.csv, letters) apart.

    All or nothing: QR files and letters first, then each CSV replaced whole with its new
    rows appended. On any failure the files are put back as they were and the offers of
    ``report.created`` are withdrawn (their links were never handed out), so running the
    import again creates them anew.
    """
    new_files: list[Path] = []
    replaced: list[tuple[Path, bytes | None]] = []
    try:
        offers_dir.mkdir(parents=True, exist_ok=True)
        tx_codes_dir.mkdir(parents=True, exist_ok=True)
        offer_rows: list[tuple[Any, ...]] = []
        tx_rows: list[tuple[Any, ...]] = []
        for item in report.created:
            qr_name = ""
            if qr is not None:
                qr_path = offers_dir / "qr" / f"{item.offer.offer_id}.{qr}"
                new_files.append(qr_path)
                write_qr(item.offer.offer_uri, qr_path)
                qr_name = str(qr_path.relative_to(offers_dir))
            offer_rows.append(
                (item.line, item.name, item.offer.offer_id, item.offer.offer_uri, qr_name)
            )
            letter = tx_codes_dir / "letters" / f"{item.offer.offer_id}.txt"
            letter.parent.mkdir(parents=True, exist_ok=True)
            new_files.append(letter)
            letter.write_text(letter_text(service, item.name, item.offer), encoding="utf-8")
            tx_rows.append(
                (
                    item.line,
                    item.name,
                    item.offer.offer_id,
                    item.offer.tx_code,
                    str(letter.relative_to(tx_codes_dir)),
                )
            )
        for path, header, rows in (
            (offers_dir / "offers.csv", OFFERS_HEADER, offer_rows),
            (tx_codes_dir / "tx-codes.csv", TX_CODES_HEADER, tx_rows),
        ):
            old = path.read_bytes() if path.exists() else None
            _replace(path, (old if old is not None else _csv([header])) + _csv(rows))
            replaced.append((path, old))
    except BaseException:
        for path, old in reversed(replaced):
            if old is None:
                path.unlink(missing_ok=True)
            else:
                _replace(path, old)
        for path in new_files:
            path.unlink(missing_ok=True)
        service.repository.withdraw_offers([item.offer.offer_id for item in report.created])
        raise


def _csv(rows: list[tuple[Any, ...]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

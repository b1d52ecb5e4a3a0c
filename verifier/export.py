"""Payroll export of verified withholding-slip results, as CSV and JSON (payroll import).

Only the items the purpose asked for and the wallet disclosed are present; column names are
the credential type's claim paths joined with ``_`` so a payroll import maps them once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from verifier.purposes import purpose

META_COLUMNS = (
    "transaction_id",
    "purpose",
    "received_at",
    "issuer_entity_id",
    "issuer_name_ja",
    "issuer_name_en",
    "issuer_corporate_number",
    "pseudonym",
)


def claim_columns(purpose_id: str) -> list[str]:
    """Return the claim columns of a purpose, in its query's order, leaves expanded."""
    chosen = purpose(purpose_id)
    ctype = chosen.credential_type
    leaves = [info.path for info in ctype.claims()]
    columns: list[str] = []
    for requested in chosen.requested_paths:
        for leaf in leaves:
            if tuple(leaf[: len(requested)]) == tuple(requested) and not any(
                other != leaf and tuple(other[: len(leaf)]) == tuple(leaf) for other in leaves
            ):
                columns.append("_".join(map(str, leaf)))
    return columns


def payroll_record(result: dict[str, Any]) -> dict[str, Any]:
    """Return one flat payroll record of a verified result (claim paths joined by ``_``)."""
    issuer = result.get("issuer") or {}
    record: dict[str, Any] = {
        "transaction_id": result["transaction_id"],
        "purpose": result["purpose"],
        "received_at": result.get("received_at"),
        "issuer_entity_id": issuer.get("entity_id"),
        "issuer_name_ja": (issuer.get("name") or {}).get("ja"),
        "issuer_name_en": (issuer.get("name") or {}).get("en"),
        "issuer_corporate_number": issuer.get("corporate_number"),
        "pseudonym": result.get("pseudonym"),
    }
    for path, value in result.get("claims", {}).items():
        record[path.replace("/", "_")] = value
    return record


def export_csv(results: Sequence[dict[str, Any]]) -> str:
    """Return verified results as CSV: one header line, one line per transaction."""
    if not results:
        return ""
    columns = [*META_COLUMNS, *claim_columns(results[0]["purpose"])]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for result in results:
        record = payroll_record(result)
        writer.writerow({c: "" if record.get(c) is None else record[c] for c in columns})
    return out.getvalue()


def export_json(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Return verified results as a JSON document for payroll import."""
    return {"format": "honnin-payroll-import/1", "records": [payroll_record(r) for r in results]}


__all__ = ["claim_columns", "export_csv", "export_json", "payroll_record"]

"""The operator's side of the transparency log: read, append and re-sign ``log.json``."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from specs.encoding import parse_json_object
from specs.trustlist.log import LogEntry, append_entry, check_chain, parse_log_entry, sign_log
from trustlist.operator import Operator

LOG_FILE = "log.json"


def read_log_entries(path: Path) -> tuple[LogEntry, ...]:
    """Read the entries of a published log file (empty when it does not exist yet)."""
    if not path.exists():
        return ()
    document = parse_json_object(path.read_bytes(), what=str(path))
    entries = tuple(parse_log_entry(item, i) for i, item in enumerate(document.get("entries", [])))
    check_chain(entries)
    return entries


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and rename (readers never see half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
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


def logged(
    path: Path,
    operator: Operator,
    *,
    sequence_number: int,
    issued_at: datetime,
    list_digest: str,
    signed_at: datetime,
) -> dict[str, Any]:
    """Return the log at ``path`` with a published list appended and a fresh signed head."""
    entries = append_entry(
        read_log_entries(path),
        sequence_number=sequence_number,
        issued_at=issued_at,
        list_digest=list_digest,
    )
    return sign_log(entries, operator.signer, operator.chain, signed_at)


def log_bytes(document: dict[str, Any]) -> bytes:
    """The file form of a log document."""
    return (json.dumps(document, indent=1) + "\n").encode("utf-8")


def append_to_log(
    path: Path,
    operator: Operator,
    *,
    sequence_number: int,
    issued_at: datetime,
    list_digest: str,
    signed_at: datetime,
) -> dict[str, Any]:
    """Append a published list to the log at ``path`` and write it with a fresh signed head."""
    document = logged(
        path,
        operator,
        sequence_number=sequence_number,
        issued_at=issued_at,
        list_digest=list_digest,
        signed_at=signed_at,
    )
    write_atomic(path, log_bytes(document))
    return document

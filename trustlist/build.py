"""Build a trust list from an operator directory, sign it and publish it as static files.

``publish`` writes into ``public/``: ``trustlist.jws`` (the current list),
``versions/<sequence>.jws`` (every version, for diffs), ``log.json`` (the transparency log
with a signed head) and ``operator.pem`` (the anchor clients pin). Private keys never
leave ``operator/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from specs.credentials.check_digits import check_corporate_number
from specs.errors import Rollback
from specs.ports import Clock
from specs.trustlist import constants as c
from specs.trustlist.canonical import token_digest
from specs.trustlist.model import CorporateNumberCheck, format_time
from specs.trustlist.signature import sign_trust_list
from trustlist.operator import certificate_pem, load_operator
from trustlist.source import read_entities, read_scheme
from trustlist.transparency import LOG_FILE, log_bytes, logged, read_log_entries, write_atomic

PUBLIC_DIR = "public"
LIST_FILE = "trustlist.jws"
VERSIONS_DIR = "versions"
ANCHOR_FILE = "operator.pem"


@dataclass(frozen=True, slots=True)
class Published:
    """What ``publish`` wrote."""

    token: str
    sequence_number: int
    digest: str
    list_path: Path
    log_path: Path


def build_document(
    directory: Path,
    *,
    sequence_number: int,
    issued_at: datetime,
    next_update: datetime | None = None,
) -> dict[str, Any]:
    """Assemble the (unsigned) trust-list document from the source files."""
    scheme = read_scheme(directory)
    if next_update is None:
        next_update = issued_at + timedelta(days=scheme.next_update_days)
    entities = read_entities(directory)
    return {
        c.LIST_AND_SCHEME_INFORMATION: {
            c.VERSION: c.LOTE_VERSION_IDENTIFIER,
            c.SEQUENCE_NUMBER: sequence_number,
            c.TYPE: c.LOTE_TYPE,
            c.OPERATOR_NAME: {
                "ja": scheme.scheme_operator_name.ja,
                "en": scheme.scheme_operator_name.en,
            },
            c.TERRITORY: scheme.scheme_territory,
            c.POLICY: scheme.policy_or_legal_notice,
            c.ISSUE_TIME: format_time(issued_at),
            c.NEXT_UPDATE: format_time(next_update),
            c.DISTRIBUTION_POINTS: list(scheme.distribution_points),
        },
        **entities,
    }


def publish(
    directory: Path,
    clock: Clock,
    *,
    sequence_number: int | None = None,
    next_update: datetime | None = None,
    corporate_number_check: CorporateNumberCheck = check_corporate_number,
) -> Published:
    """Build, sign and publish the next version of the list; append it to the log."""
    public = directory / PUBLIC_DIR
    log_path = public / LOG_FILE
    entries = read_log_entries(log_path)
    last = entries[-1].sequence_number if entries else 0
    if sequence_number is None:
        sequence_number = last + 1
    if sequence_number <= last:
        raise Rollback(f"sequence number {sequence_number} is not above the last published {last}")
    now = clock.now().replace(microsecond=0)
    document = build_document(
        directory, sequence_number=sequence_number, issued_at=now, next_update=next_update
    )
    operator = load_operator(directory)
    token = sign_trust_list(
        document, operator.signer, operator.chain, corporate_number_check=corporate_number_check
    )
    digest = token_digest(token)
    data = (token + "\n").encode("ascii")
    log = logged(
        log_path,
        operator,
        sequence_number=sequence_number,
        issued_at=now,
        list_digest=digest,
        signed_at=now,
    )
    # Everything is signed before anything is written. Clients require the list to be the
    # newest log entry (check_list_logged), so the log and the list change together: a
    # failed write puts back the files already replaced.
    _replace_all(
        [
            (public / VERSIONS_DIR / f"{sequence_number}.jws", data),
            (log_path, log_bytes(log)),
            (public / LIST_FILE, data),
            (public / ANCHOR_FILE, certificate_pem(operator.chain[-1])),
        ]
    )
    return Published(
        token=token,
        sequence_number=sequence_number,
        digest=digest,
        list_path=public / LIST_FILE,
        log_path=log_path,
    )


def _replace_all(files: list[tuple[Path, bytes]]) -> None:
    """Replace each file atomically, in order; on a failure restore those already replaced."""
    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, data in files:
            old = path.read_bytes() if path.is_file() else None
            write_atomic(path, data)
            done.append((path, old))
    except BaseException:
        for path, old in reversed(done):
            if old is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, old)
        raise

"""The payroll CSV format: one withholding slip per row, read by the issuer's bulk import.

Pure function over text. UTF-8 (a leading BOM is accepted), RFC 4180 quoting, a header row
naming columns by claim path (``recipient.name``, ``payer.corporate_number``, see
``payroll_columns()`` and ``examples/README.md``), one person per row. Every bad row is
reported by line number and column; good rows are returned regardless.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from specs.credentials.definition import ClaimInfo, claims_of, leaf_rules
from specs.credentials.era import era_of_year, parse_era_year, to_gregorian_year
from specs.credentials.values import Choice, Date, Flag, Integer, Kana, ValueRule
from specs.credentials.withholding_slip import (
    WITHHOLDING_SLIP_V1,
    Payer,
    WithholdingSlip,
)
from specs.errors import HonninError, LimitExceeded, MalformedInput, ValidationError
from specs.limits import DEFAULT_LIMITS, Limits

_BOM = "\ufeff"
_INTEGER = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)$")
_SLASH_DATE = re.compile(r"^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})$")
_HALF_WIDTH_KANA = re.compile(r"[\uff61-\uff9f]+")
_TRUE = frozenset({"true", "1", "有", "yes"})
_FALSE = frozenset({"false", "0", "無", "no"})
# Japanese spellings a payroll export may use for the enumerated claims.
_CHOICE_ALIASES: dict[str, str] = {
    "就職": "hire",
    "退職": "leave",
    "一般": "ordinary",
    "特別": "special",
}
_SEP = "."


@dataclass(frozen=True, slots=True)
class PayrollRow:
    """A valid row: its line number in the file and the slip it describes."""

    line: int
    slip: WithholdingSlip


@dataclass(frozen=True, slots=True)
class PayrollRowError:
    """A problem of one row: line number, column (None for the whole row) and the error."""

    line: int
    column: str | None
    error: HonninError

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready description of the problem."""
        return {"line": self.line, "column": self.column, **self.error.to_dict()}


@dataclass(frozen=True, slots=True)
class PayrollImport:
    """The result of reading a payroll CSV: the valid rows and every problem found."""

    rows: tuple[PayrollRow, ...]
    errors: tuple[PayrollRowError, ...]


def _leaf_claims() -> dict[str, ClaimInfo]:
    parents = {info.path[:-1] for info in WITHHOLDING_SLIP_V1.claims()}
    return {
        _SEP.join(info.path): info
        for info in WITHHOLDING_SLIP_V1.claims()
        if info.path not in parents
    }


def payroll_columns() -> tuple[str, ...]:
    """Return every column name the payroll CSV accepts, in form order."""
    return tuple(_leaf_claims())


def required_payroll_columns(*, payer_given: bool) -> tuple[str, ...]:
    """Return the columns a header must have (payer columns only when no payer is given)."""
    out = []
    for name, info in _leaf_claims().items():
        if not info.mandatory or name == "tax_year_era":
            continue
        if payer_given and info.path[0] == "payer":
            continue
        out.append(name)
    return tuple(out)


def _rules() -> dict[str, ValueRule]:
    return {_SEP.join(path): rule for path, rule in leaf_rules(WithholdingSlip).items()}


def _cell_value(column: str, rule: ValueRule, cell: str) -> Any:
    """Convert one non-empty cell to its JSON claim value; raise ValidationError."""
    if column == "tax_year" and not cell.isdigit():
        # The year may be written in the Japanese era (令和8年, R8).
        return to_gregorian_year(parse_era_year(cell))
    if isinstance(rule, Integer):
        if cell.startswith("-"):
            raise ValidationError("must not be negative")
        if not _INTEGER.match(cell):
            raise ValidationError("must be a whole number such as 1234567 or 1,234,567")
        return int(cell.replace(",", ""))
    if isinstance(rule, Flag):
        lowered = cell.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValidationError("must be true or false (1/0, 有/無)")
    if isinstance(rule, Date):
        match = _SLASH_DATE.match(cell)
        if match:
            return f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}"
        return cell
    if isinstance(rule, Choice):
        return _CHOICE_ALIASES.get(cell, cell)
    if isinstance(rule, Kana):
        # Payroll systems often export half-width kana (ｻﾄｳ ﾊﾅｺ): widen it (NFKC joins the
        # voiced marks) and use the full-width space between family and given name.
        widened = _HALF_WIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m[0]), cell)
        return widened.replace(" ", "\u3000")
    return cell


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, value in flat.items():
        *parents, leaf = column.split(_SEP)
        node = out
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return out


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous = 0
    try:
        for record in reader:
            yield previous + 1, record
            previous = reader.line_num
    except csv.Error as exc:
        raise MalformedInput(f"payroll CSV line {reader.line_num}: {exc}") from exc


def parse_payroll_csv(
    data: str | bytes, *, payer: Payer | None = None, limits: Limits = DEFAULT_LIMITS
) -> PayrollImport:
    """Read a payroll CSV into withholding slips, reporting every bad row by line and column.

    ``payer`` fills the payer columns a row leaves out (a bulk import issues for one
    employer). The whole file is rejected only when it is not UTF-8 CSV, too large, or its
    header is wrong; otherwise bad rows are reported and the other rows still returned.
    """
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > limits.max_payroll_csv_bytes:
        raise LimitExceeded(f"payroll CSV is larger than {limits.max_payroll_csv_bytes} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedInput(
                f"payroll CSV is not UTF-8 (byte {exc.start}); save it as UTF-8 (BOM allowed)"
            ) from exc
    data = data.removeprefix(_BOM)
    records = _records(data)
    first = next(records, None)
    if first is None or not any(c.strip() for c in first[1]):
        raise MalformedInput("payroll CSV has no header row")
    header = [c.strip() for c in first[1]]
    rules = _rules()
    leaves = _leaf_claims()
    unknown = [c for c in header if c not in rules]
    if unknown:
        raise MalformedInput(
            f"payroll CSV header has unknown columns: {', '.join(unknown)}",
            claim_path=[unknown[0]],
        )
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise MalformedInput(f"payroll CSV header repeats columns: {', '.join(duplicated)}")
    missing = [
        c for c in required_payroll_columns(payer_given=payer is not None) if c not in header
    ]
    if missing:
        raise MalformedInput(f"payroll CSV header lacks columns: {', '.join(missing)}")
    payer_claims = claims_of(payer) if payer is not None else {}

    rows: list[PayrollRow] = []
    errors: list[PayrollRowError] = []
    count = 0
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue  # blank lines are not people
        count += 1
        if count > limits.max_payroll_rows:
            raise LimitExceeded(f"payroll CSV has more than {limits.max_payroll_rows} rows")
        if len(record) != len(header):
            errors.append(
                PayrollRowError(
                    line,
                    None,
                    MalformedInput(f"row has {len(record)} cells, the header has {len(header)}"),
                )
            )
            continue
        flat: dict[str, Any] = {}
        row_errors: list[PayrollRowError] = []
        for column, cell in zip(header, record, strict=True):
            cell = cell.strip()
            if not cell:
                continue
            try:
                flat[column] = _cell_value(column, rules[column], cell)
            except ValidationError as exc:
                info = leaves[column]
                row_errors.append(
                    PayrollRowError(
                        line,
                        column,
                        ValidationError(f"{info.label()}: {exc.detail}", claim_path=info.path),
                    )
                )
        claims = _nest(flat)
        for key, value in payer_claims.items():
            claims.setdefault("payer", {}).setdefault(key, value)
        if "tax_year_era" not in claims and isinstance(claims.get("tax_year"), int):
            year = claims["tax_year"]
            if 1989 <= year <= 9999:
                claims["tax_year_era"] = str(era_of_year(year))
        if row_errors:
            # Report the other cells' value rules too, so one pass shows every fix needed.
            failed = {e.column for e in row_errors}
            for problem in WITHHOLDING_SLIP_V1.field_problems(claims):
                where = _SEP.join(str(p) for p in problem.claim_path or ())
                derived = where == "tax_year_era" and where not in header
                if where not in failed and not derived:
                    row_errors.append(PayrollRowError(line, where or None, problem))
            errors.extend(row_errors)
            continue
        problems = WITHHOLDING_SLIP_V1.problems(claims)
        if problems:
            for problem in problems:
                path = problem.claim_path or ()
                column = _SEP.join(str(p) for p in path)
                errors.append(PayrollRowError(line, column or None, problem))
            continue
        rows.append(PayrollRow(line, WITHHOLDING_SLIP_V1.parse(claims)))
    return PayrollImport(tuple(rows), tuple(errors))


def write_payroll_csv(
    slips: list[WithholdingSlip], *, columns: tuple[str, ...] | None = None, bom: bool = False
) -> str:
    """Return the payroll CSV text (header, one row per slip) of ``slips``; all columns by default."""
    columns = payroll_columns() if columns is None else columns
    unknown = [c for c in columns if c not in payroll_columns()]
    if unknown:
        raise MalformedInput(f"unknown payroll CSV columns: {', '.join(unknown)}")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for slip in slips:
        claims = WITHHOLDING_SLIP_V1.to_claims(slip)
        row = []
        for column in columns:
            node: Any = claims
            for part in column.split(_SEP):
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, bool):
                row.append("true" if node else "false")
            else:
                row.append("" if node is None else str(node))
        writer.writerow(row)
    return (_BOM if bom else "") + out.getvalue()


__all__ = [
    "PayrollImport",
    "PayrollRow",
    "PayrollRowError",
    "parse_payroll_csv",
    "payroll_columns",
    "required_payroll_columns",
    "write_payroll_csv",
]

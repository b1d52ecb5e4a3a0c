"""The payroll CSV format: header, one person per row, every bad row by line and column."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from honnin.sample_data import SampleData
from specs.credentials import Payer
from specs.credentials.payroll_csv import (
    parse_payroll_csv,
    payroll_columns,
    required_payroll_columns,
    write_payroll_csv,
)
from specs.errors import HonninError, LimitExceeded, MalformedInput, ValidationError
from specs.limits import Limits

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "payroll.csv"
HEADER = (
    "tax_year,recipient.address,recipient.name,recipient.name_kana,recipient.birth_date,"
    "payer.name,payer.corporate_number,payer.address,category,payment_amount,"
    "income_after_deduction,total_income_deductions,withheld_tax,mid_year_change.kind,"
    "mid_year_change.date"
)
GOOD = (
    "2026,東京都千代田区1-1,佐藤　花子,サトウ　ハナコ,1990-04-01,株式会社エー,7000012050002,"
    "東京都港区1-2-3,給料・賞与,3000000,2020000,800000,60000,leave,2026-06-30"
)


def csv(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def test_example_file_parses_without_errors() -> None:
    result = parse_payroll_csv(EXAMPLE.read_bytes())
    assert result.errors == ()
    assert [row.line for row in result.rows] == [2, 3, 4]
    assert all(row.slip.payer.corporate_number == "1107501335003" for row in result.rows)
    assert result.rows[0].slip.mid_year_change is not None


def test_good_row() -> None:
    result = parse_payroll_csv(csv(GOOD))
    assert result.errors == ()
    (row,) = result.rows
    assert row.line == 2
    assert row.slip.tax_year_era == "令和8年"  # derived from tax_year
    assert row.slip.payment_amount == 3_000_000
    assert row.slip.recipient.name_kana == "サトウ　ハナコ"


def test_bom_and_bytes_accepted() -> None:
    text = "\ufeff" + csv(GOOD)
    assert len(parse_payroll_csv(text).rows) == 1
    assert len(parse_payroll_csv(text.encode("utf-8")).rows) == 1


def test_not_utf8_is_rejected() -> None:
    with pytest.raises(MalformedInput, match="UTF-8"):
        parse_payroll_csv(csv(GOOD).encode("shift_jis"))


def test_bad_rows_are_reported_by_line_and_column_and_others_still_imported() -> None:
    bad_kana = GOOD.replace("サトウ　ハナコ", "さとう　はなこ")
    bad_two = GOOD.replace("3000000", "-5").replace("1990-04-01", "1990-02-30")
    too_much_tax = GOOD.replace(",60000,", ",3000001,")
    bad_check_digit = GOOD.replace("7000012050002", "7000012050003")
    result = parse_payroll_csv(csv(GOOD, bad_kana, bad_two, too_much_tax, GOOD, bad_check_digit))
    assert [row.line for row in result.rows] == [2, 6]
    found = [(e.line, e.column, type(e.error)) for e in result.errors]
    assert found == [
        (3, "recipient.name_kana", ValidationError),
        (4, "payment_amount", ValidationError),
        (4, "recipient.birth_date", ValidationError),
        (5, "withheld_tax", ValidationError),
        (7, "payer.corporate_number", ValidationError),
    ]
    (kana,) = [e for e in result.errors if e.line == 3]
    assert "katakana" in kana.error.detail
    assert "フリガナ" in kana.error.detail
    assert kana.to_dict()["line"] == 3
    assert kana.to_dict()["claim_path"] == ["recipient", "name_kana"]
    assert "must not be negative" in result.errors[1].error.detail
    assert "支払金額" in result.errors[3].error.detail


def test_quoted_line_breaks_keep_line_numbers_right() -> None:
    header = HEADER + ",remarks"
    first = GOOD + ',"年末調整未済\n前職分なし"'
    second = GOOD.replace("3000000", "x") + ",メモ"
    result = parse_payroll_csv(csv(first, second, header=header))
    assert result.rows[0].slip.remarks == "年末調整未済\n前職分なし"
    assert [(e.line, e.column) for e in result.errors] == [(4, "payment_amount")]


def test_clerk_friendly_cells() -> None:
    row = (
        GOOD.replace("2026,", "令和8年,", 1)
        .replace("サトウ　ハナコ", "ｻﾄｳ ﾊﾅｺ")
        .replace("3000000", '"3,000,000"')
        .replace("1990-04-01", "1990/4/1")
        .replace("leave", "退職")
    )
    (parsed,) = parse_payroll_csv(csv(row)).rows
    assert parsed.slip.tax_year == 2026
    assert parsed.slip.recipient.name_kana == "サトウ　ハナコ"
    assert parsed.slip.payment_amount == 3_000_000
    assert parsed.slip.recipient.birth_date.isoformat() == "1990-04-01"
    assert parsed.slip.mid_year_change is not None
    assert parsed.slip.mid_year_change.kind == "leave"
    garbage = GOOD.replace("3000000", '"3,00,000"')
    (error,) = parse_payroll_csv(csv(garbage)).errors
    assert error.column == "payment_amount"


def test_era_tax_year_that_never_existed() -> None:
    result = parse_payroll_csv(csv(GOOD.replace("2026,", "平成40年,", 1)))
    (error,) = result.errors
    assert (error.line, error.column) == (2, "tax_year")
    assert isinstance(error.error, ValidationError)


def test_wrong_cell_count_is_a_row_error() -> None:
    result = parse_payroll_csv(csv(GOOD + ",extra", GOOD))
    assert [(e.line, e.column, type(e.error)) for e in result.errors] == [(2, None, MalformedInput)]
    assert [r.line for r in result.rows] == [3]


def test_blank_lines_are_skipped() -> None:
    result = parse_payroll_csv(csv(GOOD, "", ",,,,,,,,,,,,,,", GOOD))
    assert [r.line for r in result.rows] == [2, 5]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (HEADER + ",my_number", "unknown"),
        (HEADER + ",tax_year", "repeats"),
        (HEADER.replace("withheld_tax,", ""), "lacks"),
        ("", "no header"),
    ],
)
def test_header_errors_reject_the_file(header: str, message: str) -> None:
    with pytest.raises(MalformedInput, match=message):
        parse_payroll_csv(header + "\r\n" + GOOD + "\r\n")


def test_payer_given_by_the_import() -> None:
    payer = Payer("株式会社エー", "7000012050002", "東京都港区1-2-3", "03-1234-5678")
    header = ",".join(c for c in HEADER.split(",") if not c.startswith("payer."))
    cells = GOOD.split(",")
    row = ",".join(
        c for c, h in zip(cells, HEADER.split(","), strict=True) if not h.startswith("payer.")
    )
    (parsed,) = parse_payroll_csv(csv(row, header=header), payer=payer).rows
    assert parsed.slip.payer == payer
    with pytest.raises(MalformedInput, match="lacks"):
        parse_payroll_csv(csv(row, header=header))
    assert "payer.name" in required_payroll_columns(payer_given=False)
    assert "payer.name" not in required_payroll_columns(payer_given=True)


def test_no_my_number_column() -> None:
    assert not [c for c in payroll_columns() if "individual" in c or "my_number" in c]


def test_limits() -> None:
    text = csv(GOOD, GOOD, GOOD)
    with pytest.raises(LimitExceeded):
        parse_payroll_csv(text, limits=Limits(max_payroll_rows=2))
    assert len(parse_payroll_csv(text, limits=Limits(max_payroll_rows=3)).rows) == 3
    with pytest.raises(LimitExceeded):
        parse_payroll_csv(text, limits=Limits(max_payroll_csv_bytes=len(text.encode()) - 1))
    with pytest.raises(LimitExceeded):
        parse_payroll_csv(text.encode(), limits=Limits(max_payroll_csv_bytes=100))


def test_unterminated_quote_rejects_the_file() -> None:
    with pytest.raises(MalformedInput):
        parse_payroll_csv(csv(GOOD + ',"open'), limits=Limits())


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.booleans())
def test_round_trip_of_generated_payroll(seed: int, bom: bool) -> None:
    slips = SampleData(seed).payroll(4)
    result = parse_payroll_csv(write_payroll_csv(slips, bom=bom))
    assert result.errors == ()
    assert [row.slip for row in result.rows] == slips
    assert [row.line for row in result.rows] == [2, 3, 4, 5]


def test_write_rejects_unknown_columns() -> None:
    with pytest.raises(MalformedInput):
        write_payroll_csv([], columns=("tax_year", "salary"))


def test_one_changed_slip_changes_one_row() -> None:
    slips = SampleData(5).payroll(3)
    changed = [slips[0], replace(slips[1], withheld_tax=slips[1].payment_amount + 1), slips[2]]
    result = parse_payroll_csv(write_payroll_csv(changed))
    assert [r.line for r in result.rows] == [2, 4]
    assert [(e.line, e.column) for e in result.errors] == [(3, "withheld_tax")]


_CSV_CHARS = st.sampled_from(list(',"\r\n\ufeffaア1-.') + HEADER.split(",")[:4])


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.lists(_CSV_CHARS, max_size=40).map("".join), st.binary(max_size=60)))
def test_arbitrary_input_raises_only_honnin_errors(data: str | bytes) -> None:
    with contextlib.suppress(HonninError):
        parse_payroll_csv(data)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=8), min_size=15, max_size=15))
def test_arbitrary_cells_never_crash(cells: list[str]) -> None:
    import csv as csv_module
    import io

    out = io.StringIO()
    csv_module.writer(out).writerow(cells)
    result = parse_payroll_csv(HEADER + "\r\n" + out.getvalue())
    assert len(result.rows) + len({e.line for e in result.errors}) <= 1

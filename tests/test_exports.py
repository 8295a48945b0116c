"""Tables out: one function writes any table as CSV or Excel; figures rounded, words not codes,
formula-like text neutralised, nothing missing shown as nan or None."""
from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from openpyxl import load_workbook

from metrics import exports
from metrics.exports import ExportError, neutralise, table_file


def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe():
    assert neutralise("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert neutralise("+44 1622") == "'+44 1622"
    assert neutralise("-1+2") == "'-1+2"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("Review 101 staffing") == "Review 101 staffing"
    # Numbers stay numbers, a negative one too; a missing value is an empty cell.
    assert neutralise(-5.2) == -5.2 and neutralise(None) == "" and neutralise(math.nan) == ""


def test_the_csv_has_a_byte_order_mark_for_excel_and_no_nan():
    frame = pd.DataFrame({"Measure": ["=cmd|' /C calc'!A0", "Crimes"], "Actual": [82.8, None]})
    text = table_file(frame, "csv").decode("utf-8")
    assert text.startswith("\ufeff")
    assert text.lstrip("\ufeff").splitlines() == ["Measure,Actual", "'=cmd|' /C calc'!A0,82.8", "Crimes,"]
    assert "nan" not in text and "None" not in text


def test_the_excel_file_holds_the_same_cells_with_numbers_as_numbers():
    frame = pd.DataFrame({"Measure": ["@evil", "Crimes"], "Actual": [82.8, 1234], "Status": ["Green", "Red"]})
    book = load_workbook(io.BytesIO(table_file(frame, "xlsx", "Score/card")))
    sheet = book.active
    assert sheet.title == "Scorecard"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Measure", "Actual", "Status"], ["'@evil", 82.8, "Green"], ["Crimes", 1234, "Red"]]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"


def test_an_unknown_kind_of_file_is_refused_by_name():
    with pytest.raises(ExportError, match="csv or xlsx, not 'pdf'"):
        table_file(pd.DataFrame({"a": [1]}), "pdf")


def test_figures_are_rounded_to_their_unit():
    assert exports.rounded(89.52572819608831, "percent") == 89.5
    assert exports.rounded(8399.6, "count") == 8400 and isinstance(exports.rounded(8399.6, "count"), int)
    assert exports.rounded(None, "count") is None


def test_the_scorecard_table_has_titles_rounded_figures_units_and_status_words(status_of, small_plan):
    from tests.conftest import monthly
    rows = status_of(small_plan, monthly("calls_999_10s", "2006-04", [88.123456] * 12), "2007-03")
    frame = pd.DataFrame([rows[("calls_999_10s", "force")]])
    table = exports.scorecard_table(frame, small_plan)
    row = table.iloc[0].to_dict()
    measure = small_plan.measure("calls_999_10s")
    assert row["Measure"] == measure.title and row["Unit"] == "%"
    assert row["Actual"] == 88.1
    assert row["Status"] in {"Green", "Amber", "Red", "No target", "No data"}
    assert row["Last figures"] == "March 2007"
    text = table_file(table, "csv").decode("utf-8-sig")
    assert "88.123" not in text and "calls_999_10s" not in text and "nan" not in text and "None" not in text


def test_the_action_log_table_has_uk_dates_measure_titles_and_state_words(fresh_store, small_plan):
    from metrics import workflow
    workflow.raise_action(fresh_store, "2006-10-12", "=Review staffing", "ACC Operations", "2006-12-31",
                          ["calls_999_10s"], "Board")
    import datetime as dt
    table = exports.actions_table(workflow.action_log(fresh_store, on=dt.date(2007, 1, 2)), small_plan)
    assert table.iloc[0].to_dict() == {
        "No.": 1, "Raised": "12 October 2006", "Action": "=Review staffing", "Owner": "ACC Operations",
        "Due": "31 December 2006", "Measures": small_plan.measure("calls_999_10s").title, "Status": "Overdue",
        "How it was discharged": ""}
    assert "'=Review staffing" in table_file(table, "csv").decode("utf-8-sig")

"""The status columns' documentation: one list in metrics/status_columns.csv, the page generated from it."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from metrics import status_columns, store
from metrics.cli import main
from metrics.loading import load_figures
from tests.conftest import figures_file, monthly

DOC = Path(__file__).resolve().parent.parent / "docs" / "status-columns.md"


def test_the_docs_page_is_what_the_list_generates():
    expected = status_columns.markdown(*status_columns.printed_columns())
    assert DOC.read_text() == expected, (
        "docs/status-columns.md is out of date: run python -m metrics.status_columns > docs/status-columns.md")


def test_every_column_the_status_command_prints_is_documented(tmp_path, small_plan, plan_file, db_path, capsys):
    conn = store.connect(db_path)
    load_figures(conn, small_plan, figures_file(tmp_path, monthly("calls_999_10s", "2005-04", [(95, 100)] * 24)))
    conn.close()
    common = ["status", "--config", str(plan_file), "--db", str(db_path), "--as-of", "2007-03"]
    assert main(common + ["--format", "csv"]) == 0
    header = next(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert main(common + ["--format", "json"]) == 0
    printed = list(json.loads(capsys.readouterr().out)[0])
    # Every printed column has an entry, and every entry is a column the command prints.
    assert set(printed) == set(status_columns.BY_NAME)
    assert (header, printed) == status_columns.printed_columns()
    assert all(c.unit and c.meaning for c in status_columns.COLUMNS)


def test_a_coded_column_lists_each_code_with_its_word():
    page = DOC.read_text()
    assert "  - `red`: Red. Misses the target by more than the tolerance." in page
    assert "  - empty: No comparison." in page  # a trend with no year-ago figures is empty, not "None"
    assert "  - `two_of_three`: 2 of 3 points beyond the 2-sigma line" in page

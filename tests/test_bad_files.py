"""The corpus of bad files in tests/bad_files: each gets the error a user should see, names its row
and column, and leaves the store exactly as it was. The awkward good files in tests/good_files load."""
from pathlib import Path

import pytest

from conftest import figures_file, monthly
from metrics import store
from metrics.loading import FiguresError, current_month, load_figures
from metrics.plan import load_plan
from metrics.row_checks import row_checks

HERE = Path(__file__).resolve().parent
PLAN = load_plan(HERE.parent / "config" / "targets.yaml")

EXPECTED = {
    "wrong_headers.csv": (1, "-", "no measure_id column (headers: what, when, amount)"),
    "unknown_measure.csv": (2, "measure_id", 'unknown measure "calls_999_1"; did you mean calls_999_10s?'),
    "unknown_area.csv": (2, "area", 'unknown area "kent"'),
    "bad_period.csv": (2, "period", '"2005-13" is not a month: the month must be 01 to 12'),
    "text_in_number.csv": (2, "value", '"seven hundred" is not a number (accepted: 94.2%, 1,234, 49:20, £1.9m, blank, n/a)'),
    "percent_140.csv": (2, "value", "a percent must be between 0 and 100, not 140%"),
    "negative_count.csv": (2, "value", "a count cannot be negative (-12)"),
    "duplicate_rows.csv": (3, "period", "is also on row 2"),
    "zero_denominator.csv": (2, "denominator", "the denominator is zero"),
    "empty.csv": (1, "-", "the file is empty"),
    "headers_only.csv": (2, "-", "the file has headers but no figures"),
    "not_a_spreadsheet.csv": (1, "-", "this is not a CSV text file"),
    "not_really_excel.xlsx": (1, "-", "this is not an Excel workbook"),
    "wrong_sheet.xlsx": (1, "-", 'read from sheet "Notes"; the workbook\'s sheets: Notes, April'),
    "mixed_shapes.csv": (1, "-", "mixed shapes"),
    "no_value_column.csv": (1, "-", "needs a value column"),
    "numerator_only.csv": (2, "denominator", "is a ratio: give both numerator and denominator"),
    "hours_on_a_count.csv": (2, "value", "hours:minutes is only for hours"),
    "bad_hours_minutes.csv": (2, "value", '"5:75" is not a number'),
    "future_month.csv": (2, "period", "the period 2090-03 is after the current month"),
    "long_note.csv": (2, "note", "the note is 2500 characters long; a note may have at most 2,000 characters"),
    "police_uk_bad_month.csv": (2, "Month", '"2008-13" is not a month'),
    "percent_sign_on_a_count.csv": (2, "value", '"12%" is a percent, but measure pcsos_in_post is in count'),
    "numerator_not_a_number.csv": (2, "numerator", '"nine hundred" is not a number'),
    "denominator_not_a_number.csv": (2, "denominator", '"a thousand" is not a number'),
    "negative_numerator.csv": (2, "numerator", "a numerator cannot be negative (-940)"),
    "negative_denominator.csv": (2, "denominator", "a denominator cannot be negative (-100)"),
    "numerator_over_denominator.csv": (2, "numerator", "the numerator is larger than the denominator"),
    "ratio_parts_on_a_count.csv": (2, "numerator", "measure pcsos_in_post is not a ratio: give a value"),
}

# The bad file that shows each of the loader's row checks (metrics/row_checks.py) at work.
FILE_FOR_CHECK = {
    "unknown_measure": "unknown_measure.csv", "unknown_area": "unknown_area.csv", "bad_period": "bad_period.csv",
    "future_month": "future_month.csv", "not_a_number": "text_in_number.csv",
    "percent_sign_off_percent": "percent_sign_on_a_count.csv", "percent_out_of_range": "percent_140.csv",
    "negative_count": "negative_count.csv", "numerator_not_a_number": "numerator_not_a_number.csv",
    "denominator_not_a_number": "denominator_not_a_number.csv", "zero_denominator": "zero_denominator.csv",
    "negative_numerator": "negative_numerator.csv", "negative_denominator": "negative_denominator.csv",
    "numerator_over_denominator": "numerator_over_denominator.csv",
    "ratio_part_missing": "numerator_only.csv", "ratio_parts_on_a_value_measure": "ratio_parts_on_a_count.csv",
    "long_note": "long_note.csv",
}


@pytest.fixture
def loaded_store(tmp_path):
    conn = store.connect(tmp_path / "store.duckdb")
    load_figures(conn, PLAN, figures_file(tmp_path, monthly("nte_crimes", "2006-01", ["650", "640", "700"])))
    yield conn
    conn.close()


def snapshot(conn):
    return {table: conn.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in ("figures", "revisions", "loads")}


def test_every_row_check_has_a_bad_file_in_the_corpus():
    names = [check.name for check in row_checks(now=current_month(), allow_future=False)]
    assert sorted(FILE_FOR_CHECK) == sorted(names)
    assert set(FILE_FOR_CHECK.values()) <= set(EXPECTED)


def test_the_corpus_has_a_file_for_every_expected_error():
    assert sorted(p.name for p in (HERE / "bad_files").iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_bad_file_gets_its_error_and_changes_nothing(loaded_store, name):
    before = snapshot(loaded_store)
    with pytest.raises(FiguresError) as caught:
        load_figures(loaded_store, PLAN, HERE / "bad_files" / name)
    row, column, reason = EXPECTED[name]
    first = caught.value.problems[0]
    assert (first.row, first.column) == (row, column) and reason in first.reason, str(first)
    assert str(first).startswith(str(HERE / "bad_files" / name))
    assert snapshot(loaded_store) == before


def test_every_bad_police_uk_row_is_its_own_problem(loaded_store):
    with pytest.raises(FiguresError) as caught:
        load_figures(loaded_store, PLAN, HERE / "bad_files" / "police_uk_bad_month.csv")
    assert [p.row for p in caught.value.problems] == [2, 3]


def test_a_byte_order_mark_is_ignored(loaded_store):
    result = load_figures(loaded_store, PLAN, HERE / "good_files" / "bom.csv")
    assert result.added == 1


def test_semicolon_separated_files_load_with_a_decimal_comma(loaded_store):
    load_figures(loaded_store, PLAN, HERE / "good_files" / "semicolons_decimal_comma.csv")
    value = loaded_store.execute(
        "SELECT value FROM figures WHERE measure_id = 'officer_sickness_hours'").fetchone()[0]
    assert value == 5.5


def test_police_uk_street_crimes_load_as_monthly_counts_per_district(tmp_path, fresh_store):
    header = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
              "Crime type,Last outcome category,Context")
    rows = [
        "a1,2008-06,Kent Police,Kent Police,0.52,51.27,On or near High Street,E01024401,Maidstone 012A,Burglary,Under investigation,",
        "a2,2008-06,Kent Police,Kent Police,0.52,51.27,On or near Week Street,E01024402,Maidstone 012B,Vehicle crime,Under investigation,",
        ",2008-06,Kent Police,Kent Police,0.52,51.27,On or near Park,E01024402,Maidstone 012B,Anti-social behaviour,,",
        "a3,2008-06,Kent Police,Kent Police,1.18,51.08,On or near Sandgate Road,E01024500,Folkestone and Hythe 005B,Robbery,Awaiting court outcome,",
        "a4,2008-06,Kent Police,Kent Police,0.27,51.13,On or near Mount Pleasant,E01024700,Tunbridge Wells 003C,Violence and sexual offences,Unable to prosecute suspect,",
        "a5,2008-06,Kent Police,Kent Police,0.36,51.31,On or near Bull Lane,E01024800,Tonbridge and Malling 001A,Criminal damage and arson,Investigation complete; no suspect identified,",
        "a6,2008-06,Kent Police,Kent Police,,,No location,,,Burglary,Under investigation,",
        "a7,2008-06,Kent Police,Kent Police,0.52,51.27,On or near Shopping Area,E01024401,Maidstone 012A,Shoplifting,Offender given a caution,",
    ]
    path = tmp_path / "2008-06-kent-street.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    result = load_figures(fresh_store, PLAN, path)
    assert result.shape == "police_uk"
    counts = dict(fresh_store.execute("SELECT area, value FROM figures WHERE measure_id = 'bcs_comparator_crime'").fetchall())
    # Anti-social behaviour and shoplifting are not comparator crimes; a6 has no LSOA, so force only.
    # The other districts had none of these crimes that month: 0, not missing.
    assert {a: v for a, v in counts.items() if v} == {"force": 6, "maidstone": 2, "shepway": 1,
                                                       "tunbridge-wells": 1, "tonbridge-malling": 1}
    districts = {a.code for a in PLAN.areas if a.kind == "district"}
    assert set(counts) == districts | {"force"}


def test_a_police_uk_row_outside_every_district_is_named_when_strict(tmp_path, fresh_store):
    path = tmp_path / "street.csv"
    path.write_text("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                    "Crime type,Last outcome category,Context\n"
                    "b1,2008-06,Kent Police,Kent Police,0.1,51.4,On or near X,E01000001,Bexley 001A,Burglary,,\n")
    with pytest.raises(FiguresError, match='row 2, column LSOA name: LSOA "Bexley 001A" is outside the plan'):
        load_figures(fresh_store, PLAN, path, strict=True)


def test_a_ratio_given_only_as_a_percent_loads_and_months_are_averaged(tmp_path, fresh_store):
    """Analysts sometimes hold only the percentage. Each month is exact; a longer period averages
    the months, since there is nothing to re-sum (docs/how-status-is-worked-out.md)."""
    from metrics.engine import Engine
    from metrics.periods import parse_month
    path = tmp_path / "percent.csv"
    path.write_text("measure_id,period,value\ncalls_999_10s,2006-04,94.2%\ncalls_999_10s,2006-05,92.0%\n"
                    "calls_999_10s,2006-06,93.0%\n")
    load_figures(fresh_store, PLAN, path)
    engine = Engine(fresh_store, PLAN)
    month = engine.status(parse_month("2006-06"), "month").set_index("measure_id").loc["calls_999_10s"]
    quarter = engine.status(parse_month("2006-06"), "quarter").set_index("measure_id").loc["calls_999_10s"]
    assert month["actual"] == pytest.approx(93.0)
    assert quarter["actual"] == pytest.approx((94.2 + 92.0 + 93.0) / 3)

"""Loading figures: all or nothing, every problem named, revisions kept, every load logged."""
import pytest

from conftest import figures_file, monthly
from metrics import store
from metrics.loading import FiguresError, load_figures


def held(conn):
    return conn.execute("SELECT measure_id, area, month, value FROM figures ORDER BY ALL").fetchall()


def test_a_good_file_adds_its_figures_and_logs_the_load(tmp_path, small_plan, fresh_store):
    path = figures_file(tmp_path, monthly("calls_999_10s", "2006-04", [(90, 100), (95, 100)]))
    result = load_figures(fresh_store, small_plan, path, loaded_by="analyst")
    assert (result.added, result.revised, result.unchanged) == (2, 0, 0)
    log = store.load_history(fresh_store)
    assert log.loc[0, "file_name"] == "figures.csv" and log.loc[0, "rows_added"] == 2
    assert log.loc[0, "loaded_by"] == "analyst" and len(log.loc[0, "content_hash"]) == 64
    assert [v for *_, v in held(fresh_store)] == [90.0, 95.0]


def test_loading_the_same_file_again_changes_nothing(tmp_path, small_plan, fresh_store):
    path = figures_file(tmp_path, monthly("sickness_hours", "2006-04", ["5", "6"]))
    load_figures(fresh_store, small_plan, path)
    before = held(fresh_store)
    again = load_figures(fresh_store, small_plan, path)
    assert (again.added, again.revised, again.unchanged) == (0, 0, 2)
    assert held(fresh_store) == before
    assert fresh_store.execute("SELECT count(*) FROM revisions").fetchone()[0] == 0


def test_a_changed_value_is_kept_as_a_revision_not_overwritten(tmp_path, small_plan, fresh_store):
    load_figures(fresh_store, small_plan, figures_file(tmp_path, monthly("sickness_hours", "2006-04", ["5", "6"]), "a.csv"))
    result = load_figures(fresh_store, small_plan, figures_file(tmp_path, monthly("sickness_hours", "2006-04", ["5", "7"]), "b.csv"))
    assert (result.added, result.revised, result.unchanged) == (0, 1, 1)
    assert [v for *_, v in held(fresh_store)] == [5.0, 7.0]
    old = fresh_store.execute("SELECT value, load_id, superseded_by FROM revisions").fetchall()
    assert old == [(6.0, 1, 2)]


def test_a_dry_run_reports_changes_and_changes_nothing(tmp_path, small_plan, fresh_store):
    load_figures(fresh_store, small_plan, figures_file(tmp_path, monthly("sickness_hours", "2006-04", ["5"]), "a.csv"))
    result = load_figures(fresh_store, small_plan,
                          figures_file(tmp_path, monthly("sickness_hours", "2006-04", ["8", "9"]), "b.csv"), dry_run=True)
    assert (result.added, result.revised) == (1, 1)
    assert result.changes[["old_value", "new_value"]].values.tolist() == [[5.0, 8.0]]
    assert [v for *_, v in held(fresh_store)] == [5.0]
    assert len(store.load_history(fresh_store)) == 1


@pytest.mark.parametrize("text,expected", [
    ("1,234", 1234), ("£1.9m", 1_900_000), ("49:20", 49 + 20 / 60), ("12", 12),
])
def test_values_as_analysts_write_them(tmp_path, small_plan, fresh_store, text, expected):
    measure = "sickness_hours" if ":" in text else "crimes"
    path = tmp_path / "values.csv"
    path.write_text(f'measure_id,period,value\n{measure},2006-04,"{text}"\n')
    load_figures(fresh_store, small_plan, path)
    assert held(fresh_store)[0][3] == pytest.approx(expected)


def test_a_percent_sign_on_a_measure_that_is_not_a_percent_is_refused(tmp_path, small_plan, fresh_store):
    path = tmp_path / "values.csv"
    path.write_text('measure_id,period,value\nsickness_hours,2006-04,"94.2%"\n')
    with pytest.raises(FiguresError, match="only for percent measures"):
        load_figures(fresh_store, small_plan, path)
    assert held(fresh_store) == []


def test_blank_is_missing_and_na_is_held_as_not_applicable(tmp_path, small_plan, fresh_store):
    path = tmp_path / "gaps.csv"
    path.write_text("measure_id,period,value\ncrimes,2006-04,\ncrimes,2006-05,n/a\ncrimes,2006-06,7\n")
    result = load_figures(fresh_store, small_plan, path)
    assert result.added == 2
    rows = fresh_store.execute("SELECT month % 12 + 1, value, not_applicable FROM figures ORDER BY month").fetchall()
    assert rows == [(5, None, True), (6, 7.0, False)]


def test_area_may_be_absent_and_means_the_force(tmp_path, small_plan, fresh_store):
    path = tmp_path / "noarea.csv"
    path.write_text("measure_id,period,value\ncrimes,Apr 2006,10\ncrimes,May 2006,11\n")
    load_figures(fresh_store, small_plan, path)
    assert {r[1] for r in held(fresh_store)} == {"force"}


def test_every_problem_is_listed_with_row_column_and_reason_and_nothing_loads(tmp_path, small_plan, fresh_store):
    path = tmp_path / "bad.csv"
    path.write_text(
        "measure_id,period,area,value,numerator,denominator\n"
        "calls_999_10s,2006-04,force,,90,100\n"      # row 2: good
        "calls_999_1,2006-04,force,,90,100\n"        # row 3: unknown measure (close to a known one)
        "crimes,2006-04,kent,5,,\n"                  # row 4: unknown area
        "crimes,2006-13,force,5,,\n"                 # row 5: bad period
        "crimes,2006-05,force,lots,,\n"              # row 6: not a number
        "crimes,2006-06,force,-4,,\n"                # row 7: a negative count
        "calls_999_10s,2006-05,force,,90,0\n"        # row 8: zero denominator
        "calls_999_10s,2006-04,force,,91,100\n"      # row 9: duplicate of row 2
        "calls_999_10s,2006-06,force,,140,100\n"     # row 10: over 100%
    )
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, small_plan, path)
    found = {(p.row, p.column): p.reason for p in caught.value.problems}
    assert "did you mean calls_999_10s?" in found[(3, "measure_id")]
    assert 'unknown area "kent"' in found[(4, "area")]
    assert "01 to 12" in found[(5, "period")]
    assert '"lots" is not a number' in found[(6, "value")]
    assert "cannot be negative" in found[(7, "value")]
    assert "denominator is zero" in found[(8, "denominator")]
    assert "also on row 2" in found[(9, "period")]
    assert "over 100" in found[(10, "numerator")]
    assert str(caught.value.problems[0]).startswith(f"{path}: row 3, column measure_id:")
    assert held(fresh_store) == [] and len(store.load_history(fresh_store)) == 0


def test_a_percent_over_100_is_refused(tmp_path, fresh_store):
    from conftest import plan_with
    plan = plan_with(tmp_path, """
        - {id: share, title: Share, unit: percent, direction: higher, aggregation: last, assess_on: month}
        """)
    path = tmp_path / "pct.csv"
    path.write_text("measure_id,period,value\nshare,2006-04,140%\n")
    with pytest.raises(FiguresError, match="between 0 and 100"):
        load_figures(fresh_store, plan, path)


def test_a_wide_file_loads_one_column_per_month(tmp_path, small_plan, fresh_store):
    path = tmp_path / "wide.csv"
    path.write_text("measure_id,area,2006-04,May 2006,2006-06\ncrimes,north,1,2,3\ncrimes,south,4,,6\n")
    result = load_figures(fresh_store, small_plan, path)
    assert result.shape == "wide" and result.added == 5


def test_a_wide_file_with_a_column_that_is_not_a_month_is_refused_naming_it_and_how_months_are_headed(
        tmp_path, small_plan, fresh_store):
    path = tmp_path / "wide.csv"
    path.write_text("measure_id,area,2006-04,Jun-06\ncrimes,north,1,2\n")
    with pytest.raises(FiguresError) as refused:
        load_figures(fresh_store, small_plan, path)
    assert "row 1, column Jun-06: wide file: this column is neither a month nor measure_id, area or note" in str(refused.value)
    assert "April 2005" in str(refused.value)
    assert fresh_store.execute("SELECT count(*) FROM figures").fetchone()[0] == 0


def test_a_wide_file_with_bad_headings_lists_them_with_every_problem_of_its_rows(tmp_path, small_plan, fresh_store):
    path = tmp_path / "wide.csv"   # 2006-13 is no month; Apr 2006 is April again; row 3's area and figure are wrong
    path.write_text("measure_id,area,2006-04,2006-13,Apr 2006,2006-05\ncrimes,north,1,2,3,4\ncrimes,east,5,6,7,-8\n")
    with pytest.raises(FiguresError) as refused:
        load_figures(fresh_store, small_plan, path)
    said = [(p.row, p.column, p.reason) for p in refused.value.problems]
    assert [p[:2] for p in said] == [
        (1, "2006-13"), (1, "Apr 2006"), (3, "2006-05"), (3, "area")]
    assert said[1][2] == "the same month as column 2006-04: give each month one column"
    assert "cannot be negative" in said[2][2] and 'unknown area "east"' in said[3][2]
    assert fresh_store.execute("SELECT count(*) FROM figures").fetchone()[0] == 0


def test_a_wide_file_with_one_month_heading_twice_is_refused_not_read_as_the_last(tmp_path, small_plan, fresh_store):
    path = tmp_path / "wide.csv"
    path.write_text("measure_id,area,2006-04,2006-04\ncrimes,north,91,92\n")
    with pytest.raises(FiguresError, match="row 1, column 2006-04: the same month as column 2006-04"):
        load_figures(fresh_store, small_plan, path)
    assert fresh_store.execute("SELECT count(*) FROM figures").fetchone()[0] == 0


def test_an_excel_workbook_loads(tmp_path, small_plan, fresh_store):
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["measure_id", "period", "area", "value"])
    sheet.append(["crimes", "2006-04", "north", 12])
    sheet.append(["crimes", "2006-05", "north", "1,234"])
    book.save(tmp_path / "figures.xlsx")
    result = load_figures(fresh_store, small_plan, tmp_path / "figures.xlsx")
    assert result.added == 2 and [r[3] for r in held(fresh_store)] == [12.0, 1234.0]


@pytest.mark.parametrize("content,reason", [
    ("", "empty"),
    ("what,when,amount\ncrimes,2006-04,1\n", "no measure_id column"),
    ("measure_id,period\ncrimes,2006-04\n", "needs a value column"),
])
def test_a_file_that_cannot_be_read_says_why(tmp_path, small_plan, fresh_store, content, reason):
    path = tmp_path / "odd.csv"
    path.write_text(content)
    with pytest.raises(FiguresError, match=reason):
        load_figures(fresh_store, small_plan, path)


# --- notes -------------------------------------------------------------------------------------

def note_file(folder, name, note):
    path = folder / name
    path.write_text(f'measure_id,period,area,value,note\ncrimes,2006-04,force,12,"{note}"\n')
    return path


def test_a_changed_note_on_the_same_value_is_a_revision_and_the_old_note_is_kept(tmp_path, small_plan, fresh_store):
    load_figures(fresh_store, small_plan, note_file(tmp_path, "a.csv", "provisional"))
    result = load_figures(fresh_store, small_plan, note_file(tmp_path, "b.csv", "audited"))
    assert (result.added, result.revised, result.unchanged) == (0, 1, 0)
    assert result.changes[["old_note", "new_note"]].values.tolist() == [["provisional", "audited"]]
    assert fresh_store.execute("SELECT value, note FROM figures").fetchall() == [(12.0, "audited")]
    assert fresh_store.execute("SELECT value, note, load_id, superseded_by FROM revisions").fetchall() == [
        (12.0, "provisional", 1, 2)]


def test_a_file_without_a_note_column_leaves_the_note_held(tmp_path, small_plan, fresh_store):
    load_figures(fresh_store, small_plan, note_file(tmp_path, "a.csv", "provisional"))
    result = load_figures(fresh_store, small_plan, figures_file(tmp_path, [("crimes", "2006-04", "force", "12")]))
    assert (result.revised, result.unchanged) == (0, 1)
    assert fresh_store.execute("SELECT note FROM figures").fetchall() == [("provisional",)]


def test_a_note_longer_than_2000_characters_is_refused(tmp_path, small_plan, fresh_store):
    path = note_file(tmp_path, "long.csv", "x" * 2001)
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, small_plan, path)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (2, "note")
    assert problem.reason == "the note is 2001 characters long; a note may have at most 2,000 characters"


# --- bounded input -----------------------------------------------------------------------------

def test_a_figure_for_a_month_still_to_come_is_refused_unless_allowed(tmp_path, small_plan, fresh_store):
    path = figures_file(tmp_path, [("crimes", "2006-04", "force", "5"), ("crimes", "2090-03", "force", "6")])
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, small_plan, path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "period")]
    assert "2090-03 is after the current month" in caught.value.problems[0].reason
    assert held(fresh_store) == []
    result = load_figures(fresh_store, small_plan, path, allow_future=True)
    assert result.added == 2 and "1 figure for months after" in result.report[0] and "March 2090" in result.report[0]


def test_a_workbook_over_the_row_limit_is_refused_while_it_is_read(tmp_path, small_plan, fresh_store, monkeypatch):
    import openpyxl
    from metrics.readers import excel
    monkeypatch.setattr(excel, "MAX_ROWS", 5)
    book = openpyxl.Workbook(write_only=True)  # no <dimension>: the limit is found by counting
    sheet = book.create_sheet("figures")
    sheet.append(["measure_id", "period", "area", "value"])
    for month in range(1, 7):
        sheet.append(["crimes", f"2006-{month:02d}", "force", month])
    book.save(tmp_path / "big.xlsx")
    with pytest.raises(FiguresError, match="the file has more than 5 rows, the most the loader reads"):
        load_figures(fresh_store, small_plan, tmp_path / "big.xlsx")
    (tmp_path / "big.csv").write_text("measure_id,period,value\n" + "crimes,2006-04,1\n" * 6)
    with pytest.raises(FiguresError, match="more than 5 rows"):
        load_figures(fresh_store, small_plan, tmp_path / "big.csv")
    assert held(fresh_store) == []


def _workbook_of_copies(path, header: list, row: list, copies: int) -> None:
    """The workbook openpyxl writes for a header and `copies` of one row (write-only, as a big
    export is made): openpyxl writes the header and one row, and the sheet's XML repeats that row.
    Appending 100,000 rows one by one took four seconds of the suite."""
    import re
    import zipfile

    import openpyxl
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("figures")
    sheet.append(header)
    sheet.append(row)
    small = path.with_suffix(".one.xlsx")
    book.save(small)
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                second = re.search(r'<row r="2">.*?</row>', text).group(0)
                numbered = re.sub(r'(r="[A-Z]*)2"', r'\g<1>{n}"', second)  # r="2", r="A2": r="{n}", r="A{n}"
                rows = "".join(numbered.format(n=n) for n in range(2, copies + 2))
                data = text.replace(second, rows).encode()
            target.writestr(item, data)


def test_a_workbook_of_100000_copies_of_one_row_is_refused_quickly_with_one_kind_of_problem(tmp_path, small_plan, fresh_store):
    import time

    _workbook_of_copies(tmp_path / "copies.xlsx", ["measure_id", "period", "area", "value"],
                        ["crimes", "2006-04", "force", 5], 100_000)
    start = time.perf_counter()
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, small_plan, tmp_path / "copies.xlsx")
    assert time.perf_counter() - start < 60  # 34.5 s and 415 MB before; about 3 s on an idle machine
    error = caught.value
    assert error.total == 99_999 and len(error.kinds) == 1
    assert str(error.kinds[0]) == ("99,999 rows: duplicate: crimes, force, 2006-04 is also on row 2 "
                                   "(rows 3, 4, 5, 6, 7, ...)")
    # The message: the kind, the first 1,000 problems, how many more, the headline; problems_csv has them all.
    lines = str(error).splitlines()
    assert len(lines) == 1003 and lines[-2].endswith(": ... and 98,999 more problems")


def test_problems_csv_gives_every_problem(tmp_path, small_plan, fresh_store):
    from metrics.loading import problems_csv
    path = tmp_path / "bad.csv"
    path.write_text("measure_id,period,value\ncrimes,2006-04,lots\n+crimes,2006-05,1\n")
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, small_plan, path, display_name="bad.csv")
    assert problems_csv(caught.value).splitlines() == [
        "file,row,column,value,problem",
        'bad.csv,2,value,lots,"""lots"" is not a number (accepted: 94.2%, 1,234, 49:20, £1.9m, blank, n/a)"',
        "bad.csv,3,measure_id,'+crimes,\"unknown measure \"\"+crimes\"\"; did you mean crimes?\"",
    ]


def test_workbook_cells_read_as_typed_dates_percents_times_and_a_gap_in_the_rows(tmp_path, small_plan, fresh_store):
    import datetime as dt

    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["measure_id", "period", "area", "value"])
    sheet.append(["sickness_hours", dt.datetime(2006, 4, 1), "north", dt.time(5, 30)])
    sheet.append(["crimes", "May 2006", "north", 7])
    sheet["A5"], sheet["B5"], sheet["C5"], sheet["D5"] = "crimes", "2006-06", "south", 9  # row 4 left blank
    sheet["A6"], sheet["B6"], sheet["D6"] = "calls_999_10s", "2006-04", 0.942
    sheet["D6"].number_format = "0.0%"
    book.save(tmp_path / "typed.xlsx")
    result = load_figures(fresh_store, small_plan, tmp_path / "typed.xlsx")
    assert result.added == 4
    rows = {(m, a, month % 12 + 1): round(v, 4) for m, a, month, v in held(fresh_store)}
    assert rows == {("sickness_hours", "north", 4): 5.5, ("crimes", "north", 5): 7.0,
                    ("crimes", "south", 6): 9.0, ("calls_999_10s", "force", 4): 94.2}
    # Row numbers are the sheet's own, past the blank row 4.
    sheet["A7"], sheet["B7"], sheet["D7"] = "crimes", "2006-07", "lots"
    book.save(tmp_path / "typed.xlsx")
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, small_plan, tmp_path / "typed.xlsx")
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(7, "value", "lots")]


def test_spaces_around_cells_are_trimmed_and_tabs_are_not(tmp_path, small_plan, fresh_store):
    path = tmp_path / "spaced.csv"
    path.write_text('measure_id,period,area,value\n  crimes , 2006-04 , north ,  12 \ncrimes,2006-05,north\t,3\n')
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, small_plan, path)
    # Only spaces are trimmed (as before): a tab after "north" makes an unknown area, on row 3.
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "area")]
    path.write_text('measure_id,period,area,value\n  crimes , 2006-04 , north ,  12 \n')
    load_figures(fresh_store, small_plan, path)
    assert held(fresh_store) == [("crimes", "north", 2006 * 12 + 3, 12.0)]


def test_a_space_in_one_cell_of_one_column_is_trimmed_whatever_the_shape(tmp_path, small_plan, fresh_store):
    """Only the columns with a spaced cell are trimmed: a clean column beside them reads as written."""
    path = tmp_path / "one-spaced.csv"
    path.write_text("measure_id,period,area,value\ncrimes,2006-04,north,12\ncrimes,2006-05,north, 3\n")
    load_figures(fresh_store, small_plan, path)
    path = tmp_path / "wide.csv"
    path.write_text("measure_id,area,2006-06,2006-07\ncrimes,south ,4,5\ncrimes,north,6 ,7\n")
    load_figures(fresh_store, small_plan, path)
    assert held(fresh_store) == [("crimes", "north", 2006 * 12 + m, v) for m, v in ((3, 12.0), (4, 3.0), (5, 6.0), (6, 7.0))] + [
        ("crimes", "south", 2006 * 12 + m, v) for m, v in ((5, 4.0), (6, 5.0))]


def test_row_numbers_are_the_spreadsheets_after_a_quoted_line_break_and_a_blank_row(tmp_path, small_plan, fresh_store):
    path = tmp_path / "rows.csv"
    path.write_text('measure_id,period,area,value,note\ncrimes,2006-04,north,1,"two\nlines"\n,,,,\n'
                    'crimes,2006-05,north,x,\ncrimes,2006-04,north,2,\n')
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, small_plan, path)
    # Rows: 2 the note over two lines, 3 blank (skipped), 4 a bad value, 5 a second 2006-04.
    assert [(p.row, p.column) for p in caught.value.problems] == [(4, "value"), (5, "period")]
    assert caught.value.problems[1].reason == "duplicate: crimes, north, 2006-04 is also on row 2"


def test_a_csv_after_a_workbook_on_one_connection_loads(tmp_path, small_plan, fresh_store):
    import openpyxl
    book = openpyxl.Workbook()
    book.active.append(["measure_id", "period", "area", "value"])
    book.active.append(["crimes", "2006-04", "north", 12])
    book.save(tmp_path / "figures.xlsx")
    load_figures(fresh_store, small_plan, tmp_path / "figures.xlsx")
    path = tmp_path / "more.csv"
    path.write_text("measure_id,period,area,value\ncrimes,2006-05,north,13\n")
    load_figures(fresh_store, small_plan, path)
    load_figures(fresh_store, small_plan, tmp_path / "figures.xlsx")
    assert [r[3] for r in held(fresh_store)] == [12.0, 13.0]

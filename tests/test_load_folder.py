"""`python -m metrics load FOLDER`: every CSV and workbook in it, each all or nothing, then a table of
what each file did and the months held per measure; exit 2 if any file was refused."""
import csv
import io

import openpyxl

from conftest import figures_file, monthly
from metrics import cli, store


def load(capsys, *args):
    code = cli.main(["load", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_folder_loads_file_by_file_and_ends_with_a_table_and_the_months_held(tmp_path, plan_file, capsys):
    folder = tmp_path / "june"
    (folder / "districts").mkdir(parents=True)
    figures_file(folder, monthly("crimes", "2006-04", ["5", "6", "7"]), "a_crimes.csv")
    book = openpyxl.Workbook()
    book.active.append(["measure_id", "period", "area", "value"])
    book.active.append(["crimes", "2006-05", "north", 3])
    book.save(folder / "districts" / "b_north.xlsx")
    (folder / "c_bad.csv").write_text("measure_id,period,value\ncrimes,2006-04,lots\ncrimes,2006-13,4\n")
    (folder / "readme.txt").write_text("not figures")
    db = tmp_path / "store.duckdb"
    code, out, err = load(capsys, folder, "--config", plan_file, "--db", db)
    assert code == 2
    table = [line.split() for line in out.splitlines()]
    assert [str(folder / "a_crimes.csv"), "3", "0", "0"] in table
    assert [str(folder / "districts" / "b_north.xlsx"), "1", "0", "0"] in table
    assert [str(folder / "c_bad.csv"), "refused:", "2", "problems"] in table
    assert "  crimes: April 2006 to June 2006" in out.splitlines()
    assert "  calls_999_10s: no figures held" in out.splitlines()
    assert f"{folder / 'c_bad.csv'}: row 2, column value:" in err
    conn = store.connect(db)
    assert conn.execute("SELECT count(*) FROM figures").fetchone()[0] == 4  # the bad file loaded nothing
    conn.close()


def test_a_folder_of_good_files_exits_0_and_gaps_in_the_months_are_counted(tmp_path, plan_file, capsys):
    folder = tmp_path / "figures"
    folder.mkdir()
    figures_file(folder, monthly("crimes", "2006-04", ["5"]), "april.csv")
    figures_file(folder, monthly("crimes", "2006-07", ["8"]), "july.csv")
    code, out, _ = load(capsys, folder, "--config", plan_file, "--db", tmp_path / "s.duckdb")
    assert code == 0
    assert "  crimes: April 2006 to July 2006 (2 months missing)" in out.splitlines()


def test_problems_writes_every_problem_as_csv_with_formulas_neutralised(tmp_path, plan_file, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text('measure_id,period,value\n"=HYPERLINK(""http://x"")",2006-04,5\n'
                   + "".join(f"crimes,{2004 + i // 12}-{i % 12 + 1:02d},lots\n" for i in range(30)))
    out_csv = tmp_path / "problems.csv"
    code, _, err = load(capsys, bad, "--config", plan_file, "--db", tmp_path / "s.duckdb", "--problems", out_csv)
    assert code == 2
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert len(rows) == 31 and list(rows[0]) == ["file", "row", "column", "value", "problem"]
    assert rows[0]["row"] == "2" and rows[0]["value"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["problem"].startswith("unknown measure \"=HYPERLINK")  # the reason starts with a word
    # A long list is summarised per kind first: 30 rows of the same problem, then 1 of another.
    summary = err.splitlines()[:2]
    assert summary[0].startswith('30 rows: "lots" is not a number') and summary[0].endswith("(rows 3, 4, 5, 6, 7, ...)")
    assert summary[1].startswith('1 row: unknown measure "=HYPERLINK') and summary[1].endswith("(row 2)")


def test_a_police_uk_download_folder_loads_its_street_files_and_skips_the_others(tmp_path, capsys):
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    month = tmp_path / "download" / "2008-06"
    month.mkdir(parents=True)
    header = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
              "Crime type,Last outcome category,Context")
    (month / "2008-06-kent-street.csv").write_text(
        header + "\nx1,2008-06,Kent Police,Kent Police,0.5,51.2,On or near A Road,E01024401,Maidstone 012A,Burglary,,\n"
        "x2,2008-06,Kent Police,Kent Police,0.1,51.4,On or near B Road,E01000001,Bexley 001A,Robbery,,\n")
    (month / "2008-06-kent-outcomes.csv").write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\n")
    code, out, _ = load(capsys, tmp_path / "download", "--config", root / "config" / "targets.yaml",
                        "--db", tmp_path / "s.duckdb")
    assert code == 0, out
    assert "kent-outcomes.csv: skipped: a police.uk outcomes or stop-and-search file" in out
    assert ("  1 crime in 1 LSOA outside the plan's districts (Bexley 001A): counted in the force total only"
            in out.splitlines())
    assert "  bcs_comparator_crime: June 2008" in out.splitlines()


def test_strict_and_allow_future_reach_the_loader(tmp_path, plan_file, capsys):
    future = figures_file(tmp_path, monthly("crimes", "2090-03", ["5"]), "future.csv")
    code, _, err = load(capsys, future, "--config", plan_file, "--db", tmp_path / "s.duckdb")
    assert code == 2 and "is after the current month" in err
    code, out, _ = load(capsys, future, "--config", plan_file, "--db", tmp_path / "s.duckdb", "--allow-future")
    assert code == 0 and "added 1" in out

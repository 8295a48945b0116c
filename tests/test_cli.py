"""The command line end to end: python -m metrics ... as a user types it. Most run `main` in this
process (its output and exit code captured); a few run a real `python -m metrics` process."""
import contextlib
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from conftest import SMALL_PLAN, figures_file, monthly
from metrics import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args) -> subprocess.CompletedProcess:
    """The command's exit code, output and errors, from its `main` in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as stopped:  # argparse: --help, or words it cannot parse
            code = stopped.code if isinstance(stopped.code, int) else 2
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def run_process(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    """The command in a fresh `python -m metrics` process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "metrics", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_validate_passes_a_good_plan_and_exits_0(plan_file):
    result = run_process("validate", "--config", plan_file)
    assert result.returncode == 0 and "valid" in result.stdout


def test_validate_lists_every_problem_and_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL_PLAN.replace("direction: higher", "direction: up").replace("unit: hours", "unit: hrs"))
    result = run("validate", "--config", bad)
    assert result.returncode == 2
    assert "direction must be one of higher, lower, neutral" in result.stderr
    assert "unit must be one of" in result.stderr
    assert f"{bad}:" in result.stderr


def test_load_then_status_end_to_end(tmp_path, plan_file):
    db = tmp_path / "store.duckdb"
    rows = (monthly("calls_999_10s", "2006-04", [(950, 1000), (890, 1000), (870, 1000)])
            + monthly("sickness_hours", "2006-04", ["5:30", "6", "5"])
            + monthly("crimes", "2003-04", ["100"] * 12) + monthly("crimes", "2006-04", ["80", "90", "85"]))
    path = figures_file(tmp_path, rows)
    loaded = run_process("load", path, "--config", plan_file, "--db", db)
    assert loaded.returncode == 0, loaded.stderr
    assert f"{path}: added 21, revised 0, unchanged 0" in loaded.stdout

    again = run_process("load", path, "--config", plan_file, "--db", db)
    assert "added 0, revised 0, unchanged 21" in again.stdout

    status = run_process("status", "--config", plan_file, "--db", db, "--as-of", "2006-06", "--format", "csv")
    assert status.returncode == 0, status.stderr
    table = list(csv.DictReader(io.StringIO(status.stdout)))
    assert list(table[0]) == ["priority_id", "objective_id", "measure_id", "measure", "area", "grain", "period",
                              "actual", "target", "baseline", "variance", "rag", "trend", "spc_variation",
                              "spc_assurance", "last_data_period"]
    calls = next(r for r in table if r["measure_id"] == "calls_999_10s")
    assert (calls["period"], float(calls["actual"]), calls["rag"]) == ("2006-06", 87.0, "red")
    assert calls["last_data_period"] == "2006-06"

    quarter = run_process("status", "--config", plan_file, "--db", db, "--as-of", "2006-06", "--grain", "quarter", "--format", "json")
    rows = {r["measure_id"]: r for r in json.loads(quarter.stdout)}
    assert abs(rows["calls_999_10s"]["actual"] - 100 * 2710 / 3000) < 1e-9   # 950 + 890 + 870 of 3,000
    assert rows["calls_999_10s"]["rag"] == "green"
    assert abs(rows["sickness_hours"]["actual"] - 16.5) < 1e-9 and rows["sickness_hours"]["target"] == 16
    assert rows["sickness_hours"]["rag"] == "amber"                  # 16.5 against 16, within 5%
    assert rows["crimes"]["baseline"] == 300 and rows["crimes"]["rag"] == "green"  # 255 against 255 (1,020 / 4)

    table_view = run_process("status", "--config", plan_file, "--db", db, "--as-of", "2006-06")
    assert all(len(line) <= 100 for line in table_view.stdout.splitlines())
    assert "✗ Red" in table_view.stdout and "999 calls answered within  June 2006" in table_view.stdout
    assert "\n  10 seconds\n" in table_view.stdout  # a long title wraps within its column, never cut


def test_a_bad_file_exits_2_names_every_problem_and_loads_nothing(tmp_path, plan_file):
    db = tmp_path / "store.duckdb"
    bad = tmp_path / "bad.csv"
    bad.write_text("measure_id,period,area,value\ncrimes,2006-04,,5\ncrime,2006-05,,5\ncrimes,2006-13,,5\n")
    result = run("load", bad, "--config", plan_file, "--db", db)
    assert result.returncode == 2
    assert f"{bad}: row 3, column measure_id: unknown measure \"crime\"; did you mean crimes?" in result.stderr
    assert f"{bad}: row 4, column period:" in result.stderr
    assert "nothing was loaded" in result.stderr
    assert not db.exists()  # a refused first load does not even make the store
    status = run("status", "--config", plan_file, "--db", db, "--format", "json")
    assert status.returncode == 2 and f"{db}: there is no store here" in status.stderr and not status.stdout


def test_dry_run_shows_revisions_and_changes_nothing(tmp_path, plan_file):
    db = tmp_path / "store.duckdb"
    run("load", figures_file(tmp_path, monthly("crimes", "2006-04", ["5"]), "a.csv"), "--config", plan_file, "--db", db)
    dry = run("load", figures_file(tmp_path, monthly("crimes", "2006-04", ["7"]), "b.csv"), "--dry-run",
              "--config", plan_file, "--db", db)
    assert "added 0, revised 1, unchanged 0" in dry.stdout and "5 -> 7" in dry.stdout
    assert "  crimes: added 0, revised 1, unchanged 0" in dry.stdout   # per measure
    status = json.loads(run("status", "--config", plan_file, "--db", db, "--as-of", "2006-04", "--format", "json").stdout)
    assert next(r for r in status if r["measure_id"] == "crimes")["actual"] == 5


def test_a_fresh_checkout_shows_the_sample_scorecard_once_the_sample_is_asked_for(tmp_path):
    import shutil
    checkout = tmp_path / "checkout"
    for folder in ("metrics", "config", "data"):
        shutil.copytree(ROOT / folder, checkout / folder, ignore=shutil.ignore_patterns("*.duckdb*", "__pycache__"))

    def command(*words):
        return subprocess.run([sys.executable, "-m", "metrics", *words], cwd=checkout, capture_output=True, text=True,
                              timeout=120, env={"PATH": "/usr/bin:/bin"})
    refused = command("status")
    assert refused.returncode == 2 and "data/performance.duckdb: there is no store here" in refused.stderr
    assert "python -m metrics sample" in refused.stderr and not (checkout / "data" / "performance.duckdb").exists()
    sample = command("sample")
    assert sample.returncode == 0 and "invented" in sample.stdout
    again = command("sample")
    assert again.returncode == 2 and "already holds figures, so the sample was not loaded" in again.stderr
    result = command("status")
    assert result.returncode == 0, result.stderr
    assert "Policing Kent 2006/09: status as of March 2009" in result.stdout
    assert "999 calls answered within" in result.stdout and "calls_999_10s" not in result.stdout   # titles, not ids


def test_every_subcommand_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for command in ("validate", "load", "status", "export"):
        result = run(command, "--help")
        assert result.returncode == 0 and "--config" in result.stdout and "--db" in result.stdout
        assert f"python -m metrics {command}" in readme


def test_a_bad_as_of_is_a_clear_error():
    result = run("status", "--as-of", "2006-13")
    assert result.returncode == 2 and "--as-of" in result.stderr and "01 to 12" in result.stderr


def test_validate_warns_when_the_store_holds_figures_for_an_id_the_plan_lost(tmp_path, plan_file):
    db = tmp_path / "store.duckdb"
    run("load", figures_file(tmp_path, monthly("crimes", "2006-04", ["5"])), "--config", plan_file, "--db", db)
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(plan_file.read_text().replace("id: crimes", "id: recorded_crimes"))
    result = run("validate", "--config", renamed, "--db", db)
    assert result.returncode == 0
    assert 'holds figures for measure "crimes", which the plan does not have; ids may not change' in result.stderr


def test_status_for_every_area_and_one_area(tmp_path, plan_file):
    db = tmp_path / "store.duckdb"
    rows = monthly("crimes", "2006-04", ["5"]) + monthly("crimes", "2006-04", ["3"], area="north")
    run("load", figures_file(tmp_path, rows), "--config", plan_file, "--db", db)
    every = json.loads(run("status", "--config", plan_file, "--db", db, "--area", "all", "--format", "json").stdout)
    assert {(r["measure_id"], r["area"]) for r in every if r["measure_id"] == "crimes"} == {("crimes", "force"), ("crimes", "north")}
    north = json.loads(run("status", "--config", plan_file, "--db", db, "--area", "north", "--format", "json").stdout)
    assert {r["area"] for r in north} == {"north"} and len(north) == 1   # only crimes is held for North
    unknown = run("status", "--config", plan_file, "--db", db, "--area", "atlantis")
    assert unknown.returncode == 2 and "unknown area 'atlantis'" in unknown.stderr


def test_two_plan_files_are_read_as_one_plan(tmp_path, plan_file):
    extra = tmp_path / "extra.yaml"
    extra.write_text("priorities:\n  - id: more\n    title: More\n    objectives:\n      - id: o2\n        title: O2\n"
                     "        measures:\n          - {id: stop_search, title: Stop and search, unit: count,"
                     " direction: neutral, aggregation: sum, assess_on: month}\n")
    result = run("validate", "--config", plan_file, "--config", extra)
    assert result.returncode == 0 and "5 measures" in result.stdout


def test_export_writes_an_html_board_pack(tmp_path, plan_file):
    db = tmp_path / "store.duckdb"
    run("load", figures_file(tmp_path, monthly("calls_999_10s", "2006-04", [(95, 100)] * 3)), "--config", plan_file, "--db", db)
    out = tmp_path / "pack.html"
    result = run("export", "--config", plan_file, "--db", db, "--as-of", "2006-06", "--out", out)
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert "2006/07 Q1" in page and "999 calls answered within 10 seconds" in page and "Action log" in page
    wrong = run("export", "--config", plan_file, "--db", db, "--out", tmp_path / "pack.docx")
    assert wrong.returncode == 2 and "must end in .html or .pdf" in wrong.stderr


# --- status in words, safe CSV, like with like, later figures (in-process) ---------------------

from metrics.cli import main  # noqa: E402


def status_of_cli(capsys, *args):
    capsys.readouterr()
    code = main(["status", *map(str, args)])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def loaded(tmp_path, plan_file, rows):
    db = tmp_path / "store.duckdb"
    assert main(["load", str(figures_file(tmp_path, rows)), "--config", str(plan_file), "--db", str(db)]) == 0
    return ["--config", plan_file, "--db", db]


def test_csv_neutralises_text_a_spreadsheet_would_run_as_a_formula(tmp_path, plan_file, capsys):
    plan_file.write_text(plan_file.read_text().replace("title: Crimes recorded", 'title: "=HYPERLINK(1)"')
                         .replace("title: Domestic abuse reported", 'title: "@SUM(1)"'))
    common = loaded(tmp_path, plan_file, monthly("crimes", "2003-04", [100] * 12) + monthly("crimes", "2006-04", [90]))
    table = list(csv.DictReader(io.StringIO(status_of_cli(capsys, *common, "--as-of", "2006-04", "--format", "csv"))))
    titles = {r["measure_id"]: r["measure"] for r in table}
    assert titles["crimes"] == "'=HYPERLINK(1)" and titles["domestic_abuse"] == "'@SUM(1)"
    assert titles["calls_999_10s"] == "999 calls answered within 10 seconds"


def test_csv_rounds_to_the_measures_precision_unless_raw(tmp_path, plan_file, capsys):
    common = loaded(tmp_path, plan_file, monthly("calls_999_10s", "2006-04", [(950, 1000), (890, 1000), (871, 1000)]))
    args = [*common, "--as-of", "2006-06", "--grain", "quarter", "--format", "csv"]
    rounded = next(r for r in csv.DictReader(io.StringIO(status_of_cli(capsys, *args))) if r["measure_id"] == "calls_999_10s")
    assert rounded["actual"] == "90.4" and rounded["variance"] == "0.4"         # 2,711 of 3,000 to one place
    raw = next(r for r in csv.DictReader(io.StringIO(status_of_cli(capsys, *args, "--raw"))) if r["measure_id"] == "calls_999_10s")
    assert float(raw["actual"]) == 100 * 2711 / 3000 and raw["actual"] != "90.4"


def test_json_at_year_to_date_compares_the_same_months_of_last_year(tmp_path, plan_file, capsys):
    common = loaded(tmp_path, plan_file, monthly("sickness_hours", "2005-04", [5] * 12 + [6] * 9))
    rows = json.loads(status_of_cli(capsys, *common, "--as-of", "2006-12", "--grain", "ytd", "--format", "json"))
    row = next(r for r in rows if r["measure_id"] == "sickness_hours")
    assert row["actual"] == 54 and row["previous_actual"] == row["year_ago_actual"] == 45
    assert row["previous_label"] == "April to December 2005" and row["period_words"] == "April to December 2006"
    assert row["grain_words"] == "Year to date" and row["target_words"] == "no more than 64 hours by March 2007"
    assert row["target"] == 48 and row["rag"] == "red"          # 64 a year is 48 for nine months; 54 is beyond 2.4
    assert row["summary"].startswith("Off target and worse than last year")


def test_the_table_opens_on_the_month_most_measures_hold_and_says_what_is_later(tmp_path, plan_file, capsys):
    rows = (monthly("calls_999_10s", "2009-01", [(95, 100)] * 3) + monthly("sickness_hours", "2009-01", [5] * 3)
            + monthly("crimes", "2009-01", [80] * 3) + monthly("domestic_abuse", "2009-01", [40] * 3)
            + monthly("crimes", "2009-04", [70]))                                 # one measure for April
    out = status_of_cli(capsys, *loaded(tmp_path, plan_file, rows))
    assert out.startswith("Test plan: status as of March 2009")
    assert "Later figures: 1 measure has figures for April 2009" in out
    assert "Test Force" in out and "Crimes recorded" in out and "force" not in out.replace("Test Force", "")
    assert "Why some measures have no data:" in out
    assert "Crimes recorded (Test Force): figures for 3 of 12 months of April 2008 to March 2009" in out


def test_status_for_one_district_leaves_out_measures_it_holds_no_figures_for(tmp_path, plan_file, capsys):
    common = loaded(tmp_path, plan_file, monthly("crimes", "2006-04", [5]) + monthly("calls_999_10s", "2006-04", [(9, 10)])
                    + monthly("calls_999_10s", "2006-04", [(8, 10)], area="north"))
    rows = json.loads(status_of_cli(capsys, *common, "--as-of", "2006-04", "--area", "north", "--format", "json"))
    assert [(r["measure_id"], r["area_name"]) for r in rows] == [("calls_999_10s", "North")]
    every = json.loads(status_of_cli(capsys, *common, "--as-of", "2006-04", "--area", "all", "--format", "json"))
    assert {(r["measure_id"], r["area"]) for r in every if r["area"] != "force"} == {("calls_999_10s", "north")}
    assert len([r for r in every if r["area"] == "force"]) == 4               # the force's rows are always there


# --- who loaded: the operating-system user, or --as NAME ---------------------------------------

def test_the_load_log_names_the_operating_system_user_or_the_name_given_with_as(tmp_path, plan_file, capsys, monkeypatch):
    import getpass

    from metrics import store
    monkeypatch.delenv("METRICS_USER", raising=False)
    db = tmp_path / "store.duckdb"
    common = ["--config", str(plan_file), "--db", str(db)]
    assert main(["load", str(figures_file(tmp_path, monthly("crimes", "2006-04", [5]), "a.csv")), *common]) == 0
    assert main(["load", str(figures_file(tmp_path, monthly("crimes", "2006-05", [6]), "b.csv")), *common,
                 "--as", "  Ann   Analyst "]) == 0
    capsys.readouterr()
    assert main(["load", str(figures_file(tmp_path, monthly("crimes", "2006-06", [7]), "c.csv")), *common,
                 "--as", "   "]) == 2
    assert "error: --as: give the name of the person making the change" in capsys.readouterr().err
    conn = store.connect(db)
    try:
        assert conn.execute("SELECT file_name, loaded_by FROM loads ORDER BY load_id").fetchall() == [
            ("a.csv", getpass.getuser()), ("b.csv", "Ann Analyst")]
    finally:
        conn.close()


def test_status_as_csv_imports_no_pandas(tmp_path, plan_file):
    # The CSV goes from DuckDB's rows to text: importing pandas would be 0.35 s of the command.
    db = tmp_path / "s.duckdb"
    assert run("load", str(figures_file(tmp_path, monthly("crimes", "2006-04", ["100"] * 12))), "--config", str(plan_file),
               "--db", str(db)).returncode == 0
    script = ("import sys, io, contextlib; from metrics.cli import main\n"
              "with contextlib.redirect_stdout(io.StringIO()) as out: code = main(['status', '--area', 'all', "
              "'--format', 'csv', '--config', sys.argv[1], '--db', sys.argv[2]])\n"
              "print(code, 'pandas' in sys.modules, out.getvalue().count(chr(10)))")
    result = subprocess.run([sys.executable, "-c", script, str(plan_file), str(db)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    code, imported, lines = result.stdout.split()
    assert (code, imported) == ("0", "False"), result.stderr
    assert int(lines) > 1  # a header and the rows


def test_a_fault_of_ours_is_said_to_be_ours_with_its_traceback_and_exit_70(tmp_path, plan_file, monkeypatch):
    db = tmp_path / "s.duckdb"
    assert run("load", figures_file(tmp_path, monthly("crimes", "2006-04", ["100"])), "--config", plan_file,
               "--db", db).returncode == 0
    from metrics.engine import Engine

    def broken(*_args, **_kwargs):
        raise ValueError("an internal slip")  # a bug, not anything the user gave
    monkeypatch.setattr(Engine, "status", broken)
    result = run("status", "--config", plan_file, "--db", db)
    assert result.returncode == 70
    assert "error: something went wrong on our side, not in what you gave or asked for" in result.stderr
    assert "Traceback" in result.stderr and "ValueError: an internal slip" in result.stderr  # for whoever reports it
    assert "error: an internal slip" not in result.stderr  # never worded as the user's mistake


def test_a_problem_with_what_was_asked_is_said_in_its_own_words_and_exits_2(tmp_path, plan_file):
    db = tmp_path / "s.duckdb"
    run("load", figures_file(tmp_path, monthly("crimes", "2006-04", ["100"])), "--config", plan_file, "--db", db)
    result = run("status", "--config", plan_file, "--db", db, "--grain", "decade")
    assert result.returncode == 2 and "invalid choice: 'decade'" in result.stderr  # argparse names the choices
    empty = tmp_path / "empty.duckdb"
    from metrics import store
    with store.open_store(str(empty)).writing(create=True):
        pass  # a store with no figures in it
    pack = run("export", "--config", plan_file, "--db", empty, "--out", tmp_path / "pack.html")
    assert pack.returncode == 2 and pack.stderr.strip() == "error: no figures are loaded, so there is nothing to report"
    assert "Traceback" not in pack.stderr

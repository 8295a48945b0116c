"""python -m metrics chart: each month's SPC point, as CSV or JSON."""
import csv
import io
import json

from conftest import figures_file, monthly, plan_with

from metrics import store
from metrics.cli import main
from metrics.loading import load_figures

MEASURE = """
- id: calls
  title: Calls
  unit: count
  direction: lower
  aggregation: sum
  assess_on: month
"""
VALUES = [100, 102, 98, 101, 99, 100, 103, 97, 100, 101, 99, 100, 160]


def setup(tmp_path):
    plan = plan_with(tmp_path, MEASURE)
    db = tmp_path / "s.duckdb"
    conn = store.connect(db)
    load_figures(conn, plan, figures_file(tmp_path, monthly("calls", "2005-04", VALUES)))
    conn.close()
    return plan.sources[0], db


def test_csv_gives_every_month_with_limits_and_each_rule(tmp_path, capsys):
    config, db = setup(tmp_path)
    assert main(["chart", "calls", "--config", config, "--db", str(db), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 13 and rows[0]["period"] == "2005-04"
    last = rows[-1]
    assert last["beyond_limits"] == "1" and last["run_of_seven"] == "0" and last["phase"] == "0"
    assert last["phase_words"] == "All points (no process change recorded)"
    assert last["method"] == "XmR on the figures as recorded" and last["adjusted_value"] == ""
    assert float(last["mean"]) == round(sum(VALUES) / 13, 9)  # means are held to 9 places (metrics/sums.py)


def test_json_and_as_of_and_a_clear_error(tmp_path, capsys):
    config, db = setup(tmp_path)
    assert main(["chart", "calls", "--config", config, "--db", str(db), "--format", "json", "--as-of", "2005-06"]) == 0
    points = json.loads(capsys.readouterr().out)
    assert [p["period"] for p in points] == ["2005-04", "2005-05", "2005-06"]
    assert "too few to judge" in points[0]["phase_words"]
    assert main(["chart", "nope", "--config", config, "--db", str(db)]) == 2
    assert "unknown measure 'nope'" in capsys.readouterr().err

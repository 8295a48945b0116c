"""The board pack: the PDF's text has every measure, the status words, the commentary and the open
actions; the HTML pack renders in the browser without errors; commentary is text, never HTML."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from metrics import store, workflow
from metrics.loading import load_figures
from metrics.plan import load_plan

ROOT = Path(__file__).resolve().parent.parent
QUARTER_END = 2009 * 12 + 2  # March 2009


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("pack") / "store.duckdb"
    plan = load_plan(ROOT / "config" / "targets.yaml")
    conn = store.connect(db)
    load_figures(conn, plan, ROOT / "data" / "sample_figures.csv")
    workflow.save_commentary(conn, "calls_999_10s", QUARTER_END, "Call demand peaked in the summer <b>heatwave</b>.", "Supt A. Analyst")
    workflow.save_commentary(conn, "nte_crimes", QUARTER_END, "<script>alert('x')</script> Late licences under review.", "Ch Insp B")
    workflow.raise_action(conn, "2009-01-20", "Report on 101 call abandonment", "ACC Operations", "2009-06-30",
                          ["calls_public_30s"], "Board")
    closed = workflow.raise_action(conn, "2008-10-15", "Closed item text", "DCC", "2008-12-31", [], "Board")
    workflow.update_action(conn, closed, "Chair", status="discharged", discharge_note="Reported in January")
    conn.close()
    return db


def export(db, out):
    return subprocess.run([sys.executable, "-m", "metrics", "export", "--as-of", "2009-03", "--out", str(out),
                           "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_pdf_pack_has_every_measure_status_commentary_and_open_action(sample_store, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is needed (Debian poppler-utils; make test installs it)")
    out = tmp_path / "pack.pdf"
    result = export(sample_store, out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:5] == b"%PDF-"
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout.split())
    plan = load_plan(ROOT / "config" / "targets.yaml")
    for measure in plan.measures:
        assert measure.title in text, measure.title
    for word in ("Green", "Amber", "Red", "No target"):
        assert word in text
    assert "Call demand peaked in the summer <b>heatwave</b>." in text
    assert "<script>alert('x')</script> Late licences under review." in text
    assert "Report on 101 call abandonment" in text and "ACC Operations" in text
    assert "Policing Kent 2006/09" in text and "2008/09 Q4" in text
    assert "Page 1 of" in text and "Contents" in text


def test_the_html_pack_renders_in_the_browser_without_errors(sample_store, tmp_path, browser):
    from selenium.webdriver.common.by import By
    out = tmp_path / "pack.html"
    assert export(sample_store, out).returncode == 0
    browser.get(out.as_uri())
    assert browser.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")
    assert "<script>alert('x')</script>" in browser.find_element(By.TAG_NAME, "body").text
    assert browser.execute_script("return document.querySelectorAll('b').length") == 0
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


# --- the pack reads in words: the quarter's actions, targets, baselines, exceptions ------------

import datetime as dt  # noqa: E402
import re  # noqa: E402

from conftest import CRIME_MEASURE, figures_file, monthly, plan_with  # noqa: E402
from metrics.board_pack import build_pack  # noqa: E402


def visible_text(page: str) -> str:
    """What a reader sees: the page without scripts, styles and tags."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<div class=\"plotly-graph-div\".*?</div>", " ", page, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def add_action(conn, action_id, meeting, text, due, status="open", note=None, edited="2009-01-05"):
    conn.execute("INSERT INTO actions VALUES (?, 1, ?, ?, 'DCC', ?, ?, ?, ?, 'Board', ?)",
                 [action_id, meeting, text, due, ["calls_999_10s"], status, note, edited])


def test_the_action_log_is_the_quarters_open_and_discharged_actions(sample_store, tmp_path):
    import shutil
    db = tmp_path / "copy.duckdb"
    shutil.copy(sample_store, db)
    conn = store.connect(db)
    add_action(conn, 101, "2008-10-01", "Discharged last quarter", "2008-12-01", "discharged", "Done", "2008-11-20")
    add_action(conn, 102, "2008-10-01", "Discharged this quarter", "2009-02-01", "discharged", "Reported", "2009-02-10")
    add_action(conn, 103, "2009-05-12", "Raised after the quarter", "2009-09-01")
    add_action(conn, 104, "2009-02-01", "Open, due after the quarter", "2009-06-01")
    page = build_pack(conn, load_plan(ROOT / "config" / "targets.yaml"), QUARTER_END, today=dt.date(2009, 4, 20))
    conn.close()
    log = visible_text(page.split('id="actions"')[1])
    assert "Discharged this quarter" in log and "Discharged 10 February 2009" in log
    assert "Open, due after the quarter" in log and "Report on 101 call abandonment" in log
    assert "Discharged last quarter" not in log and "Raised after the quarter" not in log
    assert "999 calls answered within 10 seconds" in log and "calls_999_10s" not in log   # titles, not ids
    text = visible_text(page)
    assert not re.search(r"\b(nan|None|NaN)\b", text)


def test_the_pack_states_targets_in_words_and_a_baseline_from_fewer_months(tmp_path, fresh_store):
    plan = plan_with(tmp_path, CRIME_MEASURE)
    rows = monthly("crimes", "2003-05", [100] * 11) + monthly("crimes", "2007-04", [90] * 24)
    load_figures(fresh_store, plan, figures_file(tmp_path, rows))
    text = visible_text(build_pack(fresh_store, plan, QUARTER_END, today=dt.date(2009, 4, 20)))
    assert "Target: 15% below the 2003/04 baseline by March 2008; tolerance 2% of the target." in text
    assert "Baseline from 11 of 12 months." in text
    assert "2008/09 Q4 (January to March 2009)" in text and "Figures to March 2009" in text


def test_exceptions_have_small_charts_and_the_watch_list_none(sample_store):
    conn = store.connect(sample_store, read_only=True)
    page = build_pack(conn, load_plan(ROOT / "config" / "targets.yaml"), QUARTER_END, today=dt.date(2009, 4, 20))
    conn.close()
    summary = page.split('id="summary"')[1].split('class="section"')[0]
    exceptions, watch = summary.split("<h3>Watch list</h3>")
    assert exceptions.count('class="exception"') == exceptions.count("plotly-graph-div") > 0
    assert '"height":125' in exceptions.replace(" ", "")
    assert "plotly-graph-div" not in watch and "Switchboard calls answered within 15 seconds" in watch


NEUTRAL_MEASURE = """
- id: stops
  title: Stop and search
  unit: count
  direction: neutral
  aggregation: sum
  assess_on: quarter
"""


def test_a_neutral_measure_that_moved_is_counted_as_moved_not_left_out(tmp_path, fresh_store):
    plan = plan_with(tmp_path, NEUTRAL_MEASURE)
    rows = monthly("stops", "2008-10", [100, 100, 100, 160, 160, 160])
    load_figures(fresh_store, plan, figures_file(tmp_path, rows))
    text = visible_text(build_pack(fresh_store, plan, QUARTER_END, today=dt.date(2009, 4, 20)))
    assert "0 better, 0 worse, 0 unchanged, 1 moved (no good direction, so neither better nor worse)." in text
    assert "↕ Moved" in text and "No measure moved." not in text


def test_a_seasonal_chart_with_two_phases_keeps_to_its_months_and_its_labels_apart(sample_store):
    from metrics import charts
    from metrics.engine import Engine
    plan = load_plan(ROOT / "config" / "targets.yaml")
    conn = store.connect(sample_store, read_only=True)
    chart = Engine(conn, plan).chart("bcs_comparator_crime", QUARTER_END, "force")
    conn.close()
    measure = plan.measure("bcs_comparator_crime")
    figure = charts.spc_figure(chart, measure, "Kent Police")
    # Fixed to the months held: a long label no longer stretches the axis years past the figures.
    assert figure["layout"]["xaxis"]["range"] == ["2003-03-16", "2009-03-16"]
    labels = [a for a in figure["layout"]["annotations"] if a["xref"] == "x"]
    assert len(labels) == 2 and labels[0]["y"] > labels[1]["y"]  # one line below the other
    assert all(len(line) <= 48 for a in labels for line in a["text"].split("<br>"))
    note = [a["text"] for a in figure["layout"]["annotations"] if a["xref"] == "paper"]
    assert note == [charts.SEASONAL_NOTE]
    assert charts.spc_figure(chart, measure, "Kent Police", height=125, labels=False)["layout"]["annotations"] == []
    assert charts.seasonal_method(chart, measure).startswith("Seasonally adjusted: each month's figure divided by")
    conn = store.connect(sample_store, read_only=True)
    text = visible_text(build_pack(conn, plan, QUARTER_END, today=dt.date(2009, 4, 20)))
    conn.close()
    assert "figure divided by its month-of-year factor, worked out from April 2003" in text  # in full, beside it

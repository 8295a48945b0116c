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

"""The quarterly board pack: one HTML document, printed to PDF by headless Chromium.

Contents: a cover (plan, quarter, date); contents; a one-page summary (counts by status, movements
since last quarter, exceptions); a section per priority with each measure's chart, status in words
and icon, figures against target and baseline, and its commentary; the action log.
All text from people (commentary, actions) is escaped: it is shown as text, never run as HTML.
"""
from __future__ import annotations

import datetime as dt
import html
import shutil
import subprocess
import tempfile
from pathlib import Path

import plotly.graph_objects as go
import plotly.offline

from metrics import board, workflow
from metrics.charts import spc_figure
from metrics.engine import Engine
from metrics.formats import fmt, records
from metrics.vocabulary import RAG, status_css, term
from metrics.periods import month_label, month_name, period_window
from metrics.plan import Plan

MOVEMENT_WORDS = {"better": "▲ Better", "worse": "▼ Worse", "unchanged": "= Unchanged", "moved": "↕ Moved"}
CSS = """
@page { size: A4; margin: 16mm 14mm 18mm; @bottom-center { content: "Page " counter(page) " of " counter(pages);
        font: 9pt sans-serif; color: #444; } }
body { font: 10.5pt/1.4 "DejaVu Sans", Arial, sans-serif; color: #111; }
h1 { font-size: 24pt; } h2 { font-size: 16pt; border-bottom: 2px solid #243b53; padding-bottom: 2pt; }
h3 { font-size: 12pt; margin: 14pt 0 4pt; }
.cover { page-break-after: always; padding-top: 60mm; }
.section { page-break-before: always; }
.measure { page-break-inside: avoid; margin-bottom: 10pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; font-size: 9.5pt; }
th { background: #e6ecf2; }
.rag { font-weight: bold; padding: 0 4pt; border-radius: 3pt; white-space: nowrap; }
.rag-no-data { border: 1px solid #999; }
.commentary { border-left: 3pt solid #243b53; padding: 2pt 8pt; margin: 4pt 0; white-space: pre-wrap; }
.muted { color: #555; } .overdue { color: #a12622; font-weight: bold; }
.toc a { color: #111; text-decoration: none; }
"""


def _e(text) -> str:
    return html.escape("" if text is None else str(text))


def _badge(rag) -> str:
    t = term("rag", rag)
    return f'<span class="rag badge-status rag-{t.code.replace("_", "-")}">{t.icon} {t.word}</span>'


def _table(headers, rows) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def build_pack(conn, plan: Plan, as_of: int | None = None, today: dt.date | None = None) -> str:
    """The pack as one self-contained HTML page."""
    engine = Engine(conn, plan)
    latest = engine.latest_month()
    if latest is None:
        raise ValueError("no figures are loaded, so there is nothing to report")
    ends = board.quarter_ends(engine.months(), plan.year_start_month)
    quarter_end = period_window(as_of, "quarter", plan.year_start_month)[1] if as_of is not None else ends[0]
    today = today or dt.date.today()
    name = board.quarter_name(quarter_end, plan.year_start_month)
    previous = board.quarter_name(quarter_end - 3, plan.year_start_month)
    figures_to = min(quarter_end, latest)
    review = board.review(engine.status(figures_to, "quarter"), engine.status(figures_to - 3, "quarter"))
    charts = engine.chart(None, figures_to, "force")
    notes = workflow.commentary(conn, quarter_end).set_index("measure_id")
    actions = workflow.action_log(conn, today)

    counts = review["rag"].value_counts()
    moved = review["movement"].value_counts()
    parts = [f"""<section class="cover"><h1>{_e(plan.title)}</h1>
        <p style="font-size:16pt">Performance and delivery board: {_e(name)}</p>
        <p>Figures to {_e(month_name(figures_to))}, compared with {_e(previous)}.</p>
        <p class="muted">Produced {today:%d %B %Y}.</p></section>"""]
    toc = [("summary", "Summary"), *[(f"priority-{p.id}", p.title) for p in plan.priorities], ("actions", "Action log")]
    parts.append('<section><h2>Contents</h2><ol class="toc">' +
                 "".join(f'<li><a href="#{a}">{_e(t)}</a></li>' for a, t in toc) + "</ol></section>")

    exceptions = review[review["exception"]]
    parts.append(f"""<section class="section" id="summary"><h2>Summary</h2>
        <p>{" ".join(f"{_badge(k)} {int(counts.get(k, 0))}" for k in RAG)}</p>
        <p>Since {_e(previous)}: {int(moved.get('better', 0))} better, {int(moved.get('worse', 0))} worse,
           {int(moved.get('unchanged', 0))} unchanged.</p>
        <h3>Movements</h3>""" + _table(["Measure", previous, name, "Movement"], [
            [_e(r.measure), _badge(r.previous_rag), _badge(r.rag), MOVEMENT_WORDS[r.movement]]
            for r in records(review[review["movement"] != "unchanged"])]) +
        "<h3>Exceptions</h3>" + (_table(["Measure", "Status", "Why listed"], [
            [_e(r.measure), _badge(r.rag), _e(r.exception_reasons)] for r in records(exceptions)])
            if not exceptions.empty else "<p>No exceptions this quarter.</p>") + "</section>")

    for priority in plan.priorities:
        rows = review[review["priority_id"] == priority.id].sort_values("sort_order")
        body = [f'<section class="section" id="priority-{_e(priority.id)}"><h2>{_e(priority.title)}</h2>']
        for r in records(rows):
            measure = plan.measure(r.measure_id)
            figure = go.Figure(spc_figure(charts[charts["measure_id"] == r.measure_id], measure,
                                          plan.area_name("force"), height=300))
            figure.update_layout(width=700, title=None)
            note = notes.loc[r.measure_id] if r.measure_id in notes.index else None
            commentary = (f'<div class="commentary">{_e(note["text"])}</div><p class="muted">{_e(note["author"])}, '
                          f'{note["written_at"]:%d %b %Y}</p>' if note is not None else '<p class="muted">No commentary.</p>')
            body.append(f"""<div class="measure"><h3>{_e(measure.title)} {_badge(r.rag)}</h3>""" + _table(
                ["Actual", "Target", "Baseline", "Variance", name.split()[-1] + " movement", "Trend", "SPC", "Assurance"],
                [[fmt(r.actual, r.unit), fmt(r.target, r.unit), fmt(r.baseline, r.unit), fmt(r.variance, r.unit),
                  MOVEMENT_WORDS[r.movement], term("trend", r.trend).word,
                  term("spc_variation", r.spc_variation).word, term("spc_assurance", r.spc_assurance).word]]) +
                figure.to_html(full_html=False, include_plotlyjs=False, config={"staticPlot": True}) +
                f"<h4>Commentary</h4>{commentary}</div>")
        parts.append("".join(body) + "</section>")

    parts.append('<section class="section" id="actions"><h2>Action log</h2>' + (_table(
        ["No.", "Raised", "Action", "Owner", "Due", "Measures", "Status"],
        [[str(a.action_id), f"{a.meeting_date:%d %b %Y}", _e(a.text), _e(a.owner), f"{a.due_date:%d %b %Y}",
          _e(", ".join(a.measures)),
          ('<span class="overdue">Overdue</span>' if a.state == "overdue" else _e(a.status.title()))
          + (f"<br><span class='muted'>{_e(a.discharge_note)}</span>" if a.discharge_note else "")]
         for a in records(actions)]) if not actions.empty else "<p>No actions recorded.</p>") + "</section>")

    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(plan.title)}: {_e(name)} board pack"
            f"</title><style>{CSS}{status_css()}</style><script>{plotly.offline.get_plotlyjs()}</script></head><body>"
            + "".join(parts) + "</body></html>")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        raise RuntimeError("a PDF needs Chromium (Debian: apt-get install chromium); the .html pack needs nothing")
    return found


def html_to_pdf(html_path: Path, pdf_path: Path) -> None:
    """Print with headless Chromium: real layout, vector charts, page numbers from @page."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={profile}",
            "--no-pdf-header-footer", "--virtual-time-budget=30000", f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri()], check=True, capture_output=True, timeout=180)
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RuntimeError("Chromium did not write the PDF")


def export_pack(conn, plan: Plan, as_of: int | None, out: Path) -> Path:
    page = build_pack(conn, plan, as_of)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".html":
        out.write_text(page, encoding="utf-8")
        return out
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "pack.html"
        source.write_text(page, encoding="utf-8")
        html_to_pdf(source, out)
    return out

"""The quarterly board pack: one HTML document, printed to PDF by headless Chromium.

Contents: a cover (plan, quarter, date); contents; a summary (counts by status, movements since last
quarter, exceptions with small charts, the watch list without); a section per priority with each
measure's one-line summary, chart, status in words and icon, figures against target (in words) and
baseline, and its commentary; the action log as at the quarter's end. The quarter review is
metrics.board.quarter_review, the same one the board page shows.
All text from people (commentary, actions) is escaped: it is shown as text, never run as HTML.
"""
from __future__ import annotations

import datetime as dt
import html
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from metrics import board, charts as chart_figures, peers, projection, workflow
from metrics.charts import spc_figure
from metrics.engine import Engine
from metrics.errors import MissingProgram, NotHeld
from metrics.formats import apart, apart_places, difference, fmt, missing, records, uk_date
from metrics.spc import phase_frame
from metrics.vocabulary import RAG, likelihood, likelihood_words, rule_words, status_css, term
from metrics.periods import month_words, period_window
from metrics.plan import Plan

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm; @bottom-center { content: "Page " counter(page) " of " counter(pages);
        font: 9pt sans-serif; color: #444; } }
body { font: 10.5pt/1.4 "DejaVu Sans", Arial, sans-serif; color: #111; }
h1 { font-size: 24pt; } h2 { font-size: 16pt; border-bottom: 2px solid #243b53; padding-bottom: 2pt; }
h3 { font-size: 12pt; margin: 14pt 0 4pt; }
.cover { page-break-after: always; padding-top: 60mm; }
.section { page-break-before: always; }
.measure, .keep-together { page-break-inside: avoid; break-inside: avoid; margin-bottom: 10pt; }
h2, h3 { break-after: avoid; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; font-size: 9.5pt; }
th { background: #e6ecf2; }
.rag { font-weight: bold; padding: 0 4pt; border-radius: 3pt; white-space: nowrap; }
.rag-no-data { border: 1px solid #999; }
.commentary { border-left: 3pt solid #243b53; padding: 2pt 8pt; margin: 4pt 0; white-space: pre-wrap; }
.muted { color: #555; } .overdue { color: #a12622; font-weight: bold; }
.toc a { color: #111; text-decoration: none; }
.summary { margin: 2pt 0; }
.actions td:nth-child(3) { width: 34%; } .actions td:nth-child(2), .actions td:nth-child(5) { width: 11%; }
.exception { display: flex; gap: 8pt; align-items: center; page-break-inside: avoid; border-bottom: 1px solid #ddd;
             padding: 3pt 0; }
.peers { display: flex; gap: 8pt; flex-wrap: wrap; } .projection { margin: 2pt 0; }
.exception-text { flex: 1; font-size: 9.5pt; } .exception-chart { width: 300px; }
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


def _month_end(index: int) -> dt.date:
    year, month = index // 12, index % 12 + 1
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _small_chart(chart, measure, area_name: str) -> str:
    """A compact chart for the exceptions list: no title, no legend, points and lines only."""
    figure = go.Figure(spc_figure(chart, measure, area_name, height=125, labels=False))
    figure.update_layout(width=300, title=None, showlegend=False, margin={"l": 40, "r": 8, "t": 8, "b": 24},
                         yaxis_title=None)
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"staticPlot": True})


def _baseline_note(r) -> str:
    held, expected = r.baseline_months_held, r.baseline_months_expected
    if held is None or expected is None or pd.isna(held) or pd.isna(expected) or held >= expected:
        return ""
    return f" Baseline from {int(held)} of {int(expected)} months."


def _rules(r) -> str:
    """The SPC rules that fired on the latest point, in words."""
    words = rule_words(r.spc_rules) if r.spc_variation not in ("common_cause", "insufficient_data") else ""
    return f"Special cause: {words}." if words else ""


def _target_line(r) -> str:
    """'Target: at least 82% by March 2007; tolerance 1 point.' in words."""
    words = []
    if isinstance(r.target_words, str):
        words.append(f"Target: {r.target_words}; tolerance {r.tolerance_words}.")
    words.append(_baseline_note(r).strip())
    words.append(_rules(r))
    if isinstance(r.own_grain_note, str):
        words.append(r.own_grain_note + ".")
    if isinstance(r.rag_reason, str):
        words.append(f"No status: {r.rag_reason}.")
    text = " ".join(w for w in words if w)
    return f'<p class="muted">{_e(text)}</p>' if text else ""


def _summary_section(review, plan: Plan, charts) -> str:
    rows = review.rows
    counts = rows["rag"].value_counts()
    parts = [f"""<section class="section" id="summary"><h2>Summary</h2>
        <p>{" ".join(f"{_badge(k)} {int(counts.get(k, 0))}" for k in RAG)}</p>
        <p>Since {_e(review.previous_label)}: {board.movement_counts_words(rows["movement"])}.</p><h3>Movements</h3>"""]
    changed = rows[rows["movement"] != "unchanged"]
    marked = lambda value, unit, whole: _e(fmt(value, unit)) + ("" if whole is True or missing(value) else "*")  # noqa: E731
    parts.append(_table(["Measure", review.previous_label, review.quarter_label, "Movement"], [
        [_e(r.measure), f"{_badge(r.previous_rag)} {marked(r.previous_quarter_actual, r.unit, r.last_quarter_complete)}",
         f"{_badge(r.rag)} {marked(r.actual, r.unit, r.complete)}", board.MOVEMENT_WORDS[r.movement]]
        for r in records(changed)]) + ('<p class="muted">* from part of the quarter: a month is not held.</p>'
                                       if (changed["complete"] != True).any() or (changed["last_quarter_complete"] != True).any()  # noqa: E712
                                       else "") if not changed.empty else "<p>No measure moved.</p>")
    parts.append("<h3>Exceptions</h3>")
    if review.exceptions.empty:
        parts.append("<p>No exceptions this quarter.</p>")
    for r in records(review.exceptions):
        measure = plan.measure(r.measure_id)
        chart = charts[charts["measure_id"] == r.measure_id]
        parts.append(f"""<div class="exception"><div class="exception-text"><strong>{_e(r.measure)}</strong>
            {_badge(r.rag)}<br>{_e(r.summary)}<br><span class="muted">Listed because: {_e(r.exception_reasons)}</span>
            </div><div class="exception-chart">{_small_chart(chart, measure, plan.area_name("force"))}</div></div>""")
    parts.append("<h3>Watch list</h3>")
    parts.append(_table(["Measure", "Status", "Why watched"], [
        [_e(r.measure), _badge(r.rag), _e(r.summary)] for r in records(review.watch_list)])
        if not review.watch_list.empty else "<p>No measures to watch.</p>")
    return "".join(parts) + "</section>"


def _static(figure: dict, width: int, height: int) -> str:
    fig = go.Figure(figure)
    fig.update_layout(width=width, height=height)
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"staticPlot": True})


def _projection_line(p) -> str:
    """'Will the target be met? ↗ Likely to be met: 80% by March 2009 (expected ...).'"""
    if p is None:
        return ""
    band = likelihood(p["likelihood"])
    unit = p["unit"]
    return (f'<p class="projection"><strong>Will the target be met?</strong> '
            f'<span class="likelihood-{band.code.replace("_", "-")} word-status">{_e(band.icon)} '
            f'{_e(likelihood_words(p["likelihood"]))}</span> by {_e(month_words(int(p["target_by"])))}: expected '
            f'{_e(fmt(p["expected"], unit))} against {_e(fmt(p["target_value"], unit))}. '
            f'<span class="muted">{_e(projection.method_words(p))}.</span></p>')


def _phase_line(measure_id, phases) -> str:
    """The measure's recorded process changes (the plan's and those added in the app), in words."""
    mine = phases[(phases["measure_id"] == measure_id) & (phases["phase"] > 0)]
    if mine.empty:
        return ""
    return ('<p class="muted">Process changes (limits start afresh): ' + "; ".join(
        f"from {_e(month_words(int(p.phase_from)))}: {_e(p.phase_note)}" for p in records(mine)) + ".</p>")


def _peer_block(measure, ranked, funnel) -> str:
    """This force among its peers, and the funnel plot for a rate."""
    if ranked is None or ranked.empty or ranked["is_force"].all() or not ranked["is_force"].any():
        return ""
    rank = chart_figures.peer_ranking_figure(ranked, measure, height=220)
    rank["layout"].update(title={"text": "Ranked, best first", "font": {"size": 11}}, margin={"l": 150, "r": 10, "t": 25, "b": 25})
    charts = [_static(rank, 340, 220)]
    if funnel is not None and len(funnel[0]):
        plot = chart_figures.funnel_figure(funnel[0], funnel[1], measure, height=220)
        plot["layout"].update(title={"text": "Funnel plot: dashed 95%, dotted 99.8% limits", "font": {"size": 11}},
                              showlegend=False, margin={"l": 45, "r": 10, "t": 25, "b": 35})
        charts.append(_static(plot, 360, 220))
    return (f'<div class="keep-together"><h4>Among peers</h4><p>{_e(ranked["words"].iloc[0])}.</p>'
            f'<div class="peers">{"".join(charts)}</div></div>')


def _measure_block(r, plan: Plan, review, charts, notes, extras=None) -> str:
    measure = plan.measure(r.measure_id)
    extras = extras or {}
    mine = charts[charts["measure_id"] == r.measure_id]
    spc = spc_figure(mine, measure, plan.area_name("force"), height=250)
    method = chart_figures.seasonal_method(mine, measure)
    ahead = extras.get("projections", {}).get(r.measure_id)
    if ahead is not None and spc["data"]:
        chart_figures.add_projection_cone(spc, ahead)
    figure = go.Figure(spc)
    figure.update_layout(width=700, title=None, margin={"t": 28 if method else 10, "b": 30},
                         legend={"orientation": "h", "y": -0.3, "font": {"size": 9}})
    note = notes.loc[r.measure_id] if r.measure_id in notes.index else None
    commentary = (f'<div class="commentary">{_e(note["text"])}</div><p class="muted">{_e(note["author"])}, '
                  f'{uk_date(note["written_at"])}</p>' if note is not None else None)
    return (f"""<div class="measure"><h3>{_e(measure.title)} {_badge(r.rag)}</h3>
        <p class="summary">{_e(r.summary)}</p>{_target_line(r)}""" + _table(
        ["Actual", "Target", "Baseline", "Variance", "Movement", "Trend", "SPC", "Assurance"],
        [[*_actual_and_target(r), fmt(r.baseline, r.unit),
          difference(r.variance, r.unit, apart_places(r.actual, r.target, r.unit)), board.MOVEMENT_WORDS[r.movement], term("trend", r.trend).label,
          term("spc_variation", r.spc_variation).label, term("spc_assurance", r.spc_assurance).label]]) +
        figure.to_html(full_html=False, include_plotlyjs=False, config={"staticPlot": True}) +
        (f'<p class="muted">{_e(method)}.</p>' if method else "") + _projection_line(ahead) + _phase_line(r.measure_id, extras.get("phases", pd.DataFrame(columns=["measure_id", "phase"])))
        + _peer_block(measure, *extras.get("peers", {}).get(r.measure_id, (None, None))) +
        (f"<h4>Commentary</h4>{commentary}" if commentary else '<p class="muted">No commentary this quarter.</p>')
        + "</div>")


def _actual_and_target(r) -> list[str]:
    """As shown side by side; an actual from part of its period marked *, as on the scorecard."""
    actual, target = apart(r.actual, r.target, r.unit)
    if r.complete is not True and not missing(r.actual):
        actual += f"* ({r.months_held} of {r.months_expected} months)"
    return [actual, target]


def _action_log(actions, plan: Plan, review) -> str:
    titles = {m.id: m.title for m in plan.measures}
    if actions.empty:
        return "<p>No actions open at the quarter's end or discharged during it.</p>"
    rows = []
    for a in records(actions):
        measures = ", ".join(titles.get(m, m) for m in (list(a.measures) if a.measures is not None else []))
        if a.state == "overdue":
            words = '<span class="overdue">Overdue</span>'
        elif a.state == "discharged":
            words = f"Discharged {uk_date(a.discharged_on)}"
        else:
            words = "Open"
        if a.state != "discharged" and a.discharged_on is not None and not pd.isna(a.discharged_on):
            words += f"<br><span class='muted'>Discharged since, on {uk_date(a.discharged_on)}</span>"
        if isinstance(a.discharge_note, str) and a.discharge_note.strip():
            words += f"<br><span class='muted'>{_e(a.discharge_note)}</span>"
        rows.append([str(a.action_id), uk_date(a.meeting_date), _e(a.text), _e(a.owner), uk_date(a.due_date), _e(measures) or "–", words])
    return (f'<p class="muted">Actions open at the end of {_e(review.quarter_words)} and those discharged during it.</p>'
            + '<div class="actions">' + _table(["No.", "Raised", "Action", "Owner", "Due", "Measures",
                                                f"At {_e(review.quarter_words.split(' to ')[-1])}"], rows) + "</div>")


def _extras(conn, engine, plan: Plan, review) -> dict:
    """What the pack adds beyond status: each measure's projection to its next target, its process
    changes, and its peers (for the measures peers hold figures for)."""
    frame = projection.projections(engine, plan, review.quarter_end, "force")
    units = {m.id: m.unit for m in plan.measures}
    ahead = {r["measure_id"]: {**r, "unit": units[r["measure_id"]]}
             for r in projection.next_projections(frame).to_dict("records")} if len(frame) else {}
    codes = [a.code for a in plan.areas if a.kind == "peer"]
    held = [m for (m,) in conn.execute("SELECT DISTINCT measure_id FROM figures WHERE list_contains(?, area)",
                                       [codes]).fetchall()] if codes else []
    by_peer = {}
    for measure_id in held:  # few measures have peer figures: one small query each
        if measure_id not in plan.measure_ids:
            continue
        ranked = peers.ranking(engine, plan, measure_id, review.quarter_end)
        funnel = peers.funnel(engine, plan, measure_id, review.quarter_end) \
            if plan.measure(measure_id).aggregation == "ratio" else None
        by_peer[measure_id] = (ranked, funnel)
    return {"projections": ahead, "projection_frame": frame, "phases": phase_frame(plan, workflow.process_changes(conn)), "peers": by_peer}


def _statement_section(conn, review, extras, plan: Plan) -> str:
    """The saved statement for the quarter, or the draft built from it, said to be a draft."""
    saved = workflow.statement(conn, review.quarter_end)
    if saved is not None:
        head = f'<p class="muted">Version {int(saved["version"])}, {_e(saved["author"])}, {uk_date(saved["written_at"])}.</p>'
        text = saved["text"]
    else:
        head = '<p class="muted">Draft built from the quarter\'s figures: not yet reviewed by an analyst.</p>'
        text = workflow.draft_statement(review, extras["projection_frame"], plan)
    return (f'<section class="section" id="statement"><h2>Quarterly statement</h2>{head}'
            f'<div class="commentary">{_e(text)}</div></section>')


def build_pack(conn, plan: Plan, as_of: int | None = None, today: dt.date | None = None) -> str:
    """The pack as one self-contained HTML page, for the quarter board.quarter_review chooses."""
    engine = Engine(conn, plan)
    held = engine.months()
    if not held:
        raise NotHeld("no figures are loaded, so there is nothing to report")
    as_of = engine.default_as_of() if as_of is None else as_of
    review = board.quarter_review(lambda month, grain: engine.status(month, grain), held, as_of,
                                  plan.year_start_month)
    today = today or dt.date.today()
    charts = engine.chart(None, review.quarter_end, "force")
    notes = workflow.commentary(conn, review.quarter_end).set_index("measure_id")
    first_month = period_window(review.quarter_end, "quarter", plan.year_start_month)[0]
    actions = workflow.quarter_actions(conn, _month_start(first_month), _month_end(review.quarter_end))

    parts = [f"""<section class="cover"><h1>{_e(plan.title)}</h1>
        <p style="font-size:16pt">Performance and delivery board: {_e(review.quarter_label)}
           ({_e(review.quarter_words)})</p>
        <p>Figures to {_e(month_words(review.quarter_end))}, compared with {_e(review.previous_label)}.</p>
        {f"<p>{_e(review.asked_note)}</p>" if review.asked_note else ""}
        <p class="muted">Produced {uk_date(today)}.</p></section>"""]
    toc = [("summary", "Summary"), ("statement", "Quarterly statement"), *[(f"priority-{p.id}", p.title) for p in plan.priorities], ("actions", "Action log")]
    parts.append('<section><h2>Contents</h2><ol class="toc">' +
                 "".join(f'<li><a href="#{a}">{_e(t)}</a></li>' for a, t in toc) + "</ol></section>")
    parts.append(_summary_section(review, plan, charts))
    extras = _extras(conn, engine, plan, review)
    parts.append(_statement_section(conn, review, extras, plan))
    for priority in plan.priorities:
        rows = review.rows[review.rows["priority_id"] == priority.id].sort_values("sort_order")
        blocks = [_measure_block(r, plan, review, charts, notes, extras) for r in records(rows)]
        # The heading kept with its first measure: never a heading alone at the foot of a page.
        heading = f'<div class="keep-together"><h2>{_e(priority.title)}</h2>{blocks[0] if blocks else ""}</div>'
        parts.append(f'<section class="section" id="priority-{_e(priority.id)}">{heading}{"".join(blocks[1:])}</section>')
    parts.append(f'<section class="section" id="actions"><h2>Action log</h2>{_action_log(actions, plan, review)}</section>')

    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(plan.title)}: "
            f"{_e(review.quarter_label)} board pack</title><style>{CSS}{status_css()}</style>"
            f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>" + "".join(parts) + "</body></html>")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        raise MissingProgram("a PDF needs Chromium (Debian: apt-get install chromium); the .html pack needs nothing")
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

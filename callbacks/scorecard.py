"""Scorecard callbacks: ask the engine (once per as-of, grain and area) and shape rows."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from urllib.parse import parse_qs, urlencode

from dash import Input, Output, State, callback, dcc, html, no_update

from layouts.components import (RAG, assurance_text, fmt, marked_actual, missing, period_words, query, row_summary,
                                sparkline, status_badge, text_or, trend_text, uk_month, variation_text)
from layouts.downloads import file_output, pressed_kind, presses, send_table
from layouts.header import chosen_grain
from metrics import service
from metrics.periods import GRAIN_NAMES, month_label
from metrics.formats import apart, difference, records
from metrics.exports import scorecard_table

COLUMNS = ["Measure", "Actual", "Target", "Baseline", "Status", "Trend", "SPC variation", "Assurance",
           "Projection", "Last 24 months", "Last figures"]
# Each heading's entry on the help page; "?" beside the heading opens it.
COLUMN_HELP = {"Measure": "help-how-status-is-worked-out", "Actual": "help-marks", "Target": "help-how-status-is-worked-out",
               "Baseline": "help-how-status-is-worked-out", "Status": "help-rag", "Trend": "help-trend",
               "SPC variation": "help-spc-variation", "Assurance": "help-spc-assurance",
               "Projection": "help-likelihood", "Last 24 months": "help-spc-rules", "Last figures": "help-marks"}
WORST_FIRST = {"red": 0, "amber": 1, "no_data": 2, "no_target": 3, "green": 4}
FILTER_KEYS = ("priority", "owner", "status", "sort")


def heading(column: str) -> html.Th:
    """A column heading with a "?" that opens its help entry."""
    anchor = COLUMN_HELP.get(column)
    link = html.A("?", href=f"/help#{anchor}", className="help-link", title=f"What {column} means",
                  **{"aria-label": f"Help: {column}"}) if anchor else None
    return html.Th([column, " ", link] if link else column, scope="col")


def filtered(frame, priority=None, owner=None, statuses=None, sort="plan"):
    """The rows the filters keep, in the chosen order."""
    shown = frame
    if priority:
        shown = shown[shown["priority_id"] == priority]
    if owner:
        shown = shown[shown["owner"] == owner]
    if statuses:
        shown = shown[shown["rag"].isin(statuses)]
    if sort == "status":
        shown = shown.assign(_w=shown["rag"].map(WORST_FIRST).fillna(5)).sort_values(["_w", "measure"], kind="stable").drop(columns="_w")
    elif sort == "name":
        shown = shown.sort_values("measure", key=lambda s: s.str.lower(), kind="stable")
    return shown


def filters_search(search, priority, owner, statuses, sort) -> str:
    """The URL's query with the scorecard's filters written in (the header's choices kept)."""
    params = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items() if k not in FILTER_KEYS}
    chosen = {"priority": priority, "owner": owner, "status": ",".join(statuses or []) or None,
              "sort": sort if sort and sort != "plan" else None}
    params.update({k: v for k, v in chosen.items() if v})
    return f"?{urlencode(params)}" if params else ""


def count_badges(frame) -> list:
    counts = frame["rag"].value_counts()
    return [html.Span([status_badge(key), html.Span(f" {int(counts.get(key, 0))}", className="count")],
                      className="status-count", id=f"count-{key}") for key in RAG]


def change_note(row) -> str:
    """Beside the trend (against last year): the change on the previous period."""
    if missing(row.change_vs_previous):
        return ""
    if fmt(abs(row.change_vs_previous), row.unit) in (fmt(0.0, row.unit), "0.0"):
        return "no change on previous period"
    sign = "+" if row.change_vs_previous > 0 else "−" if row.change_vs_previous < 0 else "±"
    compared = text_or(getattr(row, "previous_label", None), "previous period")
    return f"{sign}{difference(abs(row.change_vs_previous), row.unit)} on {compared}"


def baseline_cell(row):
    """The baseline, marked when it was worked out from fewer months than its period has."""
    held, expected = getattr(row, "baseline_months_held", None), getattr(row, "baseline_months_expected", None)
    value = fmt(row.baseline, row.unit)
    if missing(held) or missing(expected) or held >= expected or missing(row.baseline):
        return value
    return [value, html.Div(f"from {int(held)} of {int(expected)} months", className="small text-muted")]


def status_cell(row):
    reason = getattr(row, "rag_reason", None)
    return [status_badge(row.rag)] + ([html.Div(reason, className="small text-muted rag-reason")]
                                      if isinstance(reason, str) and reason else [])


def measure_row(row, spark, choices) -> html.Tr:
    overdue = html.Span(" overdue", className="overdue", title="No figures for the as-of month") if row.overdue else ""
    actual, target = apart(row.actual, row.target, row.unit)
    return html.Tr([
        html.Td([dcc.Link(row.measure, href=f"/measure/{row.measure_id}{query(**choices)}", className="measure-link"),
                 html.Div(row_summary(row), className="small measure-summary"),
                 html.Div(" · ".join(w for w in (period_words(row), text_or(row.owner)) if w),
                          className="small text-muted")]),
        html.Td(marked_actual(row, actual), className="num"),
        html.Td(target, className="num"),
        html.Td(baseline_cell(row), className="num"),
        html.Td(status_cell(row)),
        html.Td([trend_text(row.trend), html.Div(change_note(row), className="small text-muted")]),
        html.Td(variation_text(row.spc_variation)),
        html.Td(assurance_text(row.spc_assurance)),
        html.Td(projection_cell(row), className="projection"),
        html.Td(sparkline(spark, f"Trend of {row.measure}")),
        html.Td([uk_month(row.last_data_period), overdue]),
    ], className=f"measure-row row-{row.rag}", id={"type": "scorecard-row", "measure": row.measure_id})


def grouped_table(frame, plan, sparks, choices) -> dbc.Table:
    """Rows under their priority and objective headings, in the plan's order."""
    by_objective = {}
    for row in records(frame):
        by_objective.setdefault(row.objective_id, []).append(row)
    body = []
    for priority in plan.priorities:
        objectives = [o for o in plan.objectives if o.priority_id == priority.id and o.id in by_objective]
        if not objectives:
            continue
        body.append(html.Tr(html.Th(priority.title, colSpan=len(COLUMNS), scope="colgroup"), className="priority-row"))
        for objective in objectives:
            body.append(html.Tr(html.Th(objective.title, colSpan=len(COLUMNS), scope="colgroup"), className="objective-row"))
            body += [measure_row(r, sparks.get(r.measure_id, []), choices) for r in by_objective[objective.id]]
    return _table(body)


def flat_table(rows, sparks, choices) -> dbc.Table:
    """Rows in the chosen order, without the priority headings (which the order would scatter)."""
    return _table([measure_row(r, sparks.get(r.measure_id, []), choices) for r in records(rows)])


def _table(body) -> dbc.Table:
    return dbc.Table([html.Thead(html.Tr([heading(c) for c in COLUMNS])), html.Tbody(body)],
                     hover=True, responsive=True, className="scorecard", id="scorecard-grid")


@callback(
    Output("scorecard-table", "children"), Output("scorecard-counts", "children"), Output("scorecard-caption", "children"),
    Input("as-of", "value"), Input("grain", "value"), Input("area", "value"),
    Input("scorecard-priority", "value"), Input("scorecard-owner", "value"), Input("scorecard-status", "value"),
    Input("scorecard-sort", "value"),
)
def show_scorecard(as_of, grain, area, priority, owner, statuses, sort="plan"):
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    area = area or "force"
    frame = service.status(source, as_of, chosen_grain(grain), area)
    force_only = force_only_list(service.held_for_force_only(source, frame, area), plan, as_of, grain)
    if frame.empty:
        return [html.P("No figures are loaded yet."), force_only], [], ""
    as_of = as_of or service.default_as_of(source)
    sparks = service.recent_values(source, as_of, area or "force")
    frame = with_projection(frame, service.projections(source, as_of, area))
    counts = count_badges(frame)
    shown = filtered(frame, priority, owner, statuses, sort)
    grain_words = GRAIN_NAMES.get(chosen_grain(grain), "each measure at the period its targets are set for")
    caption = (f"{plan.area_name(area)}, as of {uk_month(as_of)}; {grain_words.lower()}. "
               f"Showing {len(shown)} of {len(frame)} measures.")
    choices = {"as_of": month_label(as_of), "grain": chosen_grain(grain), "area": None if area == "force" else area}
    if shown.empty:
        return [html.P("No measures match these filters.", className="empty"), force_only], counts, caption
    table = grouped_table(shown, plan, sparks, choices) if sort in (None, "plan") else flat_table(shown, sparks, choices)
    return [table, force_only], counts, caption


@callback(Output("url", "search", allow_duplicate=True),
          Input("scorecard-priority", "value"), Input("scorecard-owner", "value"), Input("scorecard-status", "value"),
          Input("scorecard-sort", "value"), State("url", "search"), prevent_initial_call=True)
def keep_filters_in_url(priority, owner, statuses, sort, search):
    wanted = filters_search(search, priority, owner, statuses, sort)
    return wanted if wanted != (search or "") else no_update


@callback(file_output("scorecard"), presses("scorecard"), State("as-of", "value"), State("grain", "value"), State("area", "value"),
          State("scorecard-priority", "value"), State("scorecard-owner", "value"), State("scorecard-status", "value"),
          State("scorecard-sort", "value"), prevent_initial_call=True)
def download_scorecard(_presses, as_of, grain, area, priority, owner, statuses, sort):
    """The scorecard as shown: the same filters and order, figures rounded, status in words."""
    kind = pressed_kind()
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    area = area or "force"
    frame = filtered(service.status(source, as_of, chosen_grain(grain), area), priority, owner, statuses, sort)
    month = month_label(as_of or service.default_as_of(source))
    return send_table(scorecard_table(frame, plan), kind, f"scorecard-{area}-{month}", "Scorecard")


def force_only_list(measures, plan, as_of, grain):
    """A district's measures held for the whole force only: one folded line, not rows of "No data"."""
    if not measures:
        return None
    choices = {"as_of": month_label(as_of) if as_of else None, "grain": chosen_grain(grain)}
    return html.Details([
        html.Summary(f"Held for the whole force only ({len(measures)} measure{'s' if len(measures) != 1 else ''})"),
        html.P(f"These are on {plan.area_name('force')}'s scorecard.", className="small text-muted mb-1"),
        html.Ul([html.Li(dcc.Link(m.title, href=f"/measure/{m.id}{query(**choices)}")) for m in measures]),
    ], id="scorecard-force-only", className="force-only")


def with_projection(frame, projections):
    """Each row's projection to its next target date (likelihood and date), where it has one."""
    from metrics.projection import next_projections
    ahead = next_projections(projections)
    if ahead.empty:
        return frame.assign(likelihood=float("nan"), projection_by=float("nan"))
    ahead = ahead[["measure_id", "area", "likelihood", "target_by"]].rename(columns={"target_by": "projection_by"})
    return frame.merge(ahead, on=["measure_id", "area"], how="left")


def projection_cell(row):
    """'Likely to be met: 80% by March 2009', or a dash where no future target is set."""
    from callbacks.measure import likelihood_text
    if missing(getattr(row, "likelihood", None)):
        return "–"
    return likelihood_text(row.likelihood, row.projection_by)

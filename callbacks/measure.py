"""Measure detail callbacks."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from layouts.header import chosen_grain
from layouts.components import (assurance_text, baseline_words, fmt, grain_words, missing, period_words, query,
                                row_summary, spc_figure, status_badge, target_words, term, text_or, tolerance_words,
                                trend_text, uk_month, variation_text)
import security
from metrics import board, charts, projection, service
from metrics.projection import next_projections
from metrics.spc import phases_of
from metrics.vocabulary import likelihood, likelihood_words
from metrics.periods import month_label, period_window
from metrics.vocabulary import rule_words
from metrics.workflow import WorkflowError
from metrics.formats import apart, records
from metrics import exports
from layouts.downloads import download_buttons, file_output, pressed_kind, presses, send_table

DIRECTION_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "neutral": "No good direction"}
UNIT_WORDS = {"percent": "Percent", "count": "Count", "hours": "Hours", "currency": "Pounds (£)"}


def source_and_measure(measure_id):
    """The store the app reads and the plan's measure: what every panel of this page starts from."""
    source = service.Source.from_environment()
    return source, service.plan_for(source).measure(measure_id)


def facts(measure, row, plan, method: str | None = None) -> dbc.Card:
    """The measure's definition, owner, targets and how it is judged; `method`: a seasonal
    measure's SPC method in full."""
    baseline = "No baseline"
    if measure.baseline:
        baseline = f"{fmt(row.baseline, measure.unit)} ({baseline_words(measure)})"
        held = getattr(row, "baseline_months_held", None)
        expected = getattr(row, "baseline_months_expected", None)
        if not missing(held) and not missing(expected) and held < expected:
            baseline += f", from {int(held)} of {int(expected)} months"
    items = [
        ("Definition", text_or(measure.definition, "–")),
        ("Owner", text_or(measure.owner, "–")),
        ("Direction", DIRECTION_WORDS[measure.direction]),
        ("Unit", UNIT_WORDS.get(measure.unit, measure.unit)),
        ("Judged on", f"{grain_words(row)} ({period_words(row)})"),
        ("Targets", target_words(measure, plan, row)),
        # Milestones: every one, as the chart draws them, not only the one in force for this period.
        *([("Milestones", target_words(measure, plan))] if len(measure.targets) > 1 else []),
        *([("Tolerance", tolerance_words(measure))] if measure.targets and measure.direction != "neutral" else []),
        ("Baseline", baseline),
        ("SPC rules fired", rule_words(row.spc_rules).capitalize() or (
            "No rule fired on the latest point" if row.spc_variation != "insufficient_data"
            else "None judged: too few points (12 are needed)")),
        *([("SPC method", method)] if method else []),
    ]
    return dbc.Card(dbc.CardBody(html.Dl(sum(([html.Dt(k), html.Dd(v)] for k, v in items), []))), className="facts")


def area_bars(frame, measure, plan) -> html.Div:
    """Districts only, ranked best first, each with its own target marker and status word; the
    force's figure is said in words beside the chart, not drawn among the districts."""
    mine = frame[(frame["measure_id"] == measure.id) & frame["actual"].notna()]
    force = mine[mine["area"] == "force"]
    rows = mine[mine["area_kind"] == "district"].sort_values("actual", ascending=measure.direction == "lower")
    force_words = None
    if not force.empty:
        f = records(force)[0]
        actual, target = apart(f.actual, f.target, measure.unit)
        force_words = html.P([html.Strong(f"{plan.area_name('force')}: "), actual,
                              f" against a target of {target} " if not missing(f.target) else " ",
                              status_badge(f.rag)], id="measure-force-figure", className="mb-1")
    if rows.empty:
        return html.Div([force_words, html.P("This measure is held for the whole force only.", className="text-muted")])
    words = [term("rag", r).word for r in rows["rag"]]
    data = [{"type": "bar", "orientation": "h", "y": rows["area_name"].tolist(), "x": rows["actual"].tolist(),
             "text": words, "textposition": "outside", "name": "Actual",
             "marker": {"color": [term("rag", r).colour for r in rows["rag"]]},
             "hovertemplate": "%{y}: %{x:,.1f} (%{text})<extra></extra>"}]
    if rows["target"].notna().any():
        data.append({"type": "scatter", "mode": "markers", "name": "Its target", "y": rows["area_name"].tolist(),
                     "x": rows["target"].tolist(),
                     "marker": {"symbol": "line-ns-open", "size": 22, "line": {"width": 3, "color": "#1b1f24"}},
                     "hovertemplate": "%{y}: target %{x:,.1f}<extra></extra>"})
    figure = {"data": data, "layout": {
        "height": 70 + 26 * len(rows), "margin": {"l": 10, "r": 70, "t": 20, "b": 30}, "showlegend": True,
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"}, "plot_bgcolor": "#ffffff",
        "yaxis": {"autorange": "reversed", "automargin": True}, "xaxis": {"gridcolor": "#e5e5e5"}}}
    return html.Div([force_words, html.P("Districts, best first. A bar's word is its status; the mark is its own target.",
                                         className="small text-muted mb-0"),
                     dcc.Graph(figure=figure, id="measure-area-chart", config={"displayModeBar": False})])


def figures_table(frame, measure, plan) -> html.Div:
    if frame.empty:
        return html.P("No figures held.")
    frame = frame.sort_values(["month", "load_id"], ascending=[False, False]).head(60)
    header = html.Thead(html.Tr([html.Th(c, scope="col") for c in
                                 ["Period", "Area", "Value", "Numerator", "Denominator", "Load", "Status"]]))
    body = html.Tbody([html.Tr([
        html.Td(uk_month(int(r.month))), html.Td(plan.area_name(r.area)),
        html.Td(fmt(r.value, measure.unit) if not r.not_applicable else "not applicable"),
        html.Td(fmt(r.numerator)), html.Td(fmt(r.denominator)), html.Td(int(r.load_id)),
        html.Td("revised (replaced by load %d)" % r.superseded_by if r.status == "revised" else "current"),
    ], className=f"figure-{r.status}") for r in records(frame)])
    return html.Div([download_buttons("measure-figures", "these figures and revisions"),
                     dbc.Table([header, body], size="sm", striped=True, responsive=True, id="measure-figures-table")])


@callback(file_output("measure-figures"), presses("measure-figures"), State("measure-id", "data"),
          State("area", "value"), prevent_initial_call=True)
def download_figures(_presses, measure_id, area):
    """Every figure held for the measure and area, with its revisions (the page shows the latest 60)."""
    kind = pressed_kind()
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    measure = plan.measure(measure_id)
    area = area or "force"
    table = exports.figures_table(service.figures(source, measure_id, area), measure, plan)
    return send_table(table, kind, f"{measure_id}-{area}-figures", "Figures")


@callback(
    Output("measure-title", "children"), Output("measure-status", "children"), Output("measure-chart", "figure"),
    Output("measure-facts", "children"), Output("measure-areas", "children"), Output("measure-figures", "children"),
    Input("measure-id", "data"), Input("as-of", "value"), Input("grain", "value"), Input("area", "value"),
    Input("measure-phase-saved", "children"),
)
def show_measure(measure_id, as_of, grain, area, _phase_added=None):
    if not measure_id:
        return (no_update,) * 6
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    measure = plan.measure(measure_id)
    area = area or "force"
    everywhere = service.status(source, as_of, chosen_grain(grain), "all")
    rows = everywhere[(everywhere["measure_id"] == measure_id) & (everywhere["area"] == area)]
    if rows.empty and area != "force":
        empty = spc_figure(service.chart(source, measure_id, as_of, area).head(0), measure, plan.area_name(area))
        return (measure.title, held_for_force_only(measure, plan, area, as_of, grain), empty, None,
                area_bars(everywhere, measure, plan), None)
    row = records(rows)[0]
    actual, target = apart(row.actual, row.target, measure.unit)
    against = f" against a target of {target}" if not missing(row.target) else ""
    status = html.Div([
        html.P(row_summary(row), className="measure-summary", id="measure-summary"),
        status_badge(row.rag), " ",
        html.Span(f"{actual}{against} ({period_words(row)}, {plan.area_name(area)}). ",
                  className="status-sentence"),
        trend_text(row.trend), " · SPC: ", variation_text(row.spc_variation), " · Assurance: ",
        assurance_text(row.spc_assurance),
    ])
    chart = service.chart(source, measure_id, as_of, area)
    method = charts.seasonal_method(chart, measure)
    return (measure.title, status, spc_figure(chart, measure, plan.area_name(area)), facts(measure, row, plan, method),
            area_bars(everywhere, measure, plan), figures_table(service.figures(source, measure_id, area), measure, plan))


def held_for_force_only(measure, plan, area, as_of, grain):
    """A district's view of a measure it holds no figures for: say so, and link to the force's."""
    link = dcc.Link(f"See {plan.area_name('force')}'s figures",
                    href=f"/measure/{measure.id}{query(as_of=month_label(as_of) if as_of else None, grain=chosen_grain(grain))}")
    return html.P([f"{plan.area_name(area)} holds no figures for this measure: it is held for the whole force only. ", link],
                  id="measure-force-only")


def _quarter_end(as_of):
    """Commentary is per quarter: the quarter holding the as-of month."""
    source = service.Source.from_environment()
    as_of = as_of if as_of is not None else max(service.months(source))
    return period_window(as_of, "quarter", service.plan_for(source).year_start_month)[1]


def _when(stamp) -> str:
    """'1 December 2026 14:03': a version's time as people in the UK write it."""
    return f"{stamp.day} {stamp:%B %Y %H:%M}"


def versions_list(versions, name) -> html.Details:
    """Every version of a quarter's commentary, newest first, each openable to read its text."""
    return html.Details([
        html.Summary(f"All versions of the {name} commentary ({len(versions)})"),
        html.Ul([html.Li(html.Details([
            html.Summary(f"Version {int(v.version)}: {v.author}, {_when(v.written_at)}"),
            html.Blockquote(v.text, className="commentary small"),
        ]), className="commentary-version") for v in records(versions)], className="commentary-versions list-unstyled"),
    ], id="measure-commentary-versions")


def other_quarters(history, quarter_end, ysm, earlier: bool) -> list:
    """The latest note of each earlier (or later) quarter, newest first, each under its own quarter."""
    chosen = history[(history["quarter_end"] < quarter_end) if earlier else (history["quarter_end"] > quarter_end)]
    latest = chosen.sort_values(["quarter_end", "version"], ascending=False).drop_duplicates("quarter_end")
    if latest.empty:
        return []
    label = "Earlier quarters" if earlier else "Later quarters"
    return [html.Details([html.Summary(f"{label} ({len(latest)})"), html.Ul([
        html.Li([html.Strong(board.quarter_name(int(r.quarter_end), ysm) + ": "), r.text,
                 html.Span(f" ({r.author}, {_when(r.written_at)})", className="text-muted")])
        for r in records(latest)])], id=f"measure-commentary-{'earlier' if earlier else 'later'}")]


@callback(
    Output("measure-commentary", "children"), Output("measure-commentary-text", "value"),
    Input("measure-id", "data"), Input("as-of", "value"), Input("measure-commentary-saved", "children"),
)
def show_commentary(measure_id, as_of, _saved):
    """This quarter's latest note (the editor starts from it), its versions, and other quarters' notes."""
    if not measure_id:
        return no_update, no_update
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    quarter_end = _quarter_end(as_of)
    history = service.commentary_history(source, measure_id)
    this_quarter = history[history["quarter_end"] == quarter_end].sort_values("version", ascending=False)
    name = board.quarter_name(quarter_end, plan.year_start_month)
    if this_quarter.empty:
        # An empty box for a quarter with no note; on first drawing, leave what someone may be typing.
        current = [html.P(f"No commentary for {name} yet.", className="text-muted")]
        text = "" if ctx.triggered_id == "as-of" else no_update
    else:
        latest = this_quarter.iloc[0]
        # Commentary is shown as text: Dash escapes it, so "<script>" is just characters.
        current = [html.Blockquote(latest["text"], className="commentary", id="measure-commentary-current"),
                   html.P(f"{name}: {latest['author']}, {_when(latest['written_at'])}"
                          + (f" (edited; {len(this_quarter)} versions kept)" if len(this_quarter) > 1 else ""),
                          className="small text-muted")]
        if len(this_quarter) > 1:
            current.append(versions_list(this_quarter, name))
        text = latest["text"]
    ysm = plan.year_start_month
    return [*current, *other_quarters(history, quarter_end, ysm, True), *other_quarters(history, quarter_end, ysm, False)], text


@callback(
    Output("measure-commentary-saved", "children"),
    Input("measure-commentary-save", "n_clicks"),
    State("measure-id", "data"), State("as-of", "value"), State("measure-commentary-text", "value"),
    prevent_initial_call=True,
)
def save_commentary(_clicks, measure_id, as_of, text):
    author = security.require_role("analyst").name  # the server's word on who is signed in
    try:
        version = service.save_commentary(service.Source.from_environment(), measure_id, _quarter_end(as_of), text, author)
    except WorkflowError as err:
        return dbc.Alert(f"Not saved: {err}.", color="warning", className="mt-2")
    # The box then shows the text saved, the latest version (show_commentary follows the message).
    return dbc.Alert(f"Saved (version {version}).", color="success", className="mt-2")


# --- projection, peers, process changes, chart data ------------------------------------------

def projection_row(source, measure_id, as_of, area):
    """The projection to the measure's next target date (the earliest future target), or None."""
    frame = service.projections(source, as_of, area or "force")
    mine = next_projections(frame[frame["measure_id"] == measure_id]) if not frame.empty else frame
    return None if mine.empty else records(mine)[0]


def likelihood_text(p, target_by) -> html.Span:
    """'↗ Likely to be met: 80% by March 2009': word and icon, never colour alone."""
    band = likelihood(p)
    return html.Span([html.Span(band.icon, **{"aria-hidden": "true"}), f" {likelihood_words(p)} by {uk_month(int(target_by))}"],
                     className=f"likelihood-{band.code.replace('_', '-')} word-status likelihood", title=band.meaning)


def projection_words(row, measure) -> html.Div:
    if row is None:
        return html.P("No future target to project to.", className="text-muted small", id="measure-projection-none")
    return html.Div([
        html.Strong("Will the target be met? "), likelihood_text(row.likelihood, row.target_by),
        html.Span(f". Expected {fmt(row.expected, measure.unit)} against a target of {fmt(row.target_value, measure.unit)} "
                  f"(95% range {fmt(row.lower, measure.unit)} to {fmt(row.upper, measure.unit)}). "),
        html.Span(projection.method_words(vars(row)) + ".",
                  className="small text-muted"),
    ], id="measure-projection-words")


@callback(Output("measure-projection", "children"), Output("measure-chart", "figure", allow_duplicate=True),
          Input("measure-chart", "figure"), State("measure-id", "data"), State("as-of", "value"), State("area", "value"),
          prevent_initial_call=True)
def show_projection(figure, measure_id, as_of, area):
    """The projection's words, and its cone drawn on the chart once the chart is there."""
    if not measure_id or not figure or not figure.get("data") or any(
            str(t.get("name", "")).startswith("Projection") for t in figure["data"]):
        return no_update, no_update
    source, measure = source_and_measure(measure_id)
    row = projection_row(source, measure_id, as_of, area)
    if row is None:
        return projection_words(None, measure), no_update
    return projection_words(row, measure), charts.add_projection_cone(figure, vars(row))


@callback(Output("measure-peers", "children"), Input("measure-id", "data"), Input("as-of", "value"))
def show_peers(measure_id, as_of):
    """This force ranked among its peers, and for a rate, the funnel plot. Peers are never districts."""
    if not measure_id:
        return no_update
    source, measure = source_and_measure(measure_id)
    ranked, funnel = service.peers(source, measure_id, as_of)
    if ranked is None:
        return html.P("No peer forces are loaded.", className="text-muted")
    if ranked.empty or not ranked["is_force"].any() or ranked["is_force"].all():
        return html.P("No peer figures for this measure and period.", className="text-muted", id="measure-peers-none")
    parts = [html.P(ranked["words"].iloc[0] + ".", id="measure-peer-rank", className="mb-1"),
             dcc.Graph(figure=charts.peer_ranking_figure(ranked, measure), id="measure-peer-chart",
                       config={"displaylogo": False})]
    if funnel is not None and len(funnel[0]):
        parts += [html.P("Funnel plot: each force's rate against its volume; the limits narrow as volume grows, "
                         "so a small force is not flagged for noise.", className="small text-muted mb-0"),
                  dcc.Graph(figure=charts.funnel_figure(funnel[0], funnel[1], measure), id="measure-funnel",
                            config={"displaylogo": False})]
    return parts


@callback(Output("measure-phases", "children"), Input("measure-id", "data"), Input("measure-phase-saved", "children"))
def show_phases(measure_id, _saved):
    """The plan's and the app's process changes, oldest first, each with who recorded it."""
    if not measure_id:
        return no_update
    source, measure = source_and_measure(measure_id)
    items = [(p.start, p.note, "in the plan") for p in phases_of(measure)]
    added = service.process_changes(source, measure_id)
    items += [(int(r.month), r.note, f"added by {r.added_by}, {r.added_at:%-d %B %Y}") for r in records(added)]
    if not items:
        return html.P("No process change recorded: one set of limits over all the points.", className="text-muted",
                      id="measure-phases-none")
    return html.Ul([html.Li([html.Strong(f"From {uk_month(start)}: "), note, html.Span(f" ({who})", className="text-muted")])
                    for start, note, who in sorted(items, key=lambda i: i[0])], id="measure-phase-list")


@callback(Output("measure-phase-saved", "children"), Output("measure-phase-note", "value"),
          Input("measure-phase-add", "n_clicks"),
          State("measure-id", "data"), State("measure-phase-month", "value"), State("measure-phase-note", "value"),
          prevent_initial_call=True)
def add_phase(_clicks, measure_id, month, note):
    who = security.require_role("analyst").name  # the server's word on who is signed in
    try:
        start = service.add_process_change(service.Source.from_environment(), measure_id, month, note, who)
    except WorkflowError as err:
        return dbc.Alert(f"Not added: {err}.", color="warning", className="mt-2"), no_update
    return dbc.Alert(f"Process change from {uk_month(start)} added: the chart's limits now start afresh there.",
                     color="success", className="mt-2"), ""


@callback(Output("measure-chart-download", "data"), Input("measure-chart-csv", "n_clicks"),
          State("measure-id", "data"), State("as-of", "value"), State("area", "value"), prevent_initial_call=True)
def download_chart(_clicks, measure_id, as_of, area):
    """The same CSV as python -m metrics chart MEASURE --area CODE --as-of YYYY-MM."""
    if not measure_id:
        return no_update
    source, measure = source_and_measure(measure_id)
    area = area or "force"
    chart = service.chart(source, measure_id, as_of, area)
    name = f"{measure_id}-{area}-{month_label(as_of) if as_of else 'latest'}.csv"
    return dcc.send_string(charts.chart_csv(chart, measure, area), name)

"""Measure detail callbacks."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from layouts.header import chosen_grain
from layouts.components import (RAG, assurance_text, fmt, spc_figure, status_badge, trend_text,
                                variation_text)
from metrics import board, service
from metrics.periods import month_label, period_window
from metrics.workflow import WorkflowError
from metrics.formats import records

DIRECTION_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "neutral": "No good direction"}


def facts(measure, row, plan) -> dbc.Card:
    items = [
        ("Definition", measure.definition or "–"),
        ("Owner", measure.owner or "–"),
        ("Direction", DIRECTION_WORDS[measure.direction]),
        ("Unit", measure.unit),
        ("Judged on", f"{row.grain} ({row.period})"),
        ("Targets", "; ".join(f"{t.kind.replace('_', ' ')} {t.value if t.value is not None else t.series} by {month_label(t.by)}"
                              for t in measure.targets) or "none: judged by SPC and direction of travel"),
        ("Tolerance", str(measure.tolerance)),
        ("Baseline", f"{fmt(row.baseline, measure.unit)} ({measure.baseline.label})" if measure.baseline else "none"),
        ("SPC rules fired", row.spc_rules or "none on the latest point"),
    ]
    return dbc.Card(dbc.CardBody(html.Dl(sum(([html.Dt(k), html.Dd(v)] for k, v in items), []))), className="facts")


def area_bars(frame, measure) -> html.Div:
    rows = frame[(frame["measure_id"] == measure.id) & frame["actual"].notna()].sort_values(
        "actual", ascending=measure.direction == "lower")
    if len(rows) <= 1:
        return html.P("This measure is held for the whole force only.", className="text-muted")
    figure = {
        "data": [{"type": "bar", "orientation": "h", "y": rows["area_name"].tolist(), "x": rows["actual"].tolist(),
                  "text": [RAG[r].word for r in rows["rag"]], "textposition": "outside",
                  "marker": {"color": [RAG[r].colour for r in rows["rag"]]},
                  "hovertemplate": "%{y}: %{x:,.1f} (%{text})<extra></extra>"}],
        "layout": {"height": 60 + 26 * len(rows), "margin": {"l": 10, "r": 60, "t": 20, "b": 30},
                   "plot_bgcolor": "#ffffff", "yaxis": {"autorange": "reversed", "automargin": True},
                   "xaxis": {"gridcolor": "#e5e5e5"}},
    }
    if rows["target"].notna().any():
        target = float(rows["target"].dropna().iloc[0])
        figure["layout"]["shapes"] = [{"type": "line", "x0": target, "x1": target, "yref": "paper", "y0": 0, "y1": 1,
                                       "line": {"color": "#c00000", "dash": "dash"}}]
        figure["layout"]["annotations"] = [{"x": target, "yref": "paper", "y": 1, "text": "Target", "showarrow": False,
                                            "yanchor": "bottom"}]
    return dcc.Graph(figure=figure, id="measure-area-chart", config={"displayModeBar": False})


def figures_table(frame, measure) -> html.Div:
    if frame.empty:
        return html.P("No figures held.")
    frame = frame.sort_values(["month", "load_id"], ascending=[False, False]).head(60)
    header = html.Thead(html.Tr([html.Th(c, scope="col") for c in
                                 ["Period", "Area", "Value", "Numerator", "Denominator", "Load", "Status"]]))
    body = html.Tbody([html.Tr([
        html.Td(r.period), html.Td(r.area), html.Td(fmt(r.value, measure.unit) if not r.not_applicable else "n/a"),
        html.Td(fmt(r.numerator)), html.Td(fmt(r.denominator)), html.Td(int(r.load_id)),
        html.Td("revised (replaced by load %d)" % r.superseded_by if r.status == "revised" else "current"),
    ], className=f"figure-{r.status}") for r in records(frame)])
    return dbc.Table([header, body], size="sm", striped=True, responsive=True, id="measure-figures-table")


@callback(
    Output("measure-title", "children"), Output("measure-status", "children"), Output("measure-chart", "figure"),
    Output("measure-facts", "children"), Output("measure-areas", "children"), Output("measure-figures", "children"),
    Input("measure-id", "data"), Input("as-of", "value"), Input("grain", "value"), Input("area", "value"),
)
def show_measure(measure_id, as_of, grain, area):
    if not measure_id:
        return (no_update,) * 6
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    measure = plan.measure(measure_id)
    area = area or "force"
    everywhere = service.status(source, as_of, chosen_grain(grain), "all")
    rows = everywhere[(everywhere["measure_id"] == measure_id) & (everywhere["area"] == area)]
    if rows.empty:
        rows = service.status(source, as_of, chosen_grain(grain), area)
        rows = rows[rows["measure_id"] == measure_id]
    row = records(rows)[0]
    status = html.Div([
        status_badge(row.rag), " ",
        html.Span(f"{fmt(row.actual, measure.unit)} against a target of {fmt(row.target, measure.unit)} "
                  f"({row.period}, {plan.area_name(area)}). ", className="status-sentence"),
        trend_text(row.trend), " · SPC: ", variation_text(row.spc_variation), " · Assurance: ",
        assurance_text(row.spc_assurance),
    ])
    chart = service.chart(source, measure_id, as_of, area)
    return (measure.title, status, spc_figure(chart, measure, plan.area_name(area)), facts(measure, row, plan),
            area_bars(everywhere, measure), figures_table(service.figures(source, measure_id, area), measure))


def _quarter_end(as_of):
    """Commentary is per quarter: the quarter holding the as-of month."""
    source = service.Source.from_environment()
    as_of = as_of if as_of is not None else max(service.months(source))
    return period_window(as_of, "quarter", service.plan_for(source).year_start_month)[1]


@callback(
    Output("measure-commentary", "children"),
    Input("measure-id", "data"), Input("as-of", "value"), Input("measure-commentary-saved", "children"),
)
def show_commentary(measure_id, as_of, _saved):
    if not measure_id:
        return no_update
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    quarter_end = _quarter_end(as_of)
    history = service.commentary_history(source, measure_id)
    this_quarter = history[history["quarter_end"] == quarter_end]
    name = board.quarter_name(quarter_end, plan.year_start_month)
    if this_quarter.empty:
        current = html.P(f"No commentary for {name} yet.", className="text-muted")
    else:
        latest = this_quarter.iloc[0]
        # Commentary is shown as text: Dash escapes it, so "<script>" is just characters.
        current = html.Div([html.Blockquote(latest["text"], className="commentary", id="measure-commentary-current"),
                            html.P(f"{name}: {latest['author']}, {latest['written_at']:%d %b %Y %H:%M}"
                                   + (f" (edited; {len(this_quarter)} versions kept)" if len(this_quarter) > 1 else ""),
                                   className="small text-muted")])
    older = history[history["quarter_end"] != quarter_end].drop_duplicates("quarter_end")
    earlier = [html.Details([html.Summary(f"Earlier quarters ({len(older)})"), html.Ul([
        html.Li([html.Strong(board.quarter_name(int(r.quarter_end), plan.year_start_month) + ": "), r.text,
                 html.Span(f" ({r.author})", className="text-muted")]) for r in records(older)])])] if len(older) else []
    return [current, *earlier]


@callback(
    Output("measure-commentary-saved", "children"), Output("measure-commentary-text", "value"),
    Input("measure-commentary-save", "n_clicks"),
    State("measure-id", "data"), State("as-of", "value"), State("measure-commentary-text", "value"),
    State("measure-commentary-author", "value"), prevent_initial_call=True,
)
def save_commentary(_clicks, measure_id, as_of, text, author):
    try:
        version = service.save_commentary(service.Source.from_environment(), measure_id, _quarter_end(as_of), text, author)
    except WorkflowError as err:
        return dbc.Alert(f"Not saved: {err}.", color="warning", className="mt-2"), no_update
    return dbc.Alert(f"Saved (version {version}).", color="success", className="mt-2"), ""

"""Measure detail callbacks."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, callback, html, no_update

from callbacks.scorecard import _grain
from layouts.components import (RAG, assurance_text, fmt, spc_figure, status_badge, trend_text,
                                variation_text)
from metrics import service
from metrics.periods import month_label

RAG_BAR_COLOURS = {"green": "#1e7b34", "amber": "#b35c00", "red": "#b02a37", "no_target": "#6c757d", "no_data": "#adb5bd"}
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
    labels = [f"{RAG[r][0]}" for r in rows["rag"]]
    figure = go.Figure(go.Bar(
        y=rows["area_name"], x=rows["actual"], orientation="h", text=labels, textposition="outside",
        marker_color=[RAG_BAR_COLOURS[r] for r in rows["rag"]],
        hovertemplate="%{y}: %{x:,.1f} (%{text})<extra></extra>"))
    if rows["target"].notna().any():
        figure.add_vline(x=float(rows["target"].dropna().iloc[0]), line_dash="dash", line_color="#c00000",
                         annotation_text="Target")
    figure.update_layout(height=60 + 26 * len(rows), margin=dict(l=10, r=60, t=20, b=30),
                         template="plotly_white", yaxis=dict(autorange="reversed"))
    from dash import dcc
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
    ], className=f"figure-{r.status}") for r in frame.itertuples()])
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
    everywhere = service.status(source, as_of, _grain(grain), "all")
    rows = everywhere[(everywhere["measure_id"] == measure_id) & (everywhere["area"] == area)]
    if rows.empty:
        rows = service.status(source, as_of, _grain(grain), area)
        rows = rows[rows["measure_id"] == measure_id]
    row = next(rows.itertuples())
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

"""Board review callbacks."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from layouts.components import fmt, query, spc_figure, status_badge, trend_text, variation_text
from metrics import board, service
from metrics.periods import month_label

MOVEMENT_WORDS = {"better": "▲ Better", "worse": "▼ Worse", "unchanged": "= Unchanged", "moved": "↕ Moved"}


@callback(
    Output("board-summary", "children"), Output("board-movements", "children"), Output("board-exceptions", "children"),
    Input("board-quarter", "value"), Input("area", "value"),
)
def show_board(quarter_end, area):
    if quarter_end is None:
        return "No figures are loaded yet.", None, None
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    area = area or "force"
    frame = board.review(service.status(source, quarter_end, "quarter", area),
                         service.status(source, quarter_end - 3, "quarter", area))
    name = board.quarter_name(quarter_end, plan.year_start_month)
    previous = board.quarter_name(quarter_end - 3, plan.year_start_month)
    moved = frame["movement"].value_counts()
    summary = html.P([html.Strong(f"{name} against {previous}, {plan.area_name(area)}: "),
                      f"{int(moved.get('better', 0))} better, {int(moved.get('worse', 0))} worse, "
                      f"{int(moved.get('unchanged', 0))} unchanged; {int(frame['exception'].sum())} exceptions."])
    header = html.Thead(html.Tr([html.Th(c, scope="col") for c in
                                 ["Measure", f"{previous}", f"{name}", "Movement", "Actual", "Target", "Trend", "SPC"]]))
    body = html.Tbody([html.Tr([
        html.Td(dcc.Link(r.measure, href=f"/measure/{r.measure_id}{query(as_of=month_label(quarter_end), grain='quarter')}")),
        html.Td(status_badge(r.previous_rag if isinstance(r.previous_rag, str) else "no_data")),
        html.Td(status_badge(r.rag)),
        html.Td(MOVEMENT_WORDS[r.movement], className=f"movement movement-{r.movement}"),
        html.Td(fmt(r.actual, r.unit), className="num"), html.Td(fmt(r.target, r.unit), className="num"),
        html.Td(trend_text(r.trend)), html.Td(variation_text(r.spc_variation)),
    ], className="board-row") for r in frame.itertuples()])
    table = dbc.Table([header, body], hover=True, responsive=True, id="board-table", className="board")
    exceptions = []
    for r in frame[frame["exception"]].itertuples():
        measure = plan.measure(r.measure_id)
        chart = service.chart(source, r.measure_id, quarter_end, area)
        exceptions.append(dbc.Card(dbc.CardBody([
            html.H3(r.measure, className="h5"),
            html.P([status_badge(r.rag), f" Why listed: {r.exception_reasons}."], className="mb-1"),
            dcc.Graph(figure=spc_figure(chart, measure, plan.area_name(area), height=300),
                      config={"displayModeBar": False}),
        ]), className="exception-card mb-3"))
    return summary, table, exceptions or html.P("No exceptions this quarter.")

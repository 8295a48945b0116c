"""Board review callbacks."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html

from layouts.components import fmt, query, spc_figure, status_badge, trend_text, variation_text
from metrics import board, service
from metrics.periods import month_label
from metrics.workflow import WorkflowError
from metrics.formats import records

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
    notes = dict(zip(*service.commentary(source, quarter_end)[["measure_id", "text"]].to_dict("list").values()))
    summary = html.P([html.Strong(f"{name} against {previous}, {plan.area_name(area)}: "),
                      f"{int(moved.get('better', 0))} better, {int(moved.get('worse', 0))} worse, "
                      f"{int(moved.get('unchanged', 0))} unchanged; {int(frame['exception'].sum())} exceptions."])
    header = html.Thead(html.Tr([html.Th(c, scope="col") for c in
                                 ["Measure", f"{previous}", f"{name}", "Movement", "Actual", "Target", "Trend", "SPC",
                                  "Commentary"]]))
    body = html.Tbody([html.Tr([
        html.Td(dcc.Link(r.measure, href=f"/measure/{r.measure_id}{query(as_of=month_label(quarter_end), grain='quarter')}")),
        html.Td(status_badge(r.previous_rag if isinstance(r.previous_rag, str) else "no_data")),
        html.Td(status_badge(r.rag)),
        html.Td(MOVEMENT_WORDS[r.movement], className=f"movement movement-{r.movement}"),
        html.Td(fmt(r.actual, r.unit), className="num"), html.Td(fmt(r.target, r.unit), className="num"),
        html.Td(trend_text(r.trend)), html.Td(variation_text(r.spc_variation)),
        html.Td(notes.get(r.measure_id, ""), className="small commentary-cell"),
    ], className="board-row") for r in records(frame)])
    table = dbc.Table([header, body], hover=True, responsive=True, id="board-table", className="board")
    exceptions = []
    charts = service.chart(source, None, quarter_end, area)  # every measure's chart in one computation
    for r in records(frame[frame["exception"]]):
        measure = plan.measure(r.measure_id)
        chart = charts[charts["measure_id"] == r.measure_id]
        exceptions.append(dbc.Card(dbc.CardBody([
            html.H3(r.measure, className="h5"),
            html.P([status_badge(r.rag), f" Why listed: {r.exception_reasons}."], className="mb-1"),
            html.Blockquote(notes[r.measure_id], className="commentary") if r.measure_id in notes else
            html.P("No commentary yet.", className="small text-muted"),
            dcc.Graph(figure=spc_figure(chart, measure, plan.area_name(area), height=300),
                      config={"displayModeBar": False}),
        ]), className="exception-card mb-3"))
    return summary, table, exceptions or html.P("No exceptions this quarter.")


@callback(Output("board-actions", "children"), Input("action-message", "children"), Input("board-quarter", "value"))
def show_actions(_message, _quarter):
    actions = service.action_log(service.Source.from_environment())
    if actions.empty:
        return html.P("No actions recorded yet.", id="board-actions-empty")
    state_words = {"open": "Open", "overdue": "⚠ Overdue", "discharged": "✓ Discharged"}
    rows = [html.Tr([
        html.Td(a.action_id), html.Td(f"{a.meeting_date:%d %b %Y}"), html.Td(a.text), html.Td(a.owner),
        html.Td(f"{a.due_date:%d %b %Y}"), html.Td(", ".join(a.measures)),
        html.Td([html.Span(state_words[a.state], className=f"action-{a.state}"),
                 html.Div(a.discharge_note, className="small text-muted") if a.discharge_note else None]),
    ]) for a in records(actions)]
    head = ["No.", "Raised", "Action", "Owner", "Due", "Measures", "Status"]
    return dbc.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(rows)],
                     size="sm", striped=True, id="board-actions-table")


@callback(
    Output("action-message", "children"),
    Input("action-raise", "n_clicks"), Input("action-update", "n_clicks"), Input("action-discharge", "n_clicks"),
    State("action-meeting", "value"), State("action-text", "value"), State("action-owner", "value"),
    State("action-due", "value"), State("action-measures", "value"),
    State("action-id", "value"), State("action-new-owner", "value"), State("action-new-due", "value"),
    State("action-note", "value"), State("action-editor", "value"),
    prevent_initial_call=True,
)
def change_actions(_raise, _update, _discharge, meeting, text, owner, due, measures, action_id, new_owner, new_due,
                   note, editor):

    source = service.Source.from_environment()
    try:
        if ctx.triggered_id == "action-raise":
            number = service.raise_action(source, meeting_date=meeting, text=text, owner=owner, due_date=due,
                                          measures=measures or [], raised_by=owner or "board")
            return dbc.Alert(f"Action {number} raised.", color="success")
        if not action_id:
            return dbc.Alert("Give the action number.", color="warning")
        if ctx.triggered_id == "action-update":
            service.update_action(source, int(action_id), editor or "board", owner=new_owner or None,
                                  due_date=new_due or None)
            return dbc.Alert(f"Action {int(action_id)} updated.", color="success")
        service.update_action(source, int(action_id), editor or "board", status="discharged", discharge_note=note)
        return dbc.Alert(f"Action {int(action_id)} discharged.", color="success")
    except WorkflowError as err:
        return dbc.Alert(f"Not saved: {err}.", color="warning")


@callback(
    Output("board-pack-download", "data"),
    Input("board-pack-pdf", "n_clicks"), Input("board-pack-html", "n_clicks"), State("board-quarter", "value"),
    # The PDF takes some seconds: the buttons say so and cannot be pressed twice meanwhile.
    running=[(Output("board-pack-pdf", "disabled"), True, False), (Output("board-pack-html", "disabled"), True, False),
             (Output("board-pack-status", "children"), "Preparing the board pack…", "")],
    prevent_initial_call=True,
)
def download_pack(_pdf, _html, quarter_end):

    suffix = ".pdf" if ctx.triggered_id == "board-pack-pdf" else ".html"
    plan = service.plan_for(service.Source.from_environment())
    name = board.quarter_name(quarter_end, plan.year_start_month).replace("/", "-").replace(" ", "-")
    content = service.board_pack(service.Source.from_environment(), quarter_end, suffix)
    return dcc.send_bytes(content, f"board-pack-{name}{suffix}")

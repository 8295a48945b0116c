"""Board review callbacks."""
from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from layouts.components import (marked_actual, query, row_summary, spc_figure, status_badge, text_or, trend_text,
                                variation_text)
import security
from metrics import service
from metrics.periods import month_label
from metrics.workflow import WorkflowError
from metrics.board import MOVEMENT_WORDS, movement_counts_words
from metrics.errors import NotHeld
from metrics.formats import apart, records, uk_date
from metrics import exports
from layouts.downloads import file_output, pressed_kind, presses, send_table
from callbacks import background
from metrics import pack_job

log = logging.getLogger("metrics.board_pack")



def small_chart(chart, measure, area_name) -> dict:
    """An exception's chart, about 200 px high: the points, limits and target, no title or legend."""
    figure = spc_figure(chart, measure, area_name, height=200, labels=False)
    figure["layout"].update(showlegend=False, title=None, margin={"l": 40, "r": 10, "t": 10, "b": 30})
    return figure


def status_with_note(r):
    """The quarter's status, and where the measure's own-grain status differs, why they differ."""
    note = getattr(r, "own_grain_note", None)
    return [status_badge(r.rag)] + ([html.Div(note, className="small text-muted own-grain-note")]
                                    if isinstance(note, str) and note else [])


def movements_table(review, notes, area) -> dbc.Table:
    header = html.Thead(html.Tr([html.Th(c, scope="col") for c in
                                 ["Measure", review.previous_label, review.quarter_label, "Movement", "Actual",
                                  "Target", "Trend", "SPC", "Commentary"]]))
    link_query = query(as_of=month_label(review.quarter_end), grain="quarter", area=None if area == "force" else area)
    body = html.Tbody([html.Tr([
        html.Td(dcc.Link(r.measure, href=f"/measure/{r.measure_id}{link_query}")),
        html.Td(status_badge(r.previous_rag if isinstance(r.previous_rag, str) else "no_data")),
        html.Td(status_with_note(r)),
        html.Td(MOVEMENT_WORDS.get(r.movement, ""), className=f"movement movement-{r.movement}"),
        *(html.Td(marked_actual(r, shown) if i == 0 else shown, className="num")
          for i, shown in enumerate(apart(r.actual, r.target, r.unit))),
        html.Td(trend_text(r.trend)), html.Td(variation_text(r.spc_variation)),
        html.Td(notes.get(r.measure_id, ""), className="small commentary-cell"),
    ], className="board-row") for r in records(review.rows)])
    return dbc.Table([header, body], hover=True, responsive=True, id="board-table", className="board")


def exception_cards(review, notes, charts, plan, area) -> list:
    """Exceptions side by side, three to a row, each with a small chart that opens the measure."""
    link_query = query(as_of=month_label(review.quarter_end), grain="quarter", area=None if area == "force" else area)
    cards = []
    for r in records(review.exceptions):
        measure = plan.measure(r.measure_id)
        href = f"/measure/{r.measure_id}{link_query}"
        note = getattr(r, "own_grain_note", None)
        cards.append(dbc.Col(dbc.Card(dbc.CardBody([
            html.H3(dcc.Link(r.measure, href=href), className="h6 mb-1"),
            html.P([status_badge(r.rag), f" Why listed: {text_or(r.exception_reasons, 'see the chart')}."], className="mb-1 small"),
            html.P(note, className="small text-muted mb-1") if isinstance(note, str) and note else None,
            html.Blockquote(notes[r.measure_id], className="commentary small mb-1") if r.measure_id in notes else None,
            dcc.Link(dcc.Graph(figure=small_chart(charts[charts["measure_id"] == r.measure_id], measure,
                                                  plan.area_name(area)),
                               config={"displayModeBar": False, "staticPlot": True}, style={"height": "200px"}),
                     href=href, title=f"Open {measure.title}"),
        ]), className="exception-card h-100"), md=6, xl=4, className="mb-3"))
    return [dbc.Row(cards, className="g-3", id="board-exception-cards")] if cards else [
        html.P("No exceptions this quarter.", id="board-no-exceptions")]


def watch_list(review, area) -> html.Div:
    link_query = query(as_of=month_label(review.quarter_end), grain="quarter", area=None if area == "force" else area)
    items = [html.Li([dcc.Link(r.measure, href=f"/measure/{r.measure_id}{link_query}"), ": ", row_summary(r)])
             for r in records(review.watch_list)]
    return html.Ul(items, id="board-watch-list") if items else html.P("Nothing to watch this quarter.")


@callback(
    Output("board-title", "children"), Output("board-summary", "children"), Output("board-movements", "children"),
    Output("board-exceptions", "children"), Output("board-watch", "children"),
    Input("as-of", "value"), Input("area", "value"),
)
def show_board(as_of, area):
    source = service.Source.from_environment()
    if not service.months(source):
        return "Board review", "No figures are loaded yet.", None, None, None
    plan = service.plan_for(source)
    area = area or "force"
    try:
        review = service.quarter_review(source, as_of, area)
    except NotHeld as none:  # a month before the first whole quarter held
        return "Board review", html.P(f"Nothing to review: {none}.", id="board-none"), None, None, None
    frame = review.rows
    notes = dict(zip(*service.commentary(source, review.quarter_end)[["measure_id", "text"]].to_dict("list").values()))
    title = f"Board review: {review.quarter_label} ({review.quarter_words})"
    summary = html.P([html.Strong(f"{review.quarter_label} against {review.previous_label}, {plan.area_name(area)}: "),
                      f"{movement_counts_words(frame['movement'])}; {len(review.exceptions)} exceptions, "
                      f"{len(review.watch_list)} to watch."])
    asides = [review.asked_note]  # the month picked is in a quarter not yet over: say which quarter this is
    if area != "force":  # the pack and the statement are the force's: said, so no one takes them for the district's
        asides.append(f"The board pack and the quarterly statement are {plan.area_name('force')}'s, not "
                     f"{plan.area_name(area)}'s.")
    if any(asides):
        summary = [summary, *(html.P(a, className="text-muted mb-1") for a in asides if a)]
    charts = service.chart(source, None, review.quarter_end, area)  # every measure's chart in one computation
    return (title, summary, movements_table(review, notes, area), exception_cards(review, notes, charts, plan, area),
            watch_list(review, area))


def filtered_actions(actions, statuses=None, owner=None, measure=None):
    """The log as filtered on the page: by state (open, overdue, discharged), owner and measure,
    soonest due first."""
    if statuses:
        actions = actions[actions["state"].isin(statuses)]
    if owner:
        actions = actions[actions["owner"] == owner]
    if measure:
        actions = actions[[measure in list(m) for m in actions["measures"]]]
    return actions.sort_values(["due_date", "action_id"], kind="stable")


@callback(Output("board-actions", "children"), Output("action-filter-owner", "options"),
          Input("action-message", "children"), Input("as-of", "value"), Input("action-filter-status", "value"),
          Input("action-filter-owner", "value"), Input("action-filter-measure", "value"))
def show_actions(_message, _quarter, statuses=None, owner=None, measure=None):
    source = service.Source.from_environment()
    everything = service.action_log(source)
    plan = service.plan_for(source)
    titles = {m.id: m.title for m in plan.measures}
    owners = [{"label": o, "value": o} for o in sorted({o for o in everything["owner"].dropna() if o})]
    if everything.empty:
        return html.P("No actions recorded yet.", id="board-actions-empty"), owners
    actions = filtered_actions(everything, statuses, owner, measure)
    if actions.empty:
        return html.P("No actions match these filters.", id="board-actions-empty"), owners
    state_words = {"open": "Open", "overdue": "⚠ Overdue", "discharged": "✓ Discharged"}
    rows = [html.Tr([
        html.Td(a.action_id), html.Td(uk_date(a.meeting_date)), html.Td(a.text), html.Td(text_or(a.owner)),
        html.Td(uk_date(a.due_date)), html.Td("; ".join(titles.get(m, m) for m in a.measures)),
        html.Td([html.Span(state_words[a.state], className=f"action-{a.state}"),
                 html.Div(a.discharge_note, className="small text-muted") if a.discharge_note else None]),
    ]) for a in records(actions)]
    head = ["No.", "Raised", "Action", "Owner", "Due", "Measures", "Status"]
    return dbc.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(rows)],
                     size="sm", striped=True, responsive=True, id="board-actions-table"), owners


@callback(file_output("board-actions"), presses("board-actions"), State("action-filter-status", "value"),
          State("action-filter-owner", "value"), State("action-filter-measure", "value"), prevent_initial_call=True)
def download_actions(_presses, statuses, owner, measure):
    kind = pressed_kind()
    source = service.Source.from_environment()
    actions = filtered_actions(service.action_log(source), statuses, owner, measure)
    return send_table(exports.actions_table(actions, service.plan_for(source)), kind, "action-log", "Action log")


def _review_and_notes(as_of, area):
    source = service.Source.from_environment()
    review = service.quarter_review(source, as_of, area or "force")
    notes = dict(zip(*service.commentary(source, review.quarter_end)[["measure_id", "text"]].to_dict("list").values()))
    return review, notes, f"{review.quarter_label.replace('/', '-').replace(' ', '-')}-{area or 'force'}"


def _quarter_table_download(table_id: str, build, title: str):
    """A download of one of the quarter's tables (CSV or Excel), as the page shows it."""
    @callback(file_output(table_id), presses(table_id), State("as-of", "value"), State("area", "value"),
              prevent_initial_call=True)
    def download(_presses, as_of, area):
        kind = pressed_kind()
        review, notes, name = _review_and_notes(as_of, area)
        return send_table(build(review, notes), kind, f"{title.lower()}-{name}", title)
    return download


download_movements = _quarter_table_download("board-movements", exports.movements_table, "Movements")
download_exceptions = _quarter_table_download("board-exceptions", exports.exceptions_table, "Exceptions")


# After an action is raised the form clears (text, owner, due date, measures), so a second action
# cannot silently take the first one's measure; the meeting date stays, as actions come in batches.
CLEARED = ("action-text", "action-owner", "action-due", "action-measures")


@callback(
    Output("action-message", "children"), *[Output(i, "value") for i in CLEARED],
    Input("action-raise", "n_clicks"), Input("action-update", "n_clicks"), Input("action-discharge", "n_clicks"),
    State("action-meeting", "value"), State("action-text", "value"), State("action-owner", "value"),
    State("action-due", "value"), State("action-measures", "value"),
    State("action-id", "value"), State("action-new-owner", "value"), State("action-new-due", "value"),
    State("action-note", "value"),
    prevent_initial_call=True,
)
def change_actions(_raise, _update, _discharge, meeting, text, owner, due, measures, action_id, new_owner, new_due,
                   note):
    editor = security.require_role("secretary").name

    source = service.Source.from_environment()
    try:
        if ctx.triggered_id == "action-raise":
            number = service.raise_action(source, meeting_date=meeting, text=text, owner=owner, due_date=due,
                                          measures=measures or [], raised_by=editor)
            return (dbc.Alert(f"Action {number} raised.", color="success"), "", "", "", [])
        kept = (no_update,) * len(CLEARED)
        if not action_id:
            return (dbc.Alert("Give the action number.", color="warning"), *kept)
        if ctx.triggered_id == "action-update":
            service.update_action(source, int(action_id), editor, owner=new_owner or None,
                                  due_date=new_due or None)
            return (dbc.Alert(f"Action {int(action_id)} updated.", color="success"), *kept)
        service.update_action(source, int(action_id), editor, status="discharged", discharge_note=note)
        return (dbc.Alert(f"Action {int(action_id)} discharged.", color="success"), *kept)
    except WorkflowError as err:
        return (dbc.Alert(f"Not saved: {err}.", color="warning"), *(no_update,) * len(CLEARED))


# Said in words: the print runs in the background, so a failure cannot reach the page otherwise.
PACK_FAILED = ("The board pack could not be printed: the fault is ours, not yours, and it has been logged. "
               "Please try again; if it goes on, tell the analyst.")


def queue_words(ahead: int) -> str:
    return (f"Preparing the board pack… queued: waiting for {ahead} pack{'s' if ahead != 1 else ''} ahead of yours "
            f"(at most {pack_job.printers()} print at once).")


@callback(
    Output("board-pack-download", "data"), Output("board-pack-status", "children"),
    Input("board-pack-pdf", "n_clicks"), Input("board-pack-html", "n_clicks"), State("as-of", "value"),
    background=True, manager=background.manager(), cancel=[Input("board-pack-cancel", "n_clicks")],
    interval=pack_job.POLL_SECONDS * 1000,  # how often the page asks how the pack is going
    progress=[Output("board-pack-status", "children")],
    # The buttons cannot be pressed twice meanwhile; the cancel button shows only while it runs.
    running=[(Output("board-pack-pdf", "disabled"), True, False), (Output("board-pack-html", "disabled"), True, False),
             (Output("board-pack-cancel", "hidden"), False, True),
             (Output("board-pack-status", "children"), "Preparing the board pack…", "")],
    prevent_initial_call=True,
)
def download_pack(set_progress, _pdf, _html, as_of):
    """Print the pack in a background job: queued while others print, then offered as a file."""
    suffix = ".pdf" if ctx.triggered_id == "board-pack-pdf" else ".html"
    try:
        service.quarter_review(service.Source.from_environment(), as_of)
    except NotHeld as none:  # a month before the first whole quarter: nothing to print
        return no_update, f"No board pack: {none}."
    try:
        name, content = pack_job.print_pack(
            service.Source.from_environment(), as_of, suffix, on_wait=lambda ahead: set_progress(queue_words(ahead)),
            on_print=lambda: set_progress(f"Printing the board pack ({suffix[1:].upper()})…"))
    except Exception:  # noqa: BLE001  (any failure: logged in full, said in words)
        log.exception("the board pack (%s, as of %s) could not be printed", suffix, month_label(as_of) if as_of else "default")
        return no_update, dbc.Alert(PACK_FAILED, color="danger", className="d-inline-block py-1 px-2 mb-0")
    return dcc.send_bytes(content, name), f"The board pack is ready: {name}."


# --- the quarterly statement -----------------------------------------------------------------

@callback(Output("board-statement", "children"), Output("board-statement-text", "value"),
          Input("as-of", "value"), Input("board-statement-saved", "children"))
def show_statement(as_of, _saved):
    """The quarter's latest saved statement, or the draft built from the quarter when none is saved."""
    from metrics import workflow
    source = service.Source.from_environment()
    if not service.months(source):
        return html.P("No figures are loaded yet."), ""
    try:
        review = service.quarter_review(source, as_of)
    except NotHeld as none:
        return html.P(f"No statement: {none}."), ""
    history = service.statement_history(source, review.quarter_end)
    if history.empty:
        draft = workflow.draft_statement(review, service.projections(source, review.quarter_end, "force"),
                                         service.plan_for(source))
        return [html.P(f"Draft for {review.quarter_label}, built from the quarter's figures: not yet saved.",
                       className="small text-muted", id="board-statement-state"),
                html.Div(draft, className="commentary statement", id="board-statement-text-shown",
                         style={"whiteSpace": "pre-wrap"})], draft
    latest = history.iloc[0]
    versions = f"; {len(history)} versions kept" if len(history) > 1 else ""
    return [html.P(f"{review.quarter_label}: saved by {latest['author']}, {latest['written_at']:%-d %B %Y %H:%M}{versions}.",
                   className="small text-muted", id="board-statement-state"),
            html.Div(latest["text"], className="commentary statement", id="board-statement-text-shown",
                     style={"whiteSpace": "pre-wrap"})], latest["text"]


@callback(Output("board-statement-saved", "children"), Input("board-statement-save", "n_clicks"),
          State("as-of", "value"), State("board-statement-text", "value"), prevent_initial_call=True)
def save_statement(_clicks, as_of, text):
    author = security.require_role("analyst").name  # the server's word on who is signed in
    source = service.Source.from_environment()
    try:
        quarter_end = service.quarter_review(source, as_of).quarter_end
        version = service.save_statement(source, quarter_end, text, author)
    except (WorkflowError, NotHeld) as err:
        return dbc.Alert(f"Not saved: {err}.", color="warning")
    return dbc.Alert(f"Statement saved (version {version}).", color="success")

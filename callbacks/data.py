"""Data page callbacks: stage uploads, preview them as a dry run, load on confirmation."""
from __future__ import annotations

import base64
import dataclasses

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from layouts.components import text_or, uk_month
from layouts.downloads import download_buttons, file_output, pressed_kind, presses, send_table
import security
from metrics import loading, service
from metrics.formats import fmt, records
from metrics.loading import FigureProblem, FiguresError
from metrics.periods import month_label


def report_lines(result) -> list:
    """The loader's plain-words report (crimes counted in the force total only, ...), if any."""
    lines = result.report
    return [html.Ul([html.Li(line) for line in lines], className="load-report")] if lines else []


def problems_table(error: FiguresError) -> dbc.Table:
    rows = [html.Tr([html.Td(p.row), html.Td(p.column), html.Td(p.reason)]) for p in error.problems]
    return dbc.Table([html.Thead(html.Tr([html.Th("Row"), html.Th("Column"), html.Th("Problem")])), html.Tbody(rows)],
                     size="sm", bordered=True, className="problems-table")


SHAPE_WORDS = {"long": "Long shape", "wide": "Wide shape (a column per month)",
               "police_uk": "A police.uk street-level crime file"}


def _title(plan, measure_id) -> str:
    return plan.measure(measure_id).title if measure_id in plan.measure_ids else str(measure_id)


def measures_table(by_measure, plan) -> dbc.Table:
    rows = [html.Tr([html.Td(_title(plan, r.measure_id)), html.Td(r.added), html.Td(r.revised), html.Td(r.unchanged)])
            for r in records(by_measure)]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in ("Measure", "Add", "Revise", "Unchanged")])),
                      html.Tbody(rows)], size="sm", bordered=True, className="measures-table")


def revisions_table(changes, plan) -> dbc.Table:
    rows = [html.Tr([html.Td(_title(plan, r.measure_id)), html.Td(plan.area_name(r.area)), html.Td(uk_month(int(r.month))),
                     html.Td(fmt(r.old_value)),
                     html.Td(fmt(r.new_value))]) for r in records(changes.head(200))]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in ("Measure", "Area", "Period", "Held now", "New value")])),
                      html.Tbody(rows)], size="sm", bordered=True, className="revisions-table")


def file_report(staged, plan, result=None, error=None, index=0) -> dbc.Card:
    if error is not None:
        body = [html.H3(["✗ ", staged["name"]], className="h6 text-danger"),
                html.P(f"{len(error.problems)} problem{'s' if len(error.problems) != 1 else ''}: this file will not be loaded."),
                dbc.Button("Download every problem (CSV)", id={"type": "problems-download", "index": index},
                           color="secondary", outline=True, size="sm", className="mb-2"),
                problems_table(error)]
    else:
        body = [html.H3(["✓ ", staged["name"]], className="h6"),
                html.P(f"{SHAPE_WORDS.get(result.shape, result.shape)}. Would add {result.added}, revise "
                       f"{result.revised}, leave {result.unchanged} unchanged."),
                *report_lines(result),
                measures_table(result.by_measure, plan)]
        if result.revised:
            body += [html.P("These figures would change; the values held now are kept as revisions:"),
                     revisions_table(result.changes, plan)]
    return dbc.Card(dbc.CardBody(body), className="mb-2 file-report")


@callback(
    Output("data-preview", "children"), Output("data-staged", "data"), Output("data-confirm", "disabled"),
    Output("data-result", "children", allow_duplicate=True), Output("data-problems", "data"),
    Input("data-upload", "contents"), State("data-upload", "filename"), prevent_initial_call=True,
)
def preview_uploads(contents, names):
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    reports, staged_ok, any_error, refused = [], [], False, {}
    for index, (content, name) in enumerate(zip(contents or [], names or [])):
        try:
            staged = service.stage_upload(name, base64.b64decode(content.split(",", 1)[1]))
            result = service.load_upload(source, staged, dry_run=True)
        except FiguresError as error:
            reports.append(file_report({"name": name}, plan, error=error, index=index))
            # Kept for the download: the problems as plain fields, rebuilt into the loader's error.
            refused[str(index)] = {"file": error.file, "problems": [dataclasses.asdict(p) for p in error.problems]}
            any_error = True
            continue
        except ValueError as error:
            reports.append(dbc.Alert(str(error), color="danger"))
            any_error = True
            continue
        reports.append(file_report(staged, plan, result=result))
        staged_ok.append(staged)
    if any_error and staged_ok:
        reports.append(html.P("Files with problems are left out; the others can be loaded.", className="text-muted"))
    return reports, staged_ok, not staged_ok, "", refused


@callback(Output("data-problems-download", "data"), Input({"type": "problems-download", "index": ALL}, "n_clicks"),
          State("data-problems", "data"), prevent_initial_call=True)
def download_problems(clicks, refused):
    if not ctx.triggered_id or not any(clicks or []):
        return no_update
    kept = (refused or {}).get(str(ctx.triggered_id["index"]))
    if not kept:
        return no_update
    error = FiguresError(kept["file"], [FigureProblem(**p) for p in kept["problems"]])
    stem = str(kept["file"]).rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return dcc.send_string(loading.problems_csv(error), f"{stem}-problems.csv")


@callback(
    Output("data-result", "children"), Output("data-confirm", "disabled", allow_duplicate=True),
    Input("data-confirm", "n_clicks"), State("data-staged", "data"), prevent_initial_call=True,
)
def load_confirmed(_clicks, staged):
    person = security.require_role("analyst")
    source = service.Source.from_environment()
    lines, loaded = [], []
    for item in staged or []:
        try:
            result = service.load_upload(source, item, dry_run=False, loaded_by=person.name)
            lines.append(html.Li([f"{item['name']}: {result.summary()}", *report_lines(result)]))
            loaded += service.load_months(source, result.load_id) if result.load_id else []
        except (FiguresError, ValueError) as error:
            lines.append(html.Li(f"{item['name']}: not loaded: {str(error).splitlines()[-1]}", className="text-danger"))
    # A full page load (not a client-side link), so the header's months are read afresh.
    see = [html.A(f"See the scorecard for {uk_month(max(loaded))}", href=f"/?as_of={month_label(max(loaded))}",
                  id="data-see-month", className="btn btn-primary btn-sm")] if loaded else []
    return html.Div([html.Strong("Loaded."), html.Ul(lines), *see], id="data-loaded"), True


@callback(Output("data-history", "children"), Input("data-result", "children"))
def show_history(_):
    history = service.load_history(service.Source.from_environment())
    if history.empty:
        return html.P("No loads yet.")
    rows = [html.Tr([html.Td(r.load_id), html.Td(f"{r.loaded_at:%-d %B %Y %H:%M}"), html.Td(r.file_name),
                     html.Td(SHAPE_WORDS.get(r.shape, text_or(r.shape))), html.Td(r.rows_added), html.Td(r.rows_revised),
                     html.Td(r.rows_unchanged), html.Td(text_or(r.loaded_by)), html.Td(html.Code(r.content_hash[:12]), title=r.content_hash)])
            for r in records(history)]
    head = ["Load", "When", "File", "Shape", "Added", "Revised", "Unchanged", "Who", "Content hash"]
    return html.Div([download_buttons("data-history", "the load history"),
                     dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)], size="sm",
                               striped=True, responsive=True, id="data-history-table")])


@callback(file_output("data-history"), presses("data-history"), prevent_initial_call=True)
def download_history(_presses):
    kind = pressed_kind()
    from metrics.exports import load_history_table
    history = service.load_history(service.Source.from_environment())
    return send_table(load_history_table(history, SHAPE_WORDS), kind, "load-history", "Load history")

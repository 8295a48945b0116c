"""Data page callbacks: stage uploads, preview them as a dry run, load on confirmation."""
from __future__ import annotations

import base64

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, html, no_update

from metrics import service
from metrics.formats import fmt, records
from metrics.loading import FiguresError


def problems_table(error: FiguresError) -> dbc.Table:
    rows = [html.Tr([html.Td(p.row), html.Td(p.column), html.Td(p.reason)]) for p in error.problems]
    return dbc.Table([html.Thead(html.Tr([html.Th("Row"), html.Th("Column"), html.Th("Problem")])), html.Tbody(rows)],
                     size="sm", bordered=True, className="problems-table")


SHAPE_WORDS = {"long": "Long shape", "wide": "Wide shape (a column per month)",
               "police_uk": "A police.uk street-level crime file"}


def measures_table(by_measure) -> dbc.Table:
    rows = [html.Tr([html.Td(r.measure_id), html.Td(r.added), html.Td(r.revised), html.Td(r.unchanged)])
            for r in records(by_measure)]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in ("Measure", "Add", "Revise", "Unchanged")])),
                      html.Tbody(rows)], size="sm", bordered=True, className="measures-table")


def revisions_table(changes) -> dbc.Table:
    rows = [html.Tr([html.Td(r.measure_id), html.Td(r.area), html.Td(r.period), html.Td(fmt(r.old_value)),
                     html.Td(fmt(r.new_value))]) for r in records(changes.head(200))]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in ("Measure", "Area", "Period", "Held now", "New value")])),
                      html.Tbody(rows)], size="sm", bordered=True, className="revisions-table")


def file_report(staged, result=None, error=None) -> dbc.Card:
    if error is not None:
        body = [html.H3(["✗ ", staged["name"]], className="h6 text-danger"),
                html.P(f"{len(error.problems)} problem{'s' if len(error.problems) != 1 else ''}: this file will not be loaded."),
                problems_table(error)]
    else:
        body = [html.H3(["✓ ", staged["name"]], className="h6"),
                html.P(f"{SHAPE_WORDS.get(result.shape, result.shape)}. Would add {result.added}, revise "
                       f"{result.revised}, leave {result.unchanged} unchanged."),
                measures_table(result.by_measure)]
        if result.revised:
            body += [html.P("These figures would change; the values held now are kept as revisions:"),
                     revisions_table(result.changes)]
    return dbc.Card(dbc.CardBody(body), className="mb-2 file-report")


@callback(
    Output("data-preview", "children"), Output("data-staged", "data"), Output("data-confirm", "disabled"),
    Output("data-result", "children", allow_duplicate=True),
    Input("data-upload", "contents"), State("data-upload", "filename"), prevent_initial_call=True,
)
def preview_uploads(contents, names):
    source = service.Source.from_environment()
    reports, staged_ok, any_error = [], [], False
    for content, name in zip(contents or [], names or []):
        try:
            staged = service.stage_upload(name, base64.b64decode(content.split(",", 1)[1]))
            result = service.load_upload(source, staged, dry_run=True)
        except FiguresError as error:
            reports.append(file_report({"name": name}, error=error))
            any_error = True
            continue
        except ValueError as error:
            reports.append(dbc.Alert(str(error), color="danger"))
            any_error = True
            continue
        reports.append(file_report(staged, result=result))
        staged_ok.append(staged)
    if any_error and staged_ok:
        reports.append(html.P("Files with problems are left out; the others can be loaded.", className="text-muted"))
    return reports, staged_ok, not staged_ok, ""


@callback(
    Output("data-result", "children"), Output("data-confirm", "disabled", allow_duplicate=True),
    Input("data-confirm", "n_clicks"), State("data-staged", "data"), prevent_initial_call=True,
)
def load_confirmed(_clicks, staged):
    source = service.Source.from_environment()
    lines = []
    for item in staged or []:
        try:
            result = service.load_upload(source, item, dry_run=False)
            lines.append(html.Li(f"{item['name']}: {result.summary()}"))
        except (FiguresError, ValueError) as error:
            lines.append(html.Li(f"{item['name']}: not loaded: {str(error).splitlines()[-1]}", className="text-danger"))
    return html.Div([html.Strong("Loaded."), html.Ul(lines)], id="data-loaded"), True


@callback(Output("data-history", "children"), Input("data-result", "children"))
def show_history(_):
    history = service.load_history(service.Source.from_environment())
    if history.empty:
        return html.P("No loads yet.")
    rows = [html.Tr([html.Td(r.load_id), html.Td(f"{r.loaded_at:%d %b %Y %H:%M}"), html.Td(r.file_name),
                     html.Td(r.shape or ""), html.Td(r.rows_added), html.Td(r.rows_revised), html.Td(r.rows_unchanged),
                     html.Td(r.loaded_by), html.Td(html.Code(r.content_hash[:12]), title=r.content_hash)])
            for r in records(history)]
    head = ["Load", "When", "File", "Shape", "Added", "Revised", "Unchanged", "Who", "Content hash"]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)], size="sm", striped=True,
                     id="data-history-table")

"""Data page callbacks: stage uploads, preview them as a dry run, load on confirmation."""
from __future__ import annotations

import base64

import flask

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from layouts.components import text_or, uk_month
from layouts.downloads import download_buttons, file_output, pressed_kind, presses, send_table
import security
from metrics import service, uploads
from metrics.formats import fmt, records
from metrics.loading import FiguresError
from metrics.periods import month_label


def report_lines(result) -> list:
    """The loader's plain-words report (crimes counted in the force total only, ...), if any."""
    lines = result.report
    return [html.Ul([html.Li(line) for line in lines], className="load-report")] if lines else []


PROBLEMS_SHOWN = 200  # on the page; the download lists every one
KINDS_SHOWN = 10


def problems_table(error: FiguresError) -> html.Div:
    """The first problems, with a count of the rest (in the download) and, for a long list, the kinds."""
    shown = error.problems[:PROBLEMS_SHOWN]
    rows = [html.Tr([html.Td(p.row), html.Td(p.column), html.Td(p.reason)]) for p in shown]
    table = dbc.Table([html.Thead(html.Tr([html.Th("Row"), html.Th("Column"), html.Th("Problem")])), html.Tbody(rows)],
                      size="sm", bordered=True, className="problems-table")
    lines = error.summary_lines() if len(error.kinds) < error.total else []  # only when it groups rows
    kinds = [html.Ul([html.Li(line) for line in lines[:KINDS_SHOWN]] + (
        [html.Li(f"... and {len(lines) - KINDS_SHOWN:,} more kinds of problem")] if len(lines) > KINDS_SHOWN else []),
        className="problem-kinds")] if lines else []
    if error.total <= len(shown):
        return html.Div([*kinds, table])
    listed = "every one" if len(error.problems) == error.total else f"the first {len(error.problems):,}"
    more = html.P(f"The first {len(shown):,} of {error.total:,} problems are shown; the download lists {listed}.",
                  className="text-muted small problems-more")
    return html.Div([*kinds, more, table])


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


def file_report(staged, plan, result=None, error=None) -> dbc.Card:
    if error is not None:
        body = [html.H3(["✗ ", staged.name], className="h6 text-danger"),
                html.P(f"{error.total:,} problem{'s' if error.total != 1 else ''}: this file will not be loaded."),
                dbc.Button("Download every problem (CSV)", id={"type": "problems-download", "index": staged.id},
                           color="secondary", outline=True, size="sm", className="mb-2"),
                problems_table(error)]
    else:
        body = [html.H3(["✓ ", staged.name], className="h6"),
                html.P(f"{SHAPE_WORDS.get(result.shape, result.shape)}. Would add {result.added}, revise "
                       f"{result.revised}, leave {result.unchanged} unchanged."),
                *report_lines(result),
                measures_table(result.by_measure, plan)]
        if result.revised:
            body += [html.P("These figures would change; the values held now are kept as revisions:"),
                     revisions_table(result.changes, plan)]
    return dbc.Card(dbc.CardBody(body), className="mb-2 file-report")


# The files this person checked on this page, {id: content hash}, kept in their signed session:
# the page holds only the ids, and a load takes only an id found here, with the hash it had.
CHECKED = uploads.SESSION_KEY
MAX_FILES = uploads.MAX_FILES


def _checked() -> dict:
    kept = flask.session.get(CHECKED)
    return dict(kept) if isinstance(kept, dict) else {}


def _decoded(content: str) -> bytes:
    try:
        return base64.b64decode(content.split(",", 1)[1], validate=True)
    except (IndexError, ValueError):
        raise uploads.UploadError("the file did not arrive whole: drop it again") from None


@callback(
    Output("data-preview", "children"), Output("data-staged", "data"), Output("data-confirm", "disabled"),
    Output("data-result", "children", allow_duplicate=True),
    Input("data-upload", "contents"), State("data-upload", "filename"), prevent_initial_call=True,
)
def preview_uploads(contents, names):
    person = security.require_role("analyst")
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    for old in _checked():  # a new drop replaces the files checked before it
        uploads.discard(old)
    dropped = len(names or [])
    contents, names = (contents or [])[:MAX_FILES], (names or [])[:MAX_FILES]
    reports, checked, any_error = [], {}, False
    for content, name in zip(contents, names):
        try:
            staged = service.stage_upload(name, _decoded(content), person.name)
            result = service.check_upload(source, staged)
        except FiguresError as error:
            reports.append(file_report(staged, plan, error=error))
            any_error = True
            continue
        except uploads.UploadError as error:  # the wrong kind of file, too big, or not whole
            reports.append(dbc.Alert(f"{error}" if str(error).startswith(str(name)) else f"{name}: {error}", color="danger"))
            any_error = True
            continue
        reports.append(file_report(staged, plan, result=result))
        checked[staged.id] = staged.hash
    if dropped > MAX_FILES:
        reports.append(html.P(f"At most {MAX_FILES} files are checked at once: the first {MAX_FILES} of the {dropped} "
                              "dropped are shown above; drop the rest afterwards.", className="text-muted"))
    if any_error and checked:
        reports.append(html.P("Files with problems are left out; the others can be loaded.", className="text-muted"))
    flask.session[CHECKED] = checked
    return reports, list(checked), not checked, ""


@callback(Output("data-problems-download", "data"), Input({"type": "problems-download", "index": ALL}, "n_clicks"),
          prevent_initial_call=True)
def download_problems(clicks):
    person = security.current_user()
    if person is None or not ctx.triggered_id or not any(clicks or []):
        return no_update
    kept = uploads.problems(ctx.triggered_id["index"], person.name)
    if not kept:
        return no_update
    name, csv_text = kept
    return dcc.send_string(csv_text, f"{name.rsplit('.', 1)[0]}-problems.csv")


NOT_CHECKED = ("not loaded: it is not a file you checked on this page in this session. "
               "Drop it again to see what it would change, then load it.")


@callback(
    Output("data-result", "children"), Output("data-confirm", "disabled", allow_duplicate=True),
    Input("data-confirm", "n_clicks"), State("data-staged", "data"), prevent_initial_call=True,
)
def load_confirmed(_clicks, staged_ids):
    person = security.require_role("analyst")
    source = service.Source.from_environment()
    checked = _checked()
    lines, loaded, any_loaded = [], [], False
    if not staged_ids:
        lines.append(html.Li("Nothing to load: drop figures files above and check them first.", className="text-danger"))
    for upload_id in staged_ids or []:
        if upload_id not in checked:
            lines.append(html.Li(f"A file: {NOT_CHECKED}", className="text-danger"))
            continue
        try:
            result = service.load_upload(source, upload_id, person.name, checked.pop(upload_id))
        except (FiguresError, uploads.UploadError) as error:
            lines.append(html.Li(f"not loaded: {str(error).splitlines()[-1]}", className="text-danger"))
            continue
        any_loaded = True
        lines.append(html.Li([f"{result.file}: {result.summary()}", *report_lines(result)]))
        loaded += service.load_months(source, result.load_id) if result.load_id else []
    flask.session[CHECKED] = checked
    # A full page load (not a client-side link), so the header's months are read afresh.
    see = [html.A(f"See the scorecard for {uk_month(max(loaded))}", href=f"/?as_of={month_label(max(loaded))}",
                  id="data-see-month", className="btn btn-primary btn-sm")] if loaded else []
    head = html.Strong("Loaded." if any_loaded else "Nothing was loaded.")
    return html.Div([head, html.Ul(lines), *see], id="data-loaded" if any_loaded else "data-not-loaded"), True
@callback(Output("data-history", "children"), Input("data-result", "children"))
def show_history(_):
    history = service.load_history(service.Source.from_environment())
    if history.empty:
        return html.P("No loads yet.")
    rows = [html.Tr([html.Td(r.load_id), html.Td(f"{r.loaded_at:%-d %B %Y %H:%M}"), html.Td(r.file_name),
                     html.Td(SHAPE_WORDS.get(r.shape, text_or(r.shape))), html.Td(f"{r.rows_added:,}"), html.Td(f"{r.rows_revised:,}"),
                     html.Td(f"{r.rows_unchanged:,}"), html.Td(text_or(r.loaded_by)), html.Td(html.Code(r.content_hash[:12]), title=r.content_hash)])
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

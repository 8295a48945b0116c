"""Board review: a chosen quarter against the previous one, movements and exceptions first."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components import for_role
from layouts.downloads import download_buttons
from metrics import service

dash.register_page(__name__, path="/board", name="Board review", title="Board review - police performance", order=2)


ACTION_STATES = [("Open", "open"), ("Overdue", "overdue"), ("Discharged", "discharged")]


def action_filters(plan) -> dbc.Row:
    """The action log's filters: status, owner (any owner named in the log) and measure."""
    owners = sorted({o for o in service.action_log(service.Source.from_environment())["owner"].dropna() if o})
    return dbc.Row([
        dbc.Col([html.Label("Status", htmlFor="action-filter-status", className="form-label"),
                 dcc.Dropdown(id="action-filter-status", multi=True, placeholder="Any status",
                              options=[{"label": w, "value": v} for w, v in ACTION_STATES])], md=3),
        dbc.Col([html.Label("Owner", htmlFor="action-filter-owner", className="form-label"),
                 dcc.Dropdown(id="action-filter-owner", placeholder="Any owner",
                              options=[{"label": o, "value": o} for o in owners])], md=3),
        dbc.Col([html.Label("Measure", htmlFor="action-filter-measure", className="form-label"),
                 dcc.Dropdown(id="action-filter-measure", placeholder="Any measure",
                              options=[{"label": m.title, "value": m.id} for m in plan.measures])], md=4),
    ], className="g-2 action-filters")


def layout(**_query):
    # The quarter is picked in the header (its as-of picker lists quarters on this page), so the
    # page and the header always name the same time frame.
    plan = service.plan_for(service.Source.from_environment())
    return html.Div([
        html.H1("Board review", className="page-title", id="board-title"),
        pack_buttons(),
        html.Div(id="board-summary", className="mb-3", role="status"),
        dcc.Loading(html.Div(id="board-movements", className="table-frame"), delay_show=300),
        download_buttons("board-movements", "the movements"),
        html.H2("Exceptions", className="section-title"),
        html.P("Measures that are red, showing a special cause of concern, or short of the target and getting worse. "
               "A chart opens the measure.", className="text-muted"),
        download_buttons("board-exceptions", "the exceptions"),
        dcc.Loading(html.Div(id="board-exceptions"), delay_show=300),
        html.H2("To watch", className="section-title"),
        html.P("Getting worse than last year, but not yet exceptions.", className="text-muted"),
        html.Div(id="board-watch"),
        html.H2("Action log", className="section-title"),
        html.P("Actions raised at board meetings, carried from meeting to meeting until discharged.",
               className="text-muted"),
        action_filters(plan),
        download_buttons("board-actions", "the action log"),
        html.Div(id="board-actions", className="table-frame"),
        action_forms(plan),
        *statement_block(),
    ])


def pack_buttons():
    """The board pack's buttons, its progress and its download."""
    # The pack prints in the background (callbacks/board.py): any signed-in person may print one.
    return dbc.Row([dbc.Col(for_role("viewer", html.Div([
        dbc.Button("Download board pack (PDF)", id="board-pack-pdf", color="primary", className="me-2"),
        dbc.Button("Download board pack (HTML)", id="board-pack-html", color="secondary", outline=True),
        # Shown only while a pack is being prepared (the callback's running state).
        html.Button("Cancel printing", id="board-pack-cancel", type="button", hidden=True,
                    className="btn btn-outline-secondary btn-sm ms-2"),
        html.Span(id="board-pack-status", className="ms-2 text-muted", role="status"),
        dcc.Download(id="board-pack-download")], className="d-flex align-items-center flex-wrap"),
        "print the board pack"), md=12)], className="mb-3")


def action_forms(plan):
    """Raise, update or discharge an action: for the board's secretary."""
    return for_role("secretary", dbc.Card(dbc.CardBody([
        html.H3("Raise an action", className="h6"),
        dbc.Row([
            dbc.Col([html.Label("Meeting date", htmlFor="action-meeting", className="form-label"),
                     dbc.Input(id="action-meeting", type="date")], md=2),
            dbc.Col([html.Label("Action", htmlFor="action-text", className="form-label"),
                     dbc.Input(id="action-text", placeholder="What is to be done")], md=4),
            dbc.Col([html.Label("Owner", htmlFor="action-owner", className="form-label"),
                     dbc.Input(id="action-owner", placeholder="Who")], md=2),
            dbc.Col([html.Label("Due", htmlFor="action-due", className="form-label"),
                     dbc.Input(id="action-due", type="date")], md=2),
            dbc.Col([html.Label("Measures", htmlFor="action-measures", className="form-label"),
                     dcc.Dropdown(id="action-measures", multi=True,
                                  options=[{"label": m.title, "value": m.id} for m in plan.measures])], md=2),
        ], className="g-2"),
        dbc.Button("Raise action", id="action-raise", color="primary", className="mt-2"),
        html.Hr(),
        html.H3("Update or discharge an action", className="h6"),
        dbc.Row([
            dbc.Col([html.Label("Action number", htmlFor="action-id", className="form-label"),
                     dbc.Input(id="action-id", type="number", min=1, step=1)], md=1),
            dbc.Col([html.Label("New owner", htmlFor="action-new-owner", className="form-label"),
                     dbc.Input(id="action-new-owner", placeholder="unchanged")], md=2),
            dbc.Col([html.Label("New due date", htmlFor="action-new-due", className="form-label"),
                     dbc.Input(id="action-new-due", type="date")], md=2),
            dbc.Col([html.Label("How it was discharged", htmlFor="action-note", className="form-label"),
                     dbc.Input(id="action-note")], md=3),
            dbc.Col([dbc.Button("Update", id="action-update", color="secondary", outline=True, className="mt-4 me-1"),
                     dbc.Button("Discharge", id="action-discharge", color="secondary", className="mt-4")], md=2),
        ], className="g-2"),
        html.Div(id="action-message", role="status", className="mt-2"),
    ]), className="mb-3"), "raise, update or discharge actions")


def statement_block() -> list:
    """The quarterly statement: the saved text or a draft built from the quarter, editable by an analyst."""
    return [
        html.H2("Quarterly statement", className="section-title", id="board-statement-title"),
        html.P("The statement on the force's contribution to the national crime and policing measures. Until an "
               "analyst saves one, a draft is built from the quarter's figures. Every saved version is kept.",
               className="text-muted"),
        html.Div(id="board-statement", role="status"),
        for_role("analyst", html.Div([
            html.Label("Statement for this quarter", htmlFor="board-statement-text", className="form-label"),
            dcc.Textarea(id="board-statement-text", className="form-control", style={"height": "16em"}),
            dbc.Button("Save statement", id="board-statement-save", color="primary", className="mt-2"),
            html.Span(" Saved under your name, with the time.", className="small text-muted"),
        ]), "write the quarterly statement"),
        html.Div(id="board-statement-saved", role="status", className="mt-2"),
    ]

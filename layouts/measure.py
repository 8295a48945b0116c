"""Measure detail: the SPC chart with target, baseline and tolerance; the area breakdown; the figures."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components import for_role
from metrics import service

dash.register_page(__name__, path_template="/measure/<measure_id>", name="Measure",
                   title="Measure - police performance", nav=False)


def _not_found(measure_id, plan):
    """The page for an id the plan does not hold, with every id the callbacks look for (hidden)."""
    return html.Div([
        html.H1("Measure not found", className="page-title"),
        html.P(f"There is no measure with the id “{measure_id}” in {plan.title}.", id="measure-missing"),
        dcc.Link("Back to the scorecard", href="/"),
        dcc.Store(id="measure-id", data=None),
        html.Div(id="measure-title"), html.Div(id="measure-facts"), html.Div(id="measure-status"),
        dcc.Graph(id="measure-chart", style={"display": "none"}), html.Div(id="measure-areas"),
        html.Div(id="measure-figures"), html.Div(id="measure-commentary"),
        dcc.Textarea(id="measure-commentary-text", style={"display": "none"}),
        html.Button(id="measure-commentary-save", style={"display": "none"}),
        html.Div(id="measure-commentary-saved"),
        html.Div(id="measure-projection"), html.Div(id="measure-peers"), html.Div(id="measure-phases"),
        html.Div(id="measure-phase-saved"), dcc.Input(id="measure-phase-month", style={"display": "none"}),
        dcc.Input(id="measure-phase-note", style={"display": "none"}),
        html.Button(id="measure-phase-add", style={"display": "none"}),
        html.Button(id="measure-chart-csv", style={"display": "none"}), dcc.Download(id="measure-chart-download"),
    ])


def _process_changes() -> list:
    """The measure's recorded process changes (SPC phases), and for analysts the form to add one."""
    return [
        html.H2("Process changes", className="section-title"),
        html.P("A recorded change (a new call centre, a new recording standard) starts a new SPC phase: "
               "limits, mean and rules are worked out afresh from its month.", className="text-muted small"),
        html.Div(id="measure-phases"),
        _second_for_role("analyst", dbc.Row([
            dbc.Col([html.Label("From month (YYYY-MM)", htmlFor="measure-phase-month", className="form-label"),
                     dbc.Input(id="measure-phase-month", placeholder="2006-04")], md=2),
            dbc.Col([html.Label("What changed", htmlFor="measure-phase-note", className="form-label"),
                     dbc.Input(id="measure-phase-note", placeholder="New call handling centre opened")], md=6),
            dbc.Col([dbc.Button("Add process change", id="measure-phase-add", color="primary", className="mt-4")], md=4),
        ], className="g-2"), "record process changes"),
        html.Div(id="measure-phase-saved", role="status"),
    ]


def layout(measure_id=None, **_query):  # defaults: Dash calls layout() bare to check ids
    plan = service.plan_for(service.Source.from_environment())
    if measure_id not in plan.measure_ids:
        return _not_found(measure_id, plan)
    return html.Div([
        dcc.Store(id="measure-id", data=measure_id),
        dcc.Link("← Scorecard", href="/", id="measure-back", className="small"),
        html.H1(id="measure-title", className="page-title"),
        html.Div(id="measure-status", className="mb-2", role="status"),
        dbc.Row([
            dbc.Col(dcc.Loading(dcc.Graph(id="measure-chart", config={"displaylogo": False}), delay_show=300), lg=8),
            dbc.Col(html.Div(id="measure-facts"), lg=4),
        ]),
        html.Div(id="measure-projection", className="mb-2", role="status"),
        html.Div([dbc.Button("Download chart data (CSV)", id="measure-chart-csv", color="secondary", outline=True,
                             size="sm"),
                  html.Span(" Each month's value, phase, mean, limits and rule flags, as "
                            "python -m metrics chart prints them.", className="small text-muted"),
                  dcc.Download(id="measure-chart-download")], className="mb-3"),
        *_process_changes(),
        html.H2("Among peers", className="section-title"),
        dcc.Loading(html.Div(id="measure-peers"), delay_show=300),
        html.H2("Areas", className="section-title"),
        dcc.Loading(html.Div(id="measure-areas"), delay_show=300),
        html.H2("Commentary", className="section-title"),
        html.Div(id="measure-commentary"),
        for_role("analyst", dbc.Row([
            dbc.Col([html.Label("Commentary for this quarter", htmlFor="measure-commentary-text", className="form-label"),
                     dcc.Textarea(id="measure-commentary-text", className="form-control", style={"height": "7em"})], md=8),
            dbc.Col([html.P("Saved under your name, with the time.", className="small text-muted mt-4"),
                     dbc.Button("Save commentary", id="measure-commentary-save", color="primary", className="mt-2")], md=4),
        ], className="g-2"), "write commentary"),
        html.Div(id="measure-commentary-saved", role="status"),
        html.H2("Figures", className="section-title"),
        html.Div(id="measure-figures"),
    ])


def _second_for_role(role, controls, doing):
    """for_role, for a page's second set of controls: its note gets an id of its own."""
    block = for_role(role, controls, doing)
    if block.children[0] is not None:
        block.children[0].id = f"needs-{role}-phases"
    return block

"""Measure detail: the SPC chart with target, baseline and tolerance; the area breakdown; the figures."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components import for_role
from metrics import service

dash.register_page(__name__, path_template="/measure/<measure_id>", name="Measure",
                   title="Measure - police performance")


def layout(measure_id=None, **_query):  # defaults: Dash calls layout() bare to check ids
    plan = service.plan_for(service.Source.from_environment())
    if measure_id not in plan.measure_ids:
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
        ])
    return html.Div([
        dcc.Store(id="measure-id", data=measure_id),
        dcc.Link("← Scorecard", href="/", id="measure-back", className="small"),
        html.H1(id="measure-title", className="page-title"),
        html.Div(id="measure-status", className="mb-2", role="status"),
        dbc.Row([
            dbc.Col(dcc.Loading(dcc.Graph(id="measure-chart", config={"displaylogo": False}), delay_show=300), lg=8),
            dbc.Col(html.Div(id="measure-facts"), lg=4),
        ]),
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

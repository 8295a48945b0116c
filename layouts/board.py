"""Board review: a chosen quarter against the previous one, movements and exceptions first."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from metrics import board, service

dash.register_page(__name__, path="/board", name="Board review", title="Board review - police performance", order=2)


def layout(quarter=None, **_query):
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    ends = board.quarter_ends(service.months(source), plan.year_start_month)
    options = [{"label": board.quarter_name(e, plan.year_start_month), "value": e} for e in ends]
    chosen = next((e for e in ends if board.quarter_name(e, plan.year_start_month).replace("/", "-").replace(" ", "-") == quarter), None)
    return html.Div([
        html.H1("Board review", className="page-title"),
        dbc.Row([dbc.Col([html.Label("Quarter", htmlFor="board-quarter", className="form-label"),
                          dcc.Dropdown(id="board-quarter", options=options, clearable=False,
                                       value=chosen or (options[0]["value"] if options else None))], md=3)],
                className="mb-3"),
        html.Div(id="board-summary", className="mb-3", role="status"),
        dcc.Loading(html.Div(id="board-movements"), delay_show=300),
        html.H2("Exceptions", className="section-title"),
        html.P("Measures that are red, deteriorating against last year, or showing a special cause of concern.",
               className="text-muted"),
        dcc.Loading(html.Div(id="board-exceptions"), delay_show=300),
    ])

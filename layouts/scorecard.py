"""Scorecard: every measure grouped by priority and objective, with status counts and filters."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components import RAG
from metrics import service

dash.register_page(__name__, path="/", name="Scorecard", title="Scorecard - police performance", order=0)


def layout(**_query):
    plan = service.plan_for(service.Source.from_environment())
    owners = sorted({m.owner for m in plan.measures if m.owner})
    return html.Div([
        html.H1("Scorecard", className="page-title"),
        html.P(id="scorecard-caption", className="text-muted"),
        html.Div(id="scorecard-counts", className="status-counts mb-3", role="status"),
        dbc.Row([
            dbc.Col([html.Label("Priority", htmlFor="scorecard-priority", className="form-label"),
                     dcc.Dropdown(id="scorecard-priority", placeholder="All priorities",
                                  options=[{"label": p.title, "value": p.id} for p in plan.priorities])], md=4),
            dbc.Col([html.Label("Owner", htmlFor="scorecard-owner", className="form-label"),
                     dcc.Dropdown(id="scorecard-owner", placeholder="All owners",
                                  options=[{"label": o, "value": o} for o in owners])], md=4),
            dbc.Col([html.Label("Status", htmlFor="scorecard-status", className="form-label"),
                     dcc.Dropdown(id="scorecard-status", multi=True, placeholder="Any status",
                                  options=[{"label": t.label, "value": key} for key, t in RAG.items()])], md=4),
        ], className="g-3 mb-3 filters"),
        dcc.Loading(html.Div(id="scorecard-table"), type="default", delay_show=300),
    ])

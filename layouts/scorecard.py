"""Scorecard: every measure grouped by priority and objective, with status counts and filters.

The filters and the sort live in the URL's query (priority, owner, status, sort), so Back and a
shared link bring the same view: the page is built from the query it is opened with.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components import RAG
from layouts.downloads import download_buttons
from layouts.view_state import SORTS, query_filters
from metrics import service

dash.register_page(__name__, path="/", name="Scorecard", title="Scorecard - police performance", order=0)

def layout(**query):
    plan = service.plan_for(service.Source.from_environment())
    owners = sorted({m.owner for m in plan.measures if m.owner})
    chosen = query_filters(query, plan)
    return html.Div([
        html.H1("Scorecard", className="page-title"),
        html.P(id="scorecard-caption", className="text-muted"),
        html.Div(id="scorecard-counts", className="status-counts mb-3", role="status"),
        dbc.Row([
            dbc.Col([html.Label("Priority", htmlFor="scorecard-priority", className="form-label"),
                     dcc.Dropdown(id="scorecard-priority", placeholder="All priorities", value=chosen["priority"],
                                  options=[{"label": p.title, "value": p.id} for p in plan.priorities])], md=3),
            dbc.Col([html.Label("Owner", htmlFor="scorecard-owner", className="form-label"),
                     dcc.Dropdown(id="scorecard-owner", placeholder="All owners", value=chosen["owner"],
                                  options=[{"label": o, "value": o} for o in owners])], md=3),
            dbc.Col([html.Label("Status", htmlFor="scorecard-status", className="form-label"),
                     dcc.Dropdown(id="scorecard-status", multi=True, placeholder="Any status", value=chosen["status"],
                                  options=[{"label": t.label, "value": key} for key, t in RAG.items()])], md=3),
            dbc.Col([html.Label("Sort by", htmlFor="scorecard-sort", className="form-label"),
                     dcc.Dropdown(id="scorecard-sort", value=chosen["sort"], clearable=False,
                                  options=[{"label": v, "value": k} for k, v in SORTS.items()])], md=3),
        ], className="g-3 mb-3 filters"),
        download_buttons("scorecard", "this scorecard"),
        dcc.Loading(html.Div(id="scorecard-table", className="table-frame"), type="default", delay_show=300),
    ])

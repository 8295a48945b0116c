"""An unknown page: the app's header, a plain word and the way home (served with HTTP 404 by app.py)."""
from __future__ import annotations

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", name="Page not found", title="Page not found - police performance",
                   nav=False)


def layout(**_query):
    return html.Div([
        html.H1("Page not found", className="page-title"),
        html.P("There is no page at this address.", id="not-found"),
        dcc.Link("Go to the scorecard", href="/", id="not-found-home"),
    ])

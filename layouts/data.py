"""Data: upload figures files, see what a load would change and every problem, confirm, load history."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components import for_role
from metrics.service import UPLOAD_LIMIT_BYTES

dash.register_page(__name__, path="/data", name="Data", title="Data - police performance", order=3)


def layout(**_query):
    return html.Div([
        html.H1("Load figures", className="page-title"),
        html.P(["CSV or Excel (.xlsx), long (measure_id, period, area, value) or wide (measure_id, area, "
                "then one column per month). Nothing is loaded until you confirm; a file with any problem "
                f"loads nothing. Up to {UPLOAD_LIMIT_BYTES // 2**20} MB a file; a checked file waits an hour at most."],
               className="text-muted"),
        # No size limit in the browser: it would drop a big file without a word. The server refuses
        # it with a message instead.
        for_role("analyst", dcc.Upload(id="data-upload", multiple=True,
                   children=html.Div(["Drag and drop figures files here, or ", html.U("choose files")]),
                   className="upload-zone", style_active={"borderColor": "#0b5ed7"}), "load figures"),
        dcc.Store(id="data-staged"),
        dcc.Download(id="data-problems-download"),
        dcc.Loading(html.Div(id="data-preview", className="mt-3", role="status"), delay_show=200),
        for_role("analyst", dbc.Button("Load these figures", id="data-confirm", color="primary", className="mt-2",
                                       disabled=True), "load figures"),
        html.Div(id="data-result", className="mt-2", role="status"),
        html.H2("Load history", className="section-title"),
        html.Div(id="data-history"),
    ])

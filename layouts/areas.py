"""Areas: every area against every measure, a status word and colour in each cell."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import html

from layouts.downloads import download_buttons

dash.register_page(__name__, path="/areas", name="Areas", title="Areas - police performance", order=1)


def layout(**_query):
    return html.Div([
        html.H1("Areas", className="page-title"),
        html.P("Each area's status on each measure held for districts (measures held for the whole force only "
               "are on the scorecard). Click a column heading to sort; an area's name opens its scorecard, and a "
               "cell opens that measure for that area.", className="text-muted"),
        download_buttons("areas", "this matrix"),
        # The grid is in the page from the start (its sort feeds the URL); a callback fills it.
        html.Div([dag.AgGrid(id="areas-grid", rowData=[], columnDefs=[],
                             defaultColDef={"sortable": True, "resizable": True},
                             dashGridOptions={"domLayout": "autoHeight", "tooltipShowDelay": 200},
                             style={"width": "100%"}, className="ag-theme-alpine screen-only"),
                  html.Div(id="areas-print")], id="areas-matrix"),
    ])

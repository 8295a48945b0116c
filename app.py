"""The web app: the frame around the pages. `python app.py` serves it; `server` is the WSGI app.

Pages live in layouts/ (one module per page, registered with dash.register_page) and their
callbacks in callbacks/. The header's choices (as-of month, grain, area) live in the URL.
"""
from __future__ import annotations

import os
import threading

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.header import header

app = dash.Dash(
    __name__,
    use_pages=True,
    pages_folder="layouts",
    title="Police performance",
    update_title=None,
    external_stylesheets=["/status.css"],  # served below, from metrics/vocabulary.py
)
server = app.server


@server.route("/status.css")
def status_css():
    """The status palette, from the one vocabulary the board pack uses too."""
    from metrics.vocabulary import status_css as css
    return server.response_class(css(), mimetype="text/css")

import callbacks  # noqa: E402,F401  (registers every page's callbacks)
from metrics import service  # noqa: E402
import security  # noqa: E402

app.layout = html.Div([
    dcc.Location(id="url", refresh=False),
    html.A("Skip to content", href="#main", className="visually-hidden-focusable"),
    header(),
    dbc.Container(dash.page_container, id="main", fluid=True, className="page"),
])

security.install(app)  # sign-in, the role gate on every change, input checks, safe headers

# Compute the likeliest first views while the server starts, so first visitors wait for nothing.
if os.environ.get("METRICS_WARM_UP", "1") != "0":
    threading.Thread(target=service.warm_up, args=(service.Source.from_environment(),), daemon=True).start()

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)

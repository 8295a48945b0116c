"""The web app: the frame around the pages. `python app.py` serves it; `server` is the WSGI app.

Pages live in layouts/ (one module per page, registered with dash.register_page) and their
callbacks in callbacks/. The header's choices (as-of month, grain, area) live in the URL.
"""
from __future__ import annotations

import os
import re
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
    # Each page's callbacks name components that only that page has. Without this, Dash also builds
    # every page at the first request to check them, which fails while the plan or store cannot be
    # read (the frame then says why instead), and the browser would report the missing components.
    suppress_callback_exceptions=True,
)
server = app.server


@server.route("/status.css")
def status_css():
    """The status palette, from the one vocabulary the board pack uses too."""
    from metrics.vocabulary import status_css as css
    return server.response_class(css(), mimetype="text/css")

import callbacks  # noqa: E402,F401  (registers every page's callbacks)
from metrics import service, view_builder  # noqa: E402
import security  # noqa: E402



def layout():
    """The frame, built at every page load: the header's months and areas are read afresh."""
    problem = _problem()
    if problem:  # no plan or store that can be read: say which, and what to do, and nothing else
        return html.Main([html.H1("Police performance"), html.P(problem, id="store-problem", className="alert alert-warning")],
                         className="container page")
    return html.Div([
        dcc.Location(id="url", refresh=False),
        html.A("Skip to content", href="#main", className="visually-hidden-focusable"),
        header(),
        dbc.Container(dash.page_container, id="main", fluid=True, className="page"),
    ])


def _problem() -> str | None:
    source = service.Source.from_environment()
    return service.plan_problem(source) or service.store_problem(source)


app.layout = layout


def _is_page(path: str) -> bool:
    """Does a path name one of the app's pages (fixed, or a template like /measure/<measure_id>)?"""
    for page in dash.page_registry.values():
        if page["module"].endswith("not_found_404"):
            continue
        template = page.get("path_template")
        if template:
            pattern = re.sub(r"<[^>/]+>", "[^/]+", template.rstrip("/") or "/")
            if re.fullmatch(pattern, path.rstrip("/") or "/"):
                return _names_a_measure(path) if template.startswith("/measure/") else True
        elif (page["path"].rstrip("/") or "/") == (path.rstrip("/") or "/"):
            return True
    return False


def _names_a_measure(path: str) -> bool:
    from urllib.parse import unquote
    return unquote(path.rstrip("/").rsplit("/", 1)[-1]) in service.plan_for(service.Source.from_environment()).measure_ids


@server.after_request
def unknown_pages_answer_404(response):
    """Dash answers every path with its page shell; an unknown page's shell goes out as 404 (the
    browser still shows the app's header and the not-found page with its link home)."""
    from flask import request
    internal = request.path.startswith(("/_dash", "/_reload", "/_favicon", "/assets", "/status.css", "/signin",
                                        "/signout"))
    if (request.method == "GET" and response.status_code == 200 and not internal
            and response.mimetype == "text/html" and not _is_page(request.path)):
        response.status_code = 404
    return response

security.install(app)  # sign-in, the role gate on every change, input checks, safe headers

# Work out the views ahead of the visitors: every month's, in one background process for all of this
# machine's app processes (metrics.view_builder), or without it the likeliest first views here.
if os.environ.get("METRICS_WARM_UP", "1") != "0":
    if os.environ.get("METRICS_VIEW_BUILDER", "1") != "0":
        view_builder.keep_running(service.Source.from_environment())
    else:
        threading.Thread(target=service.warm_up, args=(service.Source.from_environment(),), daemon=True).start()

if __name__ == "__main__":
    if problem := _problem():
        raise SystemExit(f"error: {problem}")
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)

"""What changed: the digest of the latest load (or since a load or date), in plain words."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from metrics import digest, service

dash.register_page(__name__, path="/digest", name="What changed", title="What changed - police performance", order=4)


def _made(since):
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    return plan, service.read(source, lambda conn: digest.build_digest(conn, plan, since))


def layout(since: str | None = None, **_query):
    try:
        plan, made = _made(since or None)
    except digest.DigestError as err:
        return html.Div([html.H1("What changed", className="page-title"),
                         dbc.Alert(str(err)[:1].upper() + str(err)[1:] + ".", color="info", id="digest-empty")])
    sections = [html.Section([html.H2(title, className="section-title"),
                              html.Ul([html.Li(item) for item in items] or [html.Li("Nothing to report.", className="text-muted")])])
                for title, items in digest.lines(made, plan).items()]
    return html.Div([
        html.H1(f"What changed since {made.since}", className="page-title"),
        html.P(["Compared with the scorecard as it stood before that load. For an earlier starting point, add ",
                html.Code("?since=LOAD"), " (a load number from the data page) or ", html.Code("?since=YYYY-MM-DD"),
                " to this page's address."], className="text-muted"),
        *sections,
    ], id="digest-page")

"""The shared header: plan title, navigation, and the as-of, grain and area pickers."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from metrics import service
from metrics.periods import GRAIN_NAMES, GRAINS, month_name

OWN_GRAIN = "own"
NAV = [("Scorecard", "/"), ("Areas", "/areas"), ("Board review", "/board"), ("Data", "/data")]


def chosen_grain(grain: str | None) -> str | None:
    """The grain picked in the header, or None for each measure at its own."""
    return None if grain in (None, OWN_GRAIN) else grain


def month_options() -> list[dict]:
    source = service.Source.from_environment()
    return [{"label": month_name(m), "value": m} for m in reversed(service.months(source))]


def header() -> html.Header:
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    months = month_options()
    grains = [{"label": "Each measure's own", "value": OWN_GRAIN}] + [
        {"label": GRAIN_NAMES[g], "value": g} for g in GRAINS]
    areas = [{"label": a.name, "value": a.code} for a in plan.areas if a.kind != "comparator"]
    picker = "header-picker"
    return html.Header([
        dbc.Navbar(dbc.Container([
            html.Span([html.Span(plan.title, className="plan-title"),
                       html.Span(" performance against plan", className="plan-subtitle")], className="navbar-brand"),
            dbc.Nav([dbc.NavItem(dbc.NavLink(name, href=href, active="exact", id=f"nav-{href.strip('/') or 'scorecard'}"))
                     for name, href in NAV], navbar=True, className="main-nav"),
        ], fluid=True), color="dark", dark=True, className="mb-0"),
        dbc.Container(dbc.Row([
            dbc.Col([html.Label("As of", htmlFor="as-of", className="form-label"),
                     dcc.Dropdown(id="as-of", options=months, value=months[0]["value"] if months else None,
                                  clearable=False, className=picker)], md=3),
            dbc.Col([html.Label("Period", htmlFor="grain", className="form-label"),
                     dcc.Dropdown(id="grain", options=grains, value=OWN_GRAIN, clearable=False, className=picker)], md=3),
            dbc.Col([html.Label("Area", htmlFor="area", className="form-label"),
                     dcc.Dropdown(id="area", options=areas, value="force", clearable=False, className=picker)], md=3),
            dbc.Col(html.Div(id="header-note", className="header-note"), md=3),
        ], className="g-3 align-items-end"), fluid=True, className="header-pickers py-2"),
    ])

"""The shared header: plan title, navigation, and the as-of, grain and area pickers.

Built afresh at every page load (app.layout is a function): the months, areas and measures come
from the store and the plan as they are now, so a load made anywhere shows without a restart.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

import security
from layouts.components import span_words, uk_month
from metrics import board, service
from metrics.periods import GRAIN_NAMES, GRAINS, period_window

OWN_GRAIN = "own"
# Pickers that do nothing on a page are hidden there: the board judges quarters, the areas
# matrix shows every area, the data page shows no figures.
HIDDEN = {"/board": {"grain"}, "/areas": {"area"}, "/data": {"as-of", "grain", "area"},
          "/digest": {"as-of", "grain", "area"}, "/help": {"as-of", "grain", "area"}}
PICKERS = ("as-of", "grain", "area")


def nav_pages() -> list[tuple[str, str]]:
    """(name, path) of each page in the navigation, in the order of its register_page(order=N, name=...).
    A page registered with nav=False (the 404, the measure page template) is left out."""
    return [(page["name"], page["path"]) for page in dash.page_registry.values() if page.get("nav", True)]


def nav_links(kept: str = "", current: str | None = None) -> list:
    """The navigation's links, each carrying the view's query string `kept` (help and the digest
    show no figures, so their links stay plain); the link to the `current` page is marked active
    (given, because Bootstrap's own "exact" test fails on a link with a query string)."""
    return [dbc.NavItem(dbc.NavLink(name, href=path if path in ("/help", "/digest") else f"{path}{kept}",
                                    active="exact" if current is None else path == current))
            for name, path in nav_pages()]


def chosen_grain(grain: str | None) -> str | None:
    """The grain picked in the header, or None for each measure at its own."""
    return None if grain in (None, OWN_GRAIN) else grain


def month_options(source=None) -> list[dict]:
    source = source or service.Source.from_environment()
    return [{"label": uk_month(m), "value": m} for m in reversed(service.months(source))]


def quarter_options(source=None) -> list[dict]:
    """Every financial quarter with figures, newest first: '2008/09 Q4 (January to March 2009)'."""
    source = source or service.Source.from_environment()
    ysm = service.plan_for(source).year_start_month
    return [{"label": f"{board.quarter_name(e, ysm)} ({span_words(period_window(e, 'quarter', ysm)[0], e)})", "value": e}
            for e in board.quarter_ends(service.months(source), ysm)]


def quarter_for(as_of: int | None, options: list[dict]) -> int | None:
    """The latest quarter ending on or before the month (the oldest quarter if none does)."""
    ends = [o["value"] for o in options]
    if not ends:
        return None
    if as_of is None:
        return ends[0]
    return next((e for e in ends if e <= as_of), ends[-1])


def area_options(plan) -> list[dict]:
    return [{"label": a.name, "value": a.code} for a in plan.areas if a.kind in ("force", "district")]


def header() -> html.Header:
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    months = month_options(source)
    default = service.default_as_of(source)
    grains = [{"label": "Each measure's own", "value": OWN_GRAIN}] + [
        {"label": GRAIN_NAMES[g], "value": g} for g in GRAINS]
    picker = "header-picker"
    return html.Header([
        security.local_mode_banner(),
        dcc.Store(id="default-as-of", data=default),
        dbc.Navbar(dbc.Container([
            html.Span([html.Span(plan.title, className="plan-title"),
                       html.Span(" performance against plan", className="plan-subtitle")], className="navbar-brand"),
            # On a phone the links fold behind a toggler.
            dbc.NavbarToggler(id="nav-toggler", n_clicks=0),
            dbc.Collapse(dbc.Nav(nav_links(), id="main-nav", navbar=True, className="main-nav ms-auto"),
                         id="nav-collapse", is_open=False, navbar=True),
            html.Div(security.user_badge(), className="ms-lg-3 text-light small"),  # name, role, sign out
        ], fluid=True), color="dark", dark=True, expand="lg", className="mb-0"),
        # On a phone the pickers fold into one "View" control; on a wide screen they are always open.
        dbc.Container(dbc.Button("View ▾", id="view-toggle", n_clicks=0, color="secondary", outline=True, size="sm",
                                 className="view-toggle my-1"),
                      fluid=True, className="view-toggle-bar"),
        dbc.Container(html.Div(dbc.Row([
            dbc.Col([html.Label("As of", htmlFor="as-of", className="form-label", id="as-of-label"),
                     dcc.Dropdown(id="as-of", options=months, value=default, clearable=False, className=picker)],
                    md=3, id="as-of-col"),
            dbc.Col([html.Label("Period", htmlFor="grain", className="form-label"),
                     dcc.Dropdown(id="grain", options=grains, value=OWN_GRAIN, clearable=False, className=picker)],
                    md=3, id="grain-col"),
            dbc.Col([html.Label("Area", htmlFor="area", className="form-label"),
                     dcc.Dropdown(id="area", options=area_options(plan), value="force", clearable=False,
                                  className=picker)], md=3, id="area-col"),
            dbc.Col([html.Div(id="header-note", className="header-note"),
                     html.Div(id="header-later", className="header-later", role="status")], md=3),
        ], className="g-3 align-items-end"), id="view-collapse", className="view-collapse"),
            fluid=True, className="header-pickers py-2"),
    ])

"""Keep the header's pickers and the URL's query string in step, both ways; show on each page only
the pickers that page uses."""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from dash import Input, Output, State, callback, ctx, no_update

from layouts.components import uk_month
from metrics.formats import later_figures_note
from layouts.header import (HIDDEN, OWN_GRAIN, PICKERS, area_options, month_options, nav_links, nav_pages,
                            quarter_for, quarter_options)
from metrics import service
from metrics.periods import GRAIN_NAMES, GRAINS, PeriodError, month_label, parse_month


def read_choices(search: str | None) -> dict:
    """The pickers' values from a query string; anything unreadable is left out."""
    params = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items()}
    choices = {}
    try:
        if "as_of" in params:
            choices["as_of"] = parse_month(params["as_of"])
    except PeriodError:
        pass
    if params.get("grain") in GRAINS:
        choices["grain"] = params["grain"]
    if "area" in params:
        choices["area"] = params["area"]
    return choices


def write_choices(as_of, grain, area, search: str | None = None) -> str:
    """The query for the pickers' values; a page's own parameters (the scorecard's filters, the
    matrix's sort) in `search` are kept."""
    params = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items() if k not in ("as_of", "grain", "area")}
    if as_of is not None:
        params["as_of"] = month_label(as_of)
    if grain and grain != OWN_GRAIN:
        params["grain"] = grain
    if area and area != "force":
        params["area"] = area
    return f"?{urlencode(params)}" if params else ""


def _as_of_choices(pathname, wanted, default):
    """The as-of picker's options and value for a page: months, or on the board quarters (so the
    page and the header name one time frame)."""
    source = service.Source.from_environment()
    if pathname == "/board":
        options = quarter_options(source)
        return options, quarter_for(wanted if wanted is not None else default, options)
    options = month_options(source)
    held = {o["value"] for o in options}
    return options, wanted if wanted in held else default


@callback(
    Output("url", "search"), Output("as-of", "value"), Output("as-of", "options"), Output("grain", "value"),
    Output("area", "value"),
    Input("url", "pathname"), Input("url", "search"), Input("as-of", "value"), Input("grain", "value"),
    Input("area", "value"), State("area", "options"), State("default-as-of", "data"),
)
def sync_url_and_pickers(pathname, search, as_of, grain, area, area_choices, default):
    if ctx.triggered_id in ("as-of", "grain", "area"):
        wanted = write_choices(as_of, grain, area, search)
        return (wanted if wanted != (search or "") else no_update), no_update, no_update, no_update, no_update
    choices = read_choices(search)
    options, new_as_of = _as_of_choices(pathname, choices.get("as_of"), default)
    areas = {o["value"] for o in area_choices or []}
    new_grain = choices.get("grain", OWN_GRAIN)
    new_area = choices["area"] if choices.get("area") in areas else "force"
    return (
        no_update,
        new_as_of if new_as_of != as_of else no_update,
        options,
        new_grain if new_grain != grain else no_update,
        new_area if new_area != area else no_update,
    )


@callback([Output(f"{name}-col", "style") for name in PICKERS] + [Output("as-of-label", "children")],
          Input("url", "pathname"))
def show_pickers_the_page_uses(pathname):
    known = pathname in {href for _, href in nav_pages()} or (pathname or "").startswith("/measure/")
    hidden = HIDDEN.get(pathname, set()) if known else set(PICKERS)  # an unknown page has nothing to pick
    return [{"display": "none"} if name in hidden else {} for name in PICKERS] + [
        "Quarter" if pathname == "/board" else "As of"]


@callback(Output("main-nav", "children"), Input("url", "search"), Input("url", "pathname"))
def keep_choices_in_navigation(search, pathname):
    """Moving between pages keeps the as-of month, grain and area (not one page's own filters)."""
    params = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items() if k in ("as_of", "grain", "area")}
    return nav_links(f"?{urlencode(params)}" if params else "", pathname or "/")


@callback(Output("nav-collapse", "is_open"), Input("nav-toggler", "n_clicks"), State("nav-collapse", "is_open"),
          prevent_initial_call=True)
def toggle_navigation(_clicks, is_open):
    return not is_open


@callback(Output("view-collapse", "className"), Output("view-toggle", "children"), Input("view-toggle", "n_clicks"),
          prevent_initial_call=True)
def toggle_view(clicks):
    """The "View" control on a phone: open or fold the pickers (CSS keeps them open on wide screens)."""
    opened = bool(clicks) and clicks % 2 == 1
    return ("view-collapse open" if opened else "view-collapse"), ("View ▴" if opened else "View ▾")


@callback(Output("header-note", "children"), Input("url", "search"), State("default-as-of", "data"))
def explain_bad_choices(search, default):
    """A friendly word, not a traceback, for a URL parameter we cannot use."""
    source = service.Source.from_environment()
    choices = read_choices(search)
    raw = parse_qs((search or "").lstrip("?"))
    notes = []
    if "as_of" in raw and choices.get("as_of") not in set(service.months(source)):
        notes.append(f"No figures are held for the month asked for ({raw['as_of'][0]!r}): "
                     f"showing {uk_month(default)} instead.")
    if "grain" in raw and "grain" not in choices:
        notes.append(f"Unknown period {raw['grain'][0]!r}: use one of "
                     f"{', '.join(f'{g} ({GRAIN_NAMES[g].lower()})' for g in GRAINS)}.")
    if "area" in raw and raw["area"][0] not in {o["value"] for o in area_options(service.plan_for(source))}:
        notes.append(f"Unknown area {raw['area'][0]!r}: showing {service.plan_for(source).area_name('force')} instead.")
    return " ".join(notes)


@callback(Output("header-later", "children"), Input("as-of", "value"), Input("url", "pathname"))
def say_when_later_figures_are_held(as_of, pathname):
    """The pages open on the month most measures hold; say which later months some measures hold."""
    if pathname == "/data":
        return ""
    later = service.later_figures(service.Source.from_environment(), as_of)
    note = later_figures_note(later)
    return note[:1].upper() + note[1:] + "." if note else ""

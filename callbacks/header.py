"""Keep the header's pickers and the URL's query string in step, both ways."""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from dash import Input, Output, State, callback, ctx, no_update

from layouts.header import NAV, OWN_GRAIN
from metrics.periods import GRAINS, PeriodError, month_label, parse_month


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


def write_choices(as_of, grain, area) -> str:
    params = {}
    if as_of is not None:
        params["as_of"] = month_label(as_of)
    if grain and grain != OWN_GRAIN:
        params["grain"] = grain
    if area and area != "force":
        params["area"] = area
    return f"?{urlencode(params)}" if params else ""


@callback(
    Output("url", "search"), Output("as-of", "value"), Output("grain", "value"), Output("area", "value"),
    Input("url", "search"), Input("as-of", "value"), Input("grain", "value"), Input("area", "value"),
    State("as-of", "options"), State("area", "options"),
)
def sync_url_and_pickers(search, as_of, grain, area, month_options, area_options):
    if ctx.triggered_id in ("as-of", "grain", "area"):
        wanted = write_choices(as_of, grain, area)
        return (wanted if wanted != (search or "") else no_update), no_update, no_update, no_update
    choices = read_choices(search)
    months = {o["value"] for o in month_options or []}
    areas = {o["value"] for o in area_options or []}
    latest = month_options[0]["value"] if month_options else None
    new_as_of = choices["as_of"] if choices.get("as_of") in months else latest
    new_grain = choices.get("grain", OWN_GRAIN)
    new_area = choices["area"] if choices.get("area") in areas else "force"
    return (
        no_update,
        new_as_of if new_as_of != as_of else no_update,
        new_grain if new_grain != grain else no_update,
        new_area if new_area != area else no_update,
    )


@callback([Output(f"nav-{href.strip('/') or 'scorecard'}", "href") for _, href in NAV], Input("url", "search"))
def keep_choices_in_navigation(search):
    """Moving between pages keeps the as-of month, grain and area."""
    return [f"{href}{search or ''}" for _, href in NAV]


@callback(Output("header-note", "children"), Input("url", "search"), State("as-of", "options"),
          State("area", "options"))
def explain_bad_choices(search, month_options, area_options):
    """A friendly word, not a traceback, for a URL parameter we cannot use."""
    choices = read_choices(search)
    raw = parse_qs((search or "").lstrip("?"))
    notes = []
    if "as_of" in raw and ("as_of" not in choices or choices["as_of"] not in {o["value"] for o in month_options or []}):
        notes.append(f"No figures for as_of={raw['as_of'][0]}: showing the latest month instead.")
    if "grain" in raw and "grain" not in choices:
        notes.append(f"Unknown period {raw['grain'][0]!r}: use {', '.join(GRAINS)}.")
    if "area" in raw and raw["area"][0] not in {o["value"] for o in area_options or []}:
        notes.append(f"Unknown area {raw['area'][0]!r}: showing the whole force.")
    return " ".join(notes)

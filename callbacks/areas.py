"""Areas matrix callback: one status query for every area, pivoted for the grid.

Each cell opens that measure for that area; the grid's sort lives in the URL (`sort=column` or
`sort=column:desc`), so Back and a shared link bring the same order.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, html, no_update

from layouts.downloads import file_output, pressed_kind, presses, send_table
from layouts.header import chosen_grain
from layouts.components import RAG, query
from metrics import service
from metrics.exports import areas_table
from metrics.periods import month_label

# A cell holds "[✗ Red](/measure/...)": its class follows the word inside the link.
CELL_CLASSES = {f"cell-{key}": f"params.value && params.value.includes('{t.word}]')" for key, t in RAG.items()}


def matrix(as_of, grain):
    """The matrix's areas (as rows of status words) and its measures, in the plan's order."""
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    frame = service.status(source, as_of, chosen_grain(grain), "all")
    frame = frame[frame["area_kind"].isin(["force", "district"])]  # never peers or comparators
    # Measures held for districts; those held for the whole force only are on the scorecard.
    local = set(frame.loc[frame["area"] != "force", "measure_id"])
    measures = [m for m in plan.measures if m.id in local]
    rows = []
    for area in [a for a in plan.areas if a.code in set(frame["area"])]:
        cells = frame[(frame["area"] == area.code) & frame["measure_id"].isin(local)].set_index("measure_id")
        # Reds among the columns shown: the force's own force-only measures are on its scorecard.
        row = {"area_code": area.code, "area_name": area.name, "red_count": int((cells["rag"] == "red").sum())}
        for measure in measures:
            rag = cells["rag"].get(measure.id)
            row[measure.id] = RAG[rag].label if isinstance(rag, str) else ""
        rows.append(row)
    return rows, measures


def read_sort(search) -> tuple[str, str] | None:
    value = parse_qs((search or "").lstrip("?")).get("sort", [""])[0]
    if not value:
        return None
    column, _, direction = value.partition(":")
    return column, ("desc" if direction == "desc" else "asc")


def grid_rows(rows, measures, as_of, grain) -> list[dict]:
    """The rows with links: the area's name opens its scorecard, a cell that measure for that area."""
    month = month_label(as_of) if as_of else None
    out = []
    for row in rows:
        choices = query(as_of=month, grain=chosen_grain(grain), area=row["area_code"])
        cells = {m.id: f"[{row[m.id]}](/measure/{m.id}{choices})" if row[m.id] else "" for m in measures}
        out.append({"area": f"[{row['area_name']}](/{choices})", "area_name": row["area_name"],
                    "red_count": row["red_count"], **cells})
    return out


def print_table(rows, measures) -> html.Div:
    """The same matrix as a plain table, shown only when printing (a grid prints only what is on screen)."""
    head = html.Thead(html.Tr([html.Th("Area"), html.Th("Reds")] + [html.Th(m.title) for m in measures]))
    body = html.Tbody([html.Tr([html.Td(r["area_name"]), html.Td(r["red_count"])] + [html.Td(r[m.id]) for m in measures])
                       for r in rows])
    return html.Div(dbc.Table([head, body], size="sm", bordered=True, className="areas-print"), className="print-only")


@callback(Output("areas-grid", "rowData"), Output("areas-grid", "columnDefs"), Output("areas-print", "children"),
          Input("as-of", "value"), Input("grain", "value"), State("url", "search"))
def show_areas(as_of, grain, search):
    rows, measures = matrix(as_of, grain)
    sort = read_sort(search)
    columns = [{"field": "area", "headerName": "Area", "pinned": "left", "cellRenderer": "markdown",
                "comparator": {"function": "(a, b) => a.localeCompare(b)"}, "width": 170},
               {"field": "red_count", "headerName": "Reds", "width": 80, "type": "numericColumn"}]
    columns += [{"field": m.id, "headerName": m.title, "headerTooltip": m.title, "cellClassRules": CELL_CLASSES,
                 "cellRenderer": "markdown", "width": 112, "wrapHeaderText": True, "autoHeaderHeight": True}
                for m in measures]
    for column in columns:
        if sort and column["field"] == sort[0]:
            column["sort"] = sort[1]
    return grid_rows(rows, measures, as_of, grain), columns, print_table(rows, measures)


@callback(Output("url", "search", allow_duplicate=True), Input("areas-grid", "columnState"), State("url", "search"),
          prevent_initial_call=True)
def keep_sort_in_url(state, search):
    """A click on a column heading sorts the grid; the URL follows, so Back returns to the order."""
    sorted_columns = [c for c in (state or []) if isinstance(c, dict) and c.get("sort") in ("asc", "desc")]
    params = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items() if k != "sort"}
    if sorted_columns:
        column = sorted_columns[0]
        params["sort"] = column["colId"] + (":desc" if column["sort"] == "desc" else "")
    wanted = f"?{urlencode(params)}" if params else ""
    return wanted if wanted != (search or "") else no_update


@callback(file_output("areas"), presses("areas"), State("as-of", "value"), State("grain", "value"),
          prevent_initial_call=True)
def download_areas(_presses, as_of, grain):
    kind = pressed_kind()
    rows, measures = matrix(as_of, grain)
    month = month_label(as_of or service.default_as_of(service.Source.from_environment()))
    return send_table(areas_table(rows, measures), kind, f"areas-{month}", "Areas")

"""Areas matrix callback: one status query for every area, pivoted for the grid."""
from __future__ import annotations

import dash_ag_grid as dag
from dash import Input, Output, callback

from layouts.header import chosen_grain
from layouts.components import RAG, query
from metrics import service
from metrics.periods import month_label

CELL_CLASSES = {f"cell-{key}": f"params.value && params.value.endsWith('{t.word}')" for key, t in RAG.items()}


@callback(Output("areas-matrix", "children"), Input("as-of", "value"), Input("grain", "value"))
def show_areas(as_of, grain):
    source = service.Source.from_environment()
    plan = service.plan_for(source)
    frame = service.status(source, as_of, chosen_grain(grain), "all")
    frame = frame[frame["area_kind"].isin(["force", "district"])]  # never peers or comparators
    # Measures held for districts; those held for the whole force only are on the scorecard.
    local = set(frame.loc[frame["area"] != "force", "measure_id"])
    measures = [m for m in plan.measures if m.id in local]
    rows = []
    for area in [a for a in plan.areas if a.code in set(frame["area"])]:
        cells = frame[frame["area"] == area.code].set_index("measure_id")
        link = f"[{area.name}](/{query(as_of=month_label(as_of) if as_of else None, grain=chosen_grain(grain), area=area.code)})"
        row = {"area": link, "area_name": area.name}
        for measure in measures:
            rag = cells["rag"].get(measure.id)
            row[measure.id] = RAG[rag].label if isinstance(rag, str) else ""
        row["red_count"] = int((cells["rag"] == "red").sum())
        rows.append(row)
    columns = [{"field": "area", "headerName": "Area", "pinned": "left", "cellRenderer": "markdown",
                "comparator": {"function": "(a, b) => a.localeCompare(b)"}, "minWidth": 200},
               {"field": "red_count", "headerName": "Reds", "width": 90, "type": "numericColumn"}]
    columns += [{"field": m.id, "headerName": m.title, "headerTooltip": m.title, "cellClassRules": CELL_CLASSES,
                 "width": 130, "wrapHeaderText": True, "autoHeaderHeight": True} for m in measures]
    return dag.AgGrid(id="areas-grid", rowData=rows, columnDefs=columns,
                      defaultColDef={"sortable": True, "resizable": True},
                      dashGridOptions={"domLayout": "autoHeight", "tooltipShowDelay": 200},
                      style={"width": "100%"}, className="ag-theme-alpine")

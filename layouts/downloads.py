"""Small "Download CSV / Excel" buttons under a table, and the one way a callback sends the file.

The ids are pattern-matching ({"table-download": key, "kind": "csv"}, {"table-file": key, "n": 0}),
so a table drawn by a callback (a measure's figures, the load history) can carry its buttons:
a callback listening with ALL is valid whether or not the buttons are on the page yet.
"""
from __future__ import annotations

from dash import ALL, Input, Output, dcc, html

from metrics.exports import file_name, table_file


def download_buttons(key: str, what: str) -> html.Div:
    """CSV and Excel buttons for the table `key`; `what` names the table in words."""
    return html.Div([
        html.Span(f"Download {what}: ", className="small text-muted"),
        html.Button("CSV", id={"table-download": key, "kind": "csv"}, type="button",
                    className="btn btn-link btn-sm p-0 me-2 download-button", title=f"Download {what} as CSV"),
        html.Button("Excel", id={"table-download": key, "kind": "xlsx"}, type="button",
                    className="btn btn-link btn-sm p-0 download-button", title=f"Download {what} as an Excel file"),
        dcc.Download(id={"table-file": key, "n": 0}),
    ], className="table-downloads d-print-none", id=f"{key}-downloads")


def presses(key: str) -> Input:
    """The callback input: a press of either of the table's buttons."""
    return Input({"table-download": key, "kind": ALL}, "n_clicks")


def file_output(key: str) -> Output:
    return Output({"table-file": key, "n": ALL}, "data")


def pressed_kind() -> str:
    """'csv' or 'xlsx' for a real press; no update at all when the buttons were only drawn."""
    from dash import ctx
    from dash.exceptions import PreventUpdate
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(t.get("value") for t in ctx.triggered):
        raise PreventUpdate
    return trigger["kind"]


def send_table(frame, kind: str, stem: str, sheet: str, outputs: int = 1) -> list:
    """The file for every download the output names (one, the table's)."""
    return [dcc.send_bytes(table_file(frame, kind, sheet), file_name(stem, kind))] * max(outputs, 1)

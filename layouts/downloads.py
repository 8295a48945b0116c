"""Small "Download CSV / Excel" buttons under a table, and the one way a callback sends the file."""
from __future__ import annotations

from dash import dcc, html

from metrics.exports import file_name, table_file


def download_buttons(key: str, what: str) -> html.Div:
    """Buttons `{key}-csv` and `{key}-xlsx` and the download `{key}-file`; `what` names the table."""
    return html.Div([
        html.Span(f"Download {what}: ", className="small text-muted"),
        html.Button("CSV", id=f"{key}-csv", className="btn btn-link btn-sm p-0 me-2 download-button", type="button",
                    title=f"Download {what} as CSV"),
        html.Button("Excel", id=f"{key}-xlsx", className="btn btn-link btn-sm p-0 download-button", type="button",
                    title=f"Download {what} as an Excel file"),
        dcc.Download(id=f"{key}-file"),
    ], className="table-downloads d-print-none", id=f"{key}-downloads")


def send_table(frame, triggered_id: str, stem: str, sheet: str = "Table") -> dict:
    """The file for a press of `{key}-csv` or `{key}-xlsx`."""
    kind = "xlsx" if str(triggered_id).endswith("-xlsx") else "csv"
    return dcc.send_bytes(table_file(frame, kind, sheet), file_name(stem, kind))

"""Excel workbooks, read streaming: cells become text as an analyst typed them, and a workbook with
more rows than any sensible monthly file is refused while it is read, before anything is built."""
from __future__ import annotations

import datetime as dt

import pandas as pd

MAX_ROWS = 2_000_000  # the largest sensible monthly file; more is refused


class TooManyRows(ValueError):
    """The file has more rows than the loader reads."""


def too_many_rows_message(limit: int) -> str:
    return (f"the file has more than {limit:,} rows, the most the loader reads; split it into smaller files "
            "(one month or one measure each)")


def cell_text(cell) -> str | None:
    value = cell.value
    if value is None:
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, dt.time):
        return f"{value.hour}:{value.minute:02d}"
    if isinstance(value, dt.timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "%" in (cell.number_format or ""):
            return f"{value * 100:.10g}%"
        return f"{value:.15g}"
    return str(value)


def _sheet_head_size(self) -> None:
    """openpyxl's read-only sheet looks for its <dimension> element by parsing until the end of the
    sheet's data, so a sheet without one is read whole before the first row is returned. The
    element, when present, comes before the data: look only there."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.worksheet.dimensions import SheetDimension

    with self._get_source() as source:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag.endswith("}dimension"):
                try:
                    bounds = SheetDimension.from_tree(element).boundaries
                except Exception:  # a malformed ref: read without it
                    return
                self._min_column, self._min_row, self._max_column, self._max_row = bounds
                return
            if element.tag.endswith("}sheetData"):
                return


def _bounded_openpyxl():
    import openpyxl
    from openpyxl.worksheet import _read_only

    _read_only.ReadOnlyWorksheet._get_size = _sheet_head_size
    return openpyxl


CHUNK_ROWS = 50_000  # rows held in Python at once; each chunk goes into DuckDB as it is read


def stage_sheet(conn, path, sheet: str | None, shape_problem, limit: int | None = None) -> tuple[list[str], str]:
    """Stream a sheet into the temp table `raw` (row_number, then c0..cN as text) and return the
    header and which sheet was read. Rows go to DuckDB a chunk at a time, so memory stays small
    whatever the sheet's size, and the row limit is checked as the rows arrive.
    `shape_problem` is the exception class to raise for a sheet that is not there."""
    limit = MAX_ROWS if limit is None else limit
    openpyxl = _bounded_openpyxl()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is None:
            names = [n for n in book.sheetnames if n.lower() in ("figures", "data")] or book.sheetnames
            worksheet = book[names[0]]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            raise shape_problem(f'there is no sheet "{sheet}" (sheets: {", ".join(book.sheetnames)})')
        where = f'read from sheet "{worksheet.title}"; the workbook\'s sheets: {", ".join(book.sheetnames)}'
        if (worksheet._max_row or 0) > limit + 1:  # the sheet says how big it is: believe it when it is too big
            raise TooManyRows(too_many_rows_message(limit))
        worksheet.reset_dimensions()  # a dimension that says too few must not hide rows: read them all
        rows = worksheet.iter_rows()
        first = next(rows, None)
        if first is None:
            return [], where
        header = [str(h).strip() if h is not None else "" for h in (cell_text(c) for c in first)]
        width = len(header)
        columns = [f"c{i}" for i in range(width)]
        conn.execute("CREATE OR REPLACE TEMP TABLE raw (row_number INTEGER, "
                     + ", ".join(f"{c} VARCHAR" for c in columns) + ")")
        chunk, count = [], 0
        for row in rows:
            count += 1
            if count > limit:
                raise TooManyRows(too_many_rows_message(limit))
            cells = [cell_text(c) for c in row[:width]]
            chunk.append([count + 1, *cells, *([None] * (width - len(cells)))])
            if len(chunk) == CHUNK_ROWS:
                _insert(conn, chunk, columns)
                chunk = []
        _insert(conn, chunk, columns)
    finally:
        book.close()
    return header, where


def _insert(conn, chunk: list, columns: list[str]) -> None:
    if not chunk:
        return
    frame = pd.DataFrame(chunk, columns=["row_number", *columns], dtype=object).astype({"row_number": "int64"})
    conn.register("raw_chunk", frame)
    conn.execute("INSERT INTO raw SELECT * FROM raw_chunk")
    conn.unregister("raw_chunk")

"""A figures file's cells into DuckDB as text (table `raw_cells`, view `raw`: c0..cN and the
spreadsheet's row number), CSV read by DuckDB itself, workbooks through readers/excel.py."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from metrics.readers import excel


def _sniff_delimiter(path: Path) -> str:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        first = handle.readline()
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


class ShapeProblem(ValueError):
    """The file as a whole cannot be read: wrong headers, not a spreadsheet."""


@dataclass
class Reading:
    header: list[str]
    decimal_comma: bool = False   # semicolon-separated files write 5,5 for five and a half
    where: str = ""               # which sheet of a workbook was read


def stage_raw(conn, path: Path, sheet: str | None, lines: int) -> Reading:
    """Put the file's cells into table `raw` (all text, columns c0..cN, plus row_number) and
    return the header names as written. `lines`: how many line breaks the file holds."""
    suffix = path.suffix.lower()
    drop_temp(conn, "raw")  # a view over a CSV's cells, or a workbook's table
    if suffix in (".xlsx", ".xlsm"):
        try:
            header, where = excel.stage_sheet(conn, path, sheet, ShapeProblem)
        except (ShapeProblem, excel.TooManyRows):
            raise
        except Exception as err:  # openpyxl raises many kinds for a file that is not a workbook
            raise ShapeProblem(f"this is not an Excel workbook that can be read ({type(err).__name__})") from err
        return Reading(header, where=where)
    if suffix == ".xls":
        raise ShapeProblem("old .xls workbooks are not read: save it as .xlsx or CSV")
    with open(path, "rb") as handle:
        start = handle.read(4096)
    if b"\x00" in start:
        raise ShapeProblem("this is not a CSV text file (it contains binary data); save it as CSV or .xlsx")
    delimiter = _sniff_delimiter(path)
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader(handle, delimiter=delimiter), [])
    if not any(h.strip() for h in header):
        return Reading([])
    names = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header)))
    # A LIMIT makes DuckDB read the file on one thread (twice the time), so only a file with more
    # lines than the loader reads is read with one (a row is at least a line; short rows are
    # padded, so counting bytes says nothing of how many rows a file holds).
    limit = f"LIMIT {excel.MAX_ROWS + 1}" if lines > excel.MAX_ROWS + 1 else ""
    try:
        # The cells in file order; a row's number is its rowid (a window numbering a million rows
        # costs more than reading them).
        conn.execute(
            f"""CREATE OR REPLACE TEMP TABLE raw_cells AS
            SELECT *
            FROM read_csv(?, header = true, delim = ?, quote = '"', escape = '"', columns = {{{names}}},
                          null_padding = true, ignore_errors = false,
                          strict_mode = false, encoding = 'utf-8')
            {limit}""",
            [str(path), delimiter],
        )
    except Exception as err:
        raise ShapeProblem(f"the file cannot be read as CSV: {str(err).splitlines()[0]}") from err
    conn.execute("CREATE TEMP VIEW raw AS SELECT rowid + 2 AS row_number, * FROM raw_cells")
    if conn.execute("SELECT count(*) FROM raw_cells").fetchone()[0] > excel.MAX_ROWS:
        raise excel.TooManyRows(excel.too_many_rows_message(excel.MAX_ROWS))
    return Reading(header, decimal_comma=delimiter == ";")


def drop_temp(conn, name: str) -> None:
    # Not a look in duckdb_tables(): with a million cells staged, that costs a quarter of a second.
    import duckdb
    for kind in ("VIEW", "TABLE"):
        try:
            conn.execute(f"DROP {kind} IF EXISTS temp.main.{name}")
        except duckdb.CatalogException:  # the name is the other kind
            continue

"""Excel workbooks, read streaming: cells become text as an analyst typed them, and a workbook with
more rows than any sensible monthly file is refused while it is read, before anything is built."""
from __future__ import annotations

import datetime as dt

from metrics.lazy import pandas as pd

MAX_ROWS = 2_000_000  # the largest sensible monthly file; more is refused


class TooManyRows(ValueError):
    """The file has more rows than the loader reads."""


def too_many_rows_message(limit: int) -> str:
    return (f"the file has more than {limit:,} rows, the most the loader reads; split it into smaller files "
            "(one month or one measure each)")


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
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell


def stage_sheet(conn, path, sheet: str | None, shape_problem, limit: int | None = None) -> tuple[list[str], str]:
    """Stream a sheet into the temp table `raw` (row_number, then c0..cN as text) and return the
    header and which sheet was read. openpyxl reads the workbook's structure (sheets, shared
    strings, number formats); the sheet's own XML is read here with expat, which is several times
    quicker than openpyxl's cell objects. Rows go to DuckDB a chunk at a time, so memory stays
    small whatever the sheet's size, and the row limit is checked as the rows arrive.
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
        reader = _SheetReader(book, conn, limit, shape_problem)
        try:
            with worksheet._get_source() as source:
                reader.read(source)
        except _NoHeader:
            return [], where
        return reader.header, where
    finally:
        book.close()


class _SheetReader:
    """expat handlers for one sheet: <row r=..>, <c r=.. t=.. s=..>, <v>, inline <is><t>."""

    def __init__(self, book, conn, limit: int, shape_problem):
        from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

        self.book, self.conn, self.limit, self.shape_problem = book, conn, limit, shape_problem
        self.strings = book.shared_strings
        formats = []
        for style in book._cell_styles:
            fid = style.numFmtId
            formats.append(BUILTIN_FORMATS.get(fid, "General") if fid < BUILTIN_FORMATS_MAX_SIZE
                           else book._number_formats[fid - BUILTIN_FORMATS_MAX_SIZE])
        self.percent = {i for i, f in enumerate(formats) if "%" in (f or "")}
        self.dates, self.durations = set(book._date_formats), set(book._timedelta_formats)
        self.header: list[str] = []
        self.columns: list[str] = []
        self.chunk: list = []
        self.rows = 0
        self.row_number = 0
        self.cells: dict[int, str | None] = {}
        self.cell = None        # (column, type, style) of the cell being read
        self.text: list[str] | None = None
        self.value: str | None = None
        self.inline: list[str] = []

    def read(self, source) -> None:
        from xml.parsers import expat

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        parser.ParseFile(source)
        self.flush()

    def start(self, name, attrs):
        tag = name.rpartition(":")[2]
        if tag == "c":
            ref = attrs.get("r")
            column = _column_index(ref) if ref else len(self.cells)
            self.cell = (column, attrs.get("t", "n"), int(attrs.get("s", 0) or 0))
            self.value, self.inline = None, []
        elif tag == "row":
            self.row_number = int(attrs["r"]) if "r" in attrs else self.row_number + 1
            self.cells = {}
        elif tag in ("v", "t") and self.cell is not None:
            self.text = []

    def characters(self, data):
        if self.text is not None:
            self.text.append(data)
            if sum(map(len, self.text)) > MAX_CELL_CHARS:
                raise self.shape_problem(f"row {self.row_number} has a cell of more than {MAX_CELL_CHARS:,} characters, "
                                         "more than Excel itself allows")

    def end(self, name):
        tag = name.rpartition(":")[2]
        if tag == "v" and self.text is not None:
            self.value, self.text = "".join(self.text), None
        elif tag == "t" and self.text is not None:
            self.inline.append("".join(self.text))
            self.text = None
        elif tag == "c" and self.cell is not None:
            self.cells[self.cell[0]] = self._cell_text()
            self.cell = None
        elif tag == "row":
            self._row_done()

    def _cell_text(self) -> str | None:
        from openpyxl.utils.datetime import from_excel, from_ISO8601
        from openpyxl.worksheet._reader import _cast_number

        _, kind, style = self.cell
        value = self.value
        if kind == "inlineStr":
            return "".join(self.inline) if self.inline else None
        if value is None:
            return None
        if kind == "s":
            return str(self.strings[int(value)])
        if kind in ("str", "e"):
            return value
        if kind == "b":
            return str(bool(int(value)))
        if kind == "d":
            return _text(from_ISO8601(value), False)
        number = _cast_number(value)
        if style in self.dates:
            try:
                return _text(from_excel(number, self.book.epoch, timedelta=style in self.durations), False)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return _text(number, style in self.percent)

    def _row_done(self) -> None:
        cells = self.cells
        if not self.columns:  # the first row read is the header, if it is row 1
            if self.row_number != 1:
                raise _NoHeader
            width = max(cells) + 1 if cells else 0
            self.header = [(cells.get(i) or "").strip() for i in range(width)]
            self.columns = [f"c{i}" for i in range(width)]
            if not any(self.header):
                raise _NoHeader
            self.conn.execute("CREATE OR REPLACE TEMP TABLE raw (row_number INTEGER, "
                              + ", ".join(f"{c} VARCHAR" for c in self.columns) + ")")
            return
        if not cells:
            return
        self.rows += 1
        if self.rows > self.limit:  # checked while streaming: a huge sheet is never held whole
            raise TooManyRows(too_many_rows_message(self.limit))
        self.chunk.append([self.row_number, *(cells.get(i) for i in range(len(self.columns)))])
        if len(self.chunk) == CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.chunk:
            frame = pd.DataFrame(self.chunk, columns=["row_number", *self.columns], dtype=object)
            frame = frame.astype({"row_number": "int64"})
            self.conn.register("raw_chunk", frame)
            self.conn.execute("INSERT INTO raw SELECT * FROM raw_chunk")
            self.conn.unregister("raw_chunk")
            self.chunk = []


class _NoHeader(Exception):
    """The sheet's first row is blank or missing."""


def _column_index(ref: str) -> int:
    """'C12' -> 2 (0-based)."""
    index = 0
    for char in ref:
        if char.isalpha():
            index = index * 26 + (ord(char.upper()) - 64)
        else:
            break
    return index - 1


def _text(value, percent: bool) -> str | None:
    """A cell's value as text, as the analyst typed it: dates as 2006-04, times and durations as
    hours:minutes, a number formatted as a percent as 94.2%."""
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, dt.time):
        return f"{value.hour}:{value.minute:02d}"
    if isinstance(value, dt.timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value * 100:.10g}%" if percent else f"{value:.15g}"
    return None if value is None else str(value)

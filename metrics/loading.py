"""Figures files to figures: read, check every row, then load all or nothing.

A file is read into DuckDB as text, its shape recognised from the headers (long or wide), and
every row checked in one set-based pass. Any problem refuses the whole file and lists every
problem with its row (the spreadsheet's own number: the header is row 1), column and reason.
police.uk street-level files are read by metrics/readers/police_uk.py, workbooks by
metrics/readers/excel.py (streaming, with a row limit).
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import difflib
import getpass
import hashlib
import io
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from metrics.lazy import pandas as pd

from metrics import store
from metrics.periods import PeriodError, month_index, month_label, month_words, parse_month
from metrics.plan import Plan
from metrics.readers import excel, police_uk
from metrics.row_checks import check_rows
from metrics.errors import Problem

# Rows read from one file, CSV or workbook: excel.MAX_ROWS (2,000,000).
MAX_PROBLEMS_KEPT = 100_000        # problems listed one by one; the kinds summary counts them all
SUMMARY_FROM = 10                  # more problems than this are summarised per kind first


@dataclass(frozen=True)
class FigureProblem:
    file: str
    row: int      # the spreadsheet's own row number: the header is row 1
    column: str
    reason: str   # what is wrong, then what would be accepted
    value: str | None = None  # the cell as written, where one cell is at fault

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class ProblemKind:
    """Problems that share a column and reason: how many, and the first few rows."""
    count: int
    column: str
    reason: str
    rows: tuple[int, ...]

    def __str__(self) -> str:
        shown = ", ".join(str(r) for r in self.rows)
        more = ", ..." if self.count > len(self.rows) else ""
        noun = "row" if self.count == 1 else "rows"
        return f"{self.count:,} {noun}: {self.reason} ({noun} {shown}{more})"


class FiguresError(Problem):
    """A file with problems; nothing from it was loaded.

    `problems` lists every rejected row (up to MAX_PROBLEMS_KEPT, beyond which `total` still counts
    them); `kinds` summarises them per column and reason, most frequent first."""

    def __init__(self, file: str, problems: list[FigureProblem], total: int | None = None,
                 kinds: list[ProblemKind] | None = None):
        self.file = file
        self.problems = problems
        self.total = len(problems) if total is None else total
        self.kinds = kinds if kinds is not None else _kinds_of(problems)
        shown = problems[:1000]
        lines = [*(str(k) for k in self.kinds)] if self.total > SUMMARY_FROM else []
        lines += [str(p) for p in shown]
        if self.total > len(shown):
            lines.append(f"{file}: ... and {self.total - len(shown):,} more problems")
        lines.append(self.headline())
        super().__init__("\n".join(lines))

    def headline(self) -> str:
        return f"{self.file}: {self.total:,} problem{'s' if self.total != 1 else ''}; nothing was loaded"

    def summary_lines(self) -> list[str]:
        """Per kind ("412 rows: unknown area "kent" (rows 2, 5, 9, ...)"), when the list is long."""
        return [str(k) for k in self.kinds] if self.total > SUMMARY_FROM else []


def _kinds_of(problems: list[FigureProblem]) -> list[ProblemKind]:
    groups: dict[tuple[str, str], list[int]] = {}
    for p in problems:
        groups.setdefault((p.column, p.reason), []).append(p.row)
    kinds = [ProblemKind(len(rows), column, reason, tuple(sorted(rows)[:5])) for (column, reason), rows in groups.items()]
    return sorted(kinds, key=lambda k: (-k.count, k.rows))


def _csv_safe(text) -> str:
    """A cell that a spreadsheet would run as a formula (=, +, -, @) is written as text."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def problems_csv(error) -> str:
    """Every problem of a refused file (a FiguresError, or a list of them) as CSV: file, row,
    column, value, problem; for `load --problems FILE` and the data page's download."""
    errors = [error] if isinstance(error, FiguresError) else list(error)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "row", "column", "value", "problem"])
    for p in (p for err in errors for p in err.problems):
        writer.writerow([_csv_safe(p.file), p.row, _csv_safe(p.column), _csv_safe(p.value), _csv_safe(p.reason)])
    return out.getvalue()


@dataclass
class LoadResult:
    file: str
    shape: str
    added: int
    revised: int
    unchanged: int
    dry_run: bool
    load_id: int | None = None
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())  # revised rows: old -> new
    by_measure: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())  # added, revised, unchanged per measure
    report: list[str] = field(default_factory=list)  # plain-words lines for the analyst (police.uk: where crimes went)

    def summary(self) -> str:
        return f"added {self.added}, revised {self.revised}, unchanged {self.unchanged}"


# --- reading a file into DuckDB as text --------------------------------------------------------

def _sniff_delimiter(path: Path) -> str:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        first = handle.readline()
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


class _ShapeProblem(ValueError):
    """The file as a whole cannot be read: wrong headers, not a spreadsheet."""


@dataclass
class _Reading:
    header: list[str]
    decimal_comma: bool = False   # semicolon-separated files write 5,5 for five and a half
    where: str = ""               # which sheet of a workbook was read


def _stage_raw(conn, path: Path, sheet: str | None) -> _Reading:
    """Put the file's cells into table `raw` (all text, columns c0..cN, plus row_number) and
    return the header names as written."""
    suffix = path.suffix.lower()
    _drop_temp(conn, "raw")  # a view over a CSV's cells, or a workbook's table
    if suffix in (".xlsx", ".xlsm"):
        try:
            header, where = excel.stage_sheet(conn, path, sheet, _ShapeProblem)
        except (_ShapeProblem, excel.TooManyRows):
            raise
        except Exception as err:  # openpyxl raises many kinds for a file that is not a workbook
            raise _ShapeProblem(f"this is not an Excel workbook that can be read ({type(err).__name__})") from err
        return _Reading(header, where=where)
    if suffix == ".xls":
        raise _ShapeProblem("old .xls workbooks are not read: save it as .xlsx or CSV")
    raw = path.read_bytes()[:4096]
    if b"\x00" in raw:
        raise _ShapeProblem("this is not a CSV text file (it contains binary data); save it as CSV or .xlsx")
    delimiter = _sniff_delimiter(path)
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader(handle, delimiter=delimiter), [])
    if not any(h.strip() for h in header):
        return _Reading([])
    names = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header)))
    try:
        # The cells in file order; a row's number is its rowid (a window numbering a million rows
        # costs more than reading them).
        conn.execute(
            f"""CREATE OR REPLACE TEMP TABLE raw_cells AS
            SELECT *
            FROM read_csv(?, header = true, delim = ?, quote = '"', escape = '"', columns = {{{names}}},
                          null_padding = true, ignore_errors = false,
                          strict_mode = false, encoding = 'utf-8')
            LIMIT {excel.MAX_ROWS + 1}""",
            [str(path), delimiter],
        )
    except Exception as err:
        raise _ShapeProblem(f"the file cannot be read as CSV: {str(err).splitlines()[0]}") from err
    conn.execute("CREATE TEMP VIEW raw AS SELECT rowid + 2 AS row_number, * FROM raw_cells")
    if conn.execute("SELECT count(*) FROM raw_cells").fetchone()[0] > excel.MAX_ROWS:
        raise excel.TooManyRows(excel.too_many_rows_message(excel.MAX_ROWS))
    return _Reading(header, decimal_comma=delimiter == ";")


# --- recognising the shape -------------------------------------------------------------------

def _normalise(name: str) -> str:
    return name.strip().strip("\ufeff").lower().replace(" ", "_")


def _is_month(name: str) -> bool:
    try:
        parse_month(name)
        return True
    except PeriodError:
        return False


POLICE_UK_COLUMNS = police_uk.REQUIRED


def _recognise(header: list[str]) -> tuple[str, dict]:
    """Return the shape ('long', 'wide' or 'police_uk') and which raw column holds what."""
    names = [_normalise(h) for h in header]
    columns = {n: f"c{i}" for i, n in enumerate(names) if n}
    if all(c in columns for c in POLICE_UK_COLUMNS):
        return "police_uk", columns
    if "measure_id" not in columns and "measure" in columns:
        columns["measure_id"] = columns["measure"]
    if "measure_id" not in columns:
        raise _ShapeProblem(
            f"no measure_id column (headers: {', '.join(h for h in header if h) or 'none'}); expected long "
            "(measure_id, period, area, value) or wide (measure_id, area, then one column per month)")
    if "period" in columns:
        months = [h for h in header if h.strip() and _is_month(h.strip())]
        if months:
            raise _ShapeProblem(f"mixed shapes: a period column (long) and month columns ({', '.join(months[:3])}) "
                                "(wide); use one shape per file")
        if "value" not in columns and not ("numerator" in columns and "denominator" in columns):
            raise _ShapeProblem("a long file needs a value column, or numerator and denominator columns")
        return "long", columns
    months = {header[i].strip(): f"c{i}" for i, n in enumerate(names) if n and _is_month(header[i].strip())}
    if not months:
        raise _ShapeProblem(
            f"no period column and no month columns (headers: {', '.join(header)}); expected long "
            "(measure_id, period, area, value) or wide (measure_id, area, then one column per month)")
    known = {"measure_id", "measure", "area", "note"}
    others = [header[i] for i, n in enumerate(names) if n and n not in known and header[i].strip() not in months]
    if others:
        raise _ShapeProblem(f"wide file: columns {', '.join(others)} are neither months nor measure_id, area, note")
    columns["months"] = months
    return "wide", columns


def _drop_rows(conn) -> None:
    """`rows` is a view over the file's cells, or for police.uk a table of counts: a load on the
    same connection may follow one of the other kind."""
    _drop_temp(conn, "rows")


def _drop_temp(conn, name: str) -> None:
    # Not a look in duckdb_tables(): with a million cells staged, that costs a quarter of a second.
    import duckdb
    for kind in ("VIEW", "TABLE"):
        try:
            conn.execute(f"DROP {kind} IF EXISTS temp.main.{name}")
        except duckdb.CatalogException:  # the name is the other kind
            continue


def _stage_rows(conn, shape: str, columns: dict) -> None:
    """Table `rows`: one candidate figure per row with its texts and where it came from."""
    def col(name):
        return columns.get(name, "NULL")

    if shape == "long":
        conn.execute(f"""
            CREATE OR REPLACE TEMP VIEW rows AS
            SELECT row_number, {_trim(col('measure_id'))} AS measure_id,
                   coalesce(nullif({_trim(col('area'))}, ''), 'force') AS area,
                   {_trim(col('period'))} AS period_text, 'period' AS period_column,
                   {_trim(col('value'))} AS value_text, 'value' AS value_column,
                   {_trim(col('numerator'))} AS numerator_text, {_trim(col('denominator'))} AS denominator_text,
                   nullif({_trim(col('note'))}, '') AS note
            FROM raw
            WHERE coalesce({_trim(col('measure_id'))}, '') <> '' OR coalesce({_trim(col('period'))}, '') <> ''
               OR coalesce({_trim(col('value'))}, '') <> ''""")
        return
    selects = [
        f"""SELECT row_number, {_trim(col('measure_id'))} AS measure_id,
                   coalesce(nullif({_trim(col('area'))}, ''), 'force') AS area,
                   {_sql_text(header)} AS period_text, {_sql_text(header)} AS period_column,
                   {_trim(raw_col)} AS value_text, {_sql_text(header)} AS value_column,
                   NULL::VARCHAR AS numerator_text, NULL::VARCHAR AS denominator_text, nullif({_trim(col('note'))}, '') AS note
            FROM raw WHERE coalesce({_trim(col('measure_id'))}, '') <> ''"""
        for header, raw_col in columns["months"].items()
    ]
    conn.execute("CREATE OR REPLACE TEMP VIEW rows AS " + " UNION ALL ".join(selects))


def _trim(column: str) -> str:
    """SQL trimming a cell's spaces (as trim() does), trimming only cells that have any: a
    million trims cost more than reading the file."""
    return f"CASE WHEN starts_with({column}, ' ') OR ends_with({column}, ' ') THEN trim({column}) ELSE {column} END"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- what the checks join to --------------------------------------------------------------------

def _register_plan(conn, plan: Plan) -> None:
    measures = pd.DataFrame(
        [(m.id, m.unit, m.aggregation, m.scale) for m in plan.measures],
        columns=["measure_id", "unit", "aggregation", "scale"])
    areas = pd.DataFrame({"area": [a.code for a in plan.areas]})
    conn.register("plan_measures_frame", measures)
    conn.register("plan_areas_frame", areas)
    conn.execute("CREATE OR REPLACE TEMP TABLE plan_measures AS SELECT * FROM plan_measures_frame")
    conn.execute("CREATE OR REPLACE TEMP TABLE plan_areas AS SELECT * FROM plan_areas_frame")
    conn.unregister("plan_measures_frame")
    conn.unregister("plan_areas_frame")


def _stage_periods(conn, source: str = "rows", raw_column: str | None = None) -> None:
    """Periods are few even in a big file: read each distinct one in Python, once. Given the raw
    column, the cells are made distinct before they are trimmed (a million trims saved)."""
    query = (f"SELECT DISTINCT trim(t) FROM (SELECT DISTINCT {raw_column} AS t FROM raw) WHERE t IS NOT NULL"
             if raw_column else f"SELECT DISTINCT period_text FROM {source} WHERE period_text IS NOT NULL")
    texts = [r[0] for r in conn.execute(query).fetchall()]
    parsed = []
    for text in texts:
        try:
            parsed.append((text, parse_month(text), None))
        except PeriodError as err:
            parsed.append((text, None, str(err)))
    frame = pd.DataFrame(parsed, columns=["period_text", "month", "error"]).astype(
        {"period_text": object, "month": "Int64", "error": object})
    conn.register("periods_frame", frame)
    conn.execute("CREATE OR REPLACE TEMP TABLE periods AS SELECT * FROM periods_frame")
    conn.unregister("periods_frame")


def current_month() -> int:
    today = dt.date.today()
    return month_index(today.year, today.month)


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word or "", choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _worded(column: str, reason: str, detail: str | None, plan: Plan) -> str:
    """The reason as the analyst reads it: a near miss gets its likely meaning."""
    if column == "measure_id" and detail:
        return reason + _suggest(detail, plan.measure_ids)
    if column == "area" and detail:
        return reason + _suggest(detail, plan.area_codes)
    if reason.startswith("bad period") and "month must be" in reason:
        return reason + "; periods are months, for example 2005-12"
    return reason


def _collect_problems(conn, file: str, plan: Plan) -> FiguresError | None:
    """Every problem, worded once per kind (a suggestion is worked out once, not per row), and the
    list one by one up to MAX_PROBLEMS_KEPT, sorted by row."""
    conn.execute("CREATE OR REPLACE TEMP TABLE problem_list AS SELECT DISTINCT * FROM problems")
    total = conn.execute("SELECT count(*) FROM problem_list").fetchone()[0]
    if not total:
        return None
    grouped = conn.execute("""
        SELECT column_name, reason, any_value(detail), count(*), list(row_number ORDER BY row_number)[1:5]
        FROM problem_list GROUP BY column_name, reason ORDER BY count(*) DESC, min(row_number)""").fetchall()
    words = {(column, reason): _worded(column, reason, detail, plan) for column, reason, detail, _, _ in grouped}
    kinds = [ProblemKind(count, column, words[(column, reason)], tuple(int(r) for r in rows))
             for column, reason, _, count, rows in grouped]
    listed = conn.execute(f"""
        SELECT row_number, column_name, reason, value FROM problem_list
        ORDER BY row_number, column_name, reason LIMIT {MAX_PROBLEMS_KEPT}""").fetchall()
    problems = [FigureProblem(file, int(row), column, words[(column, reason)], value)
                for row, column, reason, value in listed]
    return FiguresError(file, problems, total=total, kinds=kinds)


# --- comparing with the store and loading ------------------------------------------------------

def _stage_incoming(conn) -> None:
    """View `incoming`: the checked figures as they would be stored."""
    _drop_temp(conn, "incoming")
    conn.execute("""
        CREATE TEMP VIEW incoming AS
        SELECT measure_id, area, CAST(month AS INTEGER) AS month,
               CASE WHEN not_applicable THEN NULL
                    WHEN aggregation = 'ratio' AND has_ratio_parts THEN scale * numerator / denominator
                    ELSE value END AS value,
               CASE WHEN not_applicable THEN NULL ELSE numerator END AS numerator,
               CASE WHEN not_applicable THEN NULL ELSE denominator END AS denominator,
               not_applicable, note
        FROM checked
        WHERE NOT (value_blank AND NOT has_ratio_parts)""")


def _compare(conn, incoming: str, note_given: bool) -> None:
    """Table `compared`: each incoming figure beside the one held, and whether it is added, revised
    or unchanged. A changed note on the same value is a revision too (the old note is kept). A file
    with no note column says nothing about notes, so the note held stays."""
    note = "i.note" if note_given else "f.note"
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE compared AS
        SELECT i.* REPLACE ({note} AS note), f.value AS old_value, f.numerator AS old_numerator,
               f.denominator AS old_denominator, f.not_applicable AS old_not_applicable, f.note AS old_note,
               CASE WHEN f.measure_id IS NULL THEN 'added'
                    WHEN i.value IS NOT DISTINCT FROM f.value AND i.numerator IS NOT DISTINCT FROM f.numerator
                         AND i.denominator IS NOT DISTINCT FROM f.denominator
                         AND i.not_applicable = f.not_applicable
                         AND {note} IS NOT DISTINCT FROM f.note THEN 'unchanged'
                    ELSE 'revised' END AS change
        FROM {incoming} i
        LEFT JOIN figures f USING (measure_id, area, month)""")


def _who() -> str:
    try:
        return os.environ.get("METRICS_USER") or getpass.getuser()
    except Exception:
        return "unknown"


@dataclass
class _Checked:
    """A file that passed every check, waiting in a private database to be compared and written."""
    name: str
    shape: str
    content_hash: str
    note_given: bool
    report: list[str]


def load_figures(target, plan: Plan, path, dry_run: bool = False, sheet: str | None = None,
                 loaded_by: str | None = None, display_name: str | None = None, strict: bool = False,
                 allow_future: bool = False) -> LoadResult:
    """Check a figures file and load it, all or nothing. Raises FiguresError listing every problem.

    target: a store (metrics.store.open_store), or a DuckDB connection holding the store's tables.
    The file is read and checked in a private in-memory database, holding no lock on the store;
    only comparing with the figures held and writing the changes take the store, in one short
    transaction (a dry run reads the store and writes nothing).
    strict: police.uk crimes outside every district or with no location are errors, not force-only.
    allow_future: figures for months after the current month load (otherwise each is an error)."""
    import tempfile

    import duckdb
    private = duckdb.connect()
    try:
        private.execute(f"SET memory_limit = '{os.environ.get('METRICS_MEMORY_LIMIT', '1GB')}'")
        checked = _check_file(private, plan, Path(path), display_name or str(path), sheet, strict, allow_future)
        with tempfile.TemporaryDirectory(prefix="metrics-load-") as folder:
            incoming = Path(folder) / "incoming.parquet"
            private.execute(f"COPY (FROM incoming) TO '{incoming}' (FORMAT parquet)")
            private.close()
            with _store_connection(target, dry_run) as conn:
                return _compare_and_write(conn, checked, f"read_parquet('{incoming}')", dry_run, loaded_by)
    finally:
        private.close()


@contextlib.contextmanager
def _store_connection(target, dry_run: bool):
    """The store's connection for the comparison and the write, inside the store's write transaction."""
    if hasattr(target, "writing") and dry_run and not target.exists():
        import duckdb
        empty = duckdb.connect()  # a new store: everything would be added
        store.create_tables(empty)
        yield empty
        empty.close()
    elif hasattr(target, "writing"):
        with (target.reading() if dry_run else target.writing(create=True)) as conn:
            yield conn
    else:
        with store.transaction(target):
            yield target


def _check_file(conn, plan: Plan, path: Path, name: str, sheet, strict: bool, allow_future: bool) -> _Checked:
    """Read and check every row into the view `incoming`; raises FiguresError with every problem."""
    if not path.exists():
        raise FiguresError(name, [FigureProblem(name, 0, "-", "the file does not exist")])
    size = path.stat().st_size
    if size == 0:
        raise FiguresError(name, [FigureProblem(name, 1, "-", "the file is empty")])
    content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    reading = _Reading([])
    try:
        reading = _stage_raw(conn, path, sheet)
        if not reading.header:
            raise _ShapeProblem("the file is empty: it has no header row")
        shape, columns = _recognise(reading.header)
    except (_ShapeProblem, excel.TooManyRows) as err:
        where = f" ({reading.where})" if reading.where else ""
        raise FiguresError(name, [FigureProblem(name, 1, "-", f"{err}{where}")]) from None
    _register_plan(conn, plan)
    _drop_rows(conn)
    conn.execute("CREATE OR REPLACE TEMP TABLE row_problems (row_number INTEGER, column_name VARCHAR, "
                 "reason VARCHAR, detail VARCHAR, value VARCHAR)")
    now, report = current_month(), []
    if shape == "police_uk":
        if not plan.crime_types:
            raise FiguresError(name, [FigureProblem(name, 1, "Crime type", "this is a police.uk crime file, but the plan "
                                                    "maps no crime types to measures (police_uk_crime_types)")])
        police_uk.stage_street(conn, plan, columns)
        _stage_periods(conn, "street")
        report = police_uk.stage_counts(conn, strict, allow_future, now, month_words(now))
    else:
        _stage_rows(conn, shape, columns)
    no_rows = conn.execute("SELECT count(*) FROM (SELECT 1 FROM rows LIMIT 1)").fetchone()[0] == 0
    if no_rows and not conn.execute("SELECT count(*) FROM row_problems").fetchone()[0]:
        raise FiguresError(name, [FigureProblem(name, 2, "-", "the file has headers but no figures")])
    _stage_periods(conn, raw_column=columns["period"] if shape == "long" else None)
    check_rows(conn, now, reading.decimal_comma, allow_future)
    error = _collect_problems(conn, name, plan)
    if error is not None:
        raise error
    _stage_incoming(conn)
    return _Checked(name, shape, content_hash, "note" in columns, report + _future_report(conn, now, allow_future))


def _compare_and_write(conn, checked: _Checked, incoming: str, dry_run: bool, loaded_by: str | None) -> LoadResult:
    """Compare the checked figures with those held and, unless a dry run, write the changes."""
    _compare(conn, incoming, checked.note_given)
    counts = dict(conn.execute("SELECT change, count(*) FROM compared GROUP BY change").fetchall())
    changes = conn.execute("""
        SELECT measure_id, area, month, old_value, value AS new_value, old_note, note AS new_note FROM compared
        WHERE change = 'revised' ORDER BY measure_id, area, month""").df()
    if not changes.empty:
        changes["period"] = changes["month"].map(month_label)
    by_measure = conn.execute("""
        SELECT measure_id, count(*) FILTER (WHERE change = 'added') AS added,
               count(*) FILTER (WHERE change = 'revised') AS revised,
               count(*) FILTER (WHERE change = 'unchanged') AS unchanged
        FROM compared GROUP BY measure_id ORDER BY measure_id""").df()
    result = LoadResult(checked.name, checked.shape, counts.get("added", 0), counts.get("revised", 0),
                        counts.get("unchanged", 0), dry_run, changes=changes, by_measure=by_measure,
                        report=checked.report)
    if not dry_run:
        result.load_id = _write(conn, checked, result, loaded_by)
    return result


def _write(conn, checked: _Checked, result: LoadResult, loaded_by: str | None) -> int:
    """Move revised figures to `revisions`, write the new values and log the load; returns its id."""
    load_id = conn.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]
    conn.execute("""
        INSERT INTO revisions
        SELECT f.measure_id, f.area, f.month, f.value, f.numerator, f.denominator, f.not_applicable,
               f.note, f.load_id, $load_id
        FROM figures f JOIN compared c USING (measure_id, area, month) WHERE c.change = 'revised'""",
                 {"load_id": load_id})
    conn.execute("""
        UPDATE figures f SET value = c.value, numerator = c.numerator, denominator = c.denominator,
               not_applicable = c.not_applicable, note = c.note, load_id = $load_id
        FROM compared c
        WHERE c.change = 'revised' AND f.measure_id = c.measure_id AND f.area = c.area AND f.month = c.month""",
                 {"load_id": load_id})
    conn.execute("""
        INSERT INTO figures
        SELECT measure_id, area, month, value, numerator, denominator, not_applicable, note, $load_id
        FROM compared WHERE change = 'added'""", {"load_id": load_id})
    _reached_mid_write()
    conn.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [load_id, Path(checked.name).name, checked.content_hash, checked.shape, result.added, result.revised,
         result.unchanged, loaded_by or _who()])
    return load_id


def _reached_mid_write() -> None:
    """For the test that kills a load part-way: with METRICS_MID_WRITE_FILE set, say so through
    that file once the figures are written but the load not yet logged or committed, and wait
    there to be killed."""
    marker = os.environ.get("METRICS_MID_WRITE_FILE")
    if marker:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(60)


def _future_report(conn, now: int, allow_future: bool) -> list[str]:
    if not allow_future:
        return []
    count, last = conn.execute(f"SELECT count(*), max(month) FROM incoming WHERE month > {now}").fetchone()
    if not count:
        return []
    return [f"{count:,} figure{'s' if count != 1 else ''} for months after {month_words(now)} (up to "
            f"{month_words(last)}) loaded, as --allow-future asked"]


# --- many files at once: a folder, and what is held afterwards ---------------------------------

FIGURE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
# A police.uk download holds these beside the street-level files; they are not figures.
POLICE_UK_OTHER_FILES = ("-outcomes.csv", "-stop-and-search.csv")


def figure_files(paths) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files to load, in order, and the files passed over with why. A folder gives every CSV
    and workbook in it and its subfolders (a police.uk download has one folder per month)."""
    files, skipped = [], []
    for given in map(Path, paths):
        if not given.is_dir():
            files.append(given)
            continue
        for path in sorted(p for p in given.rglob("*") if p.is_file()):
            lower = path.name.lower()
            if lower.startswith(("~$", ".")):  # Excel's lock files, hidden files
                continue
            if lower.endswith(POLICE_UK_OTHER_FILES):
                skipped.append((path, "a police.uk outcomes or stop-and-search file, not street-level crimes"))
            elif path.suffix.lower() in FIGURE_SUFFIXES:
                files.append(path)
    return files, skipped


def months_held(conn, plan: Plan) -> list[str]:
    """One line per measure of the plan: the months held, in words, with any gap counted
    ("bcs_comparator_crime: April 2003 to April 2009")."""
    held = {measure_id: (first, last, count) for measure_id, first, last, count in conn.execute("""
        SELECT measure_id, min(month), max(month), count(DISTINCT month) FROM figures GROUP BY measure_id""").fetchall()}
    lines = []
    for measure_id in plan.measure_ids:
        if measure_id not in held:
            lines.append(f"{measure_id}: no figures held")
            continue
        first, last, count = held[measure_id]
        span = month_words(first) if first == last else f"{month_words(first)} to {month_words(last)}"
        missing = last - first + 1 - count
        lines.append(f"{measure_id}: {span}" + (f" ({missing} month{'s' if missing != 1 else ''} missing)" if missing else ""))
    return lines

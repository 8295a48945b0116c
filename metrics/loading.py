"""Figures files to figures: read, check every row, then load all or nothing.

A file is read into DuckDB as text (readers/cells.py; workbooks by readers/excel.py, streaming,
with a row limit), its shape recognised from the headers (readers/shapes.py: long, wide, or
police.uk street crimes, readers/police_uk.py), and every row checked in one set-based pass
(row_checks.py). Any problem refuses the whole file and lists every problem (load_problems.py)
with its row (the spreadsheet's own number: the header is row 1), column and reason. This module
runs those steps in a private database and then compares and writes in the store's transaction.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from metrics.lazy import pandas as pd

from metrics import spc_state, store
from metrics.periods import PeriodError, month_index, month_label, month_words, parse_month
from metrics.plan import Plan
from metrics.readers import excel, police_uk
# FiguresError and problems_csv are imported from here by the CLI and the app.
from metrics.load_problems import (MAX_PROBLEMS_KEPT, FigureProblem, FiguresError, ProblemKind,  # noqa: F401
                                   problems_csv)
from metrics.readers.cells import Reading, ShapeProblem, drop_temp, stage_raw
from metrics.readers.shapes import recognise, stage_rows
from metrics.row_checks import check_rows


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


def _drop_rows(conn) -> None:
    """`rows` is a view over the file's cells, or for police.uk a table of counts: a load on the
    same connection may follow one of the other kind."""
    drop_temp(conn, "rows")


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
    drop_temp(conn, "incoming")
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
                # A DuckDB store keeps each series' SPC summary (metrics.spc_state); PostgreSQL none.
                spc_plan = plan if getattr(target, "kind", "duckdb") == "duckdb" else None
                return _compare_and_write(conn, checked, f"read_parquet('{incoming}')", dry_run, loaded_by, spc_plan)
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


def _hash_and_lines(path: Path) -> tuple[str, int]:
    """The file's content hash (the load log's) and its line breaks (the reader's row bound), from
    one read of it."""
    content = path.read_bytes()
    return hashlib.sha256(content).hexdigest(), content.count(b"\n")


def _check_file(conn, plan: Plan, path: Path, name: str, sheet, strict: bool, allow_future: bool) -> _Checked:
    """Read and check every row into the view `incoming`; raises FiguresError with every problem."""
    if not path.exists():
        raise FiguresError(name, [FigureProblem(name, 0, "-", "the file does not exist")])
    size = path.stat().st_size
    if size == 0:
        raise FiguresError(name, [FigureProblem(name, 1, "-", "the file is empty")])
    content_hash, lines = _hash_and_lines(path)
    reading = Reading([])
    try:
        reading = stage_raw(conn, path, sheet, lines)
        if not reading.header:
            raise ShapeProblem("the file is empty: it has no header row")
        shape, columns = recognise(reading.header)
    except (ShapeProblem, excel.TooManyRows) as err:
        where = f" ({reading.where})" if reading.where else ""
        raise FiguresError(name, [FigureProblem(name, 1, "-", f"{err}{where}")]) from None
    _register_plan(conn, plan)
    _drop_rows(conn)
    conn.execute("CREATE OR REPLACE TEMP TABLE row_problems (row_number INTEGER, column_name VARCHAR, "
                 "reason VARCHAR, detail VARCHAR, value VARCHAR)")
    for heading, reason in columns.get("unread_headings", []):
        conn.execute("INSERT INTO row_problems VALUES (1, ?, ?, NULL, ?)", [heading, reason, heading])
    now, report = current_month(), []
    if shape == "police_uk":
        if not plan.crime_types:
            raise FiguresError(name, [FigureProblem(name, 1, "Crime type", "this is a police.uk crime file, but the plan "
                                                    "maps no crime types to measures (police_uk_crime_types)")])
        police_uk.stage_street(conn, plan, columns)
        _stage_periods(conn, "street")
        report = police_uk.stage_counts(conn, strict, allow_future, now, month_words(now))
    else:
        stage_rows(conn, shape, columns)
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


def _compare_and_write(conn, checked: _Checked, incoming: str, dry_run: bool, loaded_by: str | None,
                       spc_plan: Plan | None = None) -> LoadResult:
    """Compare the checked figures with those held and, unless a dry run, write the changes (and,
    given the plan, the SPC summaries of the measures changed)."""
    store.compare_incoming(conn, incoming, checked.note_given)
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
        changed = result.by_measure.loc[result.by_measure["added"] + result.by_measure["revised"] > 0, "measure_id"]
        if spc_plan is not None and len(changed):
            spc_state.refresh(conn, spc_plan, list(changed), compared=True)
    return result


def _write(conn, checked: _Checked, result: LoadResult, loaded_by: str | None) -> int:
    """Write the changes in `compared` and log the load; returns its id."""
    load_id = store.next_load_id(conn)
    store.write_figures(conn, load_id)
    _reached_mid_write()
    store.log_load(conn, load_id, Path(checked.name).name, checked.content_hash, checked.shape,
                   (result.added, result.revised, result.unchanged), loaded_by or store.person_at_the_shell())
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

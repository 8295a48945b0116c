"""Figures files to figures: read, check every row, then load all or nothing.

A file is read into DuckDB as text, its shape recognised from the headers (long or wide), and
every row checked in one set-based pass. Any problem refuses the whole file and lists every
problem with its row (the spreadsheet's own number: the header is row 1), column and reason.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import getpass
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from metrics import store
from metrics.periods import PeriodError, month_label, parse_month
from metrics.plan import Plan

ACCEPTED_VALUES = "accepted: 94.2%, 1,234, 49:20, £1.9m, blank, n/a"
LONG_REQUIRED = ("measure_id", "period")


@dataclass(frozen=True)
class FigureProblem:
    file: str
    row: int      # the spreadsheet's own row number: the header is row 1
    column: str
    reason: str   # what is wrong, then what would be accepted

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}, column {self.column}: {self.reason}"


class FiguresError(ValueError):
    """A file with problems; nothing from it was loaded."""

    def __init__(self, file: str, problems: list[FigureProblem]):
        self.file = file
        self.problems = problems
        count = len(problems)
        summary = f"{file}: {count} problem{'s' if count != 1 else ''}; nothing was loaded"
        super().__init__("\n".join([*(str(p) for p in problems), summary]))


@dataclass
class LoadResult:
    file: str
    shape: str
    added: int
    revised: int
    unchanged: int
    dry_run: bool
    load_id: int | None = None
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # revised rows: old -> new
    by_measure: pd.DataFrame = field(default_factory=pd.DataFrame)  # added, revised, unchanged per measure

    def summary(self) -> str:
        return f"added {self.added}, revised {self.revised}, unchanged {self.unchanged}"


# --- reading a file into DuckDB as text --------------------------------------------------------

def _sniff_delimiter(path: Path) -> str:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        first = handle.readline()
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _excel_cell_text(cell) -> str | None:
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


def _read_excel(path: Path, sheet: str | None) -> tuple[list[str], pd.DataFrame, str]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is None:
            names = [n for n in book.sheetnames if n.lower() in ("figures", "data")] or book.sheetnames
            worksheet = book[names[0]]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            raise _ShapeProblem(f'there is no sheet "{sheet}" (sheets: {", ".join(book.sheetnames)})')
        rows = [[_excel_cell_text(c) for c in row] for row in worksheet.iter_rows()]
        where = f'read from sheet "{worksheet.title}"; the workbook\'s sheets: {", ".join(book.sheetnames)}'
    finally:
        book.close()
    if not rows:
        return [], pd.DataFrame(), where
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    body = [r + [None] * (len(header) - len(r)) for r in rows[1:]]
    frame = pd.DataFrame([r[: len(header)] for r in body], columns=[f"c{i}" for i in range(len(header))], dtype=object)
    return header, frame, where


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
    if suffix in (".xlsx", ".xlsm"):
        try:
            header, frame, where = _read_excel(path, sheet)
        except _ShapeProblem:
            raise
        except Exception as err:  # openpyxl raises many kinds for a file that is not a workbook
            raise _ShapeProblem(f"this is not an Excel workbook that can be read ({type(err).__name__})") from err
        frame.insert(0, "row_number", range(2, len(frame) + 2))
        conn.register("raw_frame", frame)
        conn.execute("CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM raw_frame")
        conn.unregister("raw_frame")
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
        conn.execute(
            f"""CREATE OR REPLACE TEMP TABLE raw AS
            SELECT row_number() OVER () + 1 AS row_number, *
            FROM read_csv(?, header = true, delim = ?, quote = '"', escape = '"', columns = {{{names}}},
                          null_padding = true, ignore_errors = false,
                          strict_mode = false, encoding = 'utf-8')""",
            [str(path), delimiter],
        )
    except Exception as err:
        raise _ShapeProblem(f"the file cannot be read as CSV: {str(err).splitlines()[0]}") from err
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


POLICE_UK_COLUMNS = ("crime_id", "month", "lsoa_name", "crime_type")


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


def _stage_police_uk(conn, plan: Plan, columns: dict) -> None:
    """police.uk street-level crimes: count each month's crimes per measure and district.

    The plan maps crime types to measures (`police_uk_crime_types`); other types are left out.
    The district is the area whose name (or alias) begins the LSOA name ("Maidstone 012A");
    the force figure counts every mapped crime, with or without a district.
    """
    mapping = pd.DataFrame(list(plan.crime_types.items()), columns=["crime_type", "measure_id"], dtype=object)
    names = pd.DataFrame([(a.code, n.lower()) for a in plan.areas if a.kind == "district" for n in (a.name, *a.aliases)],
                         columns=["area", "area_name"], dtype=object)
    conn.register("crime_type_map", mapping)
    conn.register("area_names", names)
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE crimes AS
        SELECT r.row_number, trim(r.{columns['month']}) AS period_text, m.measure_id,
               nullif(trim(r.{columns['lsoa_name']}), '') AS lsoa_name,
               (SELECT arg_max(a.area, length(a.area_name)) FROM area_names a
                WHERE starts_with(lower(trim(r.{columns['lsoa_name']})), a.area_name || ' ')) AS area
        FROM raw r JOIN crime_type_map m ON m.crime_type = trim(r.{columns['crime_type']})""")
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE rows AS
        SELECT min(row_number) AS row_number, measure_id, 'force' AS area, period_text, 'Month' AS period_column,
               count(*)::VARCHAR AS value_text, 'Crime type' AS value_column,
               NULL::VARCHAR AS numerator_text, NULL::VARCHAR AS denominator_text, NULL::VARCHAR AS note
        FROM crimes GROUP BY measure_id, period_text
        UNION ALL
        SELECT min(row_number), measure_id, coalesce(area, 'LSOA ' || lsoa_name), period_text, 'Month',
               count(*)::VARCHAR, 'Crime type', NULL, NULL, NULL
        FROM crimes WHERE lsoa_name IS NOT NULL GROUP BY measure_id, coalesce(area, 'LSOA ' || lsoa_name), period_text""")
    for name in ("crime_type_map", "area_names"):
        conn.unregister(name)


def _stage_rows(conn, shape: str, columns: dict) -> None:
    """Table `rows`: one candidate figure per row with its texts and where it came from."""
    def col(name):
        return columns.get(name, "NULL")

    if shape == "long":
        conn.execute(f"""
            CREATE OR REPLACE TEMP TABLE rows AS
            SELECT row_number, trim({col('measure_id')}) AS measure_id,
                   coalesce(nullif(trim({col('area')}), ''), 'force') AS area,
                   trim({col('period')}) AS period_text, 'period' AS period_column,
                   trim({col('value')}) AS value_text, 'value' AS value_column,
                   trim({col('numerator')}) AS numerator_text, trim({col('denominator')}) AS denominator_text,
                   nullif(trim({col('note')}), '') AS note
            FROM raw
            WHERE coalesce(trim({col('measure_id')}), '') <> '' OR coalesce(trim({col('period')}), '') <> ''
               OR coalesce(trim({col('value')}), '') <> ''""")
        return
    selects = [
        f"""SELECT row_number, trim({col('measure_id')}) AS measure_id,
                   coalesce(nullif(trim({col('area')}), ''), 'force') AS area,
                   {_sql_text(header)} AS period_text, {_sql_text(header)} AS period_column,
                   trim({raw_col}) AS value_text, {_sql_text(header)} AS value_column,
                   NULL::VARCHAR AS numerator_text, NULL::VARCHAR AS denominator_text, nullif(trim({col('note')}), '') AS note
            FROM raw WHERE coalesce(trim({col('measure_id')}), '') <> ''"""
        for header, raw_col in columns["months"].items()
    ]
    conn.execute("CREATE OR REPLACE TEMP TABLE rows AS " + " UNION ALL ".join(selects))


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- checking every row at once ----------------------------------------------------------------

# A number as analysts write it: optional £, thousands commas, decimals, and %, k, m or bn after.
NUMBER_PATTERN = r"^(-)?\s*£?\s*(-)?([0-9][0-9,]*(\.[0-9]*)?|\.[0-9]+)\s*(%|k|m|bn)?$"


def _number_sql(text: str, decimal_comma: bool = False) -> str:
    """SQL turning an analyst's number text into a DOUBLE (NULL when it is not one).
    With a decimal comma (semicolon-separated files) 1.234,5 is read as 1234.5."""
    if decimal_comma:
        text = f"replace(replace({text}, '.', ''), ',', '.')"
    body = f"regexp_extract(lower({text}), '{NUMBER_PATTERN}', 3)"
    suffix = f"regexp_extract(lower({text}), '{NUMBER_PATTERN}', 5)"
    sign = (f"CASE WHEN regexp_extract(lower({text}), '{NUMBER_PATTERN}', 1) = '-' "
            f"OR regexp_extract(lower({text}), '{NUMBER_PATTERN}', 2) = '-' THEN -1 ELSE 1 END")
    multiplier = f"CASE {suffix} WHEN 'k' THEN 1e3 WHEN 'm' THEN 1e6 WHEN 'bn' THEN 1e9 ELSE 1 END"
    written = (f"CASE WHEN regexp_matches(lower({text}), '{NUMBER_PATTERN}') "
               f"THEN {sign} * TRY_CAST(replace({body}, ',', '') AS DOUBLE) * {multiplier} END")
    # Most figures are plain numbers: cast those directly and keep the patterns for the rest.
    plain = f"TRY_CAST({text} AS DOUBLE)"
    return f"CASE WHEN isfinite({plain}) AND NOT contains(lower({text}), 'e') THEN {plain} ELSE {written} END"


def _hours_sql(text: str) -> str:
    return (f"CASE WHEN regexp_matches({text}, '^[0-9]+:[0-5][0-9]$') THEN "
            f"CAST(split_part({text}, ':', 1) AS DOUBLE) + CAST(split_part({text}, ':', 2) AS DOUBLE) / 60 END")


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


def _stage_periods(conn) -> None:
    """Periods are few even in a big file: read each distinct one in Python, once."""
    texts = [r[0] for r in conn.execute("SELECT DISTINCT period_text FROM rows WHERE period_text IS NOT NULL").fetchall()]
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


def _check_rows(conn, decimal_comma: bool = False) -> None:
    """Table `checked`: each row with its parsed numbers and the reasons it cannot be loaded."""
    value, hours = _number_sql("r.value_text", decimal_comma), _hours_sql("r.value_text")
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE parsed AS
        SELECT r.*, p.month, p.error AS period_error, m.unit, m.aggregation, m.scale,
               m.measure_id IS NOT NULL AS known_measure, a.area IS NOT NULL AS known_area,
               lower(coalesce(r.value_text, '')) IN ('n/a', 'na', 'n.a.', 'not applicable') AS not_applicable,
               coalesce(r.value_text, '') = '' AS value_blank,
               {hours} AS hours_value,
               {value} AS number_value,
               {_number_sql('r.numerator_text', decimal_comma)} AS numerator,
               {_number_sql('r.denominator_text', decimal_comma)} AS denominator
        FROM rows r
        LEFT JOIN periods p ON p.period_text = r.period_text
        LEFT JOIN plan_measures m ON m.measure_id = r.measure_id
        LEFT JOIN plan_areas a ON a.area = r.area""")
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        SELECT *,
            CASE WHEN unit = 'hours' THEN coalesce(hours_value, number_value) ELSE number_value END AS value,
            coalesce(numerator_text, '') <> '' OR coalesce(denominator_text, '') <> '' AS has_ratio_parts
        FROM parsed""")
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE problems AS
        SELECT row_number, 'measure_id' AS column_name,
               CASE WHEN coalesce(measure_id, '') = '' THEN 'measure_id is blank'
                    ELSE 'unknown measure "' || measure_id || '"' END AS reason, measure_id AS detail
        FROM checked WHERE NOT known_measure
        UNION ALL
        SELECT row_number, CASE WHEN area LIKE 'LSOA %' THEN 'LSOA name' ELSE 'area' END,
               CASE WHEN area LIKE 'LSOA %' THEN 'LSOA name "' || substr(area, 6) || '" does not begin with the name of a district in the plan'
                    ELSE 'unknown area "' || area || '"' END,
               CASE WHEN area LIKE 'LSOA %' THEN NULL ELSE area END
        FROM checked WHERE NOT known_area
        UNION ALL
        SELECT row_number, period_column,
               CASE WHEN coalesce(period_text, '') = '' THEN 'period is blank (accepted: 2005-04, Apr 2005, April 2005, 2005-04-01)'
                    ELSE 'bad period: ' || period_error END, NULL
        FROM checked WHERE period_error IS NOT NULL OR coalesce(period_text, '') = ''
        UNION ALL
        SELECT row_number, value_column,
               CASE WHEN hours_value IS NOT NULL THEN '"' || value_text || '" is hours:minutes, but measure '
                         || measure_id || ' is in ' || unit || ' (hours:minutes is only for hours)'
                    ELSE '"' || value_text || '" is not a number ({ACCEPTED_VALUES})' END, NULL
        FROM checked
        WHERE known_measure AND NOT value_blank AND NOT not_applicable AND value IS NULL
        UNION ALL
        SELECT row_number, value_column, '"' || value_text || '" is a percent, but measure ' || measure_id
               || ' is in ' || unit || ' (a % sign is only for percent measures)', NULL
        FROM checked WHERE known_measure AND unit <> 'percent' AND ends_with(value_text, '%')
        UNION ALL
        SELECT row_number, value_column, 'a percent must be between 0 and 100, not ' || value_text, NULL
        FROM checked WHERE known_measure AND unit = 'percent' AND value IS NOT NULL AND (value < 0 OR value > 100)
        UNION ALL
        SELECT row_number, value_column, 'a count cannot be negative (' || value_text || ')', NULL
        FROM checked WHERE known_measure AND unit IN ('count', 'hours', 'seconds') AND value < 0
        UNION ALL
        SELECT row_number, 'numerator', '"' || numerator_text || '" is not a number', NULL
        FROM checked WHERE coalesce(numerator_text, '') <> '' AND numerator IS NULL
        UNION ALL
        SELECT row_number, 'denominator', '"' || denominator_text || '" is not a number', NULL
        FROM checked WHERE coalesce(denominator_text, '') <> '' AND denominator IS NULL
        UNION ALL
        SELECT row_number, 'denominator', 'the denominator is zero: a ratio needs a denominator above 0', NULL
        FROM checked WHERE denominator = 0
        UNION ALL
        SELECT row_number, 'numerator', 'numerator and denominator cannot be negative', NULL
        FROM checked WHERE numerator < 0 OR denominator < 0
        UNION ALL
        SELECT row_number, 'numerator', 'the numerator is larger than the denominator, so the percent would be over 100', NULL
        FROM checked WHERE unit = 'percent' AND numerator > denominator AND denominator > 0
        UNION ALL
        SELECT row_number, CASE WHEN coalesce(numerator_text, '') = '' THEN 'numerator' ELSE 'denominator' END,
               'measure ' || measure_id || ' is a ratio: give both numerator and denominator', NULL
        FROM checked
        WHERE known_measure AND aggregation = 'ratio' AND NOT not_applicable
          AND (coalesce(numerator_text, '') = '') <> (coalesce(denominator_text, '') = '')
        UNION ALL
        SELECT row_number, 'numerator',
               'measure ' || measure_id || ' is not a ratio: give a value, not numerator and denominator', NULL
        FROM checked WHERE known_measure AND aggregation <> 'ratio' AND has_ratio_parts
        UNION ALL
        SELECT row_number, period_column,
               'duplicate: ' || measure_id || ', ' || area || ', ' || period_text
               || ' is also on row ' || first_row, NULL
        FROM (SELECT *,
                     row_number() OVER same_figure AS copy_number,
                     first_value(row_number) OVER same_figure AS first_row
              FROM checked
              WHERE month IS NOT NULL AND NOT (value_blank AND NOT has_ratio_parts)
              WINDOW same_figure AS (PARTITION BY measure_id, area, month ORDER BY row_number, period_column))
        WHERE copy_number > 1
    """)


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word or "", choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _collect_problems(conn, file: str, plan: Plan) -> list[FigureProblem]:
    rows = conn.execute(
        "SELECT DISTINCT row_number, column_name, reason, detail FROM problems ORDER BY row_number, column_name"
    ).fetchall()
    problems = []
    for row, column, reason, detail in rows:
        if column == "measure_id" and detail:
            reason += _suggest(detail, plan.measure_ids)
        elif column == "area" and detail:
            reason += _suggest(detail, plan.area_codes)
        elif reason.startswith("bad period") and "month must be" in reason:
            reason += "; periods are months, for example 2005-12"
        problems.append(FigureProblem(file, int(row), column, reason))
    return problems


# --- comparing with the store and loading ------------------------------------------------------

def _stage_incoming(conn) -> None:
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE incoming AS
        SELECT measure_id, area, CAST(month AS INTEGER) AS month,
               CASE WHEN not_applicable THEN NULL
                    WHEN aggregation = 'ratio' AND has_ratio_parts THEN scale * numerator / denominator
                    ELSE value END AS value,
               CASE WHEN not_applicable THEN NULL ELSE numerator END AS numerator,
               CASE WHEN not_applicable THEN NULL ELSE denominator END AS denominator,
               not_applicable, note
        FROM checked
        WHERE NOT (value_blank AND NOT has_ratio_parts)""")
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE compared AS
        SELECT i.*, f.value AS old_value, f.numerator AS old_numerator, f.denominator AS old_denominator,
               f.not_applicable AS old_not_applicable,
               CASE WHEN f.measure_id IS NULL THEN 'added'
                    WHEN i.value IS NOT DISTINCT FROM f.value AND i.numerator IS NOT DISTINCT FROM f.numerator
                         AND i.denominator IS NOT DISTINCT FROM f.denominator
                         AND i.not_applicable = f.not_applicable THEN 'unchanged'
                    ELSE 'revised' END AS change
        FROM incoming i
        LEFT JOIN figures f USING (measure_id, area, month)""")


def _who() -> str:
    try:
        return os.environ.get("METRICS_USER") or getpass.getuser()
    except Exception:
        return "unknown"


def load_figures(conn, plan: Plan, path, dry_run: bool = False, sheet: str | None = None,
                 loaded_by: str | None = None, display_name: str | None = None) -> LoadResult:
    """Check a figures file and load it, all or nothing. Raises FiguresError listing every problem."""
    path = Path(path)
    name = display_name or str(path)
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
    except _ShapeProblem as err:
        where = f" ({reading.where})" if reading.where else ""
        raise FiguresError(name, [FigureProblem(name, 1, "-", f"{err}{where}")]) from None
    _register_plan(conn, plan)
    if shape == "police_uk":
        if not plan.crime_types:
            raise FiguresError(name, [FigureProblem(name, 1, "Crime type", "this is a police.uk crime file, but the plan "
                                                    "maps no crime types to measures (police_uk_crime_types)")])
        _stage_police_uk(conn, plan, columns)
    else:
        _stage_rows(conn, shape, columns)
    if conn.execute("SELECT count(*) FROM rows").fetchone()[0] == 0:
        raise FiguresError(name, [FigureProblem(name, 2, "-", "the file has headers but no figures")])
    _stage_periods(conn)
    _check_rows(conn, reading.decimal_comma)
    problems = _collect_problems(conn, name, plan)
    if problems:
        raise FiguresError(name, problems)

    with store.transaction(conn):
        _stage_incoming(conn)
        counts = dict(conn.execute("SELECT change, count(*) FROM compared GROUP BY change").fetchall())
        changes = conn.execute("""
            SELECT measure_id, area, month, old_value, value AS new_value FROM compared
            WHERE change = 'revised' ORDER BY measure_id, area, month""").df()
        if not changes.empty:
            changes["period"] = changes["month"].map(month_label)
        by_measure = conn.execute("""
            SELECT measure_id, count(*) FILTER (WHERE change = 'added') AS added,
                   count(*) FILTER (WHERE change = 'revised') AS revised,
                   count(*) FILTER (WHERE change = 'unchanged') AS unchanged
            FROM compared GROUP BY measure_id ORDER BY measure_id""").df()
        result = LoadResult(name, shape, counts.get("added", 0), counts.get("revised", 0),
                            counts.get("unchanged", 0), dry_run, changes=changes, by_measure=by_measure)
        if dry_run:
            return result
        load_id = conn.execute("SELECT nextval('load_ids')").fetchone()[0]
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
        conn.execute(
            "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [load_id, Path(name).name, content_hash, shape, result.added, result.revised, result.unchanged,
             loaded_by or _who()])
        result.load_id = load_id
    return result

"""Which shape a figures file is (long, wide or police.uk) from its header, and the view `rows`:
one candidate figure per row, its texts and where it came from, whatever the shape."""
from __future__ import annotations

from metrics.periods import PeriodError, parse_month
from metrics.readers import police_uk
from metrics.readers.cells import ShapeProblem


def _normalise(name: str) -> str:
    return name.strip().strip("\ufeff").lower().replace(" ", "_")


def _is_month(name: str) -> bool:
    try:
        parse_month(name)
        return True
    except PeriodError:
        return False


POLICE_UK_COLUMNS = police_uk.REQUIRED


def recognise(header: list[str]) -> tuple[str, dict]:
    """Return the shape ('long', 'wide' or 'police_uk') and which raw column holds what."""
    names = [_normalise(h) for h in header]
    columns = {n: f"c{i}" for i, n in enumerate(names) if n}
    if all(c in columns for c in POLICE_UK_COLUMNS):
        return "police_uk", columns
    if "measure_id" not in columns and "measure" in columns:
        columns["measure_id"] = columns["measure"]
    if "measure_id" not in columns:
        raise ShapeProblem(
            f"no measure_id column (headers: {', '.join(h for h in header if h) or 'none'}); expected long "
            "(measure_id, period, area, value) or wide (measure_id, area, then one column per month)")
    if "period" in columns:
        months = [h for h in header if h.strip() and _is_month(h.strip())]
        if months:
            raise ShapeProblem(f"mixed shapes: a period column (long) and month columns ({', '.join(months[:3])}) "
                                "(wide); use one shape per file")
        if "value" not in columns and not ("numerator" in columns and "denominator" in columns):
            raise ShapeProblem("a long file needs a value column, or numerator and denominator columns")
        return "long", columns
    months = {header[i].strip(): f"c{i}" for i, n in enumerate(names) if n and _is_month(header[i].strip())}
    if not months:
        raise ShapeProblem(
            f"no period column and no month columns (headers: {', '.join(header)}); expected long "
            "(measure_id, period, area, value) or wide (measure_id, area, then one column per month)")
    known = {"measure_id", "measure", "area", "note"}
    others = [header[i] for i, n in enumerate(names) if n and n not in known and header[i].strip() not in months]
    if others:
        raise ShapeProblem(f"wide file: columns {', '.join(others)} are neither months nor measure_id, area, note")
    columns["months"] = months
    return "wide", columns


def stage_rows(conn, shape: str, columns: dict) -> None:
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

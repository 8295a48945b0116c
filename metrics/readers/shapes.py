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
    month_columns = [(header[i].strip(), f"c{i}") for i, n in enumerate(names) if n and _is_month(header[i].strip())]
    if not month_columns:
        raise ShapeProblem(
            f"no period column and no month columns (headers: {', '.join(header)}); expected long "
            "(measure_id, period, area, value) or wide (measure_id, area, then one column per month)")
    known = {"measure_id", "measure", "area", "note"}
    # A heading that is no month is a problem of row 1; the rows are still checked under the
    # month columns, so the analyst sees every problem of the file at once.
    headed = {heading for heading, _ in month_columns}
    columns["unread_headings"] = [(header[i], UNREAD_HEADING) for i, n in enumerate(names)
                                  if n and n not in known and header[i].strip() not in headed]
    months, first_heading = {}, {}  # each month's first column; a second column of the same month is not read
    for heading, column in month_columns:
        month = parse_month(heading)
        if month in first_heading:
            columns["unread_headings"].append((heading, f"the same month as column {first_heading[month]}: "
                                                        "give each month one column"))
        else:
            first_heading[month], months[heading] = heading, column
    columns["months"] = months
    return "wide", columns


UNREAD_HEADING = ("wide file: this column is neither a month nor measure_id, area or note (a month column is "
                  "headed like 2005-04, Apr 2005, April 2005 or 2005-04-01)")


def stage_rows(conn, shape: str, columns: dict) -> None:
    """Table `rows`: one candidate figure per row with its texts and where it came from."""
    month_columns = list(columns.get("months", {}).values())
    spaced = _spaced_columns(conn, [c for c in columns.values() if isinstance(c, str)] + month_columns)

    def col(name):
        return _trimmed(columns[name], spaced) if name in columns else "NULL::VARCHAR"

    if shape == "long":
        conn.execute(f"""
            CREATE OR REPLACE TEMP VIEW rows AS
            SELECT row_number, {col('measure_id')} AS measure_id,
                   coalesce(nullif({col('area')}, ''), 'force') AS area,
                   {col('period')} AS period_text, 'period' AS period_column,
                   {col('value')} AS value_text, 'value' AS value_column,
                   {col('numerator')} AS numerator_text, {col('denominator')} AS denominator_text,
                   nullif({col('note')}, '') AS note
            FROM raw
            WHERE coalesce({col('measure_id')}, '') <> '' OR coalesce({col('period')}, '') <> ''
               OR coalesce({col('value')}, '') <> ''""")
        return
    selects = [
        f"""SELECT row_number, {col('measure_id')} AS measure_id,
                   coalesce(nullif({col('area')}, ''), 'force') AS area,
                   {_sql_text(header)} AS period_text, {_sql_text(header)} AS period_column,
                   {_trimmed(raw_col, spaced)} AS value_text, {_sql_text(header)} AS value_column,
                   NULL::VARCHAR AS numerator_text, NULL::VARCHAR AS denominator_text, nullif({col('note')}, '') AS note
            FROM raw WHERE coalesce({col('measure_id')}, '') <> ''"""
        for header, raw_col in columns["months"].items()
    ]
    conn.execute("CREATE OR REPLACE TEMP VIEW rows AS " + " UNION ALL ".join(selects))


def _spaced_columns(conn, raw_columns: list[str]) -> set[str]:
    """The raw columns with a cell that starts or ends with a space. Real files seldom have any:
    one look at every cell costs far less than a trim of a million of them."""
    raw_columns = sorted(set(raw_columns))
    looks = ", ".join(f"bool_or(starts_with({c}, ' ') OR ends_with({c}, ' '))" for c in raw_columns)
    found = conn.execute(f"SELECT {looks} FROM raw").fetchone()
    return {c for c, spaced in zip(raw_columns, found) if spaced}


def _trimmed(column: str, spaced: set[str]) -> str:
    """SQL for a cell's text trimmed, in the columns that have a cell starting or ending with a
    space; trim() only where the cell does (it also strips other spaces, a no-break space say)."""
    if column not in spaced:
        return column
    return f"CASE WHEN starts_with({column}, ' ') OR ends_with({column}, ' ') THEN trim({column}) ELSE {column} END"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

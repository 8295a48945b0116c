"""Checking every row of a figures file at once: each row's texts parsed (`checked`), then every
reason a row cannot be loaded (`problems`), each check a named entry below.

A check is SQL over `checked`: `where` picks the rows with the problem, `reason` words it, `column`
names the column the analyst should look at. A clean row passes every check, so the checks run
only over the rows failing any (usually none), not over every row once per check.
"""
from __future__ import annotations

from dataclasses import dataclass

from metrics.periods import month_words
from metrics.plan.model import UNIT_BOUNDS

# The units with no figure below zero but no top (percent has its own check, 0 to 100).
NEVER_NEGATIVE = ", ".join(f"'{unit}'" for unit, (least, most) in UNIT_BOUNDS.items() if least == 0 and most is None)

ACCEPTED_VALUES = "accepted: 94.2%, 1,234, 49:20, £1.9m, blank, n/a"
MAX_NOTE_LENGTH = 2000             # characters in a note

# A number as analysts write it: optional £, thousands commas, decimals, and %, k, m or bn after.
NUMBER_PATTERN = r"^(-)?\s*£?\s*(-)?([0-9][0-9,]*(\.[0-9]*)?|\.[0-9]+)\s*(%|k|m|bn)?$"


def number_sql(text: str, decimal_comma: bool = False) -> str:
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
    # A blank cell (a ratio's value, say) is no number: skip the patterns for it too.
    return (f"CASE WHEN coalesce({text}, '') = '' THEN NULL "
            f"WHEN isfinite({plain}) AND NOT contains(lower({text}), 'e') THEN {plain} ELSE {written} END")


def hours_sql(text: str) -> str:
    return (f"CASE WHEN contains({text}, ':') AND regexp_matches({text}, '^[0-9]+:[0-5][0-9]$') THEN "
            f"CAST(split_part({text}, ':', 1) AS DOUBLE) + CAST(split_part({text}, ':', 2) AS DOUBLE) / 60 END")


def short(text: str, limit: int = 80) -> str:
    """SQL for a cell quoted in a reason: a pasted essay is cut, so one problem stays one line."""
    return f"CASE WHEN length({text}) > {limit} THEN left({text}, {limit - 3}) || '...' ELSE {text} END"


@dataclass(frozen=True)
class RowCheck:
    name: str             # what tests/test_bad_files.py and the docs call it
    where: str            # SQL over `checked`: the rows with this problem
    column: str           # SQL: the column named in the problem
    reason: str           # SQL: the problem in words
    detail: str = "NULL"  # SQL: the cell quoted, for "did you mean"
    value: str = "NULL"   # SQL: the cell as written


def row_checks(now: int, allow_future: bool) -> list[RowCheck]:
    """Every check on a row, in the order its problems are listed. `now` is the current month."""
    return [
        RowCheck("unknown_measure", "NOT known_measure", "'measure_id'",
                 f"""CASE WHEN coalesce(measure_id, '') = '' THEN 'measure_id is blank'
                          ELSE 'unknown measure "' || {short('measure_id')} || '"' END""",
                 detail=short("measure_id"), value="measure_id"),
        RowCheck("unknown_area", "NOT known_area", "'area'", f"""'unknown area "' || {short('area')} || '"'""",
                 detail=short("area"), value="area"),
        RowCheck("bad_period", "period_error IS NOT NULL OR coalesce(period_text, '') = ''", "period_column",
                 """CASE WHEN coalesce(period_text, '') = ''
                         THEN 'period is blank (accepted: 2005-04, Apr 2005, April 2005, 2005-04-01)'
                         ELSE 'bad period: ' || period_error END""", value="period_text"),
        RowCheck("future_month", f"{'false' if allow_future else f'month > {now}'} AND NOT (value_blank AND NOT has_ratio_parts)",
                 "period_column",
                 f"""'the period ' || period_text || ' is after the current month ({month_words(now)}): a figure cannot be '
                     || 'for a month still to come (--allow-future loads it anyway)'""", value="period_text"),
        RowCheck("not_a_number", "known_measure AND NOT value_blank AND NOT not_applicable AND value IS NULL",
                 "value_column",
                 f"""CASE WHEN hours_value IS NOT NULL THEN '"' || value_text || '" is hours:minutes, but measure '
                               || measure_id || ' is in ' || unit || ' (hours:minutes is only for hours)'
                          ELSE '"' || {short('value_text')} || '" is not a number ({ACCEPTED_VALUES})' END""",
                 value="value_text"),
        RowCheck("percent_sign_off_percent", "known_measure AND unit <> 'percent' AND ends_with(value_text, '%')",
                 "value_column", """'"' || value_text || '" is a percent, but measure ' || measure_id
                                    || ' is in ' || unit || ' (a % sign is only for percent measures)'""",
                 value="value_text"),
        RowCheck("percent_out_of_range",
                 "known_measure AND unit = 'percent' AND value IS NOT NULL AND (value < 0 OR value > 100)",
                 "value_column", "'a percent must be between 0 and 100, not ' || value_text", value="value_text"),
        RowCheck("negative_count", f"known_measure AND unit IN ({NEVER_NEGATIVE}) AND value < 0",
                 "value_column", "'a count cannot be negative (' || value_text || ')'", value="value_text"),
        RowCheck("numerator_not_a_number", "coalesce(numerator_text, '') <> '' AND numerator IS NULL", "'numerator'",
                 f"""'"' || {short('numerator_text')} || '" is not a number'""", value="numerator_text"),
        RowCheck("denominator_not_a_number", "coalesce(denominator_text, '') <> '' AND denominator IS NULL",
                 "'denominator'", f"""'"' || {short('denominator_text')} || '" is not a number'""",
                 value="denominator_text"),
        RowCheck("zero_denominator", "denominator = 0", "'denominator'",
                 "'the denominator is zero: a ratio needs a denominator above 0'", value="denominator_text"),
        RowCheck("negative_numerator", "numerator < 0", "'numerator'",
                 "'a numerator cannot be negative (' || numerator_text || ')'", value="numerator_text"),
        RowCheck("negative_denominator", "denominator < 0", "'denominator'",
                 "'a denominator cannot be negative (' || denominator_text || ')'", value="denominator_text"),
        RowCheck("numerator_over_denominator", "unit = 'percent' AND numerator > denominator AND denominator > 0",
                 "'numerator'", "'the numerator is larger than the denominator, so the percent would be over 100'",
                 value="numerator_text"),
        RowCheck("ratio_part_missing",
                 """known_measure AND aggregation = 'ratio' AND NOT not_applicable
                    AND (coalesce(numerator_text, '') = '') <> (coalesce(denominator_text, '') = '')""",
                 "CASE WHEN coalesce(numerator_text, '') = '' THEN 'numerator' ELSE 'denominator' END",
                 "'measure ' || measure_id || ' is a ratio: give both numerator and denominator'"),
        RowCheck("ratio_parts_on_a_value_measure", "known_measure AND aggregation <> 'ratio' AND has_ratio_parts",
                 "'numerator'", "'measure ' || measure_id || ' is not a ratio: give a value, not numerator and denominator'"),
        RowCheck("long_note", f"length(note) > {MAX_NOTE_LENGTH}", "'note'",
                 f"""'the note is ' || length(note) || ' characters long; a note may '
                     || 'have at most {MAX_NOTE_LENGTH:,} characters'"""),
    ]


def _check_select(check: RowCheck) -> str:
    return (f"SELECT row_number, {check.column} AS column_name, {check.reason} AS reason, "
            f"{check.detail} AS detail, {check.value} AS value FROM suspect WHERE {check.where}")


# One pass from the rows (a view over the file's cells) to the parsed figures: a table fewer to
# write is a second saved on a million rows.
CHECKED_SQL = """
    CREATE OR REPLACE TEMP TABLE checked AS
    SELECT *,
        CASE WHEN unit = 'hours' THEN coalesce(hours_value, number_value) ELSE number_value END AS value,
        coalesce(numerator_text, '') <> '' OR coalesce(denominator_text, '') <> '' AS has_ratio_parts
    FROM (
    SELECT r.*, p.month, p.error AS period_error, m.unit, m.aggregation, m.scale,
           m.measure_id IS NOT NULL AS known_measure, a.area IS NOT NULL AS known_area,
           lower(coalesce(r.value_text, '')) IN ('n/a', 'na', 'n.a.', 'not applicable') AS not_applicable,
           coalesce(r.value_text, '') = '' AS value_blank,
           {hours} AS hours_value,
           {value} AS number_value,
           {numerator} AS numerator,
           {denominator} AS denominator
    FROM rows r
    LEFT JOIN periods p ON p.period_text = r.period_text
    LEFT JOIN plan_measures m ON m.measure_id = r.measure_id
    LEFT JOIN plan_areas a ON a.area = r.area)"""

# A figure given twice in one file: a hash count finds the few repeated figures, and only those
# are put in row order.
DUPLICATES_SQL = """
    SELECT row_number, period_column,
           'duplicate: ' || measure_id || ', ' || area || ', ' || period_text
           || ' is also on row ' || first_row, NULL, NULL
    FROM (SELECT *,
                 row_number() OVER same_figure AS copy_number,
                 first_value(row_number) OVER same_figure AS first_row
          FROM checked
          SEMI JOIN (SELECT measure_id, area, month FROM checked
                     WHERE month IS NOT NULL AND NOT (value_blank AND NOT has_ratio_parts)
                     GROUP BY ALL HAVING count(*) > 1) USING (measure_id, area, month)
          WHERE month IS NOT NULL AND NOT (value_blank AND NOT has_ratio_parts)
          WINDOW same_figure AS (PARTITION BY measure_id, area, month ORDER BY row_number, period_column))
    WHERE copy_number > 1"""


def check_rows(conn, now: int, decimal_comma: bool = False, allow_future: bool = False) -> None:
    """Tables `checked` (each row of `rows` parsed) and `problems` (every reason a row cannot be
    loaded). Rows of a police.uk file were checked one crime at a time (`row_problems`) first."""
    conn.execute(CHECKED_SQL.format(
        hours=hours_sql("r.value_text"), value=number_sql("r.value_text", decimal_comma),
        numerator=number_sql("r.numerator_text", decimal_comma),
        denominator=number_sql("r.denominator_text", decimal_comma)))
    checks = row_checks(now, allow_future)
    suspect = " OR ".join(f"({check.where})" for check in checks)
    per_row = "\n    UNION ALL\n    ".join(_check_select(check) for check in checks)
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE problems AS
        WITH suspect AS MATERIALIZED (SELECT * FROM checked WHERE {suspect})
        {per_row}
        UNION ALL {DUPLICATES_SQL}""")
    conn.execute("INSERT INTO problems SELECT row_number, column_name, reason, detail, value FROM row_problems")

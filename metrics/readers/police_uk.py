"""police.uk street-level crime files, loaded as published.

Each row is one crime. The plan's `police_uk_crime_types` says which measures a crime type feeds
(one type may feed several). The district is the area whose name (or alias) begins the LSOA name
("Maidstone 012A"). A crime in an LSOA outside every district (forces record crimes just over their
border) or with no location counts in the force total only, and the load report says so; with
`strict` such rows are errors instead. Every (month, measure, area) the file covers gets a figure,
0 where no crime was recorded.
"""
from __future__ import annotations

from metrics.formats import counted
from metrics.lazy import pandas as pd

REQUIRED = ("crime_id", "month", "lsoa_name", "crime_type")
NAMES_LISTED = 10  # LSOA names and crime types listed in a report line before "and N more"


def crime_type_pairs(plan) -> list[tuple[str, str]]:
    """(crime type, measure id) pairs. Accepts the plan's mapping as type -> measure ids, and the
    older type -> one measure id (a plain string)."""
    pairs = []
    for crime_type, measures in plan.crime_types.items():
        for measure_id in ((measures,) if isinstance(measures, str) else measures):
            pairs.append((str(crime_type).strip(), str(measure_id)))
    return sorted(set(pairs))


def stage_street(conn, plan, columns: dict) -> None:
    """Table `street`: one row per crime, with its district (NULL when outside every district or
    blank) and whether the plan counts its crime type."""
    mapping = pd.DataFrame(crime_type_pairs(plan), columns=["crime_type", "measure_id"], dtype=object)
    names = pd.DataFrame([(a.code, n.strip().lower()) for a in plan.areas if a.kind == "district"
                          for n in (a.name, *a.aliases)], columns=["area", "area_name"], dtype=object)
    for name, frame in (("crime_type_map", mapping), ("area_names", names)):
        conn.register(f"{name}_frame", frame)
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_frame")
        conn.unregister(f"{name}_frame")
    month, lsoa, crime_type = columns["month"], columns["lsoa_name"], columns["crime_type"]
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE street AS
        SELECT r.row_number, trim({month}) AS period_text,
               nullif(trim({crime_type}), '') AS crime_type,
               nullif(trim({lsoa}), '') AS lsoa_name,
               (SELECT arg_max(a.area, length(a.area_name)) FROM area_names a
                WHERE starts_with(lower(trim({lsoa})), a.area_name || ' ')) AS area,
               coalesce(trim({crime_type}) IN (SELECT crime_type FROM crime_type_map), false) AS counted
        FROM raw r
        WHERE coalesce(trim({month}), '') <> '' OR coalesce(trim({crime_type}), '') <> ''
           OR coalesce(trim({lsoa}), '') <> ''""")


def stage_counts(conn, strict: bool, allow_future: bool, current_month: int, current_label: str) -> list[str]:
    """From `street` (and `periods`, the months read from it): table `row_problems` naming every
    rejected crime, table `rows` of counts per measure, area and month, and the report lines."""
    usable = f"month IS NOT NULL AND ({'true' if allow_future else 'false'} OR month <= {current_month})"
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE street_checked AS
        SELECT s.*, p.month, p.error AS period_error FROM street s LEFT JOIN periods p USING (period_text)""")
    strict_sql = "true" if strict else "false"
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE row_problems AS
        SELECT row_number, 'Month' AS column_name,
               CASE WHEN coalesce(period_text, '') = '' THEN 'Month is blank (police.uk files give it as 2008-06)'
                    ELSE 'bad month: ' || period_error END AS reason, NULL::VARCHAR AS detail, period_text AS value
        FROM street_checked WHERE counted AND month IS NULL
        UNION ALL
        SELECT row_number, 'Month', 'the month ' || period_text || ' is after the current month ({current_label}): '
               || 'a figure cannot be for a month still to come (--allow-future loads it anyway)', NULL, period_text
        FROM street_checked WHERE counted AND month > {current_month} AND NOT {'true' if allow_future else 'false'}
        UNION ALL
        SELECT row_number, 'LSOA name',
               CASE WHEN lsoa_name IS NULL THEN 'the crime has no location (blank LSOA name); with --strict this is '
                         || 'an error, without it the crime counts in the force total only'
                    ELSE 'LSOA "' || lsoa_name || '" is outside the plan''s districts (its name does not begin with '
                         || 'a district''s name or alias); with --strict this is an error, without it the crime '
                         || 'counts in the force total only' END, NULL, lsoa_name
        FROM street_checked WHERE {strict_sql} AND counted AND area IS NULL""")
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE rows AS
        WITH good AS (
            SELECT s.row_number, s.month, s.area, m.measure_id
            FROM street_checked s JOIN crime_type_map m USING (crime_type) WHERE {usable}),
        months AS (SELECT month, min(period_text) AS period_text FROM street_checked WHERE {usable} GROUP BY month),
        measures AS (SELECT DISTINCT measure_id FROM crime_type_map),
        areas AS (SELECT DISTINCT area FROM area_names UNION SELECT 'force'),
        counts AS (
            SELECT measure_id, month, area, count(*) AS crimes, min(row_number) AS first_row
            FROM good WHERE area IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT measure_id, month, 'force', count(*), min(row_number) FROM good GROUP BY ALL)
        SELECT coalesce(c.first_row, 2) AS row_number, me.measure_id, ar.area, mo.period_text,
               'Month' AS period_column, coalesce(c.crimes, 0)::VARCHAR AS value_text, 'Crime type' AS value_column,
               NULL::VARCHAR AS numerator_text, NULL::VARCHAR AS denominator_text, NULL::VARCHAR AS note
        FROM months mo CROSS JOIN measures me CROSS JOIN areas ar
        LEFT JOIN counts c ON c.month = mo.month AND c.measure_id = me.measure_id AND c.area = ar.area""")
    return _report(conn, strict)




def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_LISTED])
    return shown + (f", and {len(names) - NAMES_LISTED:,} more" if len(names) > NAMES_LISTED else "")


def _report(conn, strict: bool) -> list[str]:
    """One line for each way a crime was treated, so the report accounts for every row."""
    in_district, outside, outside_names, blank, other, other_types = conn.execute("""
        SELECT count(*) FILTER (WHERE counted AND area IS NOT NULL),
               count(*) FILTER (WHERE counted AND area IS NULL AND lsoa_name IS NOT NULL),
               list(DISTINCT lsoa_name ORDER BY lsoa_name) FILTER (WHERE counted AND area IS NULL AND lsoa_name IS NOT NULL),
               count(*) FILTER (WHERE counted AND lsoa_name IS NULL),
               count(*) FILTER (WHERE NOT counted),
               list(DISTINCT coalesce(crime_type, 'no crime type') ORDER BY coalesce(crime_type, 'no crime type'))
                   FILTER (WHERE NOT counted)
        FROM street""").fetchone()
    lines = [f"{counted(in_district, 'crime')} counted in the plan's districts and the force total"]
    if outside and not strict:
        lines.append(f"{counted(outside, 'crime')} in {counted(len(outside_names), 'LSOA')} outside the plan's "
                     f"districts ({_listed(outside_names)}): counted in the force total only")
    if blank and not strict:
        lines.append(f"{counted(blank, 'crime')} with no location: counted in the force total only")
    if other:
        lines.append(f"{counted(other, 'crime')} of types the plan does not count ({_listed(other_types)}): not loaded")
    return lines

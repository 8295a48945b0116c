"""Each series' SPC summary, kept in the store so that a status need not read every figure.

A status flags each series' latest month. For that it needs, of the series' latest phase, the
count, mean and mean moving range of its limit-setting months and its last few values. Working
them out reads every figure in month order: at 22 million figures, 3.5 s of an 8 s status. So a
DuckDB store keeps, in the table `spc_state`, each series' latest phase as counts and sums
(`spc.latest_phase_sums`) with its last values. Each load brings the summaries of the measures
it changed up to date in its own transaction: a series that only gained later months is extended
by them, any other is made again from its figures. A status takes a series' summary only while
it is still true:

- it summarises exactly the figures held up to the as-of month (their count and a checksum of
  every month and value agree), so a revision, a month added or removed by any means, or an
  earlier as-of month sends that series the long way;
- the measure's SPC settings are those it was made with (limit-setting months, process changes);
- the measure is neither seasonal nor screened (their limits move with every figure).

Every other series is worked out from its figures in the same query, as before, so a stale or
missing summary costs time, never a wrong status. Stores in PostgreSQL keep none.
"""
from __future__ import annotations

import duckdb

from metrics import spc
from metrics.sums import series_checksum

# Part of every summary's settings: a change to the SPC arithmetic bumps it, and a new DuckDB
# (whose hash, and so the checksum, may differ) makes every summary again at its next load.
VERSION = f"4/duckdb {duckdb.__version__}"

TABLE = """CREATE TABLE IF NOT EXISTS spc_state (
    measure_id VARCHAR NOT NULL,
    area VARCHAR NOT NULL,
    settings VARCHAR NOT NULL,        -- the measure's SPC settings when made (settings_rows)
    checksum UBIGINT,                 -- of the months and values summarised (checksum_sql)
    series_points BIGINT NOT NULL,    -- how many figures, over every phase
    phase BIGINT NOT NULL,            -- the latest phase, and of it:
    points BIGINT NOT NULL,           -- how many figures, and the counts and sums of the values
    based_points BIGINT NOT NULL,     -- and moving ranges of the limit-setting months alone and
    based_sum DOUBLE NOT NULL,        -- of every month (a moving range is the limit-setting
    based_mr_points BIGINT NOT NULL,  -- months' when both its months are)
    based_mr_sum DOUBLE NOT NULL,
    all_sum DOUBLE NOT NULL,
    all_mr_points BIGINT NOT NULL,
    all_mr_sum DOUBLE NOT NULL,
    tail_x DOUBLE[] NOT NULL,         -- the last values and their months, latest first
    tail_months INTEGER[] NOT NULL
)"""


def checksum_sql(as_of: int | None = None) -> str:
    """Per series, as aggregates over `figures`: how many figures SPC reads, and a checksum of
    their months and values that any revision, addition or removal changes."""
    held = "value IS NOT NULL" + (f" AND month <= {int(as_of)}" if as_of is not None else "")
    return f"count(*) FILTER (WHERE {held}) AS spc_points, {series_checksum('value', held)} AS spc_checksum"


def settings_rows(plan, phases: list[dict]) -> list[dict]:
    """(measure_id, settings) of each measure whose summary can be kept: not seasonal, not
    screened. `phases` are spc.phase_rows (the plan's and the app's process changes)."""
    starts: dict[str, list] = {}
    for row in phases:
        if row["phase"] > 0:
            starts.setdefault(row["measure_id"], []).append(row["phase_from"])
    return [{"measure_id": m.id,
             "settings": "|".join(map(str, (VERSION, m.spc_baseline, starts.get(m.id, []))))}
            for m in plan.measures if not spc.seasonal_of(m) and not m.spc_screen_outliers]


def points_sql(series: str, keys: str, as_of: int | None, phased: bool, seasonal_ids: list[str],
               measures: str = "plan_measures") -> str:
    """The figures of the series in the table `series` as SPC points (spc.build_spc's input),
    each in its phase from `spc_phase_frame`, with the plan's options from the table `measures`."""
    from metrics.engine import literal
    phase = ("coalesce(ph.phase, 0) AS phase, ph.phase_from, ph.phase_note" if phased else
             "0 AS phase, CAST(NULL AS BIGINT) AS phase_from, CAST(NULL AS VARCHAR) AS phase_note")
    # Each phase runs from its first month to the next phase's: the latest phase begun by the
    # month (an ASOF join). Without recorded changes, no join: it would cost a pass of its own.
    phase_join = ("""ASOF LEFT JOIN (SELECT * FROM spc_phase_frame WHERE phase > 0) ph
             ON ph.measure_id = f.measure_id AND f.month >= ph.phase_from""" if phased else "")
    seasonal = f"list_contains({literal(seasonal_ids)}, f.measure_id)" if seasonal_ids else "false"
    until = f"AND f.month <= {int(as_of)}" if as_of is not None else ""
    return f"""SELECT {", ".join("s." + k for k in keys.split(", "))}, f.month, f.value AS x,
               (m.spc_first IS NULL OR f.month BETWEEN m.spc_first AND m.spc_last) AS in_baseline,
               m.spc_screen AS screen, {phase}, {seasonal} AS seasonal,
               m.aggregation = 'sum' OR m.unit = 'count' AS multiplicative
        FROM figures f
        JOIN {series} s ON s.measure_id = f.measure_id AND s.area = f.area
        JOIN {measures} m ON m.measure_id = f.measure_id
        {phase_join}
        WHERE f.value IS NOT NULL {until}"""


def phase_table(cur, plan) -> list[dict]:
    """Table `spc_phase_frame`: every measure's phases, the plan's and those added in the app."""
    from metrics.engine import insert_rows
    from metrics.workflow import process_change_rows  # the changes analysts added in the app
    phases = spc.phase_rows(plan, process_change_rows(cur))
    cur.execute("""CREATE OR REPLACE TEMP TABLE spc_phase_frame (measure_id VARCHAR, phase BIGINT,
        phase_from BIGINT, phase_until BIGINT, phase_note VARCHAR, seasonal BOOLEAN)""")
    insert_rows(cur, "spc_phase_frame", phases)
    return phases


def kept(cur) -> bool:
    """Whether the store keeps summaries (a store made before them, or in PostgreSQL, does not)."""
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() "
                            "WHERE table_name = 'spc_state' AND NOT temporary").fetchone()[0])


def take_held(cur, phases: list[dict], plan) -> None:
    """Table `spc_held`: the summaries still true of the series in `spc_series`, whose `held`
    row (engine's scope) carries the checksum of their figures up to the as-of month, as
    spc.build_spc takes them; and `spc_series_left`, the series to work out from their figures."""
    from metrics.engine import insert_rows
    cur.execute("CREATE OR REPLACE TEMP TABLE spc_settings (measure_id VARCHAR, settings VARCHAR)")
    insert_rows(cur, "spc_settings", settings_rows(plan, phases))
    still_true = """(
        SELECT s.series, st.* EXCLUDE (measure_id, area, settings, checksum)
        FROM spc_series s
        JOIN held h USING (measure_id, area)
        JOIN spc_state st USING (measure_id, area)
        JOIN spc_settings c ON c.measure_id = st.measure_id AND c.settings = st.settings
        WHERE st.series_points = h.spc_points AND st.checksum = h.spc_checksum)"""
    cur.execute(f"CREATE OR REPLACE TEMP TABLE spc_held AS {spc.limits_of_sums(still_true)}")
    cur.execute("""CREATE OR REPLACE TEMP TABLE spc_series_left AS
        SELECT * FROM spc_series WHERE series NOT IN (SELECT series FROM spc_held)""")


_WORK_TABLES = ("spc_plan_measures", "spc_phase_frame", "spc_settings", "spc_appendable",
                "spc_rebuilt", "spc_appended", "spc_state_series")


def refresh(conn, plan, measure_ids: list[str], compared: bool = False) -> None:
    """Bring up to date the summaries of every series of these measures, from the figures held
    and, with `compared`, the load's table of them (metrics.store.compare_incoming); on the
    writer's own connection, inside its transaction, so that summaries and figures change
    together. A series that only gained later months in the same phase is extended by them (a
    month's load into a big store need not reread its history); any other is made again."""
    from metrics.engine import PLAN_TABLES, insert_rows, literal, plan_rows
    conn.execute(TABLE)
    conn.execute(PLAN_TABLES["plan_measures"].replace("plan_measures", "spc_plan_measures", 1))
    insert_rows(conn, "spc_plan_measures", plan_rows(plan)["plan_measures"])
    phases = phase_table(conn, plan)
    conn.execute("CREATE OR REPLACE TEMP TABLE spc_settings (measure_id VARCHAR, settings VARCHAR)")
    insert_rows(conn, "spc_settings", [row for row in settings_rows(plan, phases) if row["measure_id"] in measure_ids])
    touched = ", ".join(map(literal, measure_ids)) or "NULL"
    # Only a write beside summaries already kept can extend them (a first load has none).
    extendable = compared and conn.execute(
        f"SELECT count(*) FROM spc_state WHERE measure_id IN ({touched})").fetchone()[0] > 0
    _find_appendable(conn, touched, compared, extendable)
    conn.execute(f"""DELETE FROM spc_state WHERE measure_id IN ({touched})
        AND ((measure_id, area) IN (SELECT measure_id, area FROM spc_rebuilt)
             OR measure_id NOT IN (SELECT measure_id FROM spc_settings))""")
    if extendable:
        _append(conn)
    _rebuild(conn, plan, any(p["phase"] > 0 for p in phases))
    conn.execute("DROP VIEW spc_written")  # (a failure rolls the write back, and these with it)
    for name in _WORK_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {name}")


def _find_appendable(conn, touched: str, compared: bool, extendable: bool) -> None:
    """The view `spc_written` (the figures this write brought) and the tables `spc_appendable`
    (the series whose summary has the same settings and which gained only months after its
    last, with no process change starting among them) and `spc_rebuilt` (the other series
    written; without `compared`, every series of the measures)."""
    written = (f"SELECT measure_id, area, month, value, change FROM compared "
               f"WHERE change <> 'unchanged' AND measure_id IN ({touched})" if compared else
               "SELECT NULL::VARCHAR AS measure_id, NULL::VARCHAR AS area, NULL::INTEGER AS month, "
               "NULL::DOUBLE AS value, NULL::VARCHAR AS change WHERE false")
    conn.execute(f"CREATE OR REPLACE TEMP VIEW spc_written AS {written}")
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE spc_appendable AS
        SELECT measure_id, area FROM (
            SELECT w.measure_id, w.area, st.tail_months[1] AS last_month,
                   bool_and(w.change = 'added' AND w.month > st.tail_months[1]) AS later_only, max(w.month) AS until
            FROM spc_written w
            JOIN spc_state st USING (measure_id, area)
            JOIN spc_settings c ON c.measure_id = st.measure_id AND c.settings = st.settings
            WHERE {str(extendable).lower()}
            GROUP BY w.measure_id, w.area, st.tail_months[1]) n
        WHERE later_only AND NOT EXISTS (
            SELECT 1 FROM spc_phase_frame p WHERE p.measure_id = n.measure_id AND p.phase > 0
            AND p.phase_from > n.last_month AND p.phase_from <= n.until)""")
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE spc_rebuilt AS
        SELECT DISTINCT measure_id, area FROM {"spc_written" if compared else "figures"}
        WHERE measure_id IN (SELECT measure_id FROM spc_settings)
        EXCEPT SELECT measure_id, area FROM spc_appendable""")


def _append(conn) -> None:
    """Extend the appendable series' summaries by their new months: each new point's moving range
    from the point before it (the summary's last, for the first), the counts and sums, the
    checksum (an XOR, so the new points' alone are added to it) and the last values."""
    in_baseline = "(m.spc_first IS NULL OR {month} BETWEEN m.spc_first AND m.spc_last)"
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE spc_appended AS
        WITH points AS (
            SELECT w.measure_id, w.area, CAST(w.month AS INTEGER) AS month, w.value AS x,
                   {in_baseline.format(month="w.month")} AS in_baseline,
                   abs(w.value - coalesce(lag(w.value) OVER series, st.tail_x[1])) AS moving_range,
                   {in_baseline.format(month="coalesce(lag(w.month) OVER series, st.tail_months[1])")}
                     AS previous_in_baseline
            FROM spc_written w
            JOIN spc_appendable USING (measure_id, area)
            JOIN spc_state st USING (measure_id, area)
            JOIN spc_plan_measures m USING (measure_id)
            WHERE w.value IS NOT NULL
            WINDOW series AS (PARTITION BY w.measure_id, w.area ORDER BY w.month))
        SELECT measure_id, area, count(*) AS points, {series_checksum('x')} AS checksum,
               count(*) FILTER (WHERE in_baseline) AS based_points,
               coalesce(sum(x) FILTER (WHERE in_baseline), 0) AS based_sum,
               count(*) FILTER (WHERE in_baseline AND previous_in_baseline) AS based_mr_points,
               coalesce(sum(moving_range) FILTER (WHERE in_baseline AND previous_in_baseline), 0) AS based_mr_sum,
               sum(x) AS all_sum, sum(moving_range) AS all_mr_sum,
               list_reverse_sort(list({{'month': month, 'x': x}})) AS new_points  -- latest first; no ordered aggregate
        FROM points GROUP BY measure_id, area""")
    window = spc.LATEST_POINT_WINDOW
    conn.execute(f"""UPDATE spc_state st SET
            checksum = xor(st.checksum, a.checksum), series_points = st.series_points + a.points,
            points = st.points + a.points, based_points = st.based_points + a.based_points,
            based_sum = st.based_sum + a.based_sum, based_mr_points = st.based_mr_points + a.based_mr_points,
            based_mr_sum = st.based_mr_sum + a.based_mr_sum, all_sum = st.all_sum + a.all_sum,
            all_mr_points = st.all_mr_points + a.points, all_mr_sum = st.all_mr_sum + a.all_mr_sum,
            tail_x = list_concat(list_transform(a.new_points, p -> p.x), st.tail_x)[:{window}],
            tail_months = list_concat(list_transform(a.new_points, p -> p.month), st.tail_months)[:{window}]
        FROM spc_appended a WHERE st.measure_id = a.measure_id AND st.area = a.area""")


def _rebuild(conn, plan, phased: bool) -> None:
    """Make again, from all their figures, the summaries of the touched measures' series that
    were not extended."""
    conn.execute("""CREATE OR REPLACE TEMP TABLE spc_state_series AS
        SELECT measure_id, area, row_number() OVER () AS series, settings
        FROM spc_rebuilt JOIN spc_settings USING (measure_id)""")
    points = points_sql("spc_state_series", "series", None, phased, [], measures="spc_plan_measures")
    sums = spc.latest_phase_sums(conn, points, "series", plan.year_start_month, phased)
    conn.execute(f"""INSERT INTO spc_state BY NAME
        SELECT s.measure_id, s.area, s.settings, l.* EXCLUDE (series)
        FROM ({sums}) l JOIN spc_state_series s USING (series)""")

"""Each series' SPC summary, kept in the store so that a status need not read every figure.

A status flags each series' latest month. For that it needs, of the series' latest phase, the
count, mean and mean moving range of its limit-setting months and its last few values
(`spc.latest_phase_summary`). Working them out reads every figure in month order: at 22 million
figures, 3.5 s of an 8 s status. So each load keeps the summary of every series of the measures it
touched in the table `spc_state`, and a status takes a series' summary only while it is still true:

- it summarises exactly the figures held up to the as-of month (their count and a checksum of
  every month and value agree), so a revision, a later month or an earlier as-of month sends
  that series the long way;
- the measure's SPC settings are those it was made with (limit-setting months, process changes);
- the measure is neither seasonal nor screened (their limits move with every figure).

Every other series is worked out from its figures in the same query, as before, so a stale or
missing summary costs time, never a wrong status. Stores in PostgreSQL keep none.
"""
from __future__ import annotations

from metrics import spc

VERSION = "1"  # part of every summary's settings: a change to the SPC arithmetic bumps it

TABLE = """CREATE TABLE IF NOT EXISTS spc_state (
    measure_id VARCHAR NOT NULL,
    area VARCHAR NOT NULL,
    settings VARCHAR NOT NULL,        -- the measure's SPC settings when made (settings_rows)
    checksum UBIGINT,                 -- of the months and values summarised (checksum_sql)
    series_points BIGINT NOT NULL,    -- how many figures, over every phase
    phase BIGINT NOT NULL,            -- the latest phase, and of it:
    points BIGINT NOT NULL,
    unbased BOOLEAN,
    mean DOUBLE,
    mean_moving_range DOUBLE,
    tail_x DOUBLE[],                  -- the last values and their months, latest first
    tail_months INTEGER[]
)"""


def checksum_sql(as_of: int | None = None) -> str:
    """Per series, as aggregates over `figures`: how many figures SPC reads, and a checksum of
    their months and values that any revision, addition or removal changes."""
    held = "value IS NOT NULL" + (f" AND month <= {int(as_of)}" if as_of is not None else "")
    return (f"count(*) FILTER (WHERE {held}) AS spc_points, "
            f"bit_xor(hash(month, value)) FILTER (WHERE {held}) AS spc_checksum")


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


def points_sql(series: str, keys: str, as_of: int | None, phased: bool, seasonal_ids: list[str]) -> str:
    """The figures of the series in the table `series` as SPC points (spc.build_spc's input),
    each in its phase from `spc_phase_frame`, with the plan's options from `plan_measures`."""
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
        JOIN plan_measures m ON m.measure_id = f.measure_id
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
    row (engine's scope) carries the checksum of their figures up to the as-of month; and
    `spc_series_left`, the series to work out from their figures."""
    from metrics.engine import insert_rows
    cur.execute("CREATE OR REPLACE TEMP TABLE spc_settings (measure_id VARCHAR, settings VARCHAR)")
    insert_rows(cur, "spc_settings", settings_rows(plan, phases))
    cur.execute("""CREATE OR REPLACE TEMP TABLE spc_held AS
        SELECT s.series, st.phase, st.points, st.unbased, st.mean, st.mean_moving_range,
               st.tail_x, st.tail_months, st.series_points
        FROM spc_series s
        JOIN held h USING (measure_id, area)
        JOIN spc_state st USING (measure_id, area)
        JOIN spc_settings c ON c.measure_id = st.measure_id AND c.settings = st.settings
        WHERE st.series_points = h.spc_points AND st.checksum = h.spc_checksum""")
    cur.execute("""CREATE OR REPLACE TEMP TABLE spc_series_left AS
        SELECT * FROM spc_series WHERE series NOT IN (SELECT series FROM spc_held)""")


def refresh(conn, plan, measure_ids: list[str]) -> None:
    """Make again the summaries of every series of these measures, from the figures held; on the
    load's own connection, inside its write transaction, so summary and figures change together."""
    from metrics.engine import PLAN_TABLES, insert_rows, literal, plan_rows
    conn.execute(TABLE)
    conn.execute(f"DELETE FROM spc_state WHERE measure_id IN ({', '.join(map(literal, measure_ids)) or 'NULL'})")
    conn.execute(PLAN_TABLES["plan_measures"].replace("plan_measures", "spc_plan_measures", 1))
    try:
        insert_rows(conn, "spc_plan_measures", plan_rows(plan)["plan_measures"])
        phases = phase_table(conn, plan)
        conn.execute("CREATE OR REPLACE TEMP TABLE spc_settings (measure_id VARCHAR, settings VARCHAR)")
        insert_rows(conn, "spc_settings", [row for row in settings_rows(plan, phases) if row["measure_id"] in measure_ids])
        conn.execute("""CREATE OR REPLACE TEMP TABLE spc_state_series AS
            SELECT measure_id, area, row_number() OVER () AS series, any_value(settings) AS settings,
                   """ + checksum_sql() + """
            FROM figures JOIN spc_settings USING (measure_id) GROUP BY measure_id, area""")
        phased = any(p["phase"] > 0 for p in phases)
        points = points_sql("spc_state_series", "series", None, phased, []).replace(
            "JOIN plan_measures m", "JOIN spc_plan_measures m")
        summary = spc.latest_phase_summary(conn, points, "series", plan.year_start_month, phased)
        conn.execute(f"""INSERT INTO spc_state
            SELECT s.measure_id, s.area, s.settings, s.spc_checksum, l.series_points, l.phase, l.points,
                   l.unbased, l.mean, l.mean_moving_range, l.tail_x, l.tail_months
            FROM ({summary}) l JOIN spc_state_series s USING (series)""")
    finally:
        for name in ("spc_plan_measures", "spc_phase_frame", "spc_settings", "spc_state_series"):
            conn.execute(f"DROP TABLE IF EXISTS {name}")

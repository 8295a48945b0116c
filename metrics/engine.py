"""The status engine: plan and figures joined in DuckDB, every measure and area at once.

For an as-of month and a grain it works out, per measure and area: the actual, the target in force,
the baseline, variances, RAG, trend and SPC signals. The steps are temporary tables built one after
another on a private cursor, so each can be read and tested on its own:

    anchors -> scope -> windows -> actuals -> baselines -> target_values -> resolved -> spc -> status

An anchor is a month to report on with a grain: the as-of month itself, the previous period, the
same period a year earlier, and the as-of month at month grain for SPC assurance.
"""
from __future__ import annotations

import datetime as dt

import duckdb
from metrics.lazy import pandas as pd

from metrics import spc, spc_state, targets, vocabulary
from metrics.errors import NotHeld
from metrics.formats import band_words
from metrics.periods import (GRAIN_NAMES, GRAINS, month_index, month_label, month_words, months_in_grain,
                             period_label, period_words, previous_anchor, range_words, window_sql)
from metrics.plan import Plan
from metrics.status_rules import prorate_sql, rag_sql, tolerance_sql, trend_sql
from metrics.sums import steady_mean, steady_sum

STATUS_COLUMNS = [
    "priority_id", "objective_id", "measure_id", "measure", "area", "grain", "period", "actual",
    "target", "baseline", "variance", "rag", "trend", "spc_variation", "spc_assurance",
    "last_data_period",
]

# The plan as tables, typed here so that an empty column (a plan with no comparator) is still text.
PLAN_TABLES = {
    "plan_measures": """CREATE TEMP TABLE plan_measures (
        measure_id VARCHAR, priority_id VARCHAR, objective_id VARCHAR, title VARCHAR, unit VARCHAR,
        direction VARCHAR, aggregation VARCHAR, assess_on VARCHAR, native_months INTEGER, scale DOUBLE,
        tolerance_value DOUBLE, tolerance_is_percent BOOLEAN, stable_value DOUBLE, stable_is_percent BOOLEAN,
        baseline_first INTEGER, baseline_last INTEGER, baseline_value DOUBLE, trajectory VARCHAR,
        spc_first INTEGER, spc_last INTEGER, spc_screen BOOLEAN, owner VARCHAR, sort_order INTEGER)""",
    "plan_targets": """CREATE TEMP TABLE plan_targets (
        measure_id VARCHAR, seq INTEGER, kind VARCHAR, value DOUBLE, by_month INTEGER, from_month INTEGER,
        series VARCHAR, area VARCHAR, trajectory VARCHAR, measure VARCHAR)""",
    "plan_areas": """CREATE TEMP TABLE plan_areas (
        area VARCHAR, area_name VARCHAR, area_kind VARCHAR, area_order INTEGER)""",
}


# How a measure's months roll up into one figure, over figures `f` of measure `m`. A ratio re-sums
# numerators and denominators; months loaded as percentages only can just be averaged.
ROLL_UP = f"""CASE m.aggregation
        WHEN 'sum' THEN {steady_sum("f.value")}
        WHEN 'mean' THEN {steady_mean("f.value")}
        WHEN 'ratio' THEN CASE WHEN count(f.denominator) = count(f.value)
                               THEN m.scale * {steady_sum("f.numerator")} / nullif({steady_sum("f.denominator")}, 0)
                               ELSE {steady_mean("f.value")} END
        WHEN 'last' THEN arg_max(f.value, f.month) FILTER (WHERE f.value IS NOT NULL)
    END"""


def _reason(r, plan: Plan, period: str) -> str | None:
    """Why a measure the plan gives a target has no status, in words (None for a missing number)."""
    if r["rag"] != "no_data":
        return None
    if r["actual"] is None:
        return f"no figures for {period}"
    if not r["complete"]:
        if r["aggregation"] == "last":
            return f"no figure for {month_words(int(r['period_last_month']))}, the period's last month"
        return f"figures for {int(r['months_held'])} of {int(r['months_expected'])} months of {period}"
    measure = plan.measure(r["measure_id"])
    target = measure.targets[int(r["target_seq"])] if r["target_seq"] is not None else None
    why = "the target cannot be worked out: "
    if target is not None and target.kind == "comparator":
        return why + f"no {plan.area_name(target.series)} figures for {period}"
    if target is not None and target.kind == "measure":
        other = getattr(target, "measure", None)
        title = next((m.title for m in plan.measures if m.id == other), other)
        return why + f"no {title} figures for {period}"
    if measure.baseline is not None and measure.baseline.first is not None:
        return why + f"no baseline figures for {range_words(measure.baseline.first, measure.baseline.last)}"
    return why + "no baseline"


_WORD_INPUTS = ("anchor", "grain", "previous_anchor", "measure_id", "target_seq", "unit", "rag", "actual",
                "complete", "aggregation", "period_last_month", "months_held", "months_expected")


def _each_once(word, *columns) -> list:
    """word(*values) for each row of the columns, worked out once for each distinct set of values:
    a national status has 90,000 rows but a few hundred different periods, targets and signals."""
    done: dict = {}
    lists = [c.tolist() if hasattr(c, "tolist") else c for c in columns]  # a Series is slow to iterate
    return [done[key] if key in done else done.setdefault(key, word(*key)) for key in zip(*lists)]


def _plain(column) -> list:
    """A column as a list, anything missing as None (NaN is never equal to itself: never a repeat)."""
    return column.astype(object).where(column.notna(), None).tolist()


def add_words(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The status frame's columns in words, from the vocabulary and the plan: what every view shows."""
    ysm = plan.year_start_month
    measures = {m.id: m for m in plan.measures}
    values = {c: _plain(frame[c]) for c in _WORD_INPUTS if c in frame.columns}
    frame["period_words"] = _each_once(lambda a, g: period_words(int(a), g, ysm), values["anchor"], values["grain"])
    frame["previous_label"] = _each_once(lambda a, g: None if a is None else period_words(int(a), g, ysm),
                                         values["previous_anchor"], values["grain"])
    frame["grain_words"] = frame["grain"].map(GRAIN_NAMES)
    frame["target_words"] = _each_once(
        lambda m, seq: None if seq is None else targets.target_words(measures[m].targets[int(seq)], measures[m], plan),
        values["measure_id"], values["target_seq"])
    frame["tolerance_words"] = _each_once(lambda m, unit: band_words(measures[m].tolerance, unit),
                                          values["measure_id"], values["unit"])
    words = frame["period_words"].tolist()
    frame["rag_reason"] = [None if rag != "no_data" else _reason({c: v[i] for c, v in values.items()}, plan, words[i])
                           for i, rag in enumerate(values["rag"])]
    signals = (frame["rag"], frame["trend"], frame["spc_variation"], frame["spc_assurance"])
    frame["summary"] = _each_once(vocabulary.summary, *signals)
    frame["exception"] = _each_once(vocabulary.is_exception, *signals[:3])
    frame["watch"] = _each_once(vocabulary.is_watch, *signals[:3])
    return frame


def plan_rows(plan: Plan) -> dict[str, list[dict]]:
    """The plan as three small tables for DuckDB, each a list of rows in its table's column order."""
    measures = [{
        "measure_id": m.id, "priority_id": m.priority_id, "objective_id": m.objective_id,
        "title": m.title, "unit": m.unit, "direction": m.direction, "aggregation": m.aggregation,
        "assess_on": m.assess_on, "native_months": months_in_grain(m.assess_on), "scale": m.scale,
        "tolerance_value": m.tolerance.value, "tolerance_is_percent": m.tolerance.is_percent,
        "stable_value": m.stable_within.value if m.stable_within else None,
        "stable_is_percent": m.stable_within.is_percent if m.stable_within else None,
        "baseline_first": m.baseline.first if m.baseline else None,
        "baseline_last": m.baseline.last if m.baseline else None,
        "baseline_value": m.baseline.value if m.baseline else None,
        "trajectory": m.trajectory,
        "spc_first": m.spc_baseline[0] if m.spc_baseline else None,
        "spc_last": m.spc_baseline[1] if m.spc_baseline else None,
        "spc_screen": m.spc_screen_outliers,
        "owner": m.owner, "sort_order": m.order,
    } for m in plan.measures]
    targets_ = [{
        "measure_id": m.id, "seq": i, "kind": t.kind, "value": t.value, "by_month": t.by,
        "from_month": t.start, "series": t.series, "area": t.area,
        # Per-target trajectory and the `measure` kind's other measure (PLAN branch fields).
        "trajectory": getattr(t, "trajectory", None), "measure": getattr(t, "measure", None),
    } for m in plan.measures for i, t in enumerate(m.targets)]
    areas = [{"area": a.code, "area_name": a.name, "area_kind": a.kind, "area_order": i}
             for i, a in enumerate(plan.areas)]
    return {"plan_measures": measures, "plan_targets": targets_, "plan_areas": areas}


def literal(value) -> str:
    """A Python value as a DuckDB literal. DuckDB's Python binding imports pandas to bind any
    parameter at all (0.35 s), so the status path writes its few values into the SQL instead."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # text cast: parsed exactly, where 0.1 alone would be a DECIMAL
        return f"CAST('{value!r}' AS DOUBLE)"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def insert_rows(conn, table: str, rows: list[dict]) -> None:
    """Rows (dicts with the same keys) into a typed table in one statement: no DataFrame and no
    bound parameters, so a command that needs neither does not import pandas."""
    if not rows:
        return
    columns = list(rows[0])
    values = ", ".join("(" + ", ".join(literal(row[c]) for c in columns) + ")" for row in rows)
    conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}")


def _create_plan_tables(conn, tables: dict, prefix: str) -> None:
    for name, rows in tables.items():
        ddl = PLAN_TABLES[name]
        conn.execute(ddl.replace("CREATE TEMP TABLE ", f"CREATE TABLE {prefix}") if prefix else ddl)
        insert_rows(conn, f"{prefix}{name}", rows)


class Engine:
    """Status and charts for one plan over one figures store connection."""

    def __init__(self, conn, plan: Plan):
        self.conn = conn
        self.plan = plan
        # The plan's tables live in an in-memory database attached to the connection, made once
        # and shared by every cursor; each cursor's own steps are its temporary tables.
        # A read-only connection cannot attach one, so there each cursor makes its own copy.
        self._frames = plan_rows(plan)
        self._catalog = f"plan_{id(self):x}"
        try:
            conn.execute(f"ATTACH ':memory:' AS {self._catalog}")
        except duckdb.Error:
            self._catalog = None
        else:
            _create_plan_tables(conn, self._frames, f"{self._catalog}.")

    def __del__(self):
        if self._catalog:
            try:
                self.conn.execute(f"DETACH {self._catalog}")
            except Exception:
                pass  # the connection may already be closed

    def _cursor(self):
        """A private cursor that sees the plan's tables under their plain names."""
        cur = self.conn.cursor()
        if self._catalog is None:
            _create_plan_tables(cur, self._frames, "")
        else:
            for name in PLAN_TABLES:
                cur.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM {self._catalog}.{name}")
        return cur

    # --- what months there are ---------------------------------------------------------------

    def latest_month(self) -> int | None:
        """The latest month with any figure."""
        return self.conn.execute("SELECT max(month) FROM figures").fetchone()[0]

    def _measures_per_month(self, where: str = "", params: list | None = None) -> list[tuple[int, int]]:
        return self.conn.execute(f"""SELECT month, count(DISTINCT measure_id) FROM figures
            WHERE list_contains(?, measure_id) {where} GROUP BY month ORDER BY month""",
                                 [self.plan.measure_ids, *(params or [])]).fetchall()

    def default_as_of(self) -> int | None:
        """The latest month in which at least half of the measures that have figures hold one, so
        two measures loaded early for a new month do not turn the rest to "no data"."""
        return self.conn.execute(f"""
            WITH held AS (SELECT DISTINCT measure_id, month FROM figures
                          WHERE measure_id IN ({", ".join(literal(m) for m in self.plan.measure_ids)})),
                 per_month AS (SELECT month, count(*) AS n FROM held GROUP BY month)
            SELECT max(month) FROM per_month
            WHERE 2 * n >= (SELECT count(DISTINCT measure_id) FROM held)""").fetchone()[0]

    def later_figures(self, as_of: int) -> list[tuple[int, int]]:
        """(month, number of measures with a figure that month) for months after as_of, oldest first."""
        return [(int(m), int(n)) for m, n in self._measures_per_month("AND month > ?", [as_of])]

    def months(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT month FROM figures ORDER BY month").fetchall()]

    # --- the pipeline ------------------------------------------------------------------------

    def _scope(self, cur, area: str | None, as_of: int | None = None, checksum: bool = False) -> None:
        """Table `scope`: the (measure, area) pairs to report. `all` means the force and every
        area holding figures for the measure; comparator series are not reported as areas.
        `held` (the series holding figures) also gives, with `as_of`, each one's last month up to
        it, and with `checksum` its SPC checksum there (metrics.spc_state): one pass for all three."""
        # A measure with no figures at all for an area is not reported there; the force always is.
        # `all` is the force and its districts: comparators and peer forces are never mixed in.
        extra = "" if as_of is None else f", max(month) FILTER (WHERE month <= {int(as_of)}) AS last_month"
        if checksum:
            extra += ", " + spc_state.checksum_sql(as_of)
        cur.execute(f"CREATE OR REPLACE TEMP TABLE held AS SELECT measure_id, area{extra} FROM figures GROUP BY ALL")
        held = "EXISTS (SELECT 1 FROM held h WHERE h.measure_id = m.measure_id AND h.area = a.area)"
        if area in (None, "force"):
            where = "a.area = 'force'"
        elif area == "all":
            where = f"a.area = 'force' OR (a.area_kind = 'district' AND {held})"
        else:
            where = f"a.area = {literal(area)} AND (a.area = 'force' OR {held})"
        cur.execute(f"""CREATE OR REPLACE TEMP TABLE scope AS
            SELECT m.measure_id, a.area, true AS reported FROM plan_measures m, plan_areas a
            WHERE ({where}) AND m.measure_id IN (SELECT measure_id FROM anchors)""")
        # Comparator series are needed to resolve comparator targets, though never reported.
        cur.execute("""INSERT INTO scope
            SELECT DISTINCT t.measure_id, t.series, false FROM plan_targets t
            WHERE t.series IS NOT NULL AND t.measure_id IN (SELECT measure_id FROM anchors)
              AND (t.measure_id, t.series) NOT IN (SELECT measure_id, area FROM scope)""")

    def _windows(self, cur) -> None:
        """Table `windows`: for each anchor, the first and last month of its grain's period."""
        first, last = window_sql("anchor", "grain", self.plan.year_start_month)  # periods.py's rule
        cur.execute(f"""CREATE OR REPLACE TEMP TABLE windows AS
            SELECT *, last_month - first_month + 1 AS months_expected FROM (
              SELECT an.*, {first} AS first_month, {last} AS last_month FROM anchors an)""")

    @staticmethod
    def _figures_within(cur, months_sql: str) -> str:
        """`figures` narrowed to the months between the least and greatest of `months_sql` (a
        SELECT of first, last): a scan drops the other months before any join, where a join's
        own month condition is tested row by row (a third of a second at 22 million figures)."""
        first, last = cur.execute(f"SELECT min(first), max(last) FROM ({months_sql})").fetchone()
        if first is None:
            return "(SELECT * FROM figures WHERE false)"
        return f"(SELECT * FROM figures WHERE month BETWEEN {int(first)} AND {int(last)})"

    def _actuals(self, cur) -> None:
        """Table `actuals`: each window's figures rolled up with the measure's aggregation.

        A period is complete when every month is held; a stock (`last`) when its last month is.
        """
        figures = self._figures_within(cur, "SELECT first_month AS first, least(last_month, anchor) AS last FROM windows")
        # Each window of each series numbered first, so the roll-up groups by one integer.
        cur.execute("""CREATE OR REPLACE TEMP TABLE series_windows AS
            SELECT row_number() OVER () AS window_id, w.measure_id, s.area, s.reported, w.kind, w.anchor, w.grain,
                   w.first_month, w.last_month, w.months_expected
            FROM windows w JOIN scope s ON s.measure_id = w.measure_id""")
        cur.execute(f"""CREATE OR REPLACE TEMP TABLE actuals AS
            SELECT w.* EXCLUDE (window_id), r.months_held, r.actual, r.complete
            FROM series_windows w JOIN (
              SELECT w.window_id, count(f.month) AS months_held,
                     {ROLL_UP} AS actual,
                     CASE WHEN m.aggregation = 'last'
                          THEN coalesce(bool_or(f.month = w.last_month AND f.value IS NOT NULL), false)
                          ELSE count(f.month) = w.months_expected END AS complete
              FROM series_windows w
              JOIN plan_measures m ON m.measure_id = w.measure_id
              LEFT JOIN {figures} f ON f.measure_id = w.measure_id AND f.area = w.area
                   AND f.month BETWEEN w.first_month AND least(w.last_month, w.anchor)
              GROUP BY w.window_id, w.last_month, w.months_expected, m.aggregation, m.scale) r USING (window_id)""")

    def _baselines(self, cur) -> None:
        """Table `baselines`: each measure and area's baseline, at the grain its targets are stated.

        A published value is the force's; other areas use their own figures over the baseline
        period. Where months are missing it is worked out from the months held, sums scaled up
        (11 months' sum * 12/11), and the months held and expected are kept to say so.
        """
        figures = self._figures_within(cur, "SELECT baseline_first AS first, baseline_last AS last FROM plan_measures")
        cur.execute(f"""CREATE OR REPLACE TEMP TABLE baselines AS
            WITH computed AS (
              SELECT s.measure_id, s.area, count(f.month) AS months_held,
                     {ROLL_UP} AS value
              FROM scope s JOIN plan_measures m USING (measure_id)
              LEFT JOIN {figures} f ON f.measure_id = s.measure_id AND f.area = s.area
                   AND f.month BETWEEN m.baseline_first AND m.baseline_last
              WHERE m.baseline_first IS NOT NULL
              GROUP BY s.measure_id, s.area, m.aggregation, m.scale)
            SELECT s.measure_id, s.area, m.baseline_last,
                   coalesce(m.baseline_last - m.baseline_first + 1, m.native_months) AS baseline_months,
                   s.area = 'force' AND m.baseline_value IS NOT NULL AS published,
                   CASE WHEN NOT published AND c.months_held > 0 THEN c.months_held END AS baseline_months_held,
                   CASE WHEN baseline_months_held IS NOT NULL THEN baseline_months END AS baseline_months_expected,
                   CASE WHEN published THEN m.baseline_value
                        WHEN m.aggregation = 'sum' THEN c.value * baseline_months_expected / baseline_months_held
                        ELSE c.value END AS baseline_raw,
                   CASE WHEN m.aggregation = 'sum'
                        THEN baseline_raw * m.native_months / baseline_months
                        ELSE baseline_raw END AS baseline_native
            FROM scope s JOIN plan_measures m USING (measure_id)
            LEFT JOIN computed c USING (measure_id, area)""")

    def _targets(self, cur) -> None:
        """Tables `target_values` (every plan target as a number) and `resolved` (the one in force)."""
        # The `measure` kind: the other measure's figures for the same area and period, rolled up
        # with that measure's own aggregation (m is the other measure inside ROLL_UP).
        cur.execute(f"""CREATE OR REPLACE TEMP TABLE measure_actuals AS
            SELECT a.measure_id, a.area, a.kind, a.anchor, t.seq, {ROLL_UP} AS actual
            FROM actuals a
            JOIN plan_targets t ON t.measure_id = a.measure_id AND t.kind = 'measure'
            JOIN plan_measures m ON m.measure_id = t.measure
            LEFT JOIN figures f ON f.measure_id = t.measure AND f.area = a.area
                 AND f.month BETWEEN a.first_month AND least(a.last_month, a.anchor)
            WHERE a.reported
            GROUP BY a.measure_id, a.area, a.kind, a.anchor, t.seq, m.aggregation, m.scale""")
        cur.execute(f"""CREATE OR REPLACE TEMP TABLE target_values AS
            SELECT a.measure_id, a.area, a.kind AS anchor_kind, a.anchor, t.seq, t.kind, t.by_month,
                   t.trajectory, {targets.target_value_sql()} AS native_value
            FROM actuals a
            JOIN plan_measures m ON m.measure_id = a.measure_id
            JOIN plan_targets t ON t.measure_id = a.measure_id
            LEFT JOIN baselines b ON b.measure_id = a.measure_id AND b.area = a.area
            LEFT JOIN actuals c ON c.measure_id = a.measure_id AND c.area = t.series
                 AND c.kind = a.kind AND c.anchor = a.anchor
            LEFT JOIN measure_actuals mt ON mt.measure_id = a.measure_id AND mt.area = a.area
                 AND mt.kind = a.kind AND mt.anchor = a.anchor AND mt.seq = t.seq
            WHERE a.reported AND {targets.applies_to_area_sql()}
              AND (t.from_month IS NULL OR t.from_month <= a.last_month)""")
        # In force: the earliest target due on or after the period's end; after the last, the last.
        # A linear trajectory moves by month from the previous milestone (or the baseline); the
        # trajectory is the next milestone's own, else the measure's. Figures from another series
        # or measure are already the period's expected value: they never interpolate.
        cur.execute("""CREATE OR REPLACE TEMP TABLE resolved AS
            WITH sides AS (
              SELECT a.measure_id, a.area, a.kind, a.anchor,
                     min(tv.by_month) FILTER (WHERE tv.by_month >= a.last_month) AS next_by,
                     arg_min(tv.native_value, tv.by_month) FILTER (WHERE tv.by_month >= a.last_month) AS next_value,
                     arg_min(tv.kind, tv.by_month) FILTER (WHERE tv.by_month >= a.last_month) AS next_kind,
                     max(tv.by_month) FILTER (WHERE tv.by_month < a.last_month) AS prev_by,
                     arg_max(tv.native_value, tv.by_month) FILTER (WHERE tv.by_month < a.last_month) AS prev_value,
                     arg_max(tv.kind, tv.by_month) FILTER (WHERE tv.by_month < a.last_month) AS prev_kind,
                     arg_min(tv.trajectory, tv.by_month) FILTER (WHERE tv.by_month >= a.last_month) AS next_trajectory,
                     arg_min(tv.seq, tv.by_month) FILTER (WHERE tv.by_month >= a.last_month) AS next_seq,
                     arg_max(tv.seq, tv.by_month) FILTER (WHERE tv.by_month < a.last_month) AS prev_seq
              FROM actuals a
              JOIN target_values tv ON tv.measure_id = a.measure_id AND tv.area = a.area
                   AND tv.anchor_kind = a.kind AND tv.anchor = a.anchor
              GROUP BY a.measure_id, a.area, a.kind, a.anchor)
            SELECT sides.*, CAST(coalesce(next_kind, prev_kind) AS VARCHAR) AS target_kind,
              coalesce(next_seq, prev_seq) AS target_seq,
              coalesce(next_trajectory, m.trajectory) = 'linear' AND next_kind NOT IN ('comparator', 'measure') AS linear,
              CASE
                WHEN next_by IS NULL THEN prev_value
                WHEN linear AND prev_by IS NOT NULL
                  THEN prev_value + (next_value - prev_value) * (a.last_month - prev_by) / (next_by - prev_by)
                WHEN linear AND b.baseline_native IS NOT NULL
                     AND b.baseline_last < a.last_month AND b.baseline_last < next_by
                  THEN b.baseline_native + (next_value - b.baseline_native)
                       * (a.last_month - b.baseline_last) / (next_by - b.baseline_last)
                ELSE next_value END AS target_native
            FROM sides
            JOIN actuals a USING (measure_id, area, kind, anchor)
            JOIN plan_measures m USING (measure_id)
            LEFT JOIN baselines b USING (measure_id, area)""")

    def _spc(self, cur, as_of: int, latest_only: bool = False, state: bool = False) -> None:
        """SPC over each reported series' monthly points up to the as-of month, each point in its
        plan phase (`spc: phases`), seasonal measures adjusted first (`spc: seasonal`). With
        `state`, the series whose summary the store keeps (metrics.spc_state) are read from it."""
        phases = spc_state.phase_table(cur, self.plan)
        phased = any(p["phase"] > 0 for p in phases)
        seasonal_ids = [m.id for m in self.plan.measures if spc.seasonal_of(m)]
        # The scorecard's series are numbered: ordering and grouping by one integer costs less
        # than by two texts. The chart keeps the texts (the projections read them).
        keys = "series" if latest_only else "measure_id, area"
        cur.execute("""CREATE OR REPLACE TEMP TABLE spc_series AS
            SELECT measure_id, area, row_number() OVER () AS series FROM scope WHERE reported""")
        series = "spc_series"
        if state:
            spc_state.take_held(cur, phases, self.plan)
            series = "spc_series_left"
        spc.build_spc(cur, spc_state.points_sql(series, keys, as_of, phased, seasonal_ids), keys,
                      latest_only=latest_only, year_start_month=self.plan.year_start_month,
                      phased=phased, seasonal=bool(seasonal_ids),
                      screened=any(m.spc_screen_outliers for m in self.plan.measures),
                      held="spc_held" if state else None)
        if latest_only:
            cur.execute("""CREATE OR REPLACE TEMP TABLE spc_flags AS
                SELECT s.measure_id, s.area, f.* EXCLUDE (series) FROM spc_flags f JOIN spc_series s USING (series)""")

    def _run(self, cur, anchors, area: str | None, spc_as_of: int | None, latest_only: bool = False) -> None:
        if isinstance(anchors, list):  # rows: no pandas needed
            cur.execute("""CREATE OR REPLACE TEMP TABLE anchors (
                measure_id VARCHAR, kind VARCHAR, anchor BIGINT, grain VARCHAR)""")
            insert_rows(cur, "anchors", anchors)
        else:
            cur.register("anchors_frame", anchors)
            cur.execute("CREATE OR REPLACE TEMP TABLE anchors AS SELECT * FROM anchors_frame")
        # The scorecard reads the SPC summaries the store keeps, where they are still true.
        state = latest_only and spc_as_of is not None and spc_state.kept(cur)
        self._scope(cur, area, spc_as_of, checksum=state)
        self._windows(cur)
        self._actuals(cur)
        self._baselines(cur)
        self._targets(cur)
        if spc_as_of is not None:
            self._spc(cur, spc_as_of, latest_only, state)

    def _status_anchors(self, as_of: int, grain: str | None) -> list[dict]:
        rows = []
        for m in self.plan.measures:
            g = grain or m.assess_on
            rows += [(m.id, "current", as_of, g), (m.id, "previous", previous_anchor(as_of, g), g),
                     (m.id, "year_ago", as_of - 12, g), (m.id, "spc_month", as_of, "month")]
        return [dict(zip(("measure_id", "kind", "anchor", "grain"), row)) for row in rows]

    # --- the scorecard -----------------------------------------------------------------------

    def _status_result(self, as_of: int | None, grain: str | None, area: str | None, fetch,
                       columns: list[str] | None = None):
        """The as-of month and STATUS_SQL's result (only `columns` of it, if given), read by
        `fetch` before the cursor closes."""
        if grain is not None and grain not in GRAINS:
            raise NotHeld(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
        if area not in (None, "all") and area not in self.plan.area_codes:
            raise NotHeld(f"unknown area {area!r}: use one of {', '.join(self.plan.area_codes)} or all")
        if as_of is None:
            as_of = self.default_as_of()
        if as_of is None:  # nothing loaded yet: report the current month, all "no data"
            today = dt.date.today()
            as_of = month_index(today.year, today.month)
        cur = self._cursor()
        try:
            self._run(cur, self._status_anchors(as_of, grain), area, spc_as_of=as_of, latest_only=True)
            sql = STATUS_SQL.replace("$as_of", str(int(as_of)))  # see literal()
            if columns is not None:  # fewer columns to bring into Python
                sql = f"SELECT {', '.join(columns)} FROM ({sql}) ORDER BY sort_order, area_order"
            return as_of, fetch(cur.execute(sql))
        finally:
            cur.close()

    def status(self, as_of: int | None = None, grain: str | None = None, area: str | None = "force") -> pd.DataFrame:
        """Every measure's status for the as-of month (default: `default_as_of`), at the grain
        given or, without one, each measure at its own `assess_on` grain."""
        as_of, frame = self._status_result(as_of, grain, area, lambda result: result.df())
        ysm = self.plan.year_start_month
        frame["period"] = _each_once(lambda g: period_label(as_of, g, ysm), frame["grain"])
        frame["last_data_period"] = _each_once(lambda m: None if m is None else month_label(int(m)),
                                               _plain(frame["last_month"]))
        frame["as_of"] = month_label(as_of)
        return add_words(frame, self.plan)

    def status_rows(self, as_of: int | None = None, grain: str | None = None,
                    area: str | None = "force", columns: list[str] | None = None) -> list[dict]:
        """`status` as plain rows, without pandas and without the words (the CSV has none):
        STATUS_SQL's columns, or only `columns` of them, and `period`, `last_data_period` and `as_of`."""
        def fetch(result):
            return [d[0] for d in result.description], result.fetchall()
        wanted = None if columns is None else sorted({*columns, "grain", "last_month"} - {"period", "last_data_period", "as_of"})
        as_of, (names, rows) = self._status_result(as_of, grain, area, fetch, wanted)
        ysm, as_of_label = self.plan.year_start_month, month_label(as_of)
        periods = {g: period_label(as_of, g, ysm) for g in GRAINS}
        out = []
        for values in rows:
            row = dict(zip(names, values))
            row["period"] = periods[row["grain"]]
            row["last_data_period"] = month_label(row["last_month"]) if row["last_month"] is not None else None
            row["as_of"] = as_of_label
            out.append(row)
        return out

    # --- one measure's chart -----------------------------------------------------------------

    def chart(self, measure_id: str | None, as_of: int | None = None, area: str | None = None) -> pd.DataFrame:
        """Monthly points with SPC limits, flags and rules, and the monthly target and baseline
        lines, for one measure (or all, with None) and one area (or every area holding figures)."""
        if measure_id is not None:
            self.plan.measure(measure_id)  # KeyError for an unknown measure
        if as_of is None:
            as_of = self.latest_month() or 0
        held = self.conn.execute(
            "SELECT DISTINCT measure_id, month FROM figures WHERE month <= ? AND (? IS NULL OR measure_id = ?)",
            [as_of, measure_id, measure_id]).df()
        anchors = pd.DataFrame({"measure_id": held["measure_id"], "kind": "chart", "anchor": held["month"],
                                "grain": "month"}) if not held.empty else pd.DataFrame(
            [(measure_id or "", "chart", as_of, "month")], columns=["measure_id", "kind", "anchor", "grain"])
        cur = self._cursor()
        try:
            self._run(cur, anchors, area if area else "all", spc_as_of=as_of)
            frame = cur.execute(CHART_SQL, {"measure_id": measure_id}).df()
        finally:
            cur.close()
        frame["period"] = frame["month"].map(lambda m: month_label(int(m)))
        return frame


# Target, tolerance and baseline at the reported grain: sums are pro-rated by months.
_PRORATE = prorate_sql("m.aggregation", "a.months_expected", "m.native_months", "r.target_kind")
_BASELINE_PRORATE = prorate_sql("m.aggregation", "a.months_expected", "m.native_months")

STATUS_SQL = f"""
WITH cur AS MATERIALIZED (
  SELECT a.*, r.target_native * {_PRORATE} AS target, r.target_kind, r.target_seq,
         r.measure_id IS NOT NULL AS has_target,
         b.baseline_native * {_BASELINE_PRORATE} AS baseline,
         b.baseline_months_held, b.baseline_months_expected,
         {tolerance_sql("r.target_native * " + _PRORATE, "m.tolerance_value", "m.tolerance_is_percent", _PRORATE)}
           AS tolerance
  FROM actuals a
  JOIN plan_measures m USING (measure_id)
  LEFT JOIN resolved r USING (measure_id, area, kind, anchor)
  LEFT JOIN baselines b USING (measure_id, area)
  WHERE a.reported),
latest_point AS (
  SELECT * FROM spc_flags QUALIFY row_number() OVER (PARTITION BY measure_id, area ORDER BY month DESC) = 1),
last_held AS (SELECT measure_id, area, last_month FROM held)
SELECT m.priority_id, m.objective_id, c.measure_id, m.title AS measure, c.area, c.grain,
       c.actual, c.target, c.baseline,
       -- A partial period's actual is shown (marked); it is never set against a whole period's figures.
       CASE WHEN c.complete THEN c.actual - c.target END AS variance,
       CASE WHEN c.complete THEN c.actual - c.baseline END AS variance_baseline,
       {rag_sql("c.actual", "c.target", "c.tolerance", "m.direction", "c.complete", "c.has_target")} AS rag,
       {trend_sql("c.actual", "y.actual", "m.direction", "m.stable_value", "m.stable_is_percent",
                  "c.complete AND y.complete")} AS trend,
       {spc.variation_sql()} AS spc_variation,
       {spc.assurance_sql('sm.target')} AS spc_assurance,
       l.last_month,
       -- beyond the spec's columns: what the screens and the JSON need
       m.unit, m.direction, m.aggregation, m.assess_on, m.owner, m.sort_order,
       c.complete, c.months_held, c.months_expected, c.tolerance, c.target_kind, c.target_seq, c.has_target,
       c.first_month, c.last_month AS period_last_month, c.anchor,
       c.baseline_months_held, c.baseline_months_expected,
       m.stable_value, m.stable_is_percent,
       -- The periods compared are like with like: both whole, or no comparison.
       CASE WHEN p.complete THEN p.actual END AS previous_actual,
       CASE WHEN c.complete AND p.complete THEN c.actual - p.actual END AS change_vs_previous,
       p.anchor AS previous_anchor, p.complete AS previous_complete,
       CASE WHEN y.complete THEN y.actual END AS year_ago_actual,
       CASE WHEN c.complete AND y.complete THEN c.actual - y.actual END AS change_vs_year_ago,
       coalesce(l.last_month < $as_of, true) AS overdue,
       s.x AS latest_point, s.mean AS spc_mean, s.lower_limit AS spc_lower_limit,
       s.upper_limit AS spc_upper_limit, -- too few points to judge: no rule is said to have fired
       CASE WHEN s.points >= {spc.MIN_POINTS} THEN s.rules END AS spc_rules, s.points AS spc_points,
       sm.target AS monthly_target,
       ar.area_name, ar.area_kind, ar.area_order
FROM cur c
JOIN plan_measures m USING (measure_id)
JOIN plan_areas ar ON ar.area = c.area
LEFT JOIN cur p ON p.measure_id = c.measure_id AND p.area = c.area AND p.kind = 'previous'
LEFT JOIN cur y ON y.measure_id = c.measure_id AND y.area = c.area AND y.kind = 'year_ago'
LEFT JOIN cur sm ON sm.measure_id = c.measure_id AND sm.area = c.area AND sm.kind = 'spc_month'
LEFT JOIN latest_point s ON s.measure_id = c.measure_id AND s.area = c.area
LEFT JOIN last_held l ON l.measure_id = c.measure_id AND l.area = c.area
WHERE c.kind = 'current'
ORDER BY m.sort_order, ar.area_order
"""

CHART_SQL = f"""
SELECT a.measure_id, a.area, ar.area_name, a.anchor AS month, a.actual AS value,
       f.x IS NOT NULL AS has_point, f.mean, f.lower_limit, f.upper_limit, f.lower_near, f.upper_near,
       f.points, f.beyond_limits, f.run_of_seven, f.trend_of_seven, f.two_of_three,
       f.signal_high, f.signal_low, f.rules,
       f.phase, f.phase_from, f.phase_note, CASE WHEN f.adjusted THEN f.x END AS adjusted_value,
       f.season_factor, f.season_years, f.season_first, f.season_last, f.multiplicative,
       r.target_native * {_PRORATE} AS target,
       CASE WHEN m.tolerance_is_percent THEN abs(r.target_native * {_PRORATE}) * m.tolerance_value / 100
            ELSE m.tolerance_value * {_PRORATE} END AS tolerance,
       b.baseline_native * {_BASELINE_PRORATE} AS baseline
FROM actuals a
JOIN plan_measures m ON m.measure_id = a.measure_id
JOIN plan_areas ar ON ar.area = a.area
LEFT JOIN resolved r ON r.measure_id = a.measure_id AND r.area = a.area AND r.kind = a.kind AND r.anchor = a.anchor
LEFT JOIN baselines b ON b.measure_id = a.measure_id AND b.area = a.area
LEFT JOIN spc_flags f ON f.measure_id = a.measure_id AND f.area = a.area AND f.month = a.anchor
WHERE a.reported AND ($measure_id IS NULL OR a.measure_id = $measure_id) AND a.months_held > 0
ORDER BY m.sort_order, ar.area_order, a.anchor
"""

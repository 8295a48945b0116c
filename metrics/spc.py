"""Statistical process control: XmR charts and the four NHS "Making Data Count" rules.

Each rule is one small function returning SQL over the table `spc_base` (one row per point, with the
series keys, its sequence number `seq`, value `x`, the centre line and the limits), so the engine
flags every point of every series in one pass. Each rule returns a flag per point: 1 for a signal
on the high side, -1 on the low side, 0 for none.

Our choices, following the current MDC tools (see docs/how-status-is-worked-out.md):
- limits come from all points shown, or from the baseline months the plan fixes (`spc: baseline:`);
- no screening of large moving ranges;
- a point exactly on the mean breaks a run; a tie (no change) breaks a trend;
- two of three: points beyond the 3-sigma limit count too, all three points must be on the same
  side of the mean, and the points beyond 2 sigma are the ones flagged;
- where rules point both ways on the latest point, improvement is shown.

Beyond the MDC tools (docs/spc-methods.md): a `phase` per point (the plan's `spc: phases`) makes
each recorded process change its own process, and `spc: {seasonal: true}` runs the chart on
seasonally adjusted values (seasonal_sql).
"""
from __future__ import annotations

import duckdb
from metrics.lazy import pandas as pd

from metrics.sums import series_checksum, steady_division, steady_mean

LIMIT = 2.66                    # 3 / d2 for moving ranges of two points
MOVING_RANGE_LIMIT = 3.267      # D4: a moving range above this many mean moving ranges is screened
NEAR_LIMIT = 2 * LIMIT / 3      # the 2-sigma line
RUN_LENGTH = 7
TREND_LENGTH = 7
MIN_POINTS = 12                 # fewer points than this: insufficient_data
MIN_SEASON_YEARS = 2            # complete years needed before a series is seasonally adjusted


def beyond_limits(keys: str) -> str:
    return f"""SELECT {keys}, seq,
        CASE WHEN x > upper_limit THEN 1 WHEN x < lower_limit THEN -1 ELSE 0 END AS flag
    FROM spc_base"""


def run_of_seven(keys: str, length: int = RUN_LENGTH) -> str:
    # Gaps and islands: consecutive points on one side share `island`; a point on the mean has
    # side 0 and so starts and ends its own island, breaking the run.
    return f"""SELECT {keys}, seq,
        CASE WHEN side <> 0 AND count(*) OVER (PARTITION BY {keys}, side, island) >= {length}
             THEN side ELSE 0 END AS flag
    FROM (SELECT *, seq - row_number() OVER (PARTITION BY {keys}, side ORDER BY seq) AS island
          FROM (SELECT *, sign(x - mean) AS side FROM spc_base))"""


def trend_of_seven(keys: str, length: int = TREND_LENGTH) -> str:
    # 7 points make 6 steps. A step of 0 (a tie) has its own sign and so breaks the trend.
    # The first point of a trend is flagged through the step out of it (`lead`).
    return f"""SELECT {keys}, seq,
        CASE WHEN in_trend <> 0 THEN in_trend
             ELSE coalesce(lead(in_trend) OVER (PARTITION BY {keys} ORDER BY seq), 0) END AS flag
    FROM (SELECT *, CASE WHEN step <> 0 AND count(*) OVER (PARTITION BY {keys}, step, island) >= {length - 1}
                         THEN step ELSE 0 END AS in_trend
          FROM (SELECT *, seq - row_number() OVER (PARTITION BY {keys}, step ORDER BY seq) AS island
                FROM (SELECT *, coalesce(sign(x - lag(x) OVER (PARTITION BY {keys} ORDER BY seq)), 0) AS step
                      FROM spc_base)))"""


def two_of_three(keys: str) -> str:
    # A window of 3 consecutive points signals when all 3 are on one side of the mean and at least
    # 2 are beyond the 2-sigma line on that side (beyond 3 sigma counts). Flag the points beyond
    # 2 sigma in any window that signals: windows ending at this point or at the next two.
    return f"""SELECT {keys}, seq,
        CASE WHEN near = 1 AND 1 IN (window_flag, lead1, lead2) THEN 1
             WHEN near = -1 AND -1 IN (window_flag, lead1, lead2) THEN -1 ELSE 0 END AS flag
    FROM (SELECT *,
                 coalesce(lead(window_flag, 1) OVER (PARTITION BY {keys} ORDER BY seq), 0) AS lead1,
                 coalesce(lead(window_flag, 2) OVER (PARTITION BY {keys} ORDER BY seq), 0) AS lead2
          FROM (SELECT *,
                       CASE WHEN count(*) OVER w3 = 3 AND min(side) OVER w3 = 1
                                 AND sum(CASE WHEN near = 1 THEN 1 ELSE 0 END) OVER w3 >= 2 THEN 1
                            WHEN count(*) OVER w3 = 3 AND max(side) OVER w3 = -1
                                 AND sum(CASE WHEN near = -1 THEN 1 ELSE 0 END) OVER w3 >= 2 THEN -1
                            ELSE 0 END AS window_flag
                FROM (SELECT *, sign(x - mean) AS side,
                             CASE WHEN x > upper_near THEN 1 WHEN x < lower_near THEN -1 ELSE 0 END AS near
                      FROM spc_base)
                WINDOW w3 AS (PARTITION BY {keys} ORDER BY seq ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)))"""


RULES = {
    "beyond_limits": beyond_limits,
    "run_of_seven": run_of_seven,
    "trend_of_seven": trend_of_seven,
    "two_of_three": two_of_three,
}


# --- the latest point alone: what a scorecard needs ---------------------------------------------
# Each rule's flag on each series' latest point, over `spc_tail`: the last points of the latest
# point's phase, each with its side of the mean, its side of the 2-sigma lines (`near`) and the
# series' last `seq`. A GROUP BY of a few points per series, where the rules above order every
# series several times; tests/test_spc_latest_point.py checks each against its rule above.

def beyond_limits_latest(keys: str) -> str:
    return f"""SELECT {keys},
        arg_max(CASE WHEN x > upper_limit THEN 1 WHEN x < lower_limit THEN -1 ELSE 0 END, seq) AS flag
    FROM spc_tail GROUP BY {keys}"""


def run_of_seven_latest(keys: str, length: int = RUN_LENGTH) -> str:
    # A run ends at the latest point when its last `length` points are all on one side.
    return f"""SELECT {keys}, CASE WHEN count(side) = {length} AND min(side) = max(side) THEN min(side) ELSE 0 END AS flag
    FROM spc_tail WHERE seq > last_seq - {length} GROUP BY {keys}"""


def trend_of_seven_latest(keys: str, length: int = TREND_LENGTH) -> str:
    # A trend ends at the latest point when its last `length` points all rise (or all fall): in
    # their own order, distinct (a tie breaks a trend) and sorted.
    # Sorting each list of (seq, x) pairs orders it by seq: far cheaper than an ordered aggregate.
    return f"""SELECT {keys}, CASE WHEN list_unique(xs) < {length} THEN 0 WHEN xs = list_sort(xs) THEN 1
                                  WHEN xs = list_reverse_sort(xs) THEN -1 ELSE 0 END AS flag
    FROM (SELECT {keys}, list_transform(list_sort(list((seq, x))), point -> point[2]) AS xs
          FROM spc_tail WHERE seq > last_seq - {length} GROUP BY {keys})"""


def two_of_three_latest(keys: str) -> str:
    # With no later point, only the window of three ending at the latest point can flag it.
    return f"""SELECT {keys},
        CASE WHEN arg_max(near, seq) = 1 AND count(*) = 3 AND min(side) = 1
                  AND count(*) FILTER (WHERE near = 1) >= 2 THEN 1
             WHEN arg_max(near, seq) = -1 AND count(*) = 3 AND max(side) = -1
                  AND count(*) FILTER (WHERE near = -1) >= 2 THEN -1 ELSE 0 END AS flag
    FROM spc_tail WHERE seq > last_seq - 3 GROUP BY {keys}"""


LATEST_RULES = {
    "beyond_limits": beyond_limits_latest,
    "run_of_seven": run_of_seven_latest,
    "trend_of_seven": trend_of_seven_latest,
    "two_of_three": two_of_three_latest,
}


# Every rule decides a point's flag from at most this many points ending at it, so the latest
# point's signals need only each series' last points (plus the limits, from all of them).
LATEST_POINT_WINDOW = max(RUN_LENGTH, TREND_LENGTH, 3)

_OPTIONAL_COLUMNS = (("phase", "0"), ("seasonal", "false"), ("multiplicative", "true"))


def _input_sql(cur, source: str, params: dict | None) -> str:
    """The points with a phase (0 when the plan records none) and the seasonal options (off unless
    given), so one query serves plain, phased and seasonal series."""
    columns = {d[0] for d in cur.execute(f"SELECT * FROM {source} LIMIT 0", params or {}).description}
    extra = "".join(f", {default} AS {name}" for name, default in _OPTIONAL_COLUMNS if name not in columns)
    return f"SELECT *{extra} FROM {source}"


def _present(cur, input_sql: str, params: dict | None) -> tuple[bool, bool, bool]:
    """Whether any point has a phase after the first, is seasonal, or is screened."""
    row = cur.execute(f"""SELECT coalesce(max(phase) > 0, false), coalesce(bool_or(seasonal), false),
                                 coalesce(bool_or(screen), false) FROM ({input_sql})""", params or {}).fetchone()
    return bool(row[0]), bool(row[1]), bool(row[2])


def seasonal_sql(keys: str, year_start_month: int = 4, source: str = "spc_input") -> str:
    """Each point of a seasonal series with its month-of-year factor and adjusted value.

    Classical decomposition (ratio to a centred 12-month moving average): each limit-setting
    month whose 13-month centred window lies wholly in the limit-setting months gives the ratio
    of its figure to that average (multiplicative) or the difference (additive); a month of the
    year's factor is the mean of its ratios, scaled so the twelve average 1 (sum to 0). The moving
    average takes out the level and its drift, so a falling series does not leave a saw-tooth at
    each year end. With fewer than MIN_SEASON_YEARS ratios for any month of the year, nothing
    is adjusted: one year's pattern is also that year's noise. `year_start_month` is kept for
    callers that word the years used; the factors do not depend on it."""
    return f"""
        WITH p AS (SELECT *, month % 12 + 1 AS calendar_month FROM {source}),
        windowed AS (
            SELECT *, (sum(x) OVER w - (first_value(x) OVER w + last_value(x) OVER w) / 2) / 12 AS centred,
                      count(*) OVER w AS window_points, last_value(month) OVER w - first_value(month) OVER w AS window_span
            FROM p WHERE seasonal AND in_baseline
            WINDOW w AS (PARTITION BY {keys} ORDER BY month ROWS BETWEEN 6 PRECEDING AND 6 FOLLOWING)),
        ratios AS (
            SELECT *, CASE WHEN multiplicative THEN x / nullif(centred, 0) ELSE x - centred END AS r
            FROM windowed WHERE window_points = 13 AND window_span = 12),
        raw_factors AS (
            SELECT {keys}, calendar_month, avg(r) AS factor, count(r) AS years, bool_or(multiplicative) AS mult
            FROM ratios GROUP BY {keys}, calendar_month),
        counts AS (
            SELECT {keys}, CASE WHEN count(*) = 12 THEN min(years) ELSE 0 END AS season_years,
                   avg(factor) AS mean_factor FROM raw_factors GROUP BY {keys}),
        spans AS (SELECT {keys}, min(month) - 6 AS season_first, max(month) + 6 AS season_last FROM ratios GROUP BY {keys}),
        factors AS (
            SELECT f.{keys.replace(", ", ", f.")}, f.calendar_month,
                   CASE WHEN f.mult THEN f.factor / nullif(c.mean_factor, 0) ELSE f.factor - c.mean_factor END AS season_factor
            FROM raw_factors f JOIN counts c USING ({keys}))
        SELECT p.* EXCLUDE (x, calendar_month), p.x AS raw_x,
               c.season_years, sp.season_first, sp.season_last,
               coalesce(c.season_years >= {MIN_SEASON_YEARS}, false) AS adjusted,
               CASE WHEN c.season_years >= {MIN_SEASON_YEARS} THEN f.season_factor END AS season_factor,
               CASE WHEN coalesce(c.season_years, 0) < {MIN_SEASON_YEARS} OR f.season_factor IS NULL THEN p.x
                    WHEN p.multiplicative THEN p.x / nullif(f.season_factor, 0)
                    ELSE p.x - f.season_factor END AS x
        FROM p LEFT JOIN counts c USING ({keys}) LEFT JOIN spans sp USING ({keys})
        LEFT JOIN factors f USING ({keys}, calendar_month)"""


def _unadjusted_sql(source: str) -> str:
    """Points of series that are not seasonal, with seasonal_sql's columns (CASE ... END: typed
    as the month, as seasonal_sql's spans are)."""
    return f"""SELECT * EXCLUDE (x), x AS raw_x, CAST(NULL AS BIGINT) AS season_years,
                      CASE WHEN false THEN month - 6 END AS season_first,
                      CASE WHEN false THEN month + 6 END AS season_last,
                      false AS adjusted, CAST(NULL AS DOUBLE) AS season_factor, x FROM {source}"""


def _adjusted_sql(keys: str, seasonal: bool, phased: bool, year_start_month: int) -> str:
    """The points of `spc_input`, seasonal series adjusted; only seasonal series pay for it. The
    factors come from the limit-setting months, which in a later phase holding none of them are
    all its months (as in _limits_sql), so there they need that rule first."""
    if not seasonal:
        return _unadjusted_sql("spc_input")
    baseline = (f"in_baseline OR (phase > 0 AND NOT bool_or(in_baseline) OVER (PARTITION BY {keys}, phase))"
                if phased else "in_baseline")
    season_points = f"(SELECT * REPLACE ({baseline} AS in_baseline) FROM spc_input WHERE seasonal)"
    return f"""{seasonal_sql(keys, year_start_month, season_points)}
        UNION ALL BY NAME {_unadjusted_sql("(SELECT * FROM spc_input WHERE NOT seasonal)")}"""


def _limits_sql(phased_keys: str, screened: bool, tail: int = 0) -> str:
    """Each phase's point count, mean and mean moving range, from `numbered`. The limits come from
    the limit-setting months; a later phase holding none of them sets its limits from all its
    points (`unbased`): the baseline describes the process before the change, not after it.
    With `tail`, each phase's last `tail` values and months too, latest first."""
    based = "(p.unbased OR (n.in_baseline AND n.previous_in_baseline))"
    screening = f""",
        screened AS (
            SELECT n.{phased_keys.replace(", ", ", n.")}, {steady_mean("n.moving_range")} AS mean_moving_range
            FROM numbered n JOIN first_pass p USING ({phased_keys})
            WHERE p.screen AND {based} AND n.moving_range <= {MOVING_RANGE_LIMIT} * p.unscreened
            GROUP BY n.{phased_keys.replace(", ", ", n.")})""" if screened else ""
    chosen = ("CASE WHEN p.screen THEN s.mean_moving_range ELSE p.unscreened END" if screened
              else "p.unscreened")
    tails = f", arg_max(x, month, {tail}) AS tail_x, max(month, {tail}) AS tail_months" if tail else ""
    return f"""
        first_pass AS (
            SELECT *, CASE WHEN unbased THEN all_mean ELSE based_mean END AS mean,
                      CASE WHEN unbased THEN all_moving_range ELSE based_moving_range END AS unscreened
            FROM (SELECT {phased_keys}, count(*) AS points, bool_or(screen) AS screen,
                         phase > 0 AND NOT bool_or(in_baseline) AS unbased,
                         {steady_mean("x", "in_baseline")} AS based_mean, {steady_mean("x")} AS all_mean,
                         {steady_mean("moving_range", "in_baseline AND previous_in_baseline")} AS based_moving_range,
                         {steady_mean("moving_range")} AS all_moving_range{tails}
                  FROM numbered GROUP BY {phased_keys})){screening},
        limits AS (
            SELECT p.{phased_keys.replace(", ", ", p.")}, p.points, p.unbased, p.mean,
                   {chosen} AS mean_moving_range{", p.tail_x, p.tail_months" if tail else ""},
                   {_lines("p.mean", chosen)}
            FROM first_pass p {"LEFT JOIN screened s USING (" + phased_keys + ")" if screened else ""})"""


def _lines(mean: str, spread: str) -> str:
    return f"""{mean} + {LIMIT} * {spread} AS upper_limit, {mean} - {LIMIT} * {spread} AS lower_limit,
               {mean} + {NEAR_LIMIT} * {spread} AS upper_near, {mean} - {NEAR_LIMIT} * {spread} AS lower_near"""


def _numbered_sql(keys: str, numbers: bool) -> str:
    """Each point with its moving range. One ordering of each series serves the numbering and the
    moving ranges: a phase is a run of consecutive months, so the previous point is in the same
    phase unless the phase changes."""
    same_phase = "lag(phase) OVER w = phase"
    seq = (f"row_number() OVER w AS seq, count(*) OVER (PARTITION BY {keys}) AS series_points,"
           if numbers else "")
    return f"""SELECT *, {seq}
                   CASE WHEN {same_phase} THEN abs(x - lag(x) OVER w) END AS moving_range,
                   CASE WHEN {same_phase} THEN lag(in_baseline) OVER w END AS previous_in_baseline
            FROM adjusted WINDOW w AS (PARTITION BY {keys} ORDER BY month)"""


def build_spc(cur, points: str = "spc_points", keys: str = "measure_id, area", latest_only: bool = False,
              params: dict | None = None, year_start_month: int = 4, phased: bool | None = None,
              seasonal: bool | None = None, screened: bool | None = None, held: str | None = None) -> None:
    """From `points` (a table or a SELECT giving keys, month, x, in_baseline, screen, and optionally
    `phase`, `seasonal` and `multiplicative`) make `spc_base` (each point with its phase's limits)
    and `spc_flags` (each point's flags and the rules that fired).

    Phases: limits, mean and every rule are worked out within each phase (a recorded process
    change starts a new one, so a phase is a run of consecutive months), so no run, trend or
    moving range crosses a phase boundary; `points` counts the phase's points. Seasonal series are
    adjusted first (seasonal_sql) and the rules run on the adjusted values; `raw_x` keeps the
    figure as loaded. Where `screen` is true (the plan's `spc: {screen_outliers: true}`), moving
    ranges above 3.267 mean moving ranges are left out and the mean moving range worked out again,
    as Nelson advises; otherwise every moving range counts, as the MDC tools do.
    With `latest_only` (the scorecard), `spc_base` holds the last few points of each series'
    latest phase and `spc_flags` its latest point alone, flagged by LATEST_RULES: the same flags,
    limits and point count, with the columns a status reads (keys, phase, month, seq, x, points,
    mean, mean_moving_range, the limits and the rules' flags). `held` names a table of series
    summarised already (limits_of_sums over latest_phase_sums' rows, kept in the store by
    metrics.spc_state), whose points are not in `points`.
    `phased`, `seasonal` and `screened` say whether any point has a later phase, is seasonal or is
    screened (found from the points when not given): the work each needs is skipped without them."""
    steps = _steps(cur, points, keys, latest_only, params, year_start_month, phased, seasonal, screened)
    cur.execute(f"CREATE OR REPLACE TEMP TABLE spc_base AS {steps} "
                f"{_latest_points_sql(keys, held) if latest_only else _all_points_sql(keys + ', phase')}", params or {})
    if latest_only:
        _flag_latest(cur, keys)
    else:
        _flag(cur, keys + ", phase")


def _steps(cur, points: str, keys: str, latest_only: bool, params: dict | None, year_start_month: int,
           phased: bool | None, seasonal: bool | None, screened: bool | None) -> str:
    """The WITH clause up to `limits`: each phase's count, mean, mean moving range and limits."""
    source = f"({points})" if points.lstrip().upper().startswith("SELECT") else points
    input_sql = _input_sql(cur, source, params)
    if None in (phased, seasonal, screened):
        found = _present(cur, input_sql, params)
        phased, seasonal, screened = (given if given is not None else f
                                      for given, f in zip((phased, seasonal, screened), found))
    return f"""WITH spc_input AS ({input_sql}),
        adjusted AS ({_adjusted_sql(keys, seasonal, phased, year_start_month)}),
        numbered AS ({_numbered_sql(keys, numbers=not latest_only)}),
        {_limits_sql(keys + ", phase", screened, LATEST_POINT_WINDOW if latest_only else 0)}"""


def latest_phase_sums(cur, points: str, keys: str, year_start_month: int = 4, phased: bool | None = None) -> str:
    """A SELECT of each series' latest phase as sums, which a later month's points extend
    (metrics.spc_state): keys, phase, its point counts and sums of the values and
    moving ranges (all of them, and the limit-setting months'), its last values and months
    (latest first), and the series' point count and a checksum of its months and values over
    every phase. For series neither seasonal nor screened: their limits do not move with each
    new figure."""
    steps = _steps(cur, points, keys, True, None, year_start_month, phased, False, False)
    sums = f"""phase_sums AS (
            SELECT {keys}, phase, count(*) AS points, {series_checksum('x')} AS checksum,
                   count(*) FILTER (WHERE in_baseline) AS based_points,
                   coalesce(sum(x) FILTER (WHERE in_baseline), 0) AS based_sum,
                   count(moving_range) FILTER (WHERE in_baseline AND previous_in_baseline) AS based_mr_points,
                   coalesce(sum(moving_range) FILTER (WHERE in_baseline AND previous_in_baseline), 0) AS based_mr_sum,
                   sum(x) AS all_sum, count(moving_range) AS all_mr_points, coalesce(sum(moving_range), 0) AS all_mr_sum,
                   arg_max(x, month, {LATEST_POINT_WINDOW}) AS tail_x, max(month, {LATEST_POINT_WINDOW}) AS tail_months
            FROM numbered GROUP BY {keys}, phase)"""
    # `_steps` ends with the limits, which the sums do not need: DuckDB leaves unused CTEs out.
    return f"""{steps}, {sums}
        SELECT s.* REPLACE (t.checksum AS checksum), t.series_points FROM phase_sums s
        JOIN (SELECT {keys}, max(phase) AS phase, sum(points) AS series_points, bit_xor(checksum) AS checksum
              FROM phase_sums GROUP BY {keys}) t
        USING ({keys}, phase)"""


def limits_of_sums(sums: str) -> str:
    """latest_phase_sums' rows as `build_spc(held=...)` takes them: as first_pass in _limits_sql
    works them out (a later phase with no limit-setting month sets its limits from all its points;
    each mean from its sum rounded as metrics.sums does, so both give the same limits)."""
    return f"""SELECT * EXCLUDE (based_points, based_sum, based_mr_points, based_mr_sum,
                                 all_sum, all_mr_points, all_mr_sum),
               phase > 0 AND based_points = 0 AS unbased,
               CASE WHEN unbased THEN {steady_division("round(all_sum, 6)", "points")}
                    ELSE {steady_division("round(based_sum, 6)", "based_points")} END AS mean,
               CASE WHEN unbased THEN {steady_division("round(all_mr_sum, 6)", "all_mr_points")}
                    ELSE {steady_division("round(based_mr_sum, 6)", "based_mr_points")} END AS mean_moving_range
        FROM {sums}"""


def _latest_phase_sql(keys: str) -> str:
    """Each series' latest phase from `limits` (phases follow one another in month order, so the
    latest is the highest), with the series' point count over every phase."""
    return f"""SELECT l.{keys.replace(", ", ", l.")}, l.phase, l.points, l.unbased, l.mean, l.mean_moving_range,
                      l.tail_x, l.tail_months, s.series_points
        FROM limits l JOIN (SELECT {keys}, max(phase) AS phase, sum(points) AS series_points
                            FROM limits GROUP BY {keys}) s USING ({keys}, phase)"""


def _all_points_sql(phased_keys: str) -> str:
    return f"""SELECT n.* REPLACE (n.in_baseline OR l.unbased AS in_baseline,
                           CASE WHEN l.unbased THEN n.previous_in_baseline IS NOT NULL OR NULL
                                ELSE n.previous_in_baseline END AS previous_in_baseline),
               l.points, l.mean, l.mean_moving_range, l.upper_limit, l.lower_limit, l.upper_near, l.lower_near
        FROM numbered n JOIN limits l USING ({phased_keys})"""


def _latest_points_sql(keys: str, held: str | None) -> str:
    """The last points of each series' latest phase, numbered as in the whole series; with `held`,
    those series' summaries beside the ones worked out now."""
    latest = _latest_phase_sql(keys) + (f" UNION ALL BY NAME SELECT * FROM {held}" if held else "")
    return f"""SELECT {keys}, phase, month, x, series_points - back + 1 AS seq, series_points,
               points, mean, mean_moving_range, {_lines("mean", "mean_moving_range")}
        FROM (SELECT l.*, unnest(l.tail_x) AS x, unnest(l.tail_months) AS month,
                     generate_subscripts(l.tail_x, 1) AS back
              FROM ({latest}) l)"""


def _flag(cur, phased_keys: str) -> None:
    """Table `spc_flags`: each point of `spc_base` with every rule's flag and the rules that fired."""
    joins = " ".join(
        f"JOIN ({sql(phased_keys)}) {name} USING ({phased_keys}, seq)" for name, sql in RULES.items())
    cur.execute(f"CREATE OR REPLACE TEMP TABLE spc_flags AS {_flagged(joins)}")


def _flag_latest(cur, keys: str) -> None:
    """Table `spc_flags` holding each series' latest point alone, flagged by LATEST_RULES."""
    joins = " ".join(f"JOIN ({sql(keys)}) {name} USING ({keys})" for name, sql in LATEST_RULES.items())
    cur.execute(f"""CREATE OR REPLACE TEMP TABLE spc_flags AS
        WITH spc_tail AS MATERIALIZED (
            SELECT b.*, sign(b.x - b.mean) AS side, b.series_points AS last_seq,  -- the latest point's
                   CASE WHEN b.x > b.upper_near THEN 1 WHEN b.x < b.lower_near THEN -1 ELSE 0 END AS near
            FROM spc_base b)
        {_flagged(joins)} WHERE b.seq = b.series_points""")


def _flagged(joins: str) -> str:
    fired = ", ".join(f"CASE WHEN {name}.flag <> 0 THEN '{name}' END" for name in RULES)
    flags = ", ".join(f"{name}.flag" for name in RULES)
    return f"""SELECT b.*, {", ".join(f"{name}.flag AS {name}" for name in RULES)},
               greatest({flags}) = 1 AS signal_high,
               least({flags}) = -1 AS signal_low,
               concat_ws(', ', {fired}) AS rules
        FROM spc_base b {joins}"""


def variation_sql(direction: str = "m.direction") -> str:
    """The latest point's variation, from its flags and the measure's direction."""
    return f"""CASE
        WHEN s.points IS NULL OR s.points < {MIN_POINTS} THEN 'insufficient_data'
        WHEN {direction} = 'neutral' AND s.signal_high THEN 'neutral_high'
        WHEN {direction} = 'neutral' AND s.signal_low THEN 'neutral_low'
        WHEN ({direction} = 'higher' AND s.signal_high) OR ({direction} = 'lower' AND s.signal_low) THEN 'improvement'
        WHEN s.signal_high OR s.signal_low THEN 'concern'
        ELSE 'common_cause' END"""


def assurance_sql(target: str, direction: str = "m.direction") -> str:
    """Will the process reliably meet the target? Compares the target with the process limits."""
    return f"""CASE
        WHEN s.points IS NULL OR s.points < {MIN_POINTS} OR {target} IS NULL OR {direction} = 'neutral' THEN 'none'
        WHEN {direction} = 'higher' AND {target} > s.upper_limit THEN 'fail'
        WHEN {direction} = 'higher' AND {target} < s.lower_limit THEN 'pass'
        WHEN {direction} = 'lower' AND {target} < s.lower_limit THEN 'fail'
        WHEN {direction} = 'lower' AND {target} > s.upper_limit THEN 'pass'
        ELSE 'hit_and_miss' END"""


def phases_of(measure) -> tuple:
    """The measure's recorded process changes, oldest first (the PLAN branch's `spc_phases`)."""
    return tuple(sorted(getattr(measure, "spc_phases", ()) or (), key=lambda p: p.start))


def seasonal_of(measure) -> bool:
    return bool(getattr(measure, "spc_seasonal", False))


def phase_rows(plan, added=()) -> list[dict]:
    """One row per measure and phase: phase number (0 before any recorded change), its first month,
    the month the next starts, its note, and the measure's seasonal option. `added` (measure_id,
    month, note) are the changes recorded in the app, merged with the plan's by month; where both
    record the same month, the plan's note stands."""
    extra = {}
    for measure_id, month, note in added:
        extra.setdefault(measure_id, []).append((int(month), note))
    rows = []
    for m in plan.measures:
        changes = {start: note for start, note in extra.get(m.id, [])}
        changes.update({p.start: p.note for p in phases_of(m)})
        starts = sorted(changes)
        rows.append({"measure_id": m.id, "phase": 0, "phase_from": None,
                     "phase_until": starts[0] if starts else None, "phase_note": None, "seasonal": seasonal_of(m)})
        for i, start in enumerate(starts, start=1):
            rows.append({"measure_id": m.id, "phase": i, "phase_from": start,
                         "phase_until": starts[i] if i < len(starts) else None, "phase_note": changes[start],
                         "seasonal": seasonal_of(m)})
    return rows


def phase_frame(plan, added: pd.DataFrame | None = None) -> pd.DataFrame:
    """phase_rows as a DataFrame; `added` a frame of the changes recorded in the app."""
    changes = [] if added is None else [(r.measure_id, r.month, r.note) for r in added.itertuples(index=False)]
    return pd.DataFrame(phase_rows(plan, changes), columns=[
        "measure_id", "phase", "phase_from", "phase_until", "phase_note", "seasonal"]).astype(
        {"phase_from": "Int64", "phase_until": "Int64", "phase_note": object})


# --- one series at a time, for tests and quick checks -------------------------------------------

def chart(values: list[float], baseline: tuple[int, int] | None = None, screen_outliers: bool = False,
          phases: tuple[int, ...] = (), seasonal: bool = False, multiplicative: bool = True,
          start: int = 0, year_start_month: int = 4) -> pd.DataFrame:
    """XmR chart of one series: limits, each rule's flag per point, and the rules that fired.

    `baseline` is (first, last) positions (0-based, inclusive) of the points that set the limits.
    `phases` are the positions where a new phase starts; `start` is the first point's month index
    (it matters only to a seasonal series, whose factors go by month of the year).
    """
    frame = pd.DataFrame({"measure_id": "m", "area": "a", "month": range(start, start + len(values)),
                          "x": [float(v) for v in values]})
    first, last = baseline if baseline else (0, len(values) - 1)
    frame["in_baseline"] = (frame["month"] - start).between(first, last)
    frame["screen"] = screen_outliers
    frame["phase"] = [sum(1 for p in phases if p <= i) for i in range(len(values))]
    frame["seasonal"] = seasonal
    frame["multiplicative"] = multiplicative
    cur = duckdb.connect()
    cur.register("spc_points", frame)
    build_spc(cur, year_start_month=year_start_month)
    return cur.execute("SELECT * FROM spc_flags ORDER BY seq").df()


def rule_flags(rule: str, values: list[float], mean: float | None = None,
               mean_moving_range: float | None = None) -> list[int]:
    """One rule's flags for one series, with the centre line and spread given or computed."""
    frame = pd.DataFrame({"measure_id": "m", "area": "a", "seq": range(1, len(values) + 1),
                          "x": [float(v) for v in values]})
    if mean is None:
        mean = frame["x"].mean()
    if mean_moving_range is None:
        mean_moving_range = frame["x"].diff().abs().mean() if len(values) > 1 else 0.0
    frame["mean"] = mean
    frame["upper_limit"] = mean + LIMIT * mean_moving_range
    frame["lower_limit"] = mean - LIMIT * mean_moving_range
    frame["upper_near"] = mean + NEAR_LIMIT * mean_moving_range
    frame["lower_near"] = mean - NEAR_LIMIT * mean_moving_range
    cur = duckdb.connect()
    cur.register("spc_base", frame)
    rows = cur.execute(f"SELECT flag FROM ({RULES[rule]('measure_id, area')}) ORDER BY seq").fetchall()
    return [int(r[0]) for r in rows]

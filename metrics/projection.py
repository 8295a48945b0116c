"""Will the target be met by its date? A projection from the current SPC process.

For every measure with a target due after the as-of month, in one pass over all measures:
the figure expected at the target's date, at the grain the target is stated (a year-to-date
total, a rolling 12-month rate, a month's headcount), and the likelihood of meeting it.

The process is the current phase's XmR process: its mean; where the latest point is in a trend
of 7, the straight line through that trend's points continued; where it is in a run of 7 on one
side of the mean (a shift), the mean of that run, the level the process has moved to (the chart
says which).
Each future month is the process value (re-seasoned where the measure is seasonal) with the
process's spread, sigma = mean moving range / 1.128; months already held count as they are.
A window's total (or mean) is then roughly normal, and the likelihood is the chance it lands
on the right side of the target. Months are treated as independent: see
docs/projection-calibration.md for how well the likelihoods held on the sample.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from metrics import vocabulary
from metrics.spc import MIN_POINTS

D2 = 1.128  # mean moving range of two points = d2 x sigma
TREND_WINDOW = 12  # a trend is continued from its last 12 points at most: the recent slope

# The bands and their words live in the vocabulary; (floor, term) pairs, best band first.
LIKELIHOOD = tuple((floor, vocabulary.LIKELIHOOD[code]) for floor, code in vocabulary.LIKELIHOOD_FLOORS)

COLUMNS = ["measure_id", "area", "target_by", "target_value", "expected", "likelihood", "method", "words",
           "sd", "lower", "upper", "as_of", "last_point", "last_value", "band", "aggregation", "window_months"]


def likelihood_term(p: float) -> vocabulary.Term:
    return vocabulary.likelihood(p)


def _engine(conn_or_engine, plan):
    from metrics.engine import Engine
    return conn_or_engine if isinstance(conn_or_engine, Engine) else Engine(conn_or_engine, plan)


def _future_targets(plan, as_of: int, area: str) -> pd.DataFrame:
    """Each target due after as_of that applies to the area and has a fixed value (a comparator's
    future figures are unknown, so it cannot be projected)."""
    rows = [(m.id, "projection", t.by, m.assess_on) for m in plan.measures for t in m.targets
            if t.by > as_of and t.kind in ("level", "change_pct", "change_pp")
            and (t.area is None or t.area == area) and m.direction != "neutral"]
    return pd.DataFrame(rows, columns=["measure_id", "kind", "anchor", "grain"]).drop_duplicates()


PROJECTION_SQL = """
WITH latest AS (
  SELECT * FROM spc_flags QUALIFY row_number() OVER (PARTITION BY measure_id, area ORDER BY month DESC) = 1),
trend_start AS (   -- the first point of the trend the latest point is in
  SELECT f.measure_id, f.area, coalesce(max(f.seq) FILTER (WHERE f.trend_of_seven <> l.trend_of_seven), 0) AS before
  FROM spc_flags f JOIN latest l USING (measure_id, area, phase)
  WHERE l.trend_of_seven <> 0 GROUP BY f.measure_id, f.area),
trend AS (
  SELECT f.measure_id, f.area, regr_slope(f.x, f.month) AS slope, regr_intercept(f.x, f.month) AS intercept,
         count(*) AS trend_points
  FROM spc_flags f JOIN latest l USING (measure_id, area, phase) JOIN trend_start t USING (measure_id, area)
  WHERE f.seq > greatest(t.before, l.seq - {window}) GROUP BY f.measure_id, f.area),
run_start AS (     -- a shift: the first point of the run of 7 the latest point is in, if not a trend
  SELECT f.measure_id, f.area, coalesce(max(f.seq) FILTER (WHERE f.run_of_seven <> l.run_of_seven), 0) AS before
  FROM spc_flags f JOIN latest l USING (measure_id, area, phase)
  WHERE l.run_of_seven <> 0 AND l.trend_of_seven = 0 GROUP BY f.measure_id, f.area),
shift AS (         -- the level the process has moved to: the run's own mean
  SELECT f.measure_id, f.area, avg(f.x) AS run_mean, count(*) AS run_points
  FROM spc_flags f JOIN latest l USING (measure_id, area, phase) JOIN run_start r USING (measure_id, area)
  WHERE f.seq > r.before GROUP BY f.measure_id, f.area),
factors AS (SELECT DISTINCT measure_id, area, month % 12 AS cal, season_factor FROM spc_flags WHERE adjusted),
process AS (
  SELECT l.measure_id, l.area, l.month AS last_point, l.raw_x AS last_value, coalesce(h.run_mean, l.mean) AS mean,
         l.points, l.phase, l.phase_from, l.mean_moving_range / {d2} AS sigma, l.multiplicative, l.adjusted,
         t.slope, t.intercept, t.trend_points, h.run_points
  FROM latest l LEFT JOIN trend t USING (measure_id, area) LEFT JOIN shift h USING (measure_id, area)),
goal AS (
  SELECT w.measure_id, s.area, w.anchor AS target_by, w.first_month, w.last_month, m.aggregation, m.direction,
         r.target_native * CASE WHEN m.aggregation = 'sum' THEN w.months_expected::DOUBLE / m.native_months
                                ELSE 1 END AS target_value
  FROM windows w JOIN scope s ON s.measure_id = w.measure_id AND s.reported
  JOIN plan_measures m ON m.measure_id = w.measure_id
  JOIN resolved r ON r.measure_id = w.measure_id AND r.area = s.area AND r.kind = w.kind AND r.anchor = w.anchor
  WHERE w.kind = 'projection'),
months AS (  -- every month of each target's window: held (to as_of) or projected
  SELECT mo.*, f.value AS held
  FROM (SELECT g.*, unnest(range(g.first_month, g.last_month + 1)) AS month FROM goal g) mo
  LEFT JOIN figures f ON f.measure_id = mo.measure_id AND f.area = mo.area AND f.month = mo.month
       AND f.month <= $as_of AND f.value IS NOT NULL),
projected AS (
  SELECT mo.*, p.* EXCLUDE (measure_id, area),
         CASE WHEN p.slope IS NOT NULL THEN p.intercept + p.slope * mo.month ELSE p.mean END AS level,
         CASE WHEN NOT p.adjusted THEN level WHEN p.multiplicative THEN level * fa.season_factor
              ELSE level + fa.season_factor END AS month_value,
         CASE WHEN p.adjusted AND p.multiplicative THEN p.sigma * fa.season_factor ELSE p.sigma END AS month_sigma
  FROM months mo JOIN process p USING (measure_id, area)
  LEFT JOIN factors fa ON fa.measure_id = mo.measure_id AND fa.area = mo.area AND fa.cal = mo.month % 12)
SELECT measure_id, area, target_by, any_value(target_value) AS target_value, any_value(direction) AS direction,
       any_value(aggregation) AS aggregation, any_value(last_point) AS last_point, any_value(last_value) AS last_value,
       any_value(slope) IS NOT NULL AS by_trend, any_value(trend_points) AS trend_points,
       any_value(run_points) AS run_points,
       any_value(phase_from) AS phase_from, any_value(points) AS points,
       count(*) AS window_months, count(held) AS held_months,
       sum(coalesce(held, month_value)) AS window_total,
       sum(CASE WHEN held IS NULL THEN month_sigma ^ 2 ELSE 0 END) AS window_variance,
       arg_max(coalesce(held, month_value), month) AS final_value,
       arg_max(CASE WHEN held IS NULL THEN month_sigma ^ 2 ELSE 0 END, month) AS final_variance
FROM projected GROUP BY measure_id, area, target_by
ORDER BY measure_id, target_by
""".format(d2=D2, window=TREND_WINDOW)


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    return np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in z], dtype=float)


def projections(conn_or_engine, plan, as_of: int, area: str = "force") -> pd.DataFrame:
    """One row per (measure, area, future target): the expected value at the target's date and
    grain, the likelihood of meeting it, how it was projected, and the words a board reads.

    Columns: measure_id, area, target_by (month index), target_value, expected, likelihood (0-1),
    method ("process mean", "trend" or "shift"), words ("Likely to be met: 80%"), and for the cone: sd,
    lower and upper (a 95% range), as_of, last_point (month index) and last_value, band (the
    likelihood's code)."""
    engine = _engine(conn_or_engine, plan)
    anchors = _future_targets(plan, as_of, area)
    if anchors.empty:
        return pd.DataFrame(columns=COLUMNS)
    cur = engine._cursor()
    try:
        engine._run(cur, anchors, area, spc_as_of=as_of)
        frame = cur.execute(PROJECTION_SQL, {"as_of": as_of}).df()
    finally:
        cur.close()
    # Fewer points than SPC judges (in the latest phase): too few to say how likely a target is.
    enough = frame["points"].notna() & (frame["points"] >= MIN_POINTS)
    return _finish(frame[enough].dropna(subset=["target_value"]), as_of)


def _finish(frame: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """Expected value and spread at the target's grain, the likelihood and its words."""
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    n = frame["window_months"].astype(float)
    last = frame["aggregation"] == "last"
    total = frame["aggregation"] == "sum"
    frame["expected"] = np.where(last, frame["final_value"], np.where(total, frame["window_total"], frame["window_total"] / n))
    variance = np.where(last, frame["final_variance"], np.where(total, frame["window_variance"], frame["window_variance"] / n ** 2))
    frame["sd"] = np.sqrt(variance.astype(float))
    gap = np.where(frame["direction"] == "higher", frame["expected"] - frame["target_value"],
                   frame["target_value"] - frame["expected"])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(frame["sd"] > 0, gap / frame["sd"], np.where(np.round(gap, 9) >= 0, np.inf, -np.inf))
    frame["likelihood"] = _normal_cdf(z)
    frame["band"] = [likelihood_term(p).code for p in frame["likelihood"]]
    frame["words"] = [vocabulary.likelihood_words(p) for p in frame["likelihood"]]
    frame["method"] = np.where(frame["by_trend"], "trend", np.where(frame["run_points"].notna(), "shift", "process mean"))
    frame["lower"] = frame["expected"] - 1.96 * frame["sd"]
    frame["upper"] = frame["expected"] + 1.96 * frame["sd"]
    frame["as_of"] = as_of
    return frame[COLUMNS + ["trend_points", "run_points", "phase_from", "points"]].reset_index(drop=True)


def method_words(row) -> str:
    """How the projection was made, for the page and the pack."""
    if row["method"] == "trend":
        return (f"Projected by continuing the current trend ({int(row['trend_points'])} points in a row "
                "moving one way) with the process's usual variation")
    if row["method"] == "shift":
        return (f"Projected from the level the process has moved to (the mean of the {int(row['run_points'])} "
                "points in a row on one side of the mean) with the process's usual variation")
    return "Projected from the current process: its mean and its usual variation"


# --- backtest ---------------------------------------------------------------------------------

def backtest(conn_or_engine, plan, horizons=(6, 12), area: str = "force") -> pd.DataFrame:
    """Projections made `horizons` months before each target date whose outcome is held, with
    whether the target was met (the engine's own status at the target date: green)."""
    engine = _engine(conn_or_engine, plan)
    held = set(engine.months())
    due = sorted({t.by for m in plan.measures for t in m.targets if t.by in held})
    outcomes = pd.concat([engine.status(by, None, area).assign(target_by=by) for by in due], ignore_index=True)
    outcomes = outcomes[outcomes["rag"].isin(["green", "amber", "red"])][["measure_id", "target_by", "rag", "actual"]]
    made = []
    for h in horizons:
        for by in due:
            if by - h in held:
                p = projections(engine, plan, by - h, area)
                made.append(p[p["target_by"] == by].assign(horizon=h))
    frame = pd.concat(made, ignore_index=True).merge(outcomes, on=["measure_id", "target_by"])
    frame["met"] = frame["rag"] == "green"
    return frame


def calibration(results: pd.DataFrame) -> pd.DataFrame:
    """How often a target was met, by the band it was projected in and the horizon."""
    order = {term.code: i for i, (_, term) in enumerate(LIKELIHOOD)}
    table = (results.groupby(["horizon", "band"])
             .agg(projections=("met", "size"), met=("met", "sum"), mean_likelihood=("likelihood", "mean"))
             .reset_index())
    table["share_met"] = table["met"] / table["projections"]
    return table.sort_values(["horizon", "band"], key=lambda s: s.map(order) if s.name == "band" else s)


def next_projections(frame: pd.DataFrame) -> pd.DataFrame:
    """Each (measure, area)'s projection to its earliest future target: the one a scorecard shows."""
    if frame.empty:
        return frame
    return frame.sort_values("target_by").drop_duplicates(["measure_id", "area"]).reset_index(drop=True)

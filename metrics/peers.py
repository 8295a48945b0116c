"""The force among its peers: a ranking for any measure and, for rates, a funnel plot.

Peers are areas of kind `peer` (other forces, or a most similar group), loaded like districts and
never mixed with them. Both views take the measure's own grain at the as-of month (a rolling
12-month rate, a year-to-date total), so every force is compared over the same months.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from metrics.errors import NotHeld

FUNNEL_LIMITS = {"95%": 1.959964, "99.8%": 3.090232}  # two-sided normal quantiles

PEER_SQL = """
SELECT w.measure_id, ar.area, ar.area_name, ar.area_kind, w.first_month, w.last_month,
       count(f.month) AS months_held, w.months_expected,
       sum(f.numerator) AS numerator, sum(f.denominator) AS denominator, {roll_up} AS value
FROM windows w
JOIN plan_measures m ON m.measure_id = w.measure_id
JOIN plan_areas ar ON ar.area_kind IN ('force', 'peer')
LEFT JOIN figures f ON f.measure_id = w.measure_id AND f.area = ar.area
     AND f.month BETWEEN w.first_month AND least(w.last_month, w.anchor)
GROUP BY w.measure_id, ar.area, ar.area_name, ar.area_kind, ar.area_order, w.first_month, w.last_month,
         w.months_expected, m.aggregation, m.scale
"""


def _engine(conn_or_engine, plan):
    from metrics.engine import Engine
    return conn_or_engine if isinstance(conn_or_engine, Engine) else Engine(conn_or_engine, plan)


def peer_figures(conn_or_engine, plan, measure_id: str, as_of: int) -> pd.DataFrame:
    """The force's and each peer's figure for the measure's grain ending at as_of; only areas
    holding every month of the period."""
    from metrics.engine import ROLL_UP

    engine = _engine(conn_or_engine, plan)
    measure = plan.measure(measure_id)
    anchors = pd.DataFrame([(measure.id, "peers", as_of, measure.assess_on)],
                           columns=["measure_id", "kind", "anchor", "grain"])
    cur = engine._cursor()
    try:
        cur.register("anchors_frame", anchors)
        cur.execute("CREATE OR REPLACE TEMP TABLE anchors AS SELECT * FROM anchors_frame")
        engine._windows(cur)
        frame = cur.execute(PEER_SQL.format(roll_up=ROLL_UP)).df()
    finally:
        cur.close()
    return frame[frame["months_held"] == frame["months_expected"]].reset_index(drop=True)


def ranking(conn_or_engine, plan, measure_id: str, as_of: int) -> pd.DataFrame:
    """The force and its peers, best first by the measure's direction, with each one's rank
    (ties share a rank), the number ranked and a line of words for the force."""
    from metrics.periods import period_words
    measure = plan.measure(measure_id)
    ranked = rank_frame(peer_figures(conn_or_engine, plan, measure_id, as_of), measure)
    # The period said: peers are ranked at the measure's own grain, which a quarter's review may not be.
    ranked["words"] = ranked["words"] + f" for {period_words(as_of, measure.assess_on, plan.year_start_month)}"
    return ranked


def rank_frame(frame: pd.DataFrame, measure) -> pd.DataFrame:
    frame = frame.dropna(subset=["value"]).copy()
    higher = measure.direction != "lower"  # a neutral measure is ranked highest first, and says so
    frame["rank"] = frame["value"].rank(ascending=not higher, method="min").astype(int)
    frame["of"] = len(frame)
    frame["is_force"] = frame["area_kind"] == "force"
    frame = frame.sort_values(["rank", "area_name"]).reset_index(drop=True)
    force = frame[frame["is_force"]]
    order = "highest first" if measure.direction == "neutral" else "best first"
    frame["words"] = (f"{force['area_name'].iloc[0]} ranks {ordinal(int(force['rank'].iloc[0]))} of {len(frame)} "
                      f"({order})") if len(force) else "The force has no figure for this period"
    return frame


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def funnel(conn_or_engine, plan, measure_id: str, as_of: int, points: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For a ratio measure: each area's rate against its denominator, and the funnel's limits.

    Returns (areas, limits). `areas` adds `outside` ("above 99.8%", "above 95%", "within",
    "below 95%", "below 99.8%"). `limits` has a row per denominator from the smallest area's to
    the largest's, with the group's rate and the 95% and 99.8% limits around it:
    rate +/- z * scale * sqrt(p (1 - p) / n), p the group's pooled proportion."""
    measure = plan.measure(measure_id)
    if measure.aggregation != "ratio":
        raise NotHeld(f"a funnel plot needs a ratio measure; {measure.title} is not one")
    frame = peer_figures(conn_or_engine, plan, measure_id, as_of)
    return funnel_frames(frame.dropna(subset=["denominator"]), measure.scale, points)


def funnel_frames(frame: pd.DataFrame, scale: float, points: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    p = frame["numerator"].sum() / frame["denominator"].sum()
    frame = frame.copy()
    frame["rate"] = scale * frame["numerator"] / frame["denominator"]
    frame["group_rate"] = scale * p

    def limit(n, z, sign):
        return scale * (p + sign * z * np.sqrt(p * (1 - p) / n))

    for name, z in FUNNEL_LIMITS.items():
        frame[f"upper_{name}"] = limit(frame["denominator"], z, 1)
        frame[f"lower_{name}"] = limit(frame["denominator"], z, -1)
    frame["outside"] = np.select(
        [frame["rate"] > frame["upper_99.8%"], frame["rate"] > frame["upper_95%"],
         frame["rate"] < frame["lower_99.8%"], frame["rate"] < frame["lower_95%"]],
        ["above 99.8%", "above 95%", "below 99.8%", "below 95%"], "within")
    low, high = max(1.0, frame["denominator"].min() * 0.8), frame["denominator"].max() * 1.1
    n = np.geomspace(low, high, points) if high > low else np.array([low])
    limits = pd.DataFrame({"denominator": n, "group_rate": scale * p})
    for name, z in FUNNEL_LIMITS.items():
        limits[f"upper_{name}"] = limit(n, z, 1)
        limits[f"lower_{name}"] = limit(n, z, -1)
    return frame.reset_index(drop=True), limits


def binomial_limit(p: float, n: float, z: float) -> tuple[float, float]:
    """The normal approximation to a binomial proportion's limits (for checking by hand)."""
    half = z * math.sqrt(p * (1 - p) / n)
    return p - half, p + half

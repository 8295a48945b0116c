"""The same full status, written the way a typical dashboard does it: pandas groupby and apply,
one measure and area at a time. The benchmark's peer: run beside the engine and checked against it.
It follows docs/how-status-is-worked-out.md for the plan features the synthetic plans use."""
from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.periods import months_in_grain, period_window
from metrics.plan import Plan
from metrics.spc import LIMIT, MIN_POINTS, NEAR_LIMIT


def roll_up(rows: pd.DataFrame, measure) -> float | None:
    if rows.empty:
        return None
    if measure.aggregation == "sum":
        return rows["value"].sum()
    if measure.aggregation == "mean":
        return rows["value"].mean()
    if measure.aggregation == "ratio":
        return measure.scale * rows["numerator"].sum() / rows["denominator"].sum()
    return rows.sort_values("month")["value"].dropna().iloc[-1]


def actual_for(series: pd.DataFrame, measure, anchor: int, grain: str, ysm: int):
    first, last = period_window(anchor, grain, ysm)
    rows = series[(series["month"] >= first) & (series["month"] <= min(last, anchor))]
    return roll_up(rows, measure), len(rows) == last - first + 1, first, last


def target_for(measure, baseline_native, period_end: int, months: int):
    targets = [t for t in measure.targets if t.start is None or t.start <= period_end]
    if not targets:
        return None
    def value(t):
        if t.kind == "level":
            return t.value
        if baseline_native is None:
            return None
        return baseline_native * (1 + t.value / 100) if t.kind == "change_pct" else baseline_native + t.value
    later = [t for t in targets if t.by >= period_end]
    earlier = [t for t in targets if t.by < period_end]
    if not later:
        native = value(earlier[-1])
    elif measure.trajectory == "linear" and earlier:
        prev, nxt = earlier[-1], later[0]
        native = value(prev) + (value(nxt) - value(prev)) * (period_end - prev.by) / (nxt.by - prev.by)
    elif measure.trajectory == "linear" and baseline_native is not None and measure.baseline.last is not None \
            and measure.baseline.last < period_end and measure.baseline.last < later[0].by:
        b_last = measure.baseline.last
        native = baseline_native + (value(later[0]) - baseline_native) * (period_end - b_last) / (later[0].by - b_last)
    else:
        native = value(later[0])
    if native is None:
        return None
    return native * months / months_in_grain(measure.assess_on) if measure.aggregation == "sum" else native


def spc_latest(values: np.ndarray, direction: str, target):
    n = len(values)
    if n < MIN_POINTS:
        return "insufficient_data", "none"
    mean = values.mean()
    mr = np.abs(np.diff(values)).mean()
    upper, lower = mean + LIMIT * mr, mean - LIMIT * mr
    high = low = False
    x = values[-1]
    high |= x > upper
    low |= x < lower
    sides = np.sign(values[-7:] - mean)
    if len(sides) == 7 and (sides == 1).all():
        high = True
    if len(sides) == 7 and (sides == -1).all():
        low = True
    steps = np.sign(np.diff(values[-7:]))
    if len(steps) == 6 and (steps == 1).all():
        high = True
    if len(steps) == 6 and (steps == -1).all():
        low = True
    last3 = values[-3:]
    s3 = np.sign(last3 - mean)
    if (s3 == 1).all() and (last3 > mean + NEAR_LIMIT * mr).sum() >= 2 and x > mean + NEAR_LIMIT * mr:
        high = True
    if (s3 == -1).all() and (last3 < mean - NEAR_LIMIT * mr).sum() >= 2 and x < mean - NEAR_LIMIT * mr:
        low = True
    if direction == "neutral":
        variation = "neutral_high" if high else "neutral_low" if low else "common_cause"
    elif (direction == "higher" and high) or (direction == "lower" and low):
        variation = "improvement"
    elif high or low:
        variation = "concern"
    else:
        variation = "common_cause"
    if target is None or direction == "neutral":
        return variation, "none"
    if direction == "higher":
        assurance = "fail" if target > upper else "pass" if target < lower else "hit_and_miss"
    else:
        assurance = "fail" if target < lower else "pass" if target > upper else "hit_and_miss"
    return variation, assurance


def status(figures: pd.DataFrame, plan: Plan, as_of: int, grain: str | None = None) -> pd.DataFrame:
    """figures: measure_id, area, month, value, numerator, denominator (ratio values already scaled)."""
    measures = {m.id: m for m in plan.measures}
    ysm = plan.year_start_month
    figures = figures[figures["month"] <= as_of]

    def one_series(series: pd.DataFrame) -> pd.Series:
        measure_id, area = series.name
        measure = measures[measure_id]
        g = grain or measure.assess_on
        actual, complete, first, last = actual_for(series, measure, as_of, g, ysm)
        year_ago, year_ago_complete, *_ = actual_for(series, measure, as_of - 12, g, ysm)
        baseline_native = None
        if measure.baseline is not None:
            if area == "force" and measure.baseline.value is not None:
                raw = measure.baseline.value
            else:
                rows = series[(series["month"] >= measure.baseline.first) & (series["month"] <= measure.baseline.last)]
                raw = roll_up(rows, measure) if len(rows) == measure.baseline.last - measure.baseline.first + 1 else None
            if raw is not None and measure.aggregation == "sum":
                months_b = measure.baseline.last - measure.baseline.first + 1
                raw = raw * months_in_grain(measure.assess_on) / months_b
            baseline_native = raw
        applies = area == "force" or not (measure.unit in ("count", "currency") and any(t.kind == "level" for t in measure.targets))
        target = target_for(measure, baseline_native, last, last - first + 1) if measure.direction != "neutral" and applies else None
        tol = measure.tolerance.value * (abs(target) / 100 if measure.tolerance.is_percent else
                                         ((last - first + 1) / months_in_grain(measure.assess_on) if measure.aggregation == "sum" else 1)) \
            if target is not None else None
        if measure.direction == "neutral" or target is None:
            rag = "no_target"
        elif actual is None or not complete:
            rag = "no_data"
        else:
            short = round((target - actual) if measure.direction == "higher" else (actual - target), 9)
            rag = "green" if short <= 0 else "amber" if round(short - tol, 9) <= 0 else "red"
        trend = None
        if actual is not None and year_ago is not None and complete and year_ago_complete:
            change = actual - year_ago
            if change == 0 or abs(change) < 0.01 * abs(year_ago):
                trend = "stable"
            elif measure.direction == "neutral":
                trend = "up" if change > 0 else "down"
            else:
                trend = "improving" if (change > 0) == (measure.direction == "higher") else "deteriorating"
        monthly_target = target_for(measure, baseline_native, as_of, 1) if measure.direction != "neutral" and applies else None
        variation, assurance = spc_latest(series.sort_values("month")["value"].dropna().to_numpy(), measure.direction, monthly_target)
        return pd.Series({"actual": actual, "target": target, "rag": rag, "trend": trend,
                          "spc_variation": variation, "spc_assurance": assurance})

    return figures.groupby(["measure_id", "area"]).apply(one_series, include_groups=False).reset_index()

"""The rules that turn an actual and a target into a status: pro-rating, tolerance, RAG and trend.

Each rule is one function returning a DuckDB SQL expression over the column expressions it is
given, so the engine applies it to every measure and area in one query, and a test can apply it to
a row of hand-worked numbers. `is_stable` is the stable rule in Python for the board's movement,
tested to agree with `stable_sql`.
"""
from __future__ import annotations

import math


# Relative target kinds whose value is already a figure for the period shown: never pro-rated.
PERIOD_KINDS = ("comparator", "measure")
DEFAULT_STABLE_PERCENT = 1.0  # a change under 1% of last year's value is stable


def prorate_sql(aggregation: str, months: str, native_months: str, target_kind: str | None = None) -> str:
    """The factor that takes a figure stated over `native_months` to `months`: an annual 64 hours is
    16 for a quarter. Only sums add up over months; a comparator's or another measure's figures
    are already for the same period."""
    kind = f"AND coalesce({target_kind}, '') NOT IN {PERIOD_KINDS}" if target_kind else ""
    return f"(CASE WHEN {aggregation} = 'sum' {kind} THEN ({months})::DOUBLE / ({native_months}) ELSE 1 END)"


def tolerance_sql(target: str, value: str, is_percent: str, prorate: str) -> str:
    """The amber band in the measure's units: a percent of the (pro-rated) target, or a number of
    units pro-rated like the target."""
    return f"(CASE WHEN {is_percent} THEN abs({target}) * ({value}) / 100 ELSE ({value}) * {prorate} END)"


def shortfall_sql(actual: str, target: str, direction: str) -> str:
    """How far the actual falls short of the target, in the measure's units (negative: beats it).
    Rounded to 9 places so that 0.1 + 0.2 style float noise never turns an exact hit into a miss."""
    return f"round(CASE {direction} WHEN 'higher' THEN ({target}) - ({actual}) ELSE ({actual}) - ({target}) END, 9)"


def rag_sql(actual: str, target: str, tolerance: str, direction: str, complete: str, has_target: str) -> str:
    """green: meets or beats the target (equal is met); amber: short by no more than the tolerance;
    red: beyond it. no_target: no target in the plan for this measure and area, or no good
    direction. A measure the plan gives a target is never no_target: missing figures, an
    incomplete period or a target that cannot be worked out are all no_data."""
    short = shortfall_sql(actual, target, direction)
    return f"""(CASE WHEN {direction} = 'neutral' OR NOT coalesce({has_target}, false) THEN 'no_target'
            WHEN {actual} IS NULL OR NOT {complete} OR {target} IS NULL THEN 'no_data'
            WHEN {short} <= 0 THEN 'green'
            WHEN round({short} - ({tolerance}), 9) <= 0 THEN 'amber'
            ELSE 'red' END)"""


def stable_band_sql(before: str, stable_value: str, stable_is_percent: str) -> str:
    """The size of a change that still counts as stable: the measure's stable_within (units or a
    percent of last year's value), 1% of last year's value by default."""
    return (f"(CASE WHEN {stable_value} IS NULL THEN {DEFAULT_STABLE_PERCENT / 100} * abs({before}) "
            f"WHEN {stable_is_percent} THEN {stable_value} / 100 * abs({before}) ELSE {stable_value} END)")


def stable_sql(now: str, before: str, stable_value: str, stable_is_percent: str) -> str:
    return f"(({now}) = ({before}) OR abs(({now}) - ({before})) < {stable_band_sql(before, stable_value, stable_is_percent)})"


def trend_sql(now: str, before: str, direction: str, stable_value: str, stable_is_percent: str,
              comparable: str) -> str:
    """Direction of travel against the same period a year earlier: improving, stable or
    deteriorating with the measure's direction; up or down with no good direction; NULL when
    either period is incomplete (`comparable` false)."""
    return f"""(CASE WHEN {now} IS NULL OR {before} IS NULL OR NOT ({comparable}) THEN NULL
            WHEN {stable_sql(now, before, stable_value, stable_is_percent)} THEN 'stable'
            WHEN {direction} = 'neutral' THEN CASE WHEN {now} > {before} THEN 'up' ELSE 'down' END
            WHEN ({direction} = 'higher') = ({now} > {before}) THEN 'improving'
            ELSE 'deteriorating' END)"""


def _missing(value) -> bool:
    return value is None or type(value).__name__ == "NAType" or (isinstance(value, float) and math.isnan(value))


def is_stable(now, before, stable_value=None, stable_is_percent=None) -> bool:
    """stable_sql in Python, for the board's movement between quarters."""
    if _missing(now) or _missing(before):
        return True  # nothing to compare: no movement to report
    if _missing(stable_value):
        band = DEFAULT_STABLE_PERCENT / 100 * abs(before)
    elif stable_is_percent:
        band = stable_value / 100 * abs(before)
    else:
        band = stable_value
    return now == before or abs(now - before) < band

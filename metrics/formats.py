"""Words and number formats shared by every view: the app, the CLI and the board pack.

Status is never shown by colour alone: each status has a word and an icon.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

RAG = {
    # word, icon, css class; colours in assets/style.css pass WCAG AA with their text colour
    "green": ("Green", "✓", "rag-green", "Meets or beats the target"),
    "amber": ("Amber", "!", "rag-amber", "Misses the target by no more than the tolerance"),
    "red": ("Red", "✗", "rag-red", "Misses the target by more than the tolerance"),
    "no_target": ("No target", "–", "rag-none", "No target: judged by direction of travel and SPC"),
    "no_data": ("No data", "?", "rag-nodata", "No complete figures for this period"),
}
TREND = {
    "improving": ("↗", "Improving", "against the same period last year"),
    "deteriorating": ("↘", "Deteriorating", "against the same period last year"),
    "stable": ("→", "Stable", "less than 1% change on the same period last year"),
    "up": ("↑", "Up", "higher than the same period last year (no good direction)"),
    "down": ("↓", "Down", "lower than the same period last year (no good direction)"),
    None: ("·", "No comparison", "no complete figures for the same period last year"),
}
VARIATION = {
    "common_cause": ("Common cause", "No significant change: the variation is the process's usual noise"),
    "improvement": ("Improvement", "Special cause of an improving nature: a real change for the better"),
    "concern": ("Concern", "Special cause of a concerning nature: a real change for the worse"),
    "neutral_high": ("Higher (neutral)", "Special cause: a real rise, on a measure with no good direction"),
    "neutral_low": ("Lower (neutral)", "Special cause: a real fall, on a measure with no good direction"),
    "insufficient_data": ("Too few points", "Fewer than 12 monthly points: SPC cannot judge yet"),
}
ASSURANCE = {
    "pass": ("Will pass", "The target is outside the process limits on the good side: it will be met consistently"),
    "fail": ("Will fail", "The target is outside the process limits on the wrong side: it will not be met without change"),
    "hit_and_miss": ("Hit and miss", "The target lies within the process limits: it will be met some months and missed in others"),
    "none": ("–", "No target to assure against, or too few points"),
}
RULE_WORDS = {
    "beyond_limits": "a point beyond the process limits",
    "run_of_seven": "a run of 7 on one side of the mean",
    "trend_of_seven": "7 points rising or falling",
    "two_of_three": "2 of 3 beyond the 2-sigma line",
}


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(value, unit: str = "") -> str:
    """A figure as people write it: 94.2%, 1,234, £1.9m, 49:20 hours."""
    if missing(value):
        return "–"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "currency":
        return f"£{value / 1e6:.2f}m" if abs(value) >= 1e6 else f"£{value:,.0f}"
    if unit == "hours":
        return f"{value:,.1f} h"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value - round(value)) > 1e-6 else f"{value:,.0f}"


def records(frame) -> list[SimpleNamespace]:
    """A DataFrame's rows as objects with attributes (row.measure_id): much faster than
    DataFrame.itertuples, which matters when a page draws every measure."""
    return [SimpleNamespace(**row) for row in frame.to_dict("records")]

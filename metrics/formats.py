"""Words and number formats shared by every view: the app, the CLI and the board pack.

Status is never shown by colour alone: each status has a word and an icon.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

# The status words, icons and colours live in metrics/vocabulary.py, the one source for every view.
from metrics.vocabulary import ASSURANCE, RAG, RULES as RULE_WORDS, TREND, VARIATION, term  # noqa: E402,F401


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

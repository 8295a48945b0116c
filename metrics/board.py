"""The board's quarter review: each measure this quarter against last, movements and exceptions."""
from __future__ import annotations

import pandas as pd

from metrics.periods import financial_year_label, period_window, quarter_number
from metrics.formats import records

RAG_RANK = {"red": 1, "amber": 2, "green": 3}


def quarter_ends(months: list[int], year_start_month: int = 4) -> list[int]:
    """The last month of every financial quarter with figures, newest first."""
    ends = sorted({period_window(m, "quarter", year_start_month)[1] for m in months}, reverse=True)
    latest = max(months) if months else None
    return [e for e in ends if latest is not None and e <= latest] or ([max(ends)] if ends else [])


def quarter_name(end: int, year_start_month: int = 4) -> str:
    return f"{financial_year_label(end, year_start_month)} Q{quarter_number(end, year_start_month)}"


def movement(rag_now, rag_before, actual_now, actual_before, direction) -> str:
    """better, worse or unchanged between two quarters: by status where both have one, otherwise
    by the actual (a change under 1% is unchanged); a measure with no good direction says moved."""
    if rag_now in RAG_RANK and rag_before in RAG_RANK:
        if RAG_RANK[rag_now] != RAG_RANK[rag_before]:
            return "better" if RAG_RANK[rag_now] > RAG_RANK[rag_before] else "worse"
        return "unchanged"
    if pd.isna(actual_now) or pd.isna(actual_before):
        return "unchanged"
    if abs(actual_now - actual_before) < 0.01 * abs(actual_before) or actual_now == actual_before:
        return "unchanged"
    if direction == "neutral":
        return "moved"
    return "better" if (actual_now > actual_before) == (direction == "higher") else "worse"


def review(this_quarter: pd.DataFrame, last_quarter: pd.DataFrame) -> pd.DataFrame:
    """Join two quarter-grain status tables; movements first, then exceptions, then the rest."""
    before = last_quarter[["measure_id", "area", "actual", "rag"]].rename(
        columns={"actual": "previous_quarter_actual", "rag": "previous_rag"})
    frame = this_quarter.merge(before, on=["measure_id", "area"], how="left")
    frame["movement"] = [movement(r.rag, r.previous_rag, r.actual, r.previous_quarter_actual, r.direction)
                         for r in records(frame)]
    frame["exception"] = (frame["rag"] == "red") | (frame["trend"] == "deteriorating") | (frame["spc_variation"] == "concern")
    reasons = []
    for r in records(frame):
        why = [w for w, hit in (("red", r.rag == "red"), ("deteriorating", r.trend == "deteriorating"),
                                ("special cause of concern", r.spc_variation == "concern")) if hit]
        reasons.append(", ".join(why))
    frame["exception_reasons"] = reasons
    order = {"worse": 0, "better": 1, "moved": 2, "unchanged": 3}
    frame["movement_order"] = frame["movement"].map(order)
    return frame.sort_values(["movement_order", "exception", "sort_order"], ascending=[True, False, True]).reset_index(drop=True)

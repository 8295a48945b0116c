"""The board's quarter review: each measure this quarter against last, movements and exceptions.

`quarter_review` is the one place a review is built: the board page and the board pack both call it,
each passing its own status function (the app its cached service call, the pack the engine).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from metrics import vocabulary
from metrics.errors import NotHeld
from metrics.formats import missing, records
from metrics.periods import (GRAIN_NAMES, financial_year_label, month_words, period_window, quarter_number,
                             range_words)
from metrics.status_rules import is_stable

RAG_RANK = {"red": 1, "amber": 2, "green": 3}
MOVEMENT_ORDER = {"worse": 0, "better": 1, "moved": 2, "not_compared": 3, "unchanged": 4}
# With an icon, so a movement never rests on colour (or a printed pack) alone.
MOVEMENT_WORDS = {code: f"{t.icon} {t.word}" for code, t in vocabulary.MOVEMENT.items()}


@dataclass
class QuarterReview:
    quarter_end: int
    quarter_label: str       # "2008/09 Q4"
    quarter_words: str       # "January to March 2009"
    previous_end: int
    previous_label: str      # "2008/09 Q3"
    rows: pd.DataFrame       # the quarter's status rows with previous_rag, movement, exception, ...
    exceptions: pd.DataFrame
    watch_list: pd.DataFrame
    asked_note: str | None = None  # why this is not the quarter the as-of month is in


def quarter_ends(months: list[int], year_start_month: int = 4) -> list[int]:
    """The last month of every financial quarter with figures, newest first."""
    ends = sorted({period_window(m, "quarter", year_start_month)[1] for m in months}, reverse=True)
    latest = max(months) if months else None
    return [e for e in ends if latest is not None and e <= latest] or ([max(ends)] if ends else [])


def quarter_name(end: int, year_start_month: int = 4) -> str:
    return f"{financial_year_label(end, year_start_month)} Q{quarter_number(end, year_start_month)}"


def review_quarter_end(held_months: list[int], as_of: int | None, year_start_month: int = 4) -> int | None:
    """The latest financial quarter whose last month is on or before as_of, with as_of clamped to
    the latest month held (no quarter is reviewed beyond the figures)."""
    if not held_months:
        return None
    month = min(as_of, max(held_months)) if as_of is not None else max(held_months)
    first, last = period_window(month, "quarter", year_start_month)
    return last if last == month else first - 1


def movement(rag_now, rag_before, actual_now, actual_before, direction, stable_value=None,
             stable_is_percent=None, comparable: bool = True) -> str:
    """better, worse or unchanged between two quarters: by status where both have one, otherwise
    by the actual, "unchanged" within the measure's stable band (the trend's rule); a measure with
    no good direction says moved. Not `comparable` (a month missing in either quarter) or no
    figure in one of them: not_compared, as a missing month is not a change."""
    if rag_now in RAG_RANK and rag_before in RAG_RANK:
        if RAG_RANK[rag_now] != RAG_RANK[rag_before]:
            return "better" if RAG_RANK[rag_now] > RAG_RANK[rag_before] else "worse"
        return "unchanged"
    if not comparable or missing(actual_now) or missing(actual_before):
        return "not_compared"
    if is_stable(actual_now, actual_before, stable_value, stable_is_percent):
        return "unchanged"
    if direction == "neutral":
        return "moved"
    return "better" if (actual_now > actual_before) == (direction == "higher") else "worse"


def movement_counts_words(movements) -> str:
    """How the measures moved, as the page and the pack both say it: "4 better, 4 worse,
    23 unchanged, 1 moved (no good direction, so neither better nor worse)"."""
    counts = pd.Series(movements, dtype=object).value_counts()
    words = ", ".join(f"{int(counts.get(m, 0))} {m}" for m in ("better", "worse", "unchanged"))
    moved, apart = int(counts.get("moved", 0)), int(counts.get("not_compared", 0))
    return (words + (f", {moved} moved (no good direction, so neither better nor worse)" if moved else "")
            + (f", {apart} not compared (a month missing in a quarter, or no figures the quarter before)" if apart else ""))


def exception_reasons(rag, trend, variation) -> str:
    """Why a row is listed, in the vocabulary's words: 'off target; worse than last year'."""
    why = []
    if rag in ("red", "amber") and (rag == "red" or trend == "deteriorating"):
        why.append(vocabulary.term("rag", rag).phrase)
    if trend == "deteriorating":
        why.append(vocabulary.term("trend", trend).phrase)
    if variation == "concern":
        why.append(vocabulary.term("spc_variation", variation).phrase)
    return "; ".join(why)


def _own_grain_note(row) -> str | None:
    """Set only where the measure's own-grain status differs from the quarter's."""
    if pd.isna(row.own_grain_rag) or row.own_grain_rag == row.rag or row.own_grain == "quarter":
        return None
    word = vocabulary.term("rag", row.own_grain_rag).word
    return f"{word} on the scorecard ({GRAIN_NAMES.get(row.own_grain, row.own_grain).lower()})"


def compare(this_quarter: pd.DataFrame, last_quarter: pd.DataFrame, own_grain: pd.DataFrame | None = None) -> pd.DataFrame:
    """This quarter's rows with last quarter's status and actual, movement, exception and watch."""
    before = last_quarter[["measure_id", "area", "actual", "rag", "complete"]].rename(
        columns={"actual": "previous_quarter_actual", "rag": "previous_rag", "complete": "last_quarter_complete"})
    frame = this_quarter.merge(before, on=["measure_id", "area"], how="left")
    for column in ("stable_value", "stable_is_percent"):
        if column not in frame:
            frame[column] = None
    rows = records(frame)
    frame["movement"] = [movement(r.rag, r.previous_rag, r.actual, r.previous_quarter_actual, r.direction,
                                  r.stable_value, r.stable_is_percent, r.complete is True and r.last_quarter_complete is True)
                         for r in rows]
    frame["exception"] = [vocabulary.is_exception(r.rag, r.trend, r.spc_variation) for r in rows]
    frame["watch"] = [vocabulary.is_watch(r.rag, r.trend, r.spc_variation) for r in rows]
    frame["exception_reasons"] = [exception_reasons(r.rag, r.trend, r.spc_variation) for r in rows]
    if own_grain is not None:
        own = own_grain[["measure_id", "area", "rag", "grain"]].rename(columns={"rag": "own_grain_rag", "grain": "own_grain"})
        frame = frame.merge(own, on=["measure_id", "area"], how="left")
    else:
        frame["own_grain_rag"], frame["own_grain"] = None, None
    frame["own_grain_note"] = [_own_grain_note(r) for r in records(frame)]
    frame["movement_order"] = frame["movement"].map(MOVEMENT_ORDER)
    return frame.sort_values(["movement_order", "exception", "sort_order"], ascending=[True, False, True]).reset_index(drop=True)


def review(this_quarter: pd.DataFrame, last_quarter: pd.DataFrame) -> pd.DataFrame:
    """The comparison of two quarters' status rows alone (compare, without the own-grain note)."""
    return compare(this_quarter, last_quarter)


def quarter_review(status: Callable[[int, str | None], pd.DataFrame], held_months: list[int],
                   as_of: int | None, year_start_month: int = 4) -> QuarterReview:
    """The quarter review for the force: the latest financial quarter ending on or before as_of
    (clamped to the latest month held), judged at quarter grain against the quarter before, with
    each measure's own-grain status alongside where it differs."""
    end = review_quarter_end(held_months, as_of, year_start_month)
    if end is None:
        raise NotHeld("no figures are loaded, so there is no quarter to review")
    begin, end_first = period_window(min(held_months), "quarter", year_start_month)
    if period_window(end, "quarter", year_start_month)[0] < min(held_months):  # a quarter begun before the figures
        first_whole = end_first if begin == min(held_months) else end_first + 3
        asked = max(held_months) if as_of is None else min(as_of, max(held_months))
        raise NotHeld(f"no whole quarter is held by {month_words(asked)}: the figures begin in "
                      f"{month_words(min(held_months))}, and the first whole quarter ends in {month_words(first_whole)}")
    previous = end - 3
    rows = compare(status(end, "quarter"), status(previous, "quarter"), status(end, None))
    return QuarterReview(
        quarter_end=end, quarter_label=quarter_name(end, year_start_month),
        quarter_words=range_words(*period_window(end, "quarter", year_start_month)),
        previous_end=previous, previous_label=quarter_name(previous, year_start_month), rows=rows,
        exceptions=rows[rows["exception"]].sort_values("sort_order").reset_index(drop=True),
        watch_list=rows[rows["watch"]].sort_values("sort_order").reset_index(drop=True),
        asked_note=_asked_note(as_of, end, held_months, year_start_month))


def _asked_note(as_of: int | None, end: int, held_months: list[int], year_start_month: int) -> str | None:
    """Why the quarter reviewed is not the one the month asked for falls in; None when it is."""
    if as_of is None or as_of == end:
        return None
    if as_of > max(held_months):
        return f"No figures are held after {month_words(max(held_months))}: this reviews the last whole quarter held."
    return (f"{month_words(as_of)} is in {quarter_name(as_of, year_start_month)}, which is not yet over: "
            f"this reviews the last whole quarter, and figures after {month_words(end)} are left out.")

"""Months, financial years and quarters.

A month is held as a single integer, the month index: year * 12 + (month - 1). Arithmetic on
months is then plain integer arithmetic, in Python and in DuckDB alike.
"""
from __future__ import annotations

import datetime as dt
import re

from metrics.errors import Problem

GRAINS = ("month", "quarter", "ytd", "rolling12", "year")
GRAIN_NAMES = {  # grains in words
    "month": "Month",
    "quarter": "Financial quarter",
    "ytd": "Year to date",
    "rolling12": "Rolling 12 months",
    "year": "Financial year",
}
# How far back "the previous period" is, in months, for each grain. Like with like: the previous
# period always has the same length. At year to date that is the same months of the year before
# (April to December 2007 beside April to December 2008); a rolling 12 months moves on one month.
PREVIOUS_STEP = {"month": 1, "quarter": 3, "ytd": 12, "rolling12": 1, "year": 12}
MONTH_WORDS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]

MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T]00:00(?::00)?)?$")
_NAMED_MONTH = re.compile(r"^([A-Za-z]+)[ \-/]+(\d{4})$")


class PeriodError(Problem):
    """A period that cannot be read as a month."""


def month_index(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def month_label(index: int) -> str:
    """2006-12 style label for a month index."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_name(index: int) -> str:
    """'Dec 2006' style label for a month index."""
    return f"{MONTH_NAMES[index % 12].title()} {index // 12}"


def month_words(index: int) -> str:
    """'March 2009': a month as a board member writes it."""
    return f"{MONTH_WORDS[index % 12]} {index // 12}"


def range_words(first: int, last: int) -> str:
    """'March 2009', 'January to March 2009', 'April 2008 to March 2009'."""
    if first == last:
        return month_words(first)
    if first // 12 == last // 12:
        return f"{MONTH_WORDS[first % 12]} to {month_words(last)}"
    return f"{month_words(first)} to {month_words(last)}"


def parse_month(text) -> int:
    """Read a month in any of the accepted forms and return its month index.

    Accepted: 2005-04, 2005-04-01, Apr 2005, April 2005, and date or datetime objects (Excel).
    """
    if isinstance(text, (dt.date, dt.datetime)):
        return month_index(text.year, text.month)
    value = str(text).strip()
    iso = _ISO_MONTH.match(value)
    if iso:
        year, month = int(iso.group(1)), int(iso.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f'"{value}" is not a month: the month must be 01 to 12')
        return month_index(year, month)
    named = _NAMED_MONTH.match(value)
    if named:
        word, year = named.group(1).lower(), int(named.group(2))
        for number, name in enumerate(MONTH_NAMES, start=1):
            if word == name or (len(word) > 3 and name == word[:3] and _full_name(number).startswith(word)):
                return month_index(year, number)
        raise PeriodError(f'"{value}" is not a month: "{named.group(1)}" is not a month name')
    raise PeriodError(f'"{value}" is not a month (accepted: 2005-04, Apr 2005, April 2005, 2005-04-01)')


def _full_name(number: int) -> str:
    return dt.date(2000, number, 1).strftime("%B").lower()


def parse_month_range(text: str) -> tuple[int, int]:
    """Read 'YYYY-MM..YYYY-MM' (or a single month) into first and last month indexes."""
    parts = str(text).split("..")
    if len(parts) > 2:
        raise PeriodError(f'"{text}" is not a period range (expected YYYY-MM..YYYY-MM)')
    first = parse_month(parts[0])
    last = parse_month(parts[-1])
    if last < first:
        raise PeriodError(f'"{text}" ends before it starts')
    return first, last


def position_in_year(index: int, year_start_month: int = 4) -> int:
    """0 for the first month of the financial year, 11 for the last."""
    return (index - (year_start_month - 1)) % 12


def financial_year_start(index: int, year_start_month: int = 4) -> int:
    return index - position_in_year(index, year_start_month)


def financial_year_label(index: int, year_start_month: int = 4) -> str:
    """'2006/07' for any month of the year April 2006 to March 2007."""
    start_year = financial_year_start(index, year_start_month) // 12
    if year_start_month == 1:
        return str(start_year)
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def quarter_number(index: int, year_start_month: int = 4) -> int:
    """1 to 4: Q1 is the first three months of the financial year."""
    return position_in_year(index, year_start_month) // 3 + 1


def period_window(anchor: int, grain: str, year_start_month: int = 4) -> tuple[int, int]:
    """First and last month of the grain's period that contains the anchor month.

    Quarters and years run to their end even when the anchor is part way through; the months after
    the anchor are then missing and the period is incomplete. Year to date ends at the anchor.
    """
    position = position_in_year(anchor, year_start_month)
    if grain == "month":
        return anchor, anchor
    if grain == "quarter":
        start = anchor - position % 3
        return start, start + 2
    if grain == "ytd":
        return anchor - position, anchor
    if grain == "rolling12":
        return anchor - 11, anchor
    if grain == "year":
        return anchor - position, anchor - position + 11
    raise PeriodError(f"unknown grain {grain!r}: use one of {', '.join(GRAINS)}")


def period_label(anchor: int, grain: str, year_start_month: int = 4) -> str:
    """How a period is written for people: 2006-12, 2006/07 Q3, 2006/07, 2006-04..2006-12."""
    first, last = period_window(anchor, grain, year_start_month)
    if grain == "month":
        return month_label(anchor)
    if grain == "quarter":
        return f"{financial_year_label(anchor, year_start_month)} Q{quarter_number(anchor, year_start_month)}"
    if grain == "year":
        return financial_year_label(anchor, year_start_month)
    return f"{month_label(first)}..{month_label(last)}"


def period_words(anchor: int, grain: str, year_start_month: int = 4) -> str:
    """The period in words: 'March 2009', 'January to March 2009', 'April 2008 to March 2009'."""
    return range_words(*period_window(anchor, grain, year_start_month))


def previous_anchor(anchor: int, grain: str) -> int:
    """The anchor of the period compared with: the previous period of the same length."""
    return anchor - PREVIOUS_STEP[grain]


def window_sql(anchor: str, grain: str, year_start_month: int) -> tuple[str, str]:
    """period_window as two DuckDB expressions (first month, last month) over columns `anchor` and
    `grain`, so the engine's windows are this module's, for every grain at once."""
    pos = f"((({anchor}) - {year_start_month - 1}) % 12 + 12) % 12"
    first = (f"CASE {grain} WHEN 'month' THEN {anchor} WHEN 'quarter' THEN {anchor} - {pos} % 3 "
             f"WHEN 'rolling12' THEN {anchor} - 11 WHEN 'ytd' THEN {anchor} - {pos} "
             f"WHEN 'year' THEN {anchor} - {pos} END")
    last = (f"CASE {grain} WHEN 'quarter' THEN {anchor} - {pos} % 3 + 2 WHEN 'year' THEN {anchor} - {pos} + 11 "
            f"WHEN 'month' THEN {anchor} WHEN 'ytd' THEN {anchor} WHEN 'rolling12' THEN {anchor} END")
    return first, last


def months_in_grain(grain: str) -> int:
    """Months a target stated at this grain covers. A year-to-date target is a full-year figure."""
    return {"month": 1, "quarter": 3, "ytd": 12, "rolling12": 12, "year": 12}[grain]

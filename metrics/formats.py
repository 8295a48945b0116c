"""Words and number formats shared by every view: the app, the CLI and the board pack.

Status is never shown by colour alone: each status has a word and an icon.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

# The status words, icons and colours live in metrics/vocabulary.csv (read by metrics/vocabulary.py), the one source for every view.


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def half_up(value: float, places: int) -> float:
    """A figure rounded as people and Excel round it: a 5 goes up, away from zero (69.35 is 69.4,
    2.5 is 3). Python's round goes by the binary number, which holds 69.35 as 69.34999..., and
    sends an exact half to its even neighbour (2.5 to 2). A nudge of a millionth of a millionth of
    the figure puts a written 5 back above the half; it is far below any figure's precision."""
    return round(value + value * 1e-12, places) + 0.0  # + 0.0: never a "-0"


def counted(count: int, word: str) -> str:
    """'1 measure', '12 measures', '1,234 crimes'."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def number_words(value: float, places: int | None = None) -> str:
    """A plain number with thousands commas: to `places` decimals, else whole when it is whole or
    1,000 or more and to one place otherwise."""
    places = _usual_places(value, "") if places is None else places
    return f"{half_up(value, places):,.{places}f}"


def _usual_places(value: float, unit: str) -> int:
    """The decimals a figure is shown to: its unit's precision (as the CSV) for percent, hours and
    counts (a count is of whole things: a target of 211.1 injuries reads as 211); money in
    millions to 2; any other figure whole when it is whole or 1,000 or more, else to one place."""
    if unit in ("percent", "hours", "count"):
        return PRECISION[unit]
    if unit == "currency":
        return 2 if abs(value) >= 1e6 else 0
    return 0 if abs(value) >= 1000 or abs(value - round(value)) <= 1e-6 else 1


def fmt(value, unit: str = "", places: int | None = None) -> str:
    """A figure as people write it: 94.2%, 1,234, £1.9m, 49:20 hours; `places` for more decimals."""
    if missing(value):
        return "–"
    places = _usual_places(value, unit) if places is None else places
    if unit == "percent":
        return f"{half_up(value, places):.{places}f}%"
    if unit == "currency":  # the sign before the pound sign, as people write it: -£39,047
        sign, size = ("-" if value < 0 else ""), abs(value)
        return sign + (f"£{half_up(size / 1e6, places):.{places}f}m" if size >= 1e6 else f"£{half_up(size, places):,.{places}f}")
    if unit == "hours":
        return f"{half_up(value, places):,.{places}f} h"
    return number_words(value, places)


def apart(actual, target, unit: str = "") -> tuple[str, str]:
    """An actual and its target as shown side by side. Where at their usual places they would read
    the same but are not, each gets one more decimal place (two at most): 0.84% against 0.75% is
    "0.84%" and "0.75%", not "0.8%" and "0.8%", so a status never seems to contradict its figures."""
    places = apart_places(actual, target, unit)
    return fmt(actual, unit, places), fmt(target, unit, places)


def apart_places(actual, target, unit: str = "") -> int | None:
    """The decimals `apart` gives both figures: None for their usual ones."""
    if missing(actual) or missing(target) or fmt(actual, unit) != fmt(target, unit) or abs(actual - target) < 1e-9:
        return None
    base = max(_usual_places(actual, unit), _usual_places(target, unit))
    return base + 1 if fmt(actual, unit, base + 1) != fmt(target, unit, base + 1) else base + 2


def difference(value, unit: str = "", places: int | None = None) -> str:
    """The gap between two figures of a measure, in a table: a percent measure's in points (94.2%
    against 90% is 4.2 points; "4.2%" would read as a share of the 90), anything else as its
    figures are shown (to `places` where they were given more). A gap that is not nothing never
    reads as nothing: -0.04 points, not 0.0."""
    if missing(value):
        return "–"
    if places is None or (unit == "currency" and abs(value) < 1e6):  # a gap in pounds, not in millions
        places = 1 if unit == "percent" else _usual_places(value, unit)
    while abs(value) > 1e-9 and half_up(value, places) == 0 and places < (2 if unit == "currency" else 3):
        places += 1
    if unit == "percent":
        return f"{half_up(value, places):.{places}f} points"
    return fmt(value, unit, places)


def records(frame) -> list[SimpleNamespace]:
    """A DataFrame's rows as objects with attributes (row.measure_id): much faster than
    DataFrame.itertuples, which matters when a page draws every measure."""
    # Column by column: DataFrame.to_dict("records") itself goes row by row through the frame.
    # As there, a nullable column's missing value (pd.NA) becomes None.
    columns = [str(c) for c in frame.columns]
    values = [_python_values(frame.iloc[:, i]) for i in range(len(columns))]
    return [SimpleNamespace(**dict(zip(columns, row))) for row in zip(*values)]


def _python_values(column) -> list:
    values = column.tolist()
    na = getattr(column.dtype, "na_value", None)  # pd.NA for nullable types; numpy's have none
    if type(na).__name__ != "NAType" or not column.hasnans:
        return values
    return [None if v is na else v for v in values]


# Decimal places a figure of each unit is given to (the CSV, the words).
PRECISION = {"percent": 1, "count": 0, "hours": 1, "seconds": 0, "rate": 2, "currency": 0, "ratio": 2}
UNIT_WORDS = {"hours": ("hour", "hours"), "seconds": ("second", "seconds"), "percent": ("point", "points")}


def precision(measure) -> int:
    """A measure's decimal places: its unit's (a plan sets no precision of its own)."""
    return PRECISION.get(getattr(measure, "unit", ""), 1)


def _plain(value: float, places: int) -> str:
    text = f"{half_up(value, places):,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def figure(value, unit: str = "") -> str:
    """A figure inside a sentence: '90%', '8,399', '£1.9m', '64 hours'; '–' when missing."""
    if missing(value):
        return "–"
    places = PRECISION.get(unit, 1)
    if unit == "percent":
        return f"{_plain(value, places)}%"
    if unit == "currency":
        sign, value = ("-" if value < 0 else ""), abs(value)
        return sign + (f"£{_plain(value / 1e6, 2)}m" if value >= 1e6 else f"£{_plain(value, 0)}")
    if unit in ("hours", "seconds"):
        one, many = UNIT_WORDS[unit]
        return f"{_plain(value, places)} {one if value == 1 else many}"
    return _plain(value, places)


def amount(value: float, unit: str) -> str:
    """A difference in the measure's units: '2 points' for a percent, '5 hours', '50'."""
    if unit == "percent":
        one, many = UNIT_WORDS[unit]
        return f"{_plain(value, 1)} {one if value == 1 else many}"
    return figure(value, unit)


def band_words(band, unit: str) -> str:
    """A tolerance or stable band with its unit: '5% of the target', '2 points', '1.5 hours'."""
    if band is None:
        return "–"
    if band.is_percent:
        return f"{band.value:g}% of the target"
    return amount(band.value, unit)


def later_figures_note(later: list[tuple[int, int]]) -> str:
    """The months after the as-of month that some measures hold, (month, measures) pairs, in one
    line: '3 measures have figures for April 2009'; a run of months held by as many measures as
    one span ('32 measures have figures for January 2008 to March 2009'); and many different runs
    as one sentence, never a wall of them."""
    from metrics.periods import range_words
    runs: list[list[int]] = []  # first month, last month, measures
    for month, count in sorted(later):
        if runs and runs[-1][1] == month - 1 and runs[-1][2] == count:
            runs[-1][1] = month
        else:
            runs.append([month, month, count])
    if len(runs) > 3:
        counts = sorted({count for _, _, count in runs})
        return (f"figures are held for {counted(len(later), 'later month')}, {range_words(runs[0][0], runs[-1][1])}: "
                f"{counts[0]} to {counts[-1]} measures in each")
    return "; ".join(f"{counted(count, 'measure')} {'has' if count == 1 else 'have'} figures for "
                     f"{range_words(first, last)}" for first, last, count in runs)


def uk_date(day) -> str:
    """'1 December 2026': a day as people in the UK write it."""
    return f"{day.day} {day:%B %Y}"

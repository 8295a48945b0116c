"""board.movement: how a measure moved between two quarters, as the board's Movement column says it."""
from __future__ import annotations

import pytest

from metrics.board import movement, movement_counts_words


@pytest.mark.parametrize("now,before,expected", [
    ("green", "amber", "better"), ("green", "red", "better"), ("amber", "red", "better"),
    ("red", "green", "worse"), ("amber", "green", "worse"), ("green", "green", "unchanged"),
])
def test_a_status_on_both_sides_is_judged_by_the_status_alone(now, before, expected):
    # The actual moving the other way does not matter: the status the board sees changed.
    assert movement(now, before, 10, 50, "higher") == expected


def test_the_same_status_is_unchanged_however_far_the_actual_moved():
    assert movement("red", "red", 10, 90, "higher") == "unchanged"


@pytest.mark.parametrize("direction,now,expected", [
    ("higher", 110, "better"), ("higher", 90, "worse"), ("lower", 90, "better"), ("lower", 110, "worse"),
])
def test_without_a_status_the_actual_is_judged_by_the_good_direction(direction, now, expected):
    assert movement("no_target", "no_target", now, 100, direction) == expected


def test_a_measure_with_no_good_direction_moved_rather_than_got_better_or_worse():
    assert movement("no_target", "no_target", 120, 100, "neutral") == "moved"


def test_a_change_within_the_stable_band_is_unchanged():
    assert movement("no_target", "no_target", 100.5, 100, "higher") == "unchanged"  # under the default 1%
    assert movement("no_target", "no_target", 104, 100, "higher", 5, True) == "unchanged"  # the plan's 5%
    assert movement("no_target", "no_target", 104, 100, "higher", 3, False) == "better"  # 3 units: beyond it


def test_a_status_missing_on_one_side_falls_back_to_the_actual_of_two_whole_quarters():
    assert movement("green", "no_target", 120, 100, "higher") == "better"
    assert movement("no_target", "no_target", 100, 120, "higher") == "worse"


def test_a_quarter_missing_a_month_or_a_figure_is_not_compared_whatever_its_figures_say():
    # Two months' 1,562 crimes against a whole quarter's 2,490 is no fall in crime.
    assert movement("no_data", "red", 1562, 2490, "lower", comparable=False) == "not_compared"
    assert movement("green", "no_data", 186, 215, "lower", comparable=False) == "not_compared"
    assert movement("no_target", "no_target", 100, None, "higher") == "not_compared"   # nothing the quarter before
    assert movement("no_data", "no_data", None, None, "neutral") == "not_compared"


def test_the_movements_are_counted_in_words_with_moved_only_when_a_measure_moved():
    assert movement_counts_words(["better", "worse", "worse", "unchanged"]) == "1 better, 2 worse, 1 unchanged"
    assert movement_counts_words(["unchanged", "moved"]) == (
        "0 better, 0 worse, 1 unchanged, 1 moved (no good direction, so neither better nor worse)")


def test_the_review_compares_only_quarters_held_whole_on_both_sides():
    import pandas as pd

    from metrics.board import compare

    def quarter(actuals, complete):
        return pd.DataFrame({"measure_id": ["a", "b", "c"], "area": "force", "actual": actuals, "rag": "no_target",
                             "complete": complete, "direction": "lower", "trend": None, "spc_variation": "common_cause",
                             "sort_order": [1, 2, 3]})
    # a: both whole; b: this quarter two months of three; c: last quarter missing a month
    moved = compare(quarter([80.0, 50.0, 70.0], [True, False, True]), quarter([100.0, 100.0, 100.0], [True, True, False]))
    assert dict(zip(moved["measure_id"], moved["movement"])) == {"a": "better", "b": "not_compared", "c": "not_compared"}

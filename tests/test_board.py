"""The board's quarter review: which quarter, movement with the trend's stable rule, the own-grain
note where the scorecard differs, exceptions and the watch list."""
import pytest

from conftest import figures_file, monthly, plan_with
from metrics import board, store
from metrics.errors import NotHeld
from metrics.engine import Engine
from metrics.loading import load_figures
from metrics.periods import parse_month

SAVINGS = """
- id: savings
  title: Savings
  unit: count
  direction: higher
  aggregation: sum
  assess_on: year
  targets:
    - {kind: level, value: 120, by: 2009-03}
  tolerance: 5%
- id: abuse
  title: Abuse reported
  unit: count
  direction: neutral
  aggregation: sum
  assess_on: quarter
  stable_within: 5%
"""


def review_of(tmp_path, fresh_store, rows, as_of, measures=SAVINGS):
    plan = plan_with(tmp_path, measures)
    load_figures(fresh_store, plan, figures_file(tmp_path, rows))
    engine = Engine(fresh_store, plan)
    return board.quarter_review(lambda month, grain: engine.status(month, grain), engine.months(),
                                parse_month(as_of) if as_of else None, plan.year_start_month)


@pytest.mark.parametrize("as_of,quarter_end,label", [
    ("2009-03", "2009-03", "2008/09 Q4"),
    ("2009-02", "2008-12", "2008/09 Q3"),     # the latest quarter ending on or before the as-of month
    ("2009-09", "2009-03", "2008/09 Q4"),     # clamped to the latest month held (April 2009)
])
def test_the_quarter_is_the_latest_ending_on_or_before_the_as_of_month(tmp_path, fresh_store, as_of, quarter_end, label):
    review = review_of(tmp_path, fresh_store, monthly("savings", "2008-04", [10] * 13), as_of)
    assert review.quarter_end == parse_month(quarter_end) and review.quarter_label == label
    assert review.previous_end == parse_month(quarter_end) - 3


@pytest.mark.parametrize("as_of,note", [
    ("2009-03", None),
    ("2009-02", "February 2009 is in 2008/09 Q4, which is not yet over: this reviews the last whole quarter, "
                "and figures after December 2008 are left out."),
    ("2009-09", "No figures are held after April 2009: this reviews the last whole quarter held."),
])
def test_a_review_of_another_quarter_than_the_months_says_why(tmp_path, fresh_store, as_of, note):
    assert review_of(tmp_path, fresh_store, monthly("savings", "2008-04", [10] * 13), as_of).asked_note == note


def test_with_no_whole_quarter_held_there_is_no_review_rather_than_one_of_an_empty_quarter(tmp_path, fresh_store):
    with pytest.raises(NotHeld, match="no whole quarter is held by May 2008: the figures begin in April 2008, "
                                      "and the first whole quarter ends in June 2008"):
        review_of(tmp_path, fresh_store, monthly("savings", "2008-04", [10] * 2), "2008-05")
    # Figures from May: April to June is not whole, so July to September is the first to review.
    with pytest.raises(NotHeld, match="by August 2008: the figures begin in May 2008, and the first whole "
                                      "quarter ends in September 2008"):
        (tmp_path / "may").mkdir()
        review_of(tmp_path / "may", store.connect(":memory:"), monthly("savings", "2008-05", [10] * 4), "2008-08")


def test_the_review_names_its_quarters_in_words(tmp_path, fresh_store):
    review = review_of(tmp_path, fresh_store, monthly("savings", "2008-04", [10] * 12), "2009-03")
    assert (review.quarter_words, review.previous_label) == ("January to March 2009", "2008/09 Q3")


def test_a_row_says_where_the_scorecard_judges_differently(tmp_path, fresh_store):
    rows = monthly("savings", "2008-04", [28 / 3] * 9 + [10] * 3)     # 28 a quarter, then 30 in Q4
    row = review_of(tmp_path, fresh_store, rows, "2009-03").rows.set_index("measure_id").loc["savings"]
    assert row["rag"] == "green"                                      # 30 against a quarter's 30
    assert row["own_grain_rag"] == "amber"                            # 114 against 120 for the year, within 6
    assert row["own_grain_note"] == "Amber on the scorecard (financial year)"


@pytest.mark.parametrize("q3,q4,movement", [
    (100, 104, "unchanged"),    # within the measure's stable_within of 5%, as the trend judges
    (100, 106, "moved"),        # beyond it, on a measure with no good direction
])
def test_movement_uses_the_measures_stable_band(tmp_path, fresh_store, q3, q4, movement):
    rows = monthly("abuse", "2008-10", [q3 / 3] * 3 + [q4 / 3] * 3)
    row = review_of(tmp_path, fresh_store, rows, "2009-03").rows.set_index("measure_id").loc["abuse"]
    assert row["movement"] == movement


def test_movement_without_a_stable_band_uses_one_percent():
    assert board.movement(None, None, 100.5, 100, "lower") == "unchanged"
    assert board.movement(None, None, 102, 100, "lower") == "worse"
    assert board.movement("amber", "red", 1, 2, "lower") == "better"


def test_exceptions_and_the_watch_list_come_from_the_vocabulary(tmp_path, fresh_store):
    measures = """
- id: short
  title: Off target
  unit: count
  direction: higher
  aggregation: sum
  assess_on: quarter
  targets:
    - {kind: level, value: 100, by: 2009-03}
  tolerance: 5%
- id: slipping
  title: On target but slipping
  unit: count
  direction: higher
  aggregation: sum
  assess_on: quarter
  targets:
    - {kind: level, value: 100, by: 2009-03}
"""
    # under 12 monthly points, so SPC says too few points and only RAG and trend decide
    rows = (monthly("short", "2008-10", [30] * 6)
            + monthly("slipping", "2008-01", [50] * 3) + monthly("slipping", "2008-10", [40] * 6))
    review = review_of(tmp_path, fresh_store, rows, "2009-03", measures)
    assert list(review.exceptions["measure_id"]) == ["short"]            # 90 against 100: red
    assert list(review.watch_list["measure_id"]) == ["slipping"]       # 120, green, but worse than last year's 150
    reasons = review.rows.set_index("measure_id")["exception_reasons"]
    assert reasons["short"] == "off target"

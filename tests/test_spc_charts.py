"""The new chart helpers: the projection cone on an SPC figure, and phases drawn apart."""
import pandas as pd

from metrics import charts
from metrics.periods import parse_month


def test_the_cone_runs_from_the_latest_point_to_the_expected_monthly_figure_with_its_words():
    figure = {"data": [], "layout": {}}
    row = {"last_point": parse_month("2007-09"), "last_value": 6500.0, "target_by": parse_month("2008-03"),
           "expected": 76800.0, "lower": 75600.0, "upper": 78000.0, "window_months": 12, "aggregation": "sum",
           "words": "Very unlikely to be met: 3%"}
    charts.add_projection_cone(figure, row)
    cone, line = figure["data"]
    assert line["x"] == ["2007-09", "2008-03"] and line["y"] == [6500.0, 6400.0]   # 76,800 / 12 months
    assert cone["y"] == [6500.0, 6500.0, 6300.0, 6500.0]                             # the 95% range, per month
    assert line["text"][1] == "Very unlikely to be met: 3%" and line["name"] == "Projection to March 2008"


def test_each_phase_has_its_own_lines_with_a_gap_between():
    chart = pd.DataFrame({"period": ["a", "b", "c", "d"], "mean": [1.0, 1.0, 5.0, 5.0],
                          "upper_limit": [2.0, 2.0, 6.0, 6.0], "lower_limit": [0.0, 0.0, 4.0, 4.0],
                          "phase": [0, 0, 1, 1], "phase_from": [None, None, 7, 7],
                          "phase_note": [None, None, "New centre", "New centre"], "points": [2, 2, 2, 2]})
    mean = charts._phase_lines(chart, chart["period"].tolist())[0]
    assert mean["x"] == ["a", "b", "c", "c", "d"] and mean["y"] == [1.0, 1.0, None, 5.0, 5.0]


def test_a_limit_beyond_what_the_unit_can_be_is_drawn_at_its_bound_and_others_as_worked_out():
    # Few crimes with big swings: a lower limit below nought crimes; a percent near 100 with one above 100%.
    assert charts.within_unit([-3.2, 1.5, None], "count") == [0, 1.5, None]
    assert charts.within_unit([104.1, 97.0, -0.5], "percent") == [100, 97.0, 0]
    assert charts.within_unit([-39047.0], "currency") == [-39047.0]   # money can be below nought
    chart = pd.DataFrame({"period": ["a", "b"], "mean": [2.0, 2.0], "upper_limit": [7.0, 7.0],
                          "lower_limit": [-3.0, -3.0], "phase": [0, 0], "phase_from": [None, None],
                          "phase_note": [None, None], "points": [2, 2]})
    mean, upper, lower = charts._phase_lines(chart, chart["period"].tolist(), "count")
    assert lower["y"] == [0, 0] and upper["y"] == [7.0, 7.0] and mean["y"] == [2.0, 2.0]


def test_the_points_of_a_phase_too_short_to_judge_are_drawn_as_not_judged_whatever_their_flags():
    from types import SimpleNamespace
    chart = pd.DataFrame({"period": ["2006-04", "2006-05"], "month": [24075, 24076], "value": [5.0, 50.0],
                          "mean": [10.0, 10.0], "upper_limit": [20.0, 20.0], "lower_limit": [0.0, 0.0],
                          "phase": [0, 0], "phase_from": [None, None], "phase_note": [None, None], "points": [2, 2],
                          "signal_high": [False, True], "signal_low": [False, False], "rules": ["", "beyond_limits"],
                          "target": [None, None], "baseline": [None, None]})
    measure = SimpleNamespace(title="Crimes", unit="count", direction="lower")
    points = [t for t in charts.spc_figure(chart, measure, "Kent")["data"] if t.get("mode") == "markers"]
    assert [t["name"] for t in points] == ["Too few points to judge"]
    assert points[0]["text"] == ["April 2006: 5<br>Too few points to judge", "May 2006: 50<br>Too few points to judge"]

import pytest

from metrics.spc import LIMIT, chart, rule_flags


def test_limits_are_the_mean_plus_or_minus_2_66_mean_moving_ranges():
    values = [10, 12, 11, 13, 12, 14, 11, 12, 13, 12, 11, 12]
    result = chart(values)
    mean = sum(values) / len(values)
    mean_moving_range = sum(abs(b - a) for a, b in zip(values, values[1:])) / (len(values) - 1)
    assert result["mean"].iloc[0] == pytest.approx(mean)
    assert result["upper_limit"].iloc[0] == pytest.approx(mean + 2.66 * mean_moving_range)
    assert result["lower_limit"].iloc[0] == pytest.approx(mean - 2.66 * mean_moving_range)
    assert LIMIT == 2.66


def test_a_point_above_the_upper_limit_is_flagged_high_and_below_the_lower_low():
    assert rule_flags("beyond_limits", [0, 2.7, -2.7, 2.66], mean=0, mean_moving_range=1) == [0, 1, -1, 0]


def test_limits_can_come_from_a_fixed_baseline_of_points():
    values = [10, 11, 10, 11, 10, 11, 50, 50, 50, 50, 50, 50]
    result = chart(values, baseline=(0, 5))
    assert result["mean"].iloc[0] == pytest.approx(10.5)
    assert result["beyond_limits"].tolist()[6:] == [1] * 6


def test_each_flagged_point_records_the_rules_that_fired():
    values = [10] * 6 + [11] * 6 + [40]   # mean 12.8: the first twelve are a run below it
    result = chart(values)
    assert result["rules"].iloc[-1] == "beyond_limits"
    assert result["rules"].iloc[0] == "run_of_seven"
    assert result["run_of_seven"].tolist() == [-1] * 12 + [0]


def test_moving_ranges_are_not_screened_unless_the_plan_asks():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 40, 11]   # one huge jump up and back
    ranges = [abs(b - a) for a, b in zip(values, values[1:])]    # nine 1s, then 29 and 29
    unscreened = chart(values)
    assert unscreened["mean_moving_range"].iloc[0] == pytest.approx(sum(ranges) / len(ranges))
    screened = chart(values, screen_outliers=True)
    # 29 is above 3.267 times the first mean moving range (6.2), so both 29s are left out.
    assert screened["mean_moving_range"].iloc[0] == pytest.approx(1.0)
    assert screened["beyond_limits"].iloc[10] == 1

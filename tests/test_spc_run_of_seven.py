from metrics.spc import rule_flags


def run_of_seven(values, mean):
    return rule_flags("run_of_seven", values, mean=mean, mean_moving_range=1)


def test_seven_points_above_the_mean_are_all_flagged_high():
    assert run_of_seven([6] * 7, mean=5) == [1] * 7


def test_seven_points_below_the_mean_are_flagged_low():
    assert run_of_seven([4] * 7, mean=5) == [-1] * 7


def test_six_points_on_one_side_are_not_a_run():
    assert run_of_seven([4] * 6 + [6], mean=5) == [0] * 7


def test_a_point_on_the_mean_breaks_the_run():
    assert run_of_seven([6, 6, 6, 5, 6, 6, 6, 6], mean=5) == [0] * 8


def test_a_run_longer_than_seven_is_flagged_throughout():
    assert run_of_seven([4, 6, 6, 6, 6, 6, 6, 6, 6, 4], mean=5) == [0] + [1] * 8 + [0]

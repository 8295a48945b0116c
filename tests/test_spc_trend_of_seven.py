from metrics.spc import rule_flags


def trend_of_seven(values):
    return rule_flags("trend_of_seven", values, mean=0, mean_moving_range=100)


def test_seven_rising_points_are_a_trend():
    assert trend_of_seven([1, 2, 3, 4, 5, 6, 7]) == [1] * 7


def test_seven_falling_points_are_a_trend_low():
    assert trend_of_seven([9, 8, 7, 6, 5, 4, 3, 3]) == [-1] * 7 + [0]


def test_six_rising_points_are_not_a_trend():
    assert trend_of_seven([1, 2, 3, 4, 5, 6, 1]) == [0] * 7


def test_a_tie_breaks_the_trend():
    assert trend_of_seven([1, 2, 3, 3, 4, 5, 6, 7]) == [0] * 8


def test_a_trend_may_cross_the_mean():
    assert rule_flags("trend_of_seven", [-3, -2, -1, 0, 1, 2, 3], mean=0, mean_moving_range=100) == [1] * 7

from metrics.spc import NEAR_LIMIT, rule_flags

# With a mean of 0 and a mean moving range of 1, the 2-sigma line is at 1.773 and the limit at 2.66.
NEAR = NEAR_LIMIT + 0.1


def two_of_three(values):
    return rule_flags("two_of_three", values, mean=0, mean_moving_range=1)


def test_two_of_three_beyond_two_sigma_on_the_same_side_flags_those_two():
    assert two_of_three([0.5, NEAR, 0.5, NEAR, 0.5]) == [0, 1, 0, 1, 0]


def test_low_side_is_flagged_low():
    assert two_of_three([-NEAR, -0.5, -NEAR]) == [-1, 0, -1]


def test_points_beyond_three_sigma_count_too():
    assert two_of_three([0.5, 3.0, NEAR]) == [0, 1, 1]


def test_the_third_point_on_the_other_side_of_the_mean_stops_the_signal():
    assert two_of_three([NEAR, -0.5, NEAR]) == [0, 0, 0]


def test_a_third_point_on_the_mean_stops_the_signal():
    assert two_of_three([NEAR, 0, NEAR]) == [0, 0, 0]


def test_one_point_beyond_two_sigma_is_not_enough():
    assert two_of_three([0.5, NEAR, 0.5, 0.5]) == [0, 0, 0, 0]


def test_two_beyond_on_opposite_sides_do_not_signal():
    assert two_of_three([NEAR, 0.5, -NEAR]) == [0, 0, 0]

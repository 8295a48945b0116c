"""SPC in the scorecard: the latest point's variation, and assurance from the target against the limits."""
import pytest

from conftest import monthly, plan_with

MEASURE = """
- id: calls
  title: Calls
  unit: count
  direction: {direction}
  aggregation: sum
  assess_on: month
  {targets}
"""
STEADY = ["100", "102", "98", "101", "99", "100", "103", "97", "100", "101", "99", "100"]


def latest(tmp_path, status_of, values, direction="higher", target=None):
    targets = f"targets: [{{kind: level, value: {target}, by: 2009-03}}]" if target is not None else ""
    plan = plan_with(tmp_path, MEASURE.format(direction=direction, targets=targets))
    rows = monthly("calls", "2005-04", values)
    from metrics.periods import month_label, parse_month
    as_of = month_label(parse_month("2005-04") + len(values) - 1)
    return status_of(plan, rows, as_of)[("calls", "force")]


def test_fewer_than_twelve_points_is_insufficient_data(tmp_path, status_of):
    row = latest(tmp_path, status_of, STEADY[:11], target=90)
    assert row["spc_variation"] == "insufficient_data" and row["spc_assurance"] == "none"


def test_with_fewer_than_twelve_points_no_rule_is_said_to_have_fired(tmp_path, status_of):
    # Ten steady points and a leap: beyond the limits, but too few points to judge it.
    row = latest(tmp_path, status_of, STEADY[:10] + ["300"])
    assert row["spc_variation"] == "insufficient_data" and row["spc_rules"] is None
    assert "beyond_limits" in latest(tmp_path, status_of, STEADY + ["300"])["spc_rules"]  # with 13, it is said


def test_twelve_steady_points_are_common_cause(tmp_path, status_of):
    assert latest(tmp_path, status_of, STEADY)["spc_variation"] == "common_cause"


@pytest.mark.parametrize("direction,variation", [("higher", "improvement"), ("lower", "concern"),
                                                 ("neutral", "neutral_high")])
def test_a_latest_point_far_above_is_read_with_the_measure_direction(tmp_path, status_of, direction, variation):
    assert latest(tmp_path, status_of, STEADY + ["160"], direction)["spc_variation"] == variation


def test_where_rules_point_both_ways_improvement_is_shown(tmp_path, status_of):
    # Seven points rising (a high trend) that are also seven below the mean (a low run).
    values = ["200"] * 12 + ["10", "11", "12", "13", "14", "15", "16"]
    row = latest(tmp_path, status_of, values, "higher")
    assert "trend_of_seven" in row["spc_rules"] and "run_of_seven" in row["spc_rules"]
    assert row["spc_variation"] == "improvement"


@pytest.mark.parametrize("target,assurance", [(80, "pass"), (100, "hit_and_miss"), (120, "fail")])
def test_assurance_compares_the_target_with_the_process_limits(tmp_path, status_of, target, assurance):
    # Mean 100, mean moving range 3.36: limits about 91 to 109.
    assert latest(tmp_path, status_of, STEADY, "higher", target)["spc_assurance"] == assurance


def test_assurance_is_reversed_for_lower_is_better(tmp_path, status_of):
    assert latest(tmp_path, status_of, STEADY, "lower", 80)["spc_assurance"] == "fail"
    assert latest(tmp_path, status_of, STEADY, "lower", 120)["spc_assurance"] == "pass"


def test_the_scorecard_reads_the_same_signals_as_the_full_chart(tmp_path):
    """The scorecard runs the rules on each series' last points only; on the shipped sample its
    verdict must match the full chart's latest point for every measure and area."""
    from pathlib import Path

    from metrics import store
    from metrics.engine import Engine
    from metrics.loading import load_figures
    from metrics.plan import load_plan

    root = Path(__file__).resolve().parent.parent
    plan = load_plan(root / "config" / "targets.yaml")
    conn = store.connect(tmp_path / "s.duckdb")
    load_figures(conn, plan, root / "data" / "sample_figures.csv")
    engine = Engine(conn, plan)
    status = engine.status(None, None, "all").set_index(["measure_id", "area"])
    charts = engine.chart(None, None, None)
    latest = charts.sort_values("month").groupby(["measure_id", "area"]).tail(1).set_index(["measure_id", "area"])
    assert set(latest.index) == set(status.index) and len(status) > 100
    for key, point in latest.iterrows():
        row = status.loc[key]
        assert bool(row["spc_upper_limit"] == pytest.approx(point["upper_limit"])), key
        fired = set(filter(None, (point["rules"] or "").split(", ")))
        assert fired == set(filter(None, (row["spc_rules"] or "").split(", "))), key

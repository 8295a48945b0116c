"""RAG at and around both edges of the tolerance, roll-ups per grain, incomplete periods, trend."""
import pandas as pd
import pytest

from conftest import CRIME_MEASURE, monthly, plan_with

PERCENT = """
- id: calls
  title: Calls answered in time
  unit: percent
  direction: higher
  aggregation: ratio
  assess_on: {grain}
  targets:
    - {{kind: level, value: 90, by: 2009-03}}
  tolerance: 2
"""
HOURS = """
- id: hours
  title: Hours lost
  unit: hours
  direction: lower
  aggregation: sum
  assess_on: month
  targets:
    - {kind: level, value: 10, by: 2009-03}
  tolerance: 10%
"""


@pytest.mark.parametrize("answered,rag", [
    (901, "green"), (900, "green"),            # equal counts as met
    (899, "amber"), (880, "amber"),            # short by 0.1, and by exactly the tolerance (2 points)
    (879, "red"), (500, "red"),                # beyond the tolerance
])
def test_rag_for_a_higher_is_better_measure(tmp_path, status_of, answered, rag):
    plan = plan_with(tmp_path, PERCENT.format(grain="month"))
    row = status_of(plan, monthly("calls", "2006-04", [(answered, 1000)]), "2006-04")[("calls", "force")]
    assert row["rag"] == rag
    assert row["variance"] == pytest.approx(answered / 10 - 90)


@pytest.mark.parametrize("hours,rag", [
    ("9", "green"), ("10", "green"),           # equal counts as met
    ("10.5", "amber"), ("11", "amber"),        # over by up to 10% of the target (1 hour)
    ("11.01", "red"), ("15", "red"),
])
def test_rag_for_a_lower_is_better_measure_with_a_percent_tolerance(tmp_path, status_of, hours, rag):
    plan = plan_with(tmp_path, HOURS)
    assert status_of(plan, monthly("hours", "2006-04", [hours]), "2006-04")[("hours", "force")]["rag"] == rag


def test_hours_and_minutes_are_read_as_hours(tmp_path, status_of):
    plan = plan_with(tmp_path, HOURS)
    row = status_of(plan, monthly("hours", "2006-04", ["10:30"]), "2006-04")[("hours", "force")]
    assert row["actual"] == pytest.approx(10.5) and row["rag"] == "amber"


def test_a_ratio_rolls_up_by_re_summing_numerators_and_denominators(tmp_path, status_of):
    plan = plan_with(tmp_path, PERCENT.format(grain="quarter"))
    rows = monthly("calls", "2006-04", [(1, 10), (90, 100), (9, 10)])   # 10%, 90%, 90%
    row = status_of(plan, rows, "2006-06")[("calls", "force")]
    assert row["actual"] == pytest.approx(100 * 100 / 120)              # 83.3%, not the mean 63.3%
    assert row["period"] == "2006/07 Q1"


def test_a_quarter_lacking_a_month_is_incomplete_and_not_judged(tmp_path, status_of):
    plan = plan_with(tmp_path, PERCENT.format(grain="quarter"))
    row = status_of(plan, monthly("calls", "2006-04", [(95, 100), (95, 100)]), "2006-06")[("calls", "force")]
    assert not row["complete"]
    assert row["months_held"] == 2 and row["months_expected"] == 3
    assert row["rag"] == "no_data"


def test_a_month_with_no_figure_has_no_data(tmp_path, status_of):
    plan = plan_with(tmp_path, PERCENT.format(grain="month"))
    row = status_of(plan, monthly("calls", "2006-04", [(95, 100)]), "2006-05")[("calls", "force")]
    assert row["rag"] == "no_data" and row["last_data_period"] == "2006-04" and row["overdue"]


def test_quarters_follow_the_financial_year(tmp_path, status_of):
    plan = plan_with(tmp_path, HOURS)
    rows = monthly("hours", "2006-12", ["1", "2", "3", "4", "5"])          # Dec, Jan, Feb, Mar, Apr
    assert status_of(plan, rows, "2007-03", grain="quarter")[("hours", "force")]["actual"] == 2 + 3 + 4
    assert status_of(plan, [], "2007-03", grain="quarter")[("hours", "force")]["period"] == "2006/07 Q4"
    assert status_of(plan, [], "2007-04", grain="ytd")[("hours", "force")]["actual"] == 5


def test_the_year_grain_is_april_to_march(tmp_path, status_of):
    plan = plan_with(tmp_path, HOURS)
    rows = monthly("hours", "2006-03", ["100"] + ["1"] * 12 + ["100"])      # Mar 2006 .. Apr 2007
    row = status_of(plan, rows, "2007-03", grain="year")[("hours", "force")]
    assert row["actual"] == 12 and row["period"] == "2006/07" and row["complete"]


def test_rolling_twelve_months_cross_the_year_end(tmp_path, status_of):
    plan = plan_with(tmp_path, HOURS)
    rows = monthly("hours", "2006-02", [str(i) for i in range(1, 14)])      # Feb 2006 = 1 .. Feb 2007 = 13
    row = status_of(plan, rows, "2007-02", grain="rolling12")[("hours", "force")]
    assert row["actual"] == sum(range(2, 14)) and row["period"] == "2006-03..2007-02"


@pytest.mark.parametrize("this_year,direction,trend", [
    ("100.5", "lower", "stable"),        # under 1% of last year's 100
    ("102", "lower", "deteriorating"),
    ("98", "lower", "improving"),
    ("102", "higher", "improving"),
    ("98", "higher", "deteriorating"),
    ("102", "neutral", "up"),
    ("98", "neutral", "down"),
])
def test_trend_is_against_the_same_period_a_year_earlier(tmp_path, status_of, this_year, direction, trend):
    plan = plan_with(tmp_path, f"""
        - id: level
          title: A level
          unit: count
          direction: {direction}
          aggregation: sum
          assess_on: month
        """)
    rows = monthly("level", "2005-06", ["100"] + ["500"] * 11 + [this_year])
    row = status_of(plan, rows, "2006-06")[("level", "force")]
    assert row["trend"] == trend
    assert row["change_vs_previous"] == pytest.approx(float(this_year) - 500)   # beside it: last month


def test_a_neutral_measure_has_no_rag(tmp_path, status_of):
    plan = plan_with(tmp_path, """
        - id: abuse
          title: Domestic abuse reported
          unit: count
          direction: neutral
          aggregation: sum
          assess_on: month
        """)
    assert status_of(plan, monthly("abuse", "2006-04", ["40"]), "2006-04")[("abuse", "force")]["rag"] == "no_target"


def test_a_baseline_period_lacking_a_month_is_worked_out_from_the_months_held(tmp_path, status_of):
    plan = plan_with(tmp_path, CRIME_MEASURE)
    rows = monthly("crimes", "2003-04", ["10"] * 12) + monthly("crimes", "2003-05", ["5"] * 11, area="north")
    result = status_of(plan, rows, "2004-03", area="all")
    assert result[("crimes", "force")]["baseline"] == 120
    north = result[("crimes", "north")]
    assert north["baseline"] == pytest.approx(55 * 12 / 11)   # 11 months' sum scaled to 12: 60
    assert (north["baseline_months_held"], north["baseline_months_expected"]) == (11, 12)
    assert (result[("crimes", "force")]["baseline_months_held"], result[("crimes", "force")]["baseline_months_expected"]) == (12, 12)


# --- the rules as named pieces, on hand-worked numbers ------------------------------------------

import duckdb  # noqa: E402

from metrics import status_rules  # noqa: E402


def sql_value(expression: str):
    return duckdb.sql(f"SELECT {expression}").fetchone()[0]


def rag(actual, target, tolerance, direction="higher", complete="true", has_target="true"):
    return sql_value(status_rules.rag_sql(str(actual), str(target), str(tolerance), f"'{direction}'", complete, has_target))


@pytest.mark.parametrize("actual,direction,expected", [
    (90, "higher", "green"), (88, "higher", "amber"), (87.9, "higher", "red"),
    (90, "lower", "green"), (92, "lower", "amber"), (92.1, "lower", "red"), (80, "lower", "green"),
])
def test_rag_rule_meets_is_green_the_tolerance_is_amber_beyond_is_red(actual, direction, expected):
    assert rag(actual, 90, 2, direction) == expected      # target 90, tolerance 2 either side of the miss


def test_rag_rule_float_noise_does_not_turn_an_exact_hit_into_a_miss():
    assert rag("0.1 + 0.2", "0.3", 0, "lower") == "green"


def test_rag_rule_a_target_in_the_plan_never_reads_no_target():
    assert rag("NULL", 90, 2) == "no_data"                       # no figures
    assert rag(95, 90, 2, complete="false") == "no_data"         # incomplete period
    assert rag(95, "NULL", 2) == "no_data"                       # target could not be worked out
    assert rag(95, "NULL", 2, has_target="false") == "no_target"  # the plan sets none here
    assert rag(95, 90, 2, direction="neutral") == "no_target"


def test_tolerance_rule_percent_of_target_or_units_pro_rated():
    assert sql_value(status_rules.tolerance_sql("200", "5", "true", "0.25")) == pytest.approx(10)   # 5% of 200
    assert sql_value(status_rules.tolerance_sql("200", "8", "false", "0.25")) == pytest.approx(2)   # 8 a year, a quarter


@pytest.mark.parametrize("aggregation,months,kind,factor", [
    ("sum", 3, None, 0.25), ("sum", 9, "level", 0.75), ("ratio", 3, None, 1), ("last", 3, None, 1),
    ("sum", 3, "comparator", 1), ("sum", 3, "measure", 1),
])
def test_prorate_rule_only_sums_scale_by_months(aggregation, months, kind, factor):
    expr = status_rules.prorate_sql(f"'{aggregation}'", str(months), "12", "NULL" if kind is None else f"'{kind}'")
    assert sql_value(expr) == pytest.approx(factor)


@pytest.mark.parametrize("now,before,direction,stable,expected", [
    (100.9, 100, "lower", ("NULL", "NULL"), "stable"),        # under 1% of last year
    (101, 100, "lower", ("NULL", "NULL"), "deteriorating"),   # exactly 1% is a change
    (103, 100, "higher", ("5", "true"), "stable"),            # within stable_within 5%
    (106, 100, "higher", ("5", "true"), "improving"),
    (99, 100, "higher", ("2", "false"), "stable"),            # within 2 units
    (97, 100, "neutral", ("2", "false"), "down"),
])
def test_trend_rule_uses_the_measures_stable_band(now, before, direction, stable, expected):
    expr = status_rules.trend_sql(str(now), str(before), f"'{direction}'", stable[0], stable[1], "true")
    assert sql_value(expr) == expected


def test_trend_rule_gives_no_trend_when_a_period_is_incomplete():
    assert sql_value(status_rules.trend_sql("120", "100", "'higher'", "NULL", "NULL", "false")) is None


@pytest.mark.parametrize("now,before,value,is_percent", [
    (100.9, 100, None, None), (101, 100, None, None), (103, 100, 5, True), (106, 100, 5, True),
    (99, 100, 2, False), (97, 100, 2, False), (50, 50, None, None),
])
def test_the_python_stable_rule_agrees_with_the_sql(now, before, value, is_percent):
    sql = status_rules.stable_sql(str(now), str(before), "NULL" if value is None else str(value),
                                  "NULL" if is_percent is None else str(is_percent).lower())
    assert status_rules.is_stable(now, before, value, is_percent) == sql_value(sql)

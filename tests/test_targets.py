"""Each target kind resolved to a number, milestones (step and linear), and the target in force."""
import pytest

from conftest import CRIME_MEASURE, monthly, plan_with

PCSO = """
- id: pcsos
  title: PCSOs in post
  unit: count
  direction: higher
  aggregation: last
  assess_on: month
  baseline: {{period: 2006-03..2006-03, value: 108}}
  trajectory: {trajectory}
  targets:
    - {{kind: level, value: 289, by: 2007-03}}
    - {{kind: level, value: 582, by: 2008-03}}
"""


@pytest.mark.parametrize("as_of,expected", [
    ("2006-06", 289),   # before the first milestone: the first milestone is the target
    ("2007-03", 289),   # on the milestone's month: still that milestone
    ("2007-04", 582),   # the month after: the next milestone
    ("2009-01", 582),   # after the last milestone it is to be maintained
])
def test_step_milestones_use_the_earliest_target_due_on_or_after_the_period_end(tmp_path, status_of, as_of, expected):
    plan = plan_with(tmp_path, PCSO.format(trajectory="step"))
    rows = monthly("pcsos", "2006-01", [100] * 40)
    assert status_of(plan, rows, as_of)[("pcsos", "force")]["target"] == expected


@pytest.mark.parametrize("as_of,expected", [
    ("2006-09", 108 + (289 - 108) * 6 / 12),   # from the baseline, placed at its last month (2006-03)
    ("2007-03", 289),
    ("2007-06", 289 + (582 - 289) * 3 / 12),   # between the milestones, by month
    ("2008-11", 582),                          # after the last: maintained
])
def test_linear_trajectory_interpolates_by_month(tmp_path, status_of, as_of, expected):
    plan = plan_with(tmp_path, PCSO.format(trajectory="linear"))
    rows = monthly("pcsos", "2006-01", [100] * 40)
    assert status_of(plan, rows, as_of)[("pcsos", "force")]["target"] == pytest.approx(expected)




@pytest.mark.parametrize("monthly_crimes,rag", [(85, "green"), (86, "amber"), (90, "red")])
def test_change_pct_is_against_the_baseline_period_rolled_up(tmp_path, status_of, monthly_crimes, rag):
    plan = plan_with(tmp_path, CRIME_MEASURE)
    rows = monthly("crimes", "2003-04", [100] * 12) + monthly("crimes", "2006-04", [monthly_crimes] * 12)
    row = status_of(plan, rows, "2007-03")[("crimes", "force")]
    assert row["baseline"] == 1200                  # 12 months of 100
    assert row["target"] == pytest.approx(1020)     # 15% below 1,200
    assert row["actual"] == 12 * monthly_crimes
    assert row["rag"] == rag                        # 1,032 is within 2% of 1,020 (20.4); 1,080 is not


def test_change_pp_is_points_against_a_published_baseline(tmp_path, status_of):
    plan = plan_with(tmp_path, """
        - id: worry
          title: Worried about crime
          unit: percent
          direction: lower
          aggregation: ratio
          assess_on: month
          baseline: {period: 2005-03..2005-03, value: 46}
          targets:
            - {kind: change_pp, value: -5, by: 2008-03}
          tolerance: 1
        """)
    row = status_of(plan, monthly("worry", "2007-01", [(41, 100)]), "2007-01")[("worry", "force")]
    assert row["baseline"] == 46 and row["target"] == pytest.approx(41) and row["rag"] == "green"


def test_a_comparator_target_is_the_comparator_series_for_the_same_period(tmp_path, status_of):
    plan = plan_with(tmp_path, """
        - id: contact
          title: First contact satisfaction
          unit: percent
          direction: higher
          aggregation: ratio
          assess_on: quarter
          targets:
            - {kind: comparator, series: msf_average, by: 2009-03}
          tolerance: 1
        """)
    rows = (monthly("contact", "2006-04", [(90, 100), (92, 100), (94, 100)])
            + monthly("contact", "2006-04", [(91, 100), (93, 100), (95, 100)], area="msf_average"))
    result = status_of(plan, rows, "2006-06")
    row = result[("contact", "force")]
    assert row["target"] == pytest.approx(93.0)    # the comparator's own quarter: 279 of 300
    assert row["actual"] == pytest.approx(92.0)
    assert row["rag"] == "amber"                   # one point below, within a tolerance of 1
    assert ("contact", "msf_average") not in result


def test_a_target_with_from_is_not_in_force_before_that_month(tmp_path, status_of):
    plan = plan_with(tmp_path, """
        - id: referrals
          title: Referrals
          unit: count
          direction: higher
          aggregation: sum
          assess_on: month
          targets:
            - {kind: level, value: 50, from: 2006-10, by: 2007-03}
        """)
    rows = monthly("referrals", "2006-06", [60] * 8)
    assert status_of(plan, rows, "2006-08")[("referrals", "force")]["rag"] == "no_target"
    assert status_of(plan, [], "2006-12")[("referrals", "force")]["target"] == 50


def test_a_force_level_count_target_does_not_apply_to_a_district(tmp_path, status_of):
    plan = plan_with(tmp_path, """
        - id: offences
          title: Offences brought to justice
          unit: count
          direction: higher
          aggregation: sum
          assess_on: month
          targets:
            - {kind: level, value: 2600, by: 2007-03}
        - id: detected
          title: Detection rate
          unit: percent
          direction: higher
          aggregation: ratio
          assess_on: month
          targets:
            - {kind: level, value: 24, by: 2007-03}
        """)
    rows = (monthly("offences", "2006-04", [2700]) + monthly("offences", "2006-04", [300], area="north")
            + monthly("detected", "2006-04", [(25, 100)]) + monthly("detected", "2006-04", [(20, 100)], area="north"))
    result = status_of(plan, rows, "2006-04", area="all")
    assert result[("offences", "north")]["rag"] == "no_target"
    assert result[("detected", "north")]["target"] == 24 and result[("detected", "north")]["rag"] == "red"


def test_sum_targets_are_pro_rated_by_months_at_another_grain(tmp_path, status_of):
    plan = plan_with(tmp_path, """
        - id: sickness
          title: Sickness hours per officer
          unit: hours
          direction: lower
          aggregation: sum
          assess_on: year
          targets:
            - {kind: level, value: 64, by: 2007-03}
          tolerance: 5%
        - id: rate
          title: A percent
          unit: percent
          direction: higher
          aggregation: ratio
          assess_on: year
          targets:
            - {kind: level, value: 90, by: 2007-03}
        """)
    rows = monthly("sickness", "2006-04", [5] * 12) + monthly("rate", "2006-04", [(9, 10)] * 12)
    assert status_of(plan, rows, "2006-06", grain="quarter")[("sickness", "force")]["target"] == pytest.approx(16)
    assert status_of(plan, [], "2006-06", grain="month")[("sickness", "force")]["target"] == pytest.approx(64 / 12)
    assert status_of(plan, [], "2006-09", grain="ytd")[("sickness", "force")]["target"] == pytest.approx(32)
    assert status_of(plan, [], "2006-06", grain="quarter")[("rate", "force")]["target"] == 90  # not a sum: as stated

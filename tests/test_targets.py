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


# --- per-target trajectory, the `measure` kind, targets in words ---------------------------------

import dataclasses  # noqa: E402

from metrics.plan import Target  # noqa: E402
from metrics.targets import target_words  # noqa: E402


@dataclasses.dataclass(frozen=True)
class PlanTarget(Target):
    """A Target with the PLAN branch's new fields, for plans built in the test."""
    trajectory: str | None = None
    measure: str | None = None


def with_targets(plan, measure_id, *targets):
    """The plan with one measure's targets replaced (fields the plan file cannot carry yet)."""
    measures = tuple(dataclasses.replace(m, targets=tuple(targets)) if m.id == measure_id else m for m in plan.measures)
    return dataclasses.replace(plan, measures=measures)


def test_a_per_target_linear_trajectory_wins_over_the_measures_step(tmp_path, status_of):
    plan = plan_with(tmp_path, PCSO.format(trajectory="step"))
    plan = with_targets(plan, "pcsos", PlanTarget("level", 289, 2007 * 12 + 2, None, None, None, trajectory="linear"))
    row = status_of(plan, monthly("pcsos", "2006-01", [100] * 12), "2006-09")[("pcsos", "force")]
    assert row["target"] == pytest.approx(108 + (289 - 108) * 6 / 12)   # 198.5, not the step's 289


def test_a_per_target_step_wins_over_the_measures_linear(tmp_path, status_of):
    plan = plan_with(tmp_path, PCSO.format(trajectory="linear"))
    plan = with_targets(plan, "pcsos", PlanTarget("level", 289, 2007 * 12 + 2, None, None, None, trajectory="step"))
    assert status_of(plan, monthly("pcsos", "2006-01", [100] * 12), "2006-09")[("pcsos", "force")]["target"] == 289


STRENGTH = """
- id: strength
  title: Officer strength
  unit: count
  direction: higher
  aggregation: last
  assess_on: quarter
  tolerance: {tolerance}
- id: establishment
  title: Officer establishment
  unit: count
  direction: neutral
  aggregation: last
  assess_on: quarter
"""


@pytest.mark.parametrize("strength,tolerance,rag", [
    (3250, "1%", "green"), (3300, "1%", "green"),
    (3230, "1%", "amber"),      # 20 short; 1% of 3,250 is 32.5
    (3200, "1%", "red"),        # 50 short, beyond 32.5
    (3200, "2%", "amber"),      # 50 short, within 65
])
def test_a_measure_target_is_the_other_measures_figure_for_the_same_area_and_period(tmp_path, status_of,
                                                                                   strength, tolerance, rag):
    plan = plan_with(tmp_path, STRENGTH.format(tolerance=tolerance))
    plan = with_targets(plan, "strength", PlanTarget("measure", None, 2009 * 12 + 2, None, None, None,
                                                     measure="establishment"))
    rows = (monthly("strength", "2008-07", [3100, 3150, strength])
            + monthly("establishment", "2008-07", [3300, 3300, 3250]))   # a stock: the quarter's last month
    row = status_of(plan, rows, "2008-09")[("strength", "force")]
    assert row["target"] == 3250 and row["actual"] == strength and row["rag"] == rag
    assert row["target_words"] == "at or above Officer establishment"


def test_a_measure_target_without_the_other_figures_is_no_data_with_the_reason(tmp_path, status_of):
    plan = plan_with(tmp_path, STRENGTH.format(tolerance="1%"))
    plan = with_targets(plan, "strength", PlanTarget("measure", None, 2009 * 12 + 2, None, None, None,
                                                     measure="establishment"))
    row = status_of(plan, monthly("strength", "2008-07", [3100, 3150, 3200]), "2008-09")[("strength", "force")]
    assert row["rag"] == "no_data"
    assert row["rag_reason"] == "the target cannot be worked out: no Officer establishment figures for July to September 2008"


def test_targets_read_in_words(tmp_path):
    plan = plan_with(tmp_path, CRIME_MEASURE + """
- id: calls
  title: Calls
  unit: percent
  direction: higher
  aggregation: ratio
  baseline: {value: 46}
  targets:
    - {kind: level, value: 90, by: 2007-03}
- id: worry
  title: Worry
  unit: percent
  direction: lower
  aggregation: mean
  baseline: {value: 46}
  targets:
    - {kind: change_pp, value: -5, by: 2008-03}
- id: nte
  title: Night-time crimes
  unit: count
  direction: lower
  aggregation: sum
  targets:
    - {kind: level, value: 8399, by: 2008-03}
- id: satisfied
  title: Satisfied
  unit: percent
  direction: higher
  aggregation: ratio
  targets:
    - {kind: comparator, series: msf_average, by: 2009-03}
""")
    words = {m.id: target_words(m.targets[0], m, plan) for m in plan.measures}
    assert words == {
        "crimes": "15% below the 2003/04 baseline by March 2008",
        "calls": "at least 90% by March 2007",
        "worry": "5 points below the baseline by March 2008",
        "nte": "no more than 8,399 by March 2008",
        "satisfied": "at or above the MSF",   # an acronym keeps its capitals
    }


def test_the_sample_plans_comparator_target_reads_in_words():
    from conftest import ROOT
    from metrics.plan import load_plan
    plan = load_plan(ROOT / "config" / "targets.yaml")
    measure = next(m for m in plan.measures if any(t.kind == "comparator" for t in m.targets))
    assert target_words(measure.targets[0], measure, plan) == "at or above the most similar forces average"

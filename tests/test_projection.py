"""Projection: the expected value at a target's date and the likelihood of meeting it."""
import math

import pytest
from conftest import figures_file, monthly, plan_with

from metrics.loading import load_figures
from metrics.periods import parse_month
from metrics.projection import projections

# Alternating 88, 92: mean 90, every moving range 4, sigma = 4 / 1.128 = 3.546; no rule fires.
STEADY = [88, 92] * 9  # April 2005 to September 2006


def measure(assess_on, target, by, direction="lower", aggregation="sum"):
    return f"""
- id: crimes
  title: Crimes
  unit: count
  direction: {direction}
  aggregation: {aggregation}
  assess_on: {assess_on}
  targets: [{{kind: level, value: {target}, by: {by}}}]
"""


def project(tmp_path, store, yaml, values, as_of):
    plan = plan_with(tmp_path, yaml)
    load_figures(store, plan, figures_file(tmp_path, monthly("crimes", "2005-04", values)))
    return projections(store, plan, parse_month(as_of)).iloc[0]


def phi(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def test_a_month_target_from_the_process_mean_and_spread(tmp_path, fresh_store):
    row = project(tmp_path, fresh_store, measure("month", 95, "2007-03"), STEADY, "2006-09")
    sigma = 4 / 1.128
    assert row["method"] == "process mean" and row["expected"] == pytest.approx(90)
    assert row["likelihood"] == pytest.approx(phi(5 / sigma))  # 0.9207
    assert row["words"] == "Very likely to be met: 92%"


def test_a_year_to_date_total_counts_the_months_held_and_projects_the_rest(tmp_path, fresh_store):
    # Held April to September 2006: 3 x (88 + 92) = 540; six months to come at 90: 540.
    # Expected 1,080; spread sqrt(6) x sigma = 8.686; target 1,100: z = 20 / 8.686 = 2.30.
    row = project(tmp_path, fresh_store, measure("ytd", 1100, "2007-03"), STEADY, "2006-09")
    assert row["expected"] == pytest.approx(1080)
    assert row["sd"] == pytest.approx(math.sqrt(6) * 4 / 1.128)
    assert row["likelihood"] == pytest.approx(phi(20 / (math.sqrt(6) * 4 / 1.128)))
    assert row["words"] == "Very likely to be met: 99%"


def test_a_trend_is_continued_and_said_so(tmp_path, fresh_store):
    # Headcount rising by 2 a month (50 in April 2005 ... 84 in September 2006): a trend fires.
    # March 2007 is six months on: 84 + 12 = 96 expected, sigma 2 / 1.128; target 97 (higher).
    values = [50 + 2 * i for i in range(18)]
    row = project(tmp_path, fresh_store, measure("month", 97, "2007-03", "higher", "last"), values, "2006-09")
    assert row["method"] == "trend" and row["expected"] == pytest.approx(96)
    assert row["likelihood"] == pytest.approx(phi(-1 / (2 / 1.128)))  # 0.287
    assert row["words"] == "Unlikely to be met: 29%"


def test_a_target_already_past_is_not_projected(tmp_path, fresh_store):
    plan = plan_with(tmp_path, measure("month", 95, "2006-03"))
    load_figures(fresh_store, plan, figures_file(tmp_path, monthly("crimes", "2005-04", STEADY)))
    assert projections(fresh_store, plan, parse_month("2006-09")).empty


def test_with_fewer_points_than_spc_judges_there_is_no_projection(tmp_path, fresh_store):
    plan = plan_with(tmp_path, measure("month", 95, "2007-03"))
    load_figures(fresh_store, plan, figures_file(tmp_path, monthly("crimes", "2005-04", STEADY[:11])))
    assert projections(fresh_store, plan, parse_month("2006-02")).empty          # 11 points: none
    assert len(projections(fresh_store, plan, parse_month("2006-03"))) == 0      # still 11 held by March
    load_figures(fresh_store, plan, figures_file(tmp_path, monthly("crimes", "2006-03", [92]), "twelfth.csv"))
    assert len(projections(fresh_store, plan, parse_month("2006-03"))) == 1      # the 12th point: projected


def test_a_process_that_has_shifted_is_projected_from_its_new_level_and_said_so(tmp_path, fresh_store):
    # A year alternating 48, 52 (mean 50), then 9 months alternating 63, 67 (mean 65): the latest 9
    # points are a run above the whole series' mean (56.4), so the process has moved. Every moving
    # range is 4 but the one step (52 to 63): mean moving range (19 x 4 + 11) / 20 = 4.35.
    values = [48, 52] * 6 + [63, 67] * 4 + [63]
    row = project(tmp_path, fresh_store, measure("month", 60, "2007-03", direction="higher", aggregation="last"),
                  values, "2006-12")
    assert row["method"] == "shift" and row["run_points"] == 9
    assert row["expected"] == pytest.approx(sum(values[12:]) / 9)   # 64.8, not the long-run 56.4
    sigma = 4.35 / 1.128
    assert row["likelihood"] == pytest.approx(phi((sum(values[12:]) / 9 - 60) / sigma))  # 0.89
    assert row["words"] == "Likely to be met: 89%"  # from the long-run mean, 56.4: under 20%
    from metrics.projection import method_words
    assert method_words(row).startswith("Projected from the level the process has moved to (the mean of the 9 points")

"""What the engine reports and for whom: districts only where held, like-with-like comparisons, the
default as-of month, stocks, incomplete baselines, and why a status is missing, in words."""
import pytest

from conftest import CRIME_MEASURE, figures_file, monthly, plan_with
from metrics.engine import Engine
from metrics.formats import missing
from metrics.loading import load_figures
from metrics.periods import parse_month

COUNT = """
- id: {id}
  title: {title}
  unit: count
  direction: lower
  aggregation: sum
  assess_on: {grain}
"""
STOCK = """
- id: pcso_strength
  title: PCSO strength
  unit: count
  direction: higher
  aggregation: last
  assess_on: quarter
  targets:
    - {kind: level, value: 300, by: 2024-03}
  tolerance: 2%
"""


def test_a_measure_with_no_figures_for_a_district_is_not_reported_there(tmp_path, status_of):
    plan = plan_with(tmp_path, COUNT.format(id="a", title="A", grain="month") + COUNT.format(id="b", title="B", grain="month"))
    rows = monthly("a", "2006-04", [5]) + monthly("a", "2006-04", [2], area="north") + monthly("b", "2006-04", [7])
    every = status_of(plan, rows, "2006-04", area="all")
    assert set(every) == {("a", "force"), ("a", "north"), ("b", "force")}   # b is held force-wide only
    assert set(status_of(plan, [], "2006-04", area="north")) == {("a", "north")}
    assert set(status_of(plan, [], "2006-04", area="force")) == {("a", "force"), ("b", "force")}


def test_the_forces_rows_are_there_even_with_no_figures(tmp_path, status_of):
    plan = plan_with(tmp_path, COUNT.format(id="a", title="A", grain="month"))
    row = status_of(plan, [], "2006-04")[("a", "force")]
    assert row["rag"] == "no_target" and row["overdue"]


def test_at_year_to_date_the_previous_period_is_the_same_months_last_year(tmp_path, status_of):
    plan = plan_with(tmp_path, COUNT.format(id="a", title="A", grain="ytd"))
    rows = monthly("a", "2007-04", [10] * 12) + monthly("a", "2008-04", [12] * 9)   # to December 2008
    row = status_of(plan, rows, "2008-12")[("a", "force")]
    assert row["actual"] == 108 and row["previous_actual"] == 90 == row["year_ago_actual"]
    assert row["change_vs_previous"] == 18                   # not 108 against the 120 of a whole year
    assert row["previous_label"] == "April to December 2007"
    assert row["period_words"] == "April to December 2008" and row["grain_words"] == "Year to date"


@pytest.mark.parametrize("grain,as_of,previous_label", [
    ("month", "2008-12", "November 2008"),
    ("quarter", "2008-12", "July to September 2008"),
    ("rolling12", "2008-12", "December 2007 to November 2008"),
    ("year", "2009-03", "April 2007 to March 2008"),
])
def test_every_grain_compares_with_a_previous_period_of_the_same_length(tmp_path, status_of, grain, as_of, previous_label):
    plan = plan_with(tmp_path, COUNT.format(id="a", title="A", grain=grain))
    row = status_of(plan, monthly("a", "2006-04", [1] * 36), as_of)[("a", "force")]
    assert row["previous_label"] == previous_label
    assert row["change_vs_previous"] == 0                     # equal months, equal sums


def test_the_default_as_of_month_is_the_latest_most_measures_hold(tmp_path, fresh_store):
    measures = "".join(COUNT.format(id=m, title=m.upper(), grain="month") for m in "abcde")
    plan = plan_with(tmp_path, measures)
    rows = [r for m in "abcde" for r in monthly(m, "2009-01", [1, 1, 1])]          # all five to March
    rows += monthly("a", "2009-04", [1, 1]) + monthly("b", "2009-04", [1])         # two in April, one in May
    load_figures(fresh_store, plan, figures_file(tmp_path, rows))
    engine = Engine(fresh_store, plan)
    assert engine.default_as_of() == parse_month("2009-03")                        # 2 of 5 is under half
    assert engine.later_figures(parse_month("2009-03")) == [(parse_month("2009-04"), 2), (parse_month("2009-05"), 1)]
    assert engine.status()["as_of"].iloc[0] == "2009-03"
    rows = monthly("c", "2009-04", [1])                                           # a third for April
    load_figures(fresh_store, plan, figures_file(tmp_path, rows, "more.csv"))
    assert engine.default_as_of() == parse_month("2009-04")                        # 3 of 5 is at least half


def test_a_stock_is_judged_at_a_quarter_when_its_last_month_is_held(tmp_path, status_of):
    plan = plan_with(tmp_path, STOCK)
    rows = monthly("pcso_strength", "2023-09", [281.3])          # September only: Q2's last month
    row = status_of(plan, rows, "2023-09")[("pcso_strength", "force")]
    assert row["complete"] and row["actual"] == pytest.approx(281.3)
    assert row["rag"] == "red"                                   # 18.7 below 300, beyond 2% (6)


def test_a_stock_without_the_quarters_last_month_is_no_data_with_the_reason(tmp_path, status_of):
    plan = plan_with(tmp_path, STOCK)
    row = status_of(plan, monthly("pcso_strength", "2023-07", [290, 295]), "2023-09")[("pcso_strength", "force")]
    assert row["rag"] == "no_data"
    assert row["rag_reason"] == "no figure for September 2023, the period's last month"


def test_a_year_ago_period_missing_a_month_gives_no_trend_and_no_change_against_it(tmp_path, status_of):
    plan = plan_with(tmp_path, COUNT.format(id="a", title="A", grain="ytd"))
    last_year = [r for r in monthly("a", "2005-04", [100] * 9) if r[1] != "2005-06"]   # June 2005 not held
    row = status_of(plan, last_year + monthly("a", "2006-04", [100] * 9), "2006-12")[("a", "force")]
    assert row["actual"] == 900 and row["complete"]
    # 800 for 8 months is not "down on last year": a gap is not a change.
    assert row["trend"] is None
    assert all(missing(row[c]) for c in ("change_vs_previous", "change_vs_year_ago", "year_ago_actual", "previous_actual"))


def test_an_incomplete_period_has_no_trend_variance_or_change_only_its_marked_actual(tmp_path, status_of):
    plan = plan_with(tmp_path, COUNT.format(id="a", title="A", grain="year") + """
  targets:
    - {kind: level, value: 64, by: 2009-03}
""")
    row = status_of(plan, monthly("a", "2005-04", [5] * 21), "2006-12")[("a", "force")]  # April 2005 to December 2006
    assert row["actual"] == 45 and not row["complete"] and row["rag"] == "no_data"         # 9 of 2006/07's 12 months
    assert row["trend"] is None and missing(row["variance"]) and missing(row["change_vs_previous"])
    # Nor a figure for April to December 2005 shown as "April 2005 to March 2006".
    assert missing(row["previous_actual"]) and row["previous_label"] == "April 2005 to March 2006"


def test_an_incomplete_sum_says_how_many_months_are_held(tmp_path, status_of):
    plan = plan_with(tmp_path, COUNT.format(id="a", title="A", grain="quarter") + """
  targets:
    - {kind: level, value: 30, by: 2009-03}
""")
    row = status_of(plan, monthly("a", "2008-10", [1, 1]), "2008-12")[("a", "force")]
    assert row["rag"] == "no_data"
    assert row["rag_reason"] == "figures for 2 of 3 months of October to December 2008"


def test_a_target_that_cannot_be_worked_out_is_no_data_never_no_target(tmp_path, status_of):
    plan = plan_with(tmp_path, CRIME_MEASURE)
    rows = monthly("crimes", "2006-04", [10] * 12) + monthly("crimes", "2006-04", [5] * 12, area="north")
    result = status_of(plan, rows, "2007-03", area="all")                # no baseline months held at all
    for area in ("force", "north"):
        assert result[("crimes", area)]["rag"] == "no_data"
        assert result[("crimes", area)]["rag_reason"] == ("the target cannot be worked out: "
                                                          "no baseline figures for April 2003 to March 2004")
    assert result[("crimes", "force")]["target_words"] == "15% below the 2003/04 baseline by March 2008"


def test_each_row_has_its_summary_and_exception_flags_from_the_vocabulary(tmp_path, status_of):
    plan = plan_with(tmp_path, STOCK)
    row = status_of(plan, monthly("pcso_strength", "2023-09", [281.3]), "2023-09")[("pcso_strength", "force")]
    assert row["summary"] == "Off target; too few months to judge change."
    assert row["exception"] and not row["watch"]
    assert row["tolerance_words"] == "2% of the target"


def test_a_total_is_the_sum_of_its_months_as_written_not_as_floating_point_adds_them(tmp_path, status_of):
    # 0.1 + 0.2 + 0.4 is 0.7000000000000001 in floating point; a total held to 6 places is 0.7, so
    # it rounds the same way on every run whatever order the months are added in.
    hours = """
- id: overtime
  title: Overtime hours
  unit: hours
  direction: lower
  aggregation: sum
  assess_on: quarter
"""
    plan = plan_with(tmp_path, hours)
    row = status_of(plan, monthly("overtime", "2008-04", [0.1, 0.2, 0.4]), "2008-06")[("overtime", "force")]
    assert row["actual"] == 0.7

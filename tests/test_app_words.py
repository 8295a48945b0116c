"""The words the pages use for dates, periods, targets and tolerances: UK dates, no ids, units."""
from types import SimpleNamespace

from layouts.components import period_words, span_words, target_words, tolerance_words, uk_month
from metrics.periods import parse_month


def test_months_and_spans_are_written_as_uk_dates():
    assert uk_month(parse_month("2009-03")) == "March 2009"
    assert uk_month("2006-12") == "December 2006"
    assert uk_month(None) == uk_month(float("nan")) == "–"
    assert span_words(parse_month("2008-04"), parse_month("2009-03")) == "April 2008 to March 2009"
    assert span_words(parse_month("2009-01"), parse_month("2009-03")) == "January to March 2009"


def test_a_period_reads_in_words_whether_or_not_the_engine_gives_them():
    assert period_words(SimpleNamespace(period="2008-04..2009-03")) == "April 2008 to March 2009"
    assert period_words(SimpleNamespace(period="2009-03")) == "March 2009"
    assert period_words(SimpleNamespace(period="2008/09 Q4")) == "2008/09 Q4"
    assert period_words(SimpleNamespace(period="2009-03", period_words="Month of March 2009")) == "Month of March 2009"


def test_targets_and_tolerances_are_words_with_units(small_plan):
    calls, sickness, crimes = (small_plan.measure(m) for m in ("calls_999_10s", "sickness_hours", "crimes"))
    assert target_words(calls, small_plan) == "at least 90.0% by March 2007"
    assert target_words(crimes, small_plan) == "15% below the April 2003 to March 2004 baseline by March 2008"
    assert target_words(crimes, small_plan, SimpleNamespace(target_words="15% below the 2003/04 baseline")) == \
        "15% below the 2003/04 baseline"
    assert tolerance_words(calls) == "2 percentage points"
    assert tolerance_words(sickness) == "5% of the target"


def test_the_load_report_is_listed_when_the_loader_gives_one():
    from callbacks.data import report_lines
    lines = ["19 crimes in 6 LSOAs outside the plan's districts (Bexley 001A, ...): counted in the force total only"]
    [listed] = report_lines(SimpleNamespace(report=lines))
    assert [item.children for item in listed.children] == lines
    assert report_lines(SimpleNamespace(report=[])) == []


def test_a_measure_with_no_target_shows_no_tolerance_on_its_page():
    from pathlib import Path

    from callbacks.measure import facts
    from metrics.plan import load_plan
    plan = load_plan(Path(__file__).resolve().parent.parent / "config" / "targets.yaml")
    row = SimpleNamespace(baseline=None, grain="month", anchor=parse_month("2009-03"), period_words="March 2009",
                          spc_rules=None, spc_variation="common_cause", target_seq=None, rag="no_target")

    def shown(measure_id):
        return [dt.children for dt in facts(plan.measure(measure_id), row, plan).children.children.children[::2]]

    assert "Tolerance" not in shown("domestic_abuse_reported")   # no target, no good direction
    milestones = [m for m in plan.measures if len(m.targets) > 1][0]
    assert "Milestones" in shown(milestones.id) and "Milestones" not in shown("calls_999_10s")
    assert "Tolerance" in shown("calls_999_10s")

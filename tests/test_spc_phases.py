"""SPC phases: limits, mean and rules worked out afresh from each recorded process change."""
from conftest import figures_file, monthly, plan_with
from spc_support import with_spc

from metrics import charts, spc
from metrics.engine import Engine
from metrics.loading import load_figures
from metrics.periods import parse_month

# Twelve points around 100 (mean moving range 3.36: limits 91.1 to 108.9), then twelve around 140.
BEFORE = [100, 102, 98, 101, 99, 100, 103, 97, 100, 101, 99, 100]
AFTER = [v + 40 for v in BEFORE]


def test_a_known_step_at_a_recorded_phase_gets_its_own_limits_and_no_signal():
    one = spc.chart(BEFORE + AFTER)
    assert (one["rules"] != "").sum() == 24  # one set of limits: every point is "special"
    phased = spc.chart(BEFORE + AFTER, phases=(12,))
    assert (phased["rules"] == "").all()
    first, second = phased.iloc[0], phased.iloc[12]
    # Worked by hand: moving ranges 2+4+3+2+1+3+6+3+1+2+1 = 28 over 11 in each phase (the step's
    # moving range of 40 belongs to neither); means 100 and 140; upper limit 140 + 2.66 x 28/11.
    assert first["mean"] == 100 and second["mean"] == 140
    assert round(first["mean_moving_range"], 6) == round(28 / 11, 6) == round(second["mean_moving_range"], 6)
    assert round(second["upper_limit"], 4) == round(140 + 2.66 * 28 / 11, 4)
    assert phased["moving_range"].isna().sum() == 2  # no moving range across the boundary


def test_no_run_or_trend_crosses_a_phase_boundary():
    # Four rising points at the end of one phase and four at the start of the next: no trend of 7.
    values = [100, 95, 105, 100, 96, 104, 100, 97, 103, 101, 102, 103, 104, 105,
              106, 107, 108, 109, 100, 104, 96, 103, 97, 104, 96, 102]
    assert spc.chart(values).loc[10:17, "trend_of_seven"].ne(0).all()  # one phase: a trend of 8
    flags = spc.chart(values, phases=(14,))
    assert flags.loc[10:17, "trend_of_seven"].eq(0).all()


def test_a_phase_with_fewer_than_twelve_points_says_so():
    frame = spc.chart(BEFORE + AFTER[:5], phases=(12,))
    frame["period"] = [str(i) for i in range(len(frame))]
    frame["phase_from"] = [None] * 12 + [parse_month("2006-04")] * 5
    frame["phase_note"] = [None] * 12 + ["New call handling centre opened"] * 5
    words = [a["text"].replace("<br>", " ") for a in charts.phase_annotations(frame)]  # wrapped on the chart
    assert words == ["Before the first recorded change",
                     "From April 2006: New call handling centre opened (5 points: too few to judge, 12 needed)"]


MEASURE = """
- id: calls
  title: Calls
  unit: count
  direction: lower
  aggregation: sum
  assess_on: month
"""


def test_the_engine_reads_phases_from_the_plan_and_the_scorecard_judges_the_current_phase(tmp_path, fresh_store):
    plan = plan_with(tmp_path, MEASURE)
    load_figures(fresh_store, plan, figures_file(tmp_path, monthly("calls", "2005-04", BEFORE + AFTER[:5])))
    phased = plan.__class__(**{**plan.__dict__, "measures": (
        with_spc(plan.measure("calls"), [(parse_month("2006-04"), "New call handling centre opened")]),)})
    as_of = parse_month("2006-08")
    chart = Engine(fresh_store, phased).chart("calls", as_of, "force")
    assert chart["phase"].tolist() == [0] * 12 + [1] * 5
    assert chart["phase_note"].iloc[-1] == "New call handling centre opened"
    assert chart["mean"].iloc[-1] == sum(AFTER[:5]) / 5
    status = Engine(fresh_store, phased).status(as_of).set_index("measure_id").loc["calls"]
    assert status["spc_variation"] == "insufficient_data" and status["spc_points"] == 5
    # Without the phase the same latest point is a special cause (far above the old mean).
    plain = Engine(fresh_store, plan).status(as_of).set_index("measure_id").loc["calls"]
    assert plain["spc_variation"] == "concern"

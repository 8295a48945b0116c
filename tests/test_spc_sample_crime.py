"""On the shipped sample, recorded crime with the seasonal option flags only real changes."""
import numpy as np
import pytest
from spc_support import with_measure_options

from metrics.engine import Engine
from metrics.periods import parse_month

CRIME = "bcs_comparator_crime"


def false_signals(chart) -> int:
    """Flagged points whose side disagrees with the underlying level: the centred 12-month
    average of the figures as recorded (seasons cancel in it), against the phase's mean, where
    that level is more than one sigma from the mean (nearer, either side is fair)."""
    level = chart["value"].rolling(12, center=True, min_periods=12).mean()
    mean = chart["mean"]
    sigma = chart["upper_limit"].sub(chart["mean"]) / 3
    side = np.sign(level - mean)
    flag = np.where(chart["signal_high"], 1, np.where(chart["signal_low"], -1, 0))
    clear = level.notna() & (level - mean).abs().gt(sigma)
    return int(((flag != 0) & clear & (flag != side)).sum())


@pytest.fixture(scope="module")
def sample_engine(tmp_path_factory):
    from pathlib import Path

    from metrics import store
    from metrics.loading import load_figures
    from metrics.plan import load_plan

    root = Path(__file__).resolve().parent.parent
    plan = load_plan(root / "config" / "targets.yaml")
    conn = store.connect(tmp_path_factory.mktemp("crime") / "s.duckdb")
    load_figures(conn, plan, root / "data" / "sample_figures.csv")
    return conn, plan


def test_unadjusted_the_summer_peaks_are_read_as_signals(sample_engine):
    conn, plan = sample_engine
    chart = Engine(conn, with_measure_options(plan, {CRIME: ((), False)})).chart(CRIME, area="force")
    assert false_signals(chart) >= 10


def test_seasonal_and_phased_the_chart_flags_only_the_real_rise_and_fall(sample_engine):
    conn, plan = sample_engine
    options = {CRIME: (((parse_month("2006-04"), "Policing plan 2006/09: partnership crime reduction"),), True)}
    chart = Engine(conn, with_measure_options(plan, options)).chart(CRIME, area="force")
    assert chart["adjusted_value"].notna().all() and set(chart["phase"]) == {0, 1}
    assert false_signals(chart) == 0
    # The real changes are still there: the 2005 rise above the first phase's mean, and the fall
    # through 2008/09 below the second's.
    by_month = chart.set_index("month")
    assert by_month.loc[parse_month("2005-07"), "signal_high"]
    assert by_month.loc[parse_month("2008-12"), "signal_low"]

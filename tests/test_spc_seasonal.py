"""Seasonal SPC: XmR on seasonally adjusted values, so summer peaks are not read as signals."""
import math

import numpy as np

from metrics import spc
from metrics.periods import parse_month

APRIL_2003 = parse_month("2003-04")


def seasonal_series(seed, step_at=None, step=0.0, months=72):
    """Crimes with a 15% summer peak (July) and 3% noise; a step of `step` from point `step_at`."""
    rng = np.random.default_rng(seed)
    values = []
    for i in range(months):
        season = 1 + 0.15 * math.cos(2 * math.pi * (((APRIL_2003 + i) % 12) + 1 - 7) / 12)
        level = 1000 + (step if step_at is not None and i >= step_at else 0)
        values.append(level * season * (1 + rng.normal(0, 0.03)))
    return values


def flagged_share(frames) -> float:
    frames = list(frames)
    return sum((f["rules"] != "").sum() for f in frames) / sum(len(f) for f in frames)


def test_with_no_change_false_signals_fall_to_the_level_of_a_series_without_seasons():
    seeds = range(20)
    raw = flagged_share(spc.chart(seasonal_series(s), start=APRIL_2003) for s in seeds)
    adjusted = flagged_share(spc.chart(seasonal_series(s), seasonal=True, start=APRIL_2003) for s in seeds)
    flat = flagged_share(spc.chart(list(1000 * (1 + np.random.default_rng(s + 99).normal(0, 0.03, 72))))
                         for s in seeds)
    assert raw > 0.5                      # unadjusted, most points of a seasonal series are "special"
    assert adjusted < 0.10 and flat < 0.10
    assert abs(adjusted - flat) < 0.03    # adjusted: about as many as a series with no seasons


def test_a_real_step_change_is_still_caught():
    # A 15% rise from April 2007 (point 48), with no phase recorded: after adjustment every
    # point of the last two years is flagged high, and no point before the rise is.
    values = seasonal_series(3, step_at=48, step=150)
    plain = spc.chart(values, seasonal=True, start=APRIL_2003)
    assert (plain.loc[48:, "signal_high"]).all()
    assert not plain.loc[:47, "signal_high"].any()


def test_factors_come_from_the_limit_setting_years_and_average_one():
    chart = spc.chart(seasonal_series(1), seasonal=True, start=APRIL_2003)
    factors = chart.groupby(chart["month"] % 12)["season_factor"].first()
    assert len(factors) == 12 and abs(factors.mean() - 1) < 1e-9
    july = factors[(parse_month("2003-07")) % 12]
    assert 1.10 < july < 1.20                      # the 15% July peak, recovered
    assert chart["adjusted"].all() and (chart["raw_x"] != chart["x"]).all()
    assert chart["season_years"].iloc[0] == 5      # 72 months: 5 complete centred windows per month


def test_too_few_complete_years_leaves_the_figures_as_they_are():
    chart = spc.chart(seasonal_series(1, months=24), seasonal=True, start=APRIL_2003)
    assert not chart["adjusted"].any() and (chart["x"] == chart["raw_x"]).all()


def test_rates_are_adjusted_additively():
    # July 92%, every other month 90 - 2/11, so each year averages 90: the July factor is
    # +2 points (a difference, not a ratio), and the adjusted series is flat at 90 - 2/11.
    values = [90 + (2 if (APRIL_2003 + i) % 12 == 6 else 0) - (2 / 11 if (APRIL_2003 + i) % 12 != 6 else 0)
              for i in range(48)]
    chart = spc.chart(values, seasonal=True, multiplicative=False, start=APRIL_2003)
    july = chart.loc[(chart["month"] % 12) == 6, "season_factor"].iloc[0]
    assert round(july, 6) == 2
    assert chart["x"].round(6).nunique() == 1      # adjusted: a flat line

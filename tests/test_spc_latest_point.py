"""The scorecard's SPC (each series' latest point alone) reads the same as the chart's (every point).

The scorecard works out only the latest point's flags (spc.LATEST_RULES, over each series' last
few points); the chart flags every point (spc.RULES). A person reading both must never see them
disagree, so both are run on many awkward series at once: short ones, ties, runs, trends, points
on the mean, phases (one holding none of the limit-setting months), screening and seasonality.
"""
import duckdb
import numpy as np
import pandas as pd
import pytest

from metrics import spc

COMPARED = ["phase", "month", "x", "points", "mean", "mean_moving_range", "upper_limit", "lower_limit",
            *spc.RULES, "signal_high", "signal_low", "rules"]


def awkward_series(seed: int, count: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(count):
        n = int(rng.integers(1, 40))
        shape = i % 5
        if shape == 0:    # small integers: many ties and points on the mean
            x = rng.integers(0, 4, n).astype(float)
        elif shape == 1:  # a rise or fall at the end
            x = np.concatenate([rng.normal(100, 5, n), 100 + np.sign(rng.normal()) * np.arange(1, 9) * 3])
        elif shape == 2:  # a shift at the end
            x = np.concatenate([rng.normal(50, 2, n), rng.normal(56, 1, 8)])
        elif shape == 3:  # an outlier last
            x = np.append(rng.normal(10, 1, n), 10 + rng.choice([-8.0, 8.0]))
        else:             # months of a seasonal pattern
            months = max(n, 30)
            x = 100 + 20 * np.sin(np.arange(months) * np.pi / 6) + rng.normal(0, 3, months)
        months = len(x)
        start = int(rng.integers(0, 12))
        change = int(rng.integers(1, months)) if months > 2 and rng.random() < 0.4 else None
        first, last = sorted(rng.integers(0, months, 2))
        frames.append(pd.DataFrame({
            "measure_id": f"m{i % 37}", "area": f"a{i}", "month": np.arange(start, start + months),
            "x": x,
            "in_baseline": (np.arange(months) >= first) & (np.arange(months) <= last) if rng.random() < 0.3 else True,
            "screen": bool(rng.random() < 0.3),
            "phase": (np.arange(months) >= change).astype(int) if change else 0,
            "seasonal": shape == 4 and bool(rng.random() < 0.7),
            "multiplicative": bool(rng.random() < 0.5)}))
    return pd.concat(frames, ignore_index=True)


def flags(points: pd.DataFrame, latest_only: bool) -> pd.DataFrame:
    cur = duckdb.connect()
    cur.register("spc_points", points)
    spc.build_spc(cur, latest_only=latest_only)
    frame = cur.execute("""SELECT * FROM spc_flags
        QUALIFY row_number() OVER (PARTITION BY measure_id, area ORDER BY month DESC) = 1
        ORDER BY measure_id, area""").df()
    return frame[["measure_id", "area", *COMPARED]].reset_index(drop=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_scorecard_reads_each_latest_point_as_the_chart_does(seed):
    points = awkward_series(seed)
    chart, scorecard = flags(points, latest_only=False), flags(points, latest_only=True)
    assert (chart[list(spc.RULES)] != 0).any().all(), "every rule should fire somewhere in these series"
    pd.testing.assert_frame_equal(scorecard, chart, check_dtype=False, rtol=1e-9)


def test_the_latest_point_of_a_rise_of_seven_is_a_trend_and_of_six_is_not():
    values = [5, 9, 4, 8, 5, 9, 4, 8, 5, 9, 4, 30]  # the 30 ends any rise before it
    for rise, expected in ((7, 1), (6, 0)):
        series = values + list(range(20, 20 + rise))
        points = pd.DataFrame({"measure_id": "m", "area": "a", "month": range(len(series)),
                               "x": [float(v) for v in series], "in_baseline": True, "screen": False})
        assert flags(points, latest_only=True)["trend_of_seven"].item() == expected

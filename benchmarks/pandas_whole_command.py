"""The whole-command pandas baseline: what a competent analyst's script would do for the full status.

    python benchmarks/pandas_whole_command.py PLAN.yaml FIGURES.csv > status.csv

It reads the plan with libyaml (no validation) and the figures CSV afresh on every run, then works
out every measure and area's actual, target, RAG, trend and latest SPC point at the measure's own
grain, vectorised (groupby aggregates and transforms, no per-series Python). It is the fair rival
of `python -m metrics status --area all --format csv`, which benchmarks/run.py times beside it.
It covers what the synthetic plans use: level, percent-change and points-change targets, linear
trajectories, sum, ratio and last aggregations.
"""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import yaml

LIMIT, NEAR = 2.66, 2.66 * 2 / 3
NATIVE_MONTHS = {"month": 1, "quarter": 3, "ytd": 12, "rolling12": 12, "year": 12}


def month(text: pd.Series) -> pd.Series:
    return text.str[:4].astype(int) * 12 + text.str[5:7].astype(int) - 1


def read_plan(path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    with open(path) as handle:
        doc = yaml.load(handle, Loader=yaml.CSafeLoader)
    measures, targets = [], []
    for priority in doc["priorities"]:
        for objective in priority["objectives"]:
            for m in objective["measures"]:
                first, last = (m.get("baseline") or {}).get("period", "..").split("..")
                measures.append({"measure_id": m["id"], "direction": m["direction"], "aggregation": m["aggregation"],
                                 "assess_on": m["assess_on"], "scale": 100.0 if m["unit"] == "percent" else 1.0, "unit": m["unit"],
                                 "trajectory": m.get("trajectory", "step"),
                                 "baseline_first": first or None, "baseline_last": last or None})
                targets += [{"measure_id": m["id"], "kind": t["kind"], "value": float(t["value"]), "by": t["by"]}
                            for t in m.get("targets", []) if "value" in t]
    measures, targets = pd.DataFrame(measures), pd.DataFrame(targets)
    for column in ("baseline_first", "baseline_last"):
        measures[column] = month(measures[column].fillna("0000-01"))
    targets["by"] = month(targets["by"])
    return measures, targets


def windows(measures: pd.DataFrame, as_of: int) -> pd.DataFrame:
    position = (as_of - 3) % 12
    grain = measures["assess_on"]
    first = np.select([grain == "month", grain == "quarter", grain == "rolling12"],
                      [as_of, as_of - position % 3, as_of - 11], as_of - position)
    last = np.select([grain == "quarter", grain == "year"], [first + 2, first + 11], as_of)
    return measures.assign(first=first, last=last, expected=last - first + 1)


def roll_up(figures: pd.DataFrame, first: str, last: str, clip: int) -> pd.DataFrame:
    """Each series' figures between two month columns of the measure, rolled up by its aggregation."""
    rows = figures[(figures["month"] >= figures[first]) & (figures["month"] <= np.minimum(figures[last], clip))]
    rows = rows.sort_values("month")
    grouped = rows.groupby(["measure_id", "area"], sort=False)
    out = grouped.agg(total=("value", "sum"), mean=("value", "mean"), last_value=("value", "last"),
                      numerator=("numerator", "sum"), denominator=("denominator", "sum"), held=("month", "count"),
                      aggregation=("aggregation", "first"), scale=("scale", "first")).reset_index()
    out["actual"] = np.select(
        [out["aggregation"] == "sum", out["aggregation"] == "mean", out["aggregation"] == "ratio"],
        [out["total"], out["mean"], out["scale"] * out["numerator"] / out["denominator"].replace(0, np.nan)],
        out["last_value"])
    return out[["measure_id", "area", "actual", "held"]]


def resolve_targets(current: pd.DataFrame, targets: pd.DataFrame, baseline: pd.DataFrame) -> pd.Series:
    """The target in force at each series' period end: the next milestone, linear from the one before."""
    joined = current[["measure_id", "area", "last", "trajectory", "baseline_last", "unit"]].merge(
        baseline.rename(columns={"actual": "baseline"}), on=["measure_id", "area"], how="left").merge(
        targets, on="measure_id")
    # A force-wide level for a count or money (8,399 crimes) is no district's target.
    force_only = (joined["kind"] == "level") & joined["unit"].isin(["count", "currency"]) & (joined["area"] != "force")
    joined = joined[~force_only]
    joined["native"] = np.select([joined["kind"] == "change_pct", joined["kind"] == "change_pp"],
                                 [joined["baseline"] * (1 + joined["value"] / 100), joined["baseline"] + joined["value"]],
                                 joined["value"])
    ahead = joined[joined["by"] >= joined["last"]].sort_values("by").groupby(["measure_id", "area"]).first()
    behind = joined[joined["by"] < joined["last"]].sort_values("by").groupby(["measure_id", "area"]).last()
    both = ahead[["native", "by", "last", "trajectory", "baseline", "baseline_last"]].join(
        behind[["native", "by"]], how="outer", suffixes=("", "_prev"))
    start_value = both["native_prev"].fillna(both["baseline"])
    start_month = both["by_prev"].fillna(both["baseline_last"])
    linear = (both["trajectory"] == "linear") & start_value.notna() & both["native"].notna()
    interpolated = start_value + (both["native"] - start_value) * (both["last"] - start_month) / (both["by"] - start_month)
    target = np.where(both["native"].isna(), both["native_prev"], np.where(linear, interpolated, both["native"]))
    return pd.Series(target, index=both.index, name="target")


def spc_latest(figures: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """Mean, limits and the latest point's signals for each series' monthly points up to the as-of month."""
    points = figures[figures["month"] <= as_of].sort_values(["measure_id", "area", "month"]).copy()
    points["x"] = np.where(points["aggregation"] == "ratio",
                           points["scale"] * points["numerator"] / points["denominator"].replace(0, np.nan), points["value"])
    grouped = points.groupby(["measure_id", "area"], sort=False)["x"]
    points["mean"] = grouped.transform("mean")
    points["mr"] = grouped.diff().abs()
    points["mrbar"] = points.groupby(["measure_id", "area"], sort=False)["mr"].transform("mean")
    points["upper"] = points["mean"] + LIMIT * points["mrbar"]
    points["lower"] = points["mean"] - LIMIT * points["mrbar"]
    points["side"] = np.sign(points["x"] - points["mean"])
    points["near"] = np.where(points["x"] > points["mean"] + NEAR * points["mrbar"], 1,
                              np.where(points["x"] < points["mean"] - NEAR * points["mrbar"], -1, 0))
    points["step"] = np.sign(grouped.diff())
    tail = points.groupby(["measure_id", "area"], sort=False).tail(7)
    by = tail.groupby(["measure_id", "area"], sort=False)
    last = by.last()
    run = by["side"].sum().where(by["side"].count() == 7, 0)
    steps = points.groupby(["measure_id", "area"], sort=False).tail(6).groupby(["measure_id", "area"], sort=False)["step"]
    trend = steps.sum().where(steps.count() == 6, 0)  # 7 points rising: the 6 steps between them all up
    three = points.groupby(["measure_id", "area"], sort=False).tail(3).groupby(["measure_id", "area"], sort=False)
    # The latest point is flagged by 2 of 3 when it is beyond 2 sigma, with another of the last three,
    # and all three lie on its side of the mean.
    two_of_three = three["near"].sum().where(three["side"].sum().abs() == 3, 0) * last["near"].abs()
    last["high"] = (last["x"] > last["upper"]) | (run == 7) | (trend == 6) | (two_of_three >= 2)
    last["low"] = (last["x"] < last["lower"]) | (run == -7) | (trend == -6) | (two_of_three <= -2)
    last["points"] = grouped.count()
    return last[["mean", "upper", "lower", "high", "low", "points"]]


def status(plan_path: str, figures_path: str) -> pd.DataFrame:
    measures, targets = read_plan(plan_path)
    figures = pd.read_csv(figures_path, dtype={"measure_id": str, "period": str, "area": str})
    figures["month"] = month(figures["period"])
    as_of = int(figures["month"].max())
    measures = windows(measures, as_of)
    measures["ya_first"], measures["ya_last"] = measures["first"] - 12, measures["last"] - 12
    figures = figures.merge(measures, on="measure_id")
    current = roll_up(figures, "first", "last", as_of).merge(measures, on="measure_id")
    year_ago = roll_up(figures, "ya_first", "ya_last", as_of - 12).rename(columns={"actual": "year_ago", "held": "ya_held"})
    baseline = roll_up(figures, "baseline_first", "baseline_last", as_of)
    baseline = baseline.merge(measures[["measure_id", "aggregation", "assess_on", "baseline_first", "baseline_last"]],
                              on="measure_id")
    months = baseline["baseline_last"] - baseline["baseline_first"] + 1
    baseline["actual"] = np.where(baseline["aggregation"] == "sum",
                                  baseline["actual"] * baseline["assess_on"].map(NATIVE_MONTHS) / months, baseline["actual"])
    frame = current.merge(year_ago, on=["measure_id", "area"], how="left")
    frame = frame.join(resolve_targets(current, targets, baseline[["measure_id", "area", "actual"]]), on=["measure_id", "area"])
    prorate = np.where(frame["aggregation"] == "sum", frame["expected"] / frame["assess_on"].map(NATIVE_MONTHS), 1)
    frame["target"] = frame["target"] * prorate
    better = np.where(frame["direction"] == "higher", frame["actual"] - frame["target"], frame["target"] - frame["actual"])
    complete = frame["held"] == frame["expected"]
    frame["rag"] = np.select([frame["target"].isna() | (frame["direction"] == "neutral"), ~complete,
                              better >= 0, -better <= 0.05 * frame["target"].abs()],
                             ["no_target", "no_data", "green", "amber"], "red")
    change = frame["actual"] - frame["year_ago"]
    frame["trend"] = np.select([frame["year_ago"].isna(), change.abs() < 0.01 * frame["year_ago"].abs(),
                                frame["direction"] == "neutral", (change > 0) == (frame["direction"] == "higher")],
                               [None, "stable", np.where(change > 0, "up", "down"), "improving"], "deteriorating")
    spc = spc_latest(figures, as_of)
    frame = frame.join(spc, on=["measure_id", "area"])
    good_high = frame["direction"] == "higher"
    frame["spc_variation"] = np.select(
        [frame["points"] < 12, (frame["direction"] == "neutral") & frame["high"], (frame["direction"] == "neutral") & frame["low"],
         (frame["high"] & good_high) | (frame["low"] & ~good_high), frame["high"] | frame["low"]],
        ["insufficient_data", "neutral_high", "neutral_low", "improvement", "concern"], "common_cause")
    return frame[["measure_id", "area", "actual", "target", "rag", "trend", "spc_variation"]]


if __name__ == "__main__":
    status(sys.argv[1], sys.argv[2]).to_csv(sys.stdout, index=False)

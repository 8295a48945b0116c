"""Deterministic synthetic plans and figures at any scale, for benchmarks and load tests.

A plan of N measures (a mix of ratios, sums and stock figures, higher, lower and neutral, with
level, percent-change and points-change targets) over A areas, and figures for M months.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from metrics.periods import month_index, month_label

KINDS = ["ratio", "sum", "last", "sum_hours"]


def write_plan(path: Path, measures: int, areas: int) -> Path:
    lines = ["plan: {id: synthetic, title: Synthetic plan, year_start_month: 4, default_tolerance: 5%}", "areas:",
             "  - {code: force, name: Force}"]
    lines += [f"  - {{code: area{a:02d}, name: Area {a:02d}}}" for a in range(1, areas)]
    lines += ["priorities:"]
    per_priority = max(1, measures // 6)
    for m in range(measures):
        if m % per_priority == 0:
            lines += [f"  - id: p{m // per_priority}", f"    title: Priority {m // per_priority}", "    objectives:"]
        kind = KINDS[m % len(KINDS)]
        direction = ["higher", "lower", "neutral"][m % 3] if kind != "ratio" else ["higher", "lower"][m % 2]
        lines += [f"      - id: o{m}", f"        title: Objective {m}", f"        owner: Owner {m % 5}", "        measures:",
                  f"          - id: m{m:04d}", f"            title: Measure {m}"]
        if kind == "ratio":
            lines += ["            unit: percent", "            aggregation: ratio", "            assess_on: month"]
        elif kind == "sum":
            lines += ["            unit: count", "            aggregation: sum", "            assess_on: ytd"]
        elif kind == "last":
            lines += ["            unit: count", "            aggregation: last", "            assess_on: month"]
        else:
            lines += ["            unit: hours", "            aggregation: sum", "            assess_on: year"]
        lines += [f"            direction: {direction}"]
        if direction != "neutral":
            lines += ["            baseline: {period: 2000-04..2001-03}", "            targets:"]
            if kind == "ratio":
                lines += ["              - {kind: change_pp, value: %s, by: 2010-03}" % (2 if direction == "higher" else -2),
                          "              - {kind: level, value: %s, by: 2015-03}" % (62 if direction == "higher" else 58)]
            elif kind == "last":
                lines += ["              - {kind: level, value: 1100, by: 2010-03}", "              - {kind: level, value: 1300, by: 2020-03}"]
                lines += ["            trajectory: linear"]
            else:
                lines += ["              - {kind: change_pct, value: %s, by: 2012-03}" % (5 if direction == "higher" else -5)]
    path.write_text("\n".join(lines) + "\n")
    return path


def figures_frame(measures: int, areas: int, months: int, first: str = "2000-04", seed: int = 7,
                  measure_range: range | None = None) -> pd.DataFrame:
    """Long-shape figures for every measure, area and month: measure_id, period, area, value,
    numerator, denominator (the last two for ratio measures)."""
    rng = np.random.default_rng(seed if measure_range is None else seed * 1000 + measure_range.start)
    start = month_index(int(first[:4]), int(first[5:7]))
    periods = np.array([month_label(start + i) for i in range(months)])
    area_codes = np.array(["force"] + [f"area{a:02d}" for a in range(1, areas)])
    chosen = np.arange(measures) if measure_range is None else np.array(measure_range)
    m_idx, a_idx, t_idx = np.meshgrid(chosen, np.arange(areas), np.arange(months), indexing="ij")
    m_idx, a_idx, t_idx = m_idx.ravel(), a_idx.ravel(), t_idx.ravel()
    kind = np.array([KINDS[m % len(KINDS)] for m in range(measures)])[m_idx]
    season = 1 + 0.1 * np.cos(2 * np.pi * (t_idx % 12) / 12)
    base = 1000 * season * (1 + 0.002 * t_idx) * rng.normal(1, 0.05, len(m_idx))
    denominator = np.where(kind == "ratio", np.round(base).astype(int), 0)
    numerator = np.where(kind == "ratio", np.round(denominator * np.clip(rng.normal(0.6, 0.03, len(m_idx)), 0, 1)), 0)
    value = np.where(kind == "sum_hours", np.round(base / 150, 2), np.round(base))
    frame = pd.DataFrame({"measure_id": np.char.add("m", np.char.zfill(m_idx.astype(str), 4)),
                          "period": periods[t_idx], "area": area_codes[a_idx],
                          "value": np.where(kind == "ratio", "", value.astype(str)),
                          "numerator": np.where(kind == "ratio", numerator.astype(int).astype(str), ""),
                          "denominator": np.where(kind == "ratio", denominator.astype(str), "")})
    return frame


def _measure_slices(measures: int, areas: int, months: int) -> list[range]:
    """Slices of measures of under 2 million figures each: one monthly file's worth, at most."""
    step = max(1, 2_000_000 // (areas * months))
    return [range(start, min(start + step, measures)) for start in range(0, measures, step)]


def write_figures(path: Path, measures: int, areas: int, months: int, **options) -> Path:
    """Write in slices of measures, so even 22 million figures never sit in memory at once."""
    with open(path, "w", newline="") as handle:
        for number, chosen in enumerate(_measure_slices(measures, areas, months)):
            chunk = figures_frame(measures, areas, months, measure_range=chosen, **options)
            chunk.to_csv(handle, index=False, header=number == 0)
    return path


def write_figure_files(folder: Path, measures: int, areas: int, months: int, **options) -> list[Path]:
    """The same figures as `write_figures`, one file per slice: the loader takes 2 million rows a file."""
    paths = []
    for number, chosen in enumerate(_measure_slices(measures, areas, months)):
        path = folder / f"figures-{number:02d}.csv"
        figures_frame(measures, areas, months, measure_range=chosen, **options).to_csv(path, index=False)
        paths.append(path)
    return paths

"""The shipped sample figures: ILLUSTRATIVE, NOT PUBLISHED STATISTICS.

A deterministic generator (fixed seed) writes monthly figures from April 2003 to March 2009 for
every measure in config/targets.yaml, force-wide and, where the plan's measure is local, per
district, with seasonality and noise. The series pass through the figures the 2006/09 plan
published (94.2% of 999 calls answered in 10 seconds over April to December 2005, police staff
sickness of 49:20 hours over the same months, officer sickness of 70 hours in 2005/06, and so on),
so the scorecard tells the plan's own story. Everything else is invented, and so are the peer
forces ("Peer force A" to "E") and their figures, added for the ranking and the funnel plot.

    python -m metrics.sample            # rewrites data/sample_figures.csv
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from metrics.periods import month_index, month_label

SEED = 20060401
FIRST, LAST = month_index(2003, 4), month_index(2009, 3)
MONTHS = list(range(FIRST, LAST + 1))
OUTPUT = Path(__file__).resolve().parent.parent / "data" / "sample_figures.csv"
NOTE = "illustrative sample figure, not a published statistic"

# Share of the force's volume in each district (roughly by population), and a fixed local offset
# for rates and survey percentages, so districts differ in a stable way.
DISTRICTS = {
    "ashford": (0.072, 1.0), "canterbury": (0.095, -1.5), "dartford": (0.062, -0.5),
    "dover": (0.070, 0.5), "gravesham": (0.064, -2.0), "maidstone": (0.095, 1.5),
    "sevenoaks": (0.072, 3.0), "shepway": (0.068, -1.0), "swale": (0.084, -2.5),
    "thanet": (0.090, -3.0), "tonbridge-malling": (0.074, 2.5), "tunbridge-wells": (0.070, 3.5),
    "medway": (0.154, -1.0),
}


def m(label: str) -> int:
    year, month = label.split("-")
    return month_index(int(year), int(month))


def path(points: dict[str, float]) -> np.ndarray:
    """A level for every month, straight lines between dated points, flat beyond the ends."""
    xs = [m(k) for k in points]
    return np.interp(MONTHS, xs, list(points.values()))


def season(amplitude: float, peak_month: int = 7) -> np.ndarray:
    """Multiplier with its high in `peak_month` (1-12)."""
    return np.array([1 + amplitude * math.cos(2 * math.pi * ((i % 12) + 1 - peak_month) / 12) for i in MONTHS])


def span(first: str, last: str) -> list[int]:
    return [i for i, month in enumerate(MONTHS) if m(first) <= month <= m(last)]


# Each measure: how it is made. kind: ratio (percent from numerator/denominator), count (sum of
# whole numbers), amount (sum of decimals), level (a headcount or percent held at month end).
SPECS = {
    "victim_satisfaction": dict(kind="ratio", local=True, level={"2003-04": 80.5, "2005-12": 81.3, "2009-03": 83.2}, volume=420, noise=1.2, msf={"2003-04": 79.0, "2009-03": 81.0}),
    "first_contact_satisfaction": dict(kind="ratio", level={"2003-04": 92.0, "2005-09": 92.9, "2009-03": 92.4}, volume=420, noise=1.0, msf={"2003-04": 88.0, "2005-09": 89.2, "2009-03": 91.3}),
    "victims_code_compliance": dict(kind="ratio", start="2006-04", level={"2006-04": 55, "2008-03": 70, "2009-03": 73}, volume=300, noise=2.5),
    "np_criteria_green": dict(kind="level", level={"2005-04": 28, "2006-03": 44, "2007-03": 58.3, "2008-06": 100}, step=100 / 36),
    "pcsos_in_post": dict(kind="level", level={"2003-04": 38, "2006-03": 108, "2007-03": 268, "2008-03": 548, "2009-03": 596}, step=1),
    "public_confidence": dict(kind="ratio", local=True, level={"2003-04": 41, "2008-03": 47, "2009-03": 48.5}, volume=380, noise=1.5),
    "bme_officers": dict(kind="level", level={"2003-04": 54, "2005-03": 66, "2005-12": 68, "2008-03": 84, "2009-03": 92}, step=1),
    "bme_staff": dict(kind="level", level={"2003-04": 49, "2005-03": 58, "2005-12": 63, "2009-03": 71}, step=1),
    "bcs_comparator_crime": dict(kind="count", local=True, level={"2003-04": 6500, "2005-12": 7050, "2007-03": 6250, "2009-03": 5650}, season=(0.08, 7), noise=0.03),
    "domestic_abuse_reported": dict(kind="count", local=True, level={"2003-04": 1290, "2004-10": 1600, "2007-03": 1780, "2009-03": 1850}, season=(0.10, 12), noise=0.04),
    "drugs_networks_dismantled": dict(kind="count", level={"2003-04": 0.35, "2009-03": 0.55}, noise=0.0, poisson=True),
    "disp_attendees": dict(kind="count", level={"2003-04": 28, "2009-03": 38}, season=(0.3, 6), noise=0.08),
    "dip_referrals": dict(kind="count", level={"2003-04": 40, "2009-03": 58}, noise=0.10),
    "offences_brought_to_justice": dict(kind="count", local=True, level={"2003-04": 2440, "2005-06": 2800, "2009-03": 2700}, season=(0.04, 10), noise=0.03),
    "sanction_detection_rate": dict(kind="ratio", local=True, level={"2003-04": 22.3, "2004-10": 20.4, "2005-10": 23.5, "2009-03": 24.6}, volume=10500, noise=0.6, msf={"2003-04": 21.0, "2009-03": 25.0}),
    "dv_brought_to_justice": dict(kind="ratio", local=True, level={"2003-04": 44, "2009-03": 50}, volume=700, noise=1.5),
    "confiscation_value": dict(kind="amount", level={"2003-04": 120000, "2005-12": 240000, "2009-03": 175000}, noise=0.35, decimals=0),
    "confiscation_orders": dict(kind="count", level={"2003-04": 5.5, "2009-03": 7.2}, noise=0.0, poisson=True),
    "worry_about_crime": dict(kind="ratio", local=True, level={"2003-04": 47, "2005-03": 46, "2009-03": 41.8}, volume=380, noise=1.2),
    "asb_perception": dict(kind="ratio", local=True, level={"2003-04": 25, "2004-10": 24, "2009-03": 20.5}, volume=380, noise=1.0),
    "safe_at_night": dict(kind="ratio", local=True, level={"2003-04": 69, "2004-10": 70, "2009-03": 74.3}, volume=380, noise=1.2),
    "nte_crimes": dict(kind="count", local=True, level={"2003-04": 700, "2005-12": 800, "2009-03": 690}, season=(0.12, 12), noise=0.04),
    "ksi_casualties": dict(kind="count", local=True, level={"2003-04": 82, "2009-03": 66}, season=(0.15, 8), noise=0.08),
    "calls_999_10s": dict(kind="ratio", level={"2003-04": 93.0, "2005-08": 94.2, "2007-06": 92.5, "2008-06": 90.3, "2009-03": 91.5}, season=(-0.012, 7), volume=20000, noise=0.8),
    "calls_switchboard_15s": dict(kind="ratio", level={"2003-04": 92.5, "2005-08": 93.7, "2009-03": 93.0}, volume=135000, noise=0.7),
    "calls_public_30s": dict(kind="ratio", level={"2003-04": 78, "2005-08": 79.1, "2007-06": 74, "2009-03": 68}, season=(-0.03, 7), volume=11000, noise=1.2),
    "calls_crime_reporting_30s": dict(kind="ratio", level={"2003-04": 73, "2005-08": 74.5, "2009-03": 71.5}, volume=9000, noise=1.3),
    "frontline_time": dict(kind="ratio", level={"2003-10": 66.7, "2004-10": 67.6, "2005-10": 69.0, "2006-10": 70.9, "2007-10": 71.8, "2008-10": 72.2}, volume=2000, noise=0.5),
    "officer_sickness_hours": dict(kind="amount", local=True, level={"2003-10": 6.6, "2004-10": 6.33, "2005-10": 5.83, "2006-10": 5.4, "2008-10": 5.2}, season=(0.18, 1), noise=0.05, decimals=2),
    "staff_sickness_hours": dict(kind="amount", local=True, level={"2003-10": 6.6, "2004-10": 6.42, "2005-10": 5.75, "2006-10": 5.7, "2008-10": 5.62}, season=(0.15, 1), noise=0.05, decimals=2),
    "bvr_savings": dict(kind="amount", start="2006-04", level={"2006-04": 95000, "2009-03": 118000}, noise=0.15, decimals=0),
    "efficiency_savings_pct": dict(kind="amount", level={"2003-04": 0.24, "2009-03": 0.27}, noise=0.15, decimals=3),
}

# Figures the plan published, which the sample passes through exactly (or to the printed decimal).
PUBLISHED = [
    ("calls_999_10s", "2005-04", "2005-12", 94.2),
    ("calls_switchboard_15s", "2005-04", "2005-12", 93.7),
    ("calls_public_30s", "2005-04", "2005-12", 79.1),
    ("calls_crime_reporting_30s", "2005-04", "2005-12", 74.5),
    ("victim_satisfaction", "2005-01", "2005-12", 81.3),
    ("victim_satisfaction", "2004-04", "2005-03", 81.0),
    ("first_contact_satisfaction", "2004-10", "2005-09", 92.9),
    ("sanction_detection_rate", "2005-04", "2005-12", 23.5),
    ("sanction_detection_rate", "2004-04", "2005-03", 20.4),
    ("sanction_detection_rate", "2003-04", "2004-03", 22.3),
    ("frontline_time", "2003-04", "2004-03", 66.7),
    ("frontline_time", "2004-04", "2005-03", 67.6),
    ("officer_sickness_hours", "2004-04", "2005-03", 76.0),
    ("officer_sickness_hours", "2005-04", "2006-03", 70.0),
    ("staff_sickness_hours", "2004-04", "2005-03", 77.0),
    ("staff_sickness_hours", "2005-04", "2005-12", 49 + 20 / 60),
    ("offences_brought_to_justice", "2003-04", "2004-03", 29274),
    ("offences_brought_to_justice", "2004-04", "2005-03", 29005),
    ("offences_brought_to_justice", "2005-04", "2005-09", 16768),
    ("ksi_casualties", "2004-04", "2004-12", 710),
    ("ksi_casualties", "2005-04", "2005-12", 685),
    ("domestic_abuse_reported", "2003-04", "2004-03", 16372),
    ("domestic_abuse_reported", "2004-04", "2005-03", 19408),
    ("confiscation_value", "2005-04", "2005-12", 2205949),
]
PUBLISHED_MSF = [("first_contact_satisfaction", "2004-10", "2005-09", 89.2)]
# Apr-Dec 2005 comparator crime was 8.7% above the same months of 2003/04 (the baseline year).
CRIME_RISE = ("bcs_comparator_crime", ("2003-04", "2003-12"), ("2005-04", "2005-12"), 1.087)


def _ratio_series(rng, spec, level, shares):
    """Numerators and denominators per area: percent = level + area offset + noise."""
    volume = spec["volume"]
    out = {}
    for area, (share, offset) in shares.items():
        den = np.maximum(1, np.round(volume * share * rng.normal(1, 0.05, len(MONTHS)))).astype(int)
        seasonal = spec.get("season", (0.0, 7))
        pct = (level * season(*seasonal) + offset + rng.normal(0, spec["noise"] * (1 if share == 1 else 2.5), len(MONTHS)))
        pct = np.clip(pct, 0.5, 99.5)
        num = np.round(den * pct / 100).astype(int)
        out[area] = (num.astype(float), den.astype(float))
    return out


def _pin_ratio(series, months_idx, target, areas):
    """Scale the numerators of `areas` in those months so the pooled percent reads `target`."""
    num = sum(series[a][0][months_idx].sum() for a in areas)
    den = sum(series[a][1][months_idx].sum() for a in areas)
    factor = (target / 100 * den) / num
    for a in areas:
        series[a][0][months_idx] = np.minimum(series[a][1][months_idx], np.round(series[a][0][months_idx] * factor))
    # Tidy the rounding on the biggest area's last month so the printed decimal matches exactly.
    biggest = max(areas, key=lambda a: series[a][1][months_idx].sum())
    num = sum(series[a][0][months_idx].sum() for a in areas)
    headroom = series[biggest][1][months_idx] - series[biggest][0][months_idx]
    series[biggest][0][months_idx[int(np.argmax(headroom))]] += round(target / 100 * den) - num


def _pin_sum(values, months_idx, target, areas, decimals):
    total = sum(values[a][months_idx].sum() for a in areas)
    for a in areas:
        values[a][months_idx] = np.round(values[a][months_idx] * target / total, decimals)
    biggest = max(areas, key=lambda a: values[a][months_idx].sum())
    total = sum(values[a][months_idx].sum() for a in areas)
    values[biggest][months_idx[-1]] = round(values[biggest][months_idx[-1]] + target - total, decimals)


def generate() -> list[dict]:
    """Every sample figure, as rows of a long figures file (seeded: the same on every machine)."""
    rng = np.random.default_rng(SEED)
    rows = []
    for measure_id, spec in SPECS.items():
        first = m(spec["start"]) if "start" in spec else FIRST
        keep = [i for i, month in enumerate(MONTHS) if month >= first]
        pinned = [(span(a, b), v) for mid, a, b, v in PUBLISHED if mid == measure_id]
        series_of = {"ratio": _ratio_rows, "level": _level_rows}.get(spec["kind"], _counted_rows)
        rows += series_of(rng, measure_id, spec, pinned, keep)
    return rows


def _ratio_rows(rng, measure_id: str, spec: dict, pinned: list, keep: list) -> list[dict]:
    """A ratio measure's numerators and denominators (the force pools the districts)."""
    local = spec.get("local", False)
    shares = DISTRICTS if local else {"force": (1, 0.0)}
    series = _ratio_series(rng, spec, path(spec["level"]), shares)
    for idx, value in pinned:
        _pin_ratio(series, idx, value, list(shares))
    if local:  # the force is the pooled districts
        series["force"] = (sum(s[0] for s in series.values()), sum(s[1] for s in series.values()))
    if "msf" in spec:
        msf = _ratio_series(rng, {"volume": 5000, "noise": 0.4}, path(spec["msf"]), {"msf_average": (1, 0.0)})
        for mid, a, b, v in PUBLISHED_MSF:
            if mid == measure_id:
                _pin_ratio(msf, span(a, b), v, ["msf_average"])
        series.update(msf)
    return [{"measure_id": measure_id, "period": month_label(MONTHS[i]), "area": area,
             "value": "", "numerator": int(num[i]), "denominator": int(den[i])}
            for area, (num, den) in series.items() for i in keep]


# Levels the published papers give for a month, held as the sample's figure for it.
PUBLISHED_LEVELS = {"pcsos_in_post": {"2006-03": 108}, "np_criteria_green": {"2006-03": 44.4},
                    "bme_officers": {"2005-03": 66, "2005-12": 68}, "bme_staff": {"2005-03": 58, "2005-12": 63}}


def _level_rows(rng, measure_id: str, spec: dict, pinned: list, keep: list) -> list[dict]:
    """A level measure (a count in post, a share of criteria met), held for the force only."""
    noise = rng.normal(0, spec["step"] * 0.6, len(MONTHS))
    values = np.round((path(spec["level"]) + noise) / spec["step"]) * spec["step"]
    if measure_id == "np_criteria_green":
        values = np.minimum(100, np.maximum.accumulate(np.round(values, 1)))
    else:
        values = np.round(values)
    for idx, value in pinned:
        values[idx[-1]] = value
    for label, value in PUBLISHED_LEVELS.get(measure_id, {}).items():
        values[MONTHS.index(m(label))] = value
    return [{"measure_id": measure_id, "period": month_label(MONTHS[i]), "area": "force",
             "value": f"{values[i]:g}"} for i in keep]


def _counted_rows(rng, measure_id: str, spec: dict, pinned: list, keep: list) -> list[dict]:
    """A count or an amount per head, for the force and (when local) each district."""
    level, decimals, local = path(spec["level"]), spec.get("decimals", 0), spec.get("local", False)
    shares = DISTRICTS if local else {"force": (1, 0.0)}
    values = {}
    for area, (share, offset) in shares.items():
        base = level * season(*spec.get("season", (0.0, 7)))
        if spec["kind"] == "amount" and local:
            base = base * (1 + offset / 40)  # sickness per head differs by district, not by size
        elif local:
            base = base * share
        if spec.get("poisson"):
            values[area] = rng.poisson(base).astype(float)
        else:
            values[area] = np.round(np.maximum(0, base * rng.normal(1, spec["noise"], len(MONTHS))), decimals)
    if spec["kind"] == "amount" and local:
        # Per-head figures: the force is its own series, districts scatter around it.
        force = np.round(level * season(*spec.get("season", (0.0, 7))) * rng.normal(1, spec["noise"] / 2, len(MONTHS)), decimals)
        for idx, value in pinned:
            _pin_sum({"force": force}, idx, value, ["force"], decimals)
        values["force"] = force
    else:
        for idx, value in pinned:
            _pin_sum(values, idx, value, list(shares), decimals)
        if measure_id == CRIME_RISE[0]:
            base_idx, later_idx = span(*CRIME_RISE[1]), span(*CRIME_RISE[2])
            target = round(sum(values[a][base_idx].sum() for a in shares) * CRIME_RISE[3])
            _pin_sum(values, later_idx, target, list(shares), decimals)
        if local:
            values["force"] = sum(values[a] for a in shares)
    return [{"measure_id": measure_id, "period": month_label(MONTHS[i]), "area": area,
             "value": f"{series[i]:.{decimals}f}"} for area, series in values.items() for i in keep]


# Peer forces for the ranking and the funnel plot: INVENTED forces with INVENTED figures ("Peer
# force A" to "E" in the plan), not any real force's statistics. Volume relative to the force, and
# a level offset in percentage points, per measure. Made with their own random stream and written
# after every other row, so the rows above never change.
PEERS = {"peer_a": (0.55, 1.2), "peer_b": (1.35, -0.8), "peer_c": (0.80, -2.1), "peer_d": (0.30, 0.6),
         "peer_e": (1.10, 0.2)}
PEER_MEASURES = ("calls_999_10s", "sanction_detection_rate")


def peer_rows() -> list[dict]:
    rng = np.random.default_rng(SEED + 1)
    rows = []
    for measure_id in PEER_MEASURES:
        spec = SPECS[measure_id]
        level = path(spec["level"])
        for area, (share, offset) in PEERS.items():
            den = np.maximum(1, np.round(spec["volume"] * share * rng.normal(1, 0.05, len(MONTHS)))).astype(int)
            pct = np.clip(level + offset + rng.normal(0, spec["noise"], len(MONTHS)), 0.5, 99.5)
            num = np.round(den * pct / 100).astype(int)
            rows += [{"measure_id": measure_id, "period": month_label(month), "area": area, "value": "",
                      "numerator": int(n), "denominator": int(d)} for month, n, d in zip(MONTHS, num, den)]
    return rows


def write(path: Path = OUTPUT) -> Path:
    rows = generate() + peer_rows()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["measure_id", "period", "area", "value", "numerator", "denominator", "note"])
        writer.writeheader()
        for i, row in enumerate(rows):
            writer.writerow({**row, "note": NOTE if i == 0 else ""})
    return path


if __name__ == "__main__":
    print(f"wrote {write()} (illustrative figures, not published statistics)")

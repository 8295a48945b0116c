"""Charts shared by the web app and the board pack: plain Plotly figures, no Dash."""
from __future__ import annotations

import math
import textwrap

from metrics.formats import fmt, missing
from metrics.plan.model import UNIT_BOUNDS
from metrics.vocabulary import RULES as RULE_WORDS

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
from metrics.spc import MIN_POINTS, seasonal_of  # noqa: E402,F401  (the CLI and app read the option here)

MIN_PHASE_POINTS = MIN_POINTS  # fewer points in a phase and it cannot be judged

SPC_COLOURS = {"improvement": "#0072b2", "concern": "#d55e00", "neutral": "#6a3d9a", "common": "#7f7f7f",
               "unjudged": "#7f7f7f"}


def _signal_kind(high, low, direction: str) -> str:
    if not (high or low):
        return "common"
    if direction == "neutral":
        return "neutral"
    good_high = direction == "higher"
    if (high and good_high) or (low and not good_high):
        return "improvement"
    return "concern"


# The web chart's buttons (zoom, download) down the right edge: across the top they covered the end of a long title.
MODEBAR = {"orientation": "v"}


def _line(x, y, name, **style) -> dict:
    return {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, **style}


def spc_figure(chart, measure, area_name: str, height: int = 420, labels: bool = True) -> dict:
    """XmR chart: points, mean, process limits, special causes named on hover, target line with
    its tolerance band, and the baseline. A plain figure dict: no validation cost, so a page with
    many charts stays quick; go.Figure(spc_figure(...)) gives a Plotly figure where one is needed."""
    layout = {
        "height": height, "margin": {"l": 50, "r": 20, "t": 40, "b": 40}, "hovermode": "closest",
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "font": {"family": "DejaVu Sans, Arial, sans-serif"},
        "title": {"text": f"{measure.title}: {area_name}", "font": {"size": 16}},
        "legend": {"orientation": "h", "y": -0.18}, "modebar": MODEBAR,
        "xaxis": {"gridcolor": "#e5e5e5", "linecolor": "#999999"},
        "yaxis": {"gridcolor": "#e5e5e5", "linecolor": "#999999", "zeroline": False,
                  "title": {"text": {"percent": "%", "hours": "hours", "currency": "£"}.get(measure.unit, measure.unit)}},
    }
    if chart.empty:  # the title says so; no empty axes with made-up scales
        layout["title"]["text"] = "No figures held for this measure and area"
        layout.update(height=120, xaxis={"visible": False}, yaxis={"visible": False})
        return {"data": [], "layout": layout}
    x = chart["period"].tolist()
    values = chart["value"].tolist()
    data = _plan_lines(chart, measure, x)
    seasonal = "adjusted_value" in chart and chart["adjusted_value"].notna().any()
    data += _phase_lines(chart, x, measure.unit)
    if seasonal:  # the limits are on the adjusted series: show it, and the raw figures faintly
        values = [a if not missing(a) else v for a, v in zip(chart["adjusted_value"].tolist(), values)]
        data.append(_line(x, chart["value"].tolist(), "Figures as recorded (before seasonal adjustment)",
                          line={"color": "#b8b8b8", "width": 1, "dash": "dot"}))
    # Column lists, not row records: a board draws a chart for every exception.
    # A phase of too few points is not judged: its points are drawn plain, as the status says.
    judged = [missing(n) or n >= MIN_PHASE_POINTS for n in chart["points"].tolist()]
    kinds = [_signal_kind(high, low, measure.direction) if ok else "unjudged"
             for high, low, ok in zip(chart["signal_high"].tolist(), chart["signal_low"].tolist(), judged)]
    shown = [f"{fmt(v, measure.unit)} seasonally adjusted ({fmt(r, measure.unit)} as recorded)"
             if seasonal and not missing(r) else fmt(v, measure.unit) for v, r in zip(values, chart["value"].tolist())]
    months = [month_words(m) for m in chart["month"].tolist()]  # "April 2006" as people read it, not 2006-04
    hover = [f"{p}: {s}" + ("<br>Too few points to judge" if not ok else
                            f"<br>Special cause: {', '.join(RULE_WORDS[r] for r in rules.split(', '))}"
                            if isinstance(rules, str) and rules else "<br>Common cause")
             for p, s, rules, ok in zip(months, shown, chart["rules"].tolist(), judged)]
    data.append(_line(x, values, measure.title, hoverinfo="skip", line={"color": "#9fb3c8", "width": 1.5}, showlegend=False))
    data += _points_by_kind(x, values, kinds, hover)
    # A small chart has no room for labels: the text beside it says what they would.
    layout["annotations"] = phase_annotations(chart) if labels else []
    if seasonal and labels:  # in full beside the chart (the page's facts, the pack's text): here a short line
        layout["annotations"].append({"text": SEASONAL_NOTE, "xref": "paper", "yref": "paper", "x": 0, "y": 1.0,
                                      "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                                      "font": {"size": 11, "color": "#444444"}})
    # The months held, fixed: Plotly widens an axis to fit each label's text otherwise.
    layout["xaxis"]["range"] = [_month_edge(chart["month"].min(), -1), _month_edge(chart["month"].max(), 0)]
    return {"data": data, "layout": layout}


SEASONAL_NOTE = "Seasonally adjusted: limits and rules on the adjusted figures"


def _month_edge(month, before: int) -> str:
    """The middle of the month `before` months from `month` (-1: half a month before its start)."""
    from metrics.periods import month_label
    return f"{month_label(int(month) + before)}-16"


def _plan_lines(chart, measure, x) -> list[dict]:
    """The target line with its tolerance shaded towards failing, and the baseline."""
    lines = []
    if chart["target"].notna().any():
        sign = -1 if measure.direction == "higher" else 1
        band_edge = (chart["target"] + sign * chart["tolerance"].fillna(0)).tolist()
        lines.append(_line(x, band_edge, "Tolerance", line={"width": 0}, hoverinfo="skip", showlegend=False))
        lines.append(_line(x, chart["target"].tolist(), "Target (shaded: tolerance)", fill="tonexty",
                           fillcolor="rgba(222,27,27,0.10)", line={"color": "#c00000", "width": 2, "shape": "hv"}))
    if chart["baseline"].notna().any():
        lines.append(_line(x, chart["baseline"].tolist(), "Baseline", line={"color": "#6a3d9a", "width": 1.5, "dash": "dot"}))
    return lines


POINT_KINDS = (("common", "Common cause", "circle"), ("improvement", "Special cause: improvement", "triangle-up"),
               ("concern", "Special cause: concern", "diamond"), ("neutral", "Special cause: neutral", "square"),
               ("unjudged", "Too few points to judge", "circle-open"))


def _points_by_kind(x, values, kinds, hover) -> list[dict]:
    """One trace of markers per kind of point: a shape and a colour each, so no reader needs the colour."""
    traces = []
    for kind, label, symbol in POINT_KINDS:
        idx = [i for i, k in enumerate(kinds) if k == kind]
        if idx:
            traces.append({"type": "scatter", "mode": "markers", "name": label,
                           "x": [x[i] for i in idx], "y": [values[i] for i in idx], "text": [hover[i] for i in idx],
                           "hovertemplate": "%{text}<extra></extra>",
                           "marker": {"color": SPC_COLOURS[kind], "size": 7 if kind in ("common", "unjudged") else 10, "symbol": symbol}})
    return traces


def chart_phases(chart) -> list[dict]:
    """Each phase's first and last row positions, its number of points and note."""
    if "phase" not in chart or chart["phase"].isna().all():
        return [{"phase": 0, "first": 0, "last": len(chart) - 1, "note": None, "from": None,
                 "points": chart["points"].max() if "points" in chart else None}]
    phase_of = chart["phase"].fillna(0)
    if phase_of.nunique() == 1:  # one phase, the usual case: no grouping needed
        return [_phase_summary(int(phase_of.iloc[0]), 0, len(chart) - 1, chart)]
    out = []
    for phase, rows in chart.groupby(phase_of, sort=True):
        idx = [chart.index.get_loc(i) for i in rows.index]
        out.append(_phase_summary(int(phase), min(idx), max(idx), rows))
    return out


def _phase_summary(phase: int, first: int, last: int, rows) -> dict:
    note = rows["phase_note"].dropna().iloc[0] if rows["phase_note"].notna().any() else None
    start = rows["phase_from"].dropna().iloc[0] if rows["phase_from"].notna().any() else None
    return {"phase": phase, "first": first, "last": last, "note": note, "from": start, "points": rows["points"].max()}


def _phase_lines(chart, x, unit: str = "") -> list[dict]:
    """Mean and limits drawn phase by phase: a gap (None) between phases so no line joins them."""
    traces = []
    phases = chart_phases(chart)
    for name, column, dash in (("Mean", "mean", "solid"), ("Upper process limit", "upper_limit", "dash"),
                               ("Lower process limit", "lower_limit", "dash")):
        values = within_unit(chart[column].tolist(), unit) if column != "mean" else chart[column].tolist()
        y = [None] * len(values)
        for p in phases:
            for i in range(p["first"], p["last"] + 1):
                y[i] = values[i]
        xs = list(x)
        for p in reversed(phases[1:]):  # a break before each later phase
            xs.insert(p["first"], xs[p["first"]])
            y.insert(p["first"], None)
        colour = "#333333" if column == "mean" else "#8c8c8c"
        traces.append(_line(xs, y, name, line={"color": colour, "width": 1, "dash": dash}, connectgaps=False))
    return traces


def within_unit(limits: list, unit: str) -> list:
    """Process limits as drawn: one beyond what a figure of the unit can be (a lower limit of -3
    crimes, an upper of 104%) at that bound. No figure can lie beyond it, so it never signals, and
    a board member is not shown an impossible number; the chart's CSV keeps the limit as worked out."""
    least, most = UNIT_BOUNDS.get(unit, (None, None))
    least = -math.inf if least is None else least
    most = math.inf if most is None else most
    return [v if missing(v) else min(max(v, least), most) for v in limits]


def month_words(index) -> str:
    """April 2006."""
    index = int(index)
    return f"{MONTH_NAMES[index % 12]} {index // 12}"


def phase_words(phase: dict, only: bool = False) -> str:
    """What a phase is and whether it can be judged, for the chart and the CSV. `only`: the
    series has no recorded process change."""
    start = (f"From {month_words(phase['from'])}" if phase["from"] is not None
             else "All points (no process change recorded)" if only else "Before the first recorded change")
    text = f"{start}: {phase['note']}" if phase.get("note") else start
    points = phase.get("points")
    if points is not None and not missing(points) and points < MIN_PHASE_POINTS:
        text += f" ({int(points)} points: too few to judge, {MIN_PHASE_POINTS} needed)"
    return text


def phase_annotations(chart) -> list[dict]:
    """A dotted line and a label where each recorded process change starts; a single-phase chart
    says nothing unless it has too few points."""
    phases = chart_phases(chart)
    if len(phases) == 1 and not (phases[0]["points"] is not None and not missing(phases[0]["points"])
                                 and phases[0]["points"] < MIN_PHASE_POINTS):
        return []
    periods = chart["period"].tolist()
    out = []
    for i, p in enumerate(phases):
        # Each label a line lower than the one before, and wrapped, so no two run into each other.
        text = "<br>".join(textwrap.wrap(phase_words(p, only=len(phases) == 1), 48))
        out.append({"x": periods[p["first"]], "y": 1 - 0.12 * i, "xref": "x", "yref": "paper", "yanchor": "top",
                    "xanchor": "left", "text": text, "showarrow": False, "align": "left",
                    "font": {"size": 11, "color": "#333333"}, "bgcolor": "rgba(255,255,255,0.8)"})
    return out


def seasonal_method(chart, measure) -> str | None:
    """A seasonal measure's SPC method in full, for beside its chart; None for any other measure."""
    return method_words(chart) if seasonal_of(measure) and not chart.empty else None


def method_words(chart) -> str:
    """The seasonal method in words, for the chart and the CSV."""
    row = chart.dropna(subset=["season_first"]).iloc[0] if chart["season_first"].notna().any() else None
    if row is None:
        return "Seasonal option set, but too few complete years of figures to adjust: figures as recorded"
    how = "divided by" if bool(row["multiplicative"]) else "less"
    return (f"Seasonally adjusted: each month's figure {how} its month-of-year factor, worked out from "
            f"{month_words(row['season_first'])} to {month_words(row['season_last'])} "
            f"({int(row['season_years'])} years); limits and rules on the adjusted figures")


def add_projection_cone(figure: dict, row) -> dict:
    """Add a projection (a row of metrics.projection.projections) to an SPC figure: a dashed line
    from the latest point to the expected value at the target's date, its 95% range as a shaded
    cone, and the likelihood in words. A total (year to date, a year) is drawn as its monthly
    average, the scale the chart is on."""
    from metrics.periods import month_label

    per = float(row["window_months"]) if row["aggregation"] == "sum" else 1.0
    start, end = month_label(int(row["last_point"])), month_label(int(row["target_by"]))
    last = float(row["last_value"])
    expected, lower, upper = (float(row[k]) / per for k in ("expected", "lower", "upper"))
    figure["data"] += [
        _line([start, end, end, start], [last, upper, lower, last], "Projection range (95%)", fill="toself",
              fillcolor="rgba(0,114,178,0.12)", line={"width": 0}, hoverinfo="skip"),
        {"type": "scatter", "mode": "lines+markers+text", "x": [start, end], "y": [last, expected],
         "name": f"Projection to {month_words(row['target_by'])}", "line": {"color": "#0072b2", "dash": "dash"},
         "marker": {"size": [0, 9], "symbol": "star"}, "text": ["", row["words"]], "textposition": "top left",
         "hovertemplate": f"{row['words']}<extra></extra>"},
    ]
    shown = figure["layout"].get("xaxis", {}).get("range")
    if shown:  # the axis reaches the target's date
        shown[1] = max(shown[1], _month_edge(int(row["target_by"]), 0))
    return figure


def _bare_layout(title: str, height: int) -> dict:
    return {"height": height, "margin": {"l": 160, "r": 20, "t": 40, "b": 40}, "plot_bgcolor": "#ffffff",
            "paper_bgcolor": "#ffffff", "font": {"family": "DejaVu Sans, Arial, sans-serif"},
            "title": {"text": title, "font": {"size": 16}}, "legend": {"orientation": "h", "y": -0.2}, "modebar": MODEBAR}


def peer_ranking_figure(ranking, measure, height: int = 360) -> dict:
    """Sorted bars, best at the top; this force's bar is dark and named so (never colour alone)."""
    names = [f"{n} (this force)" if f else n for n, f in zip(ranking["area_name"], ranking["is_force"])]
    text = [f"{peers_rank(r)}: {fmt(v, measure.unit)}" for r, v in zip(ranking["rank"], ranking["value"])]
    layout = _bare_layout(f"{measure.title}: {ranking['words'].iloc[0]}" if len(ranking) else measure.title, height)
    layout["yaxis"] = {"autorange": "reversed"}
    layout["xaxis"] = {"gridcolor": "#e5e5e5"}
    return {"data": [{"type": "bar", "orientation": "h", "y": names, "x": ranking["value"].tolist(),
                      "text": text, "textposition": "auto", "hovertemplate": "%{y}: %{text}<extra></extra>",
                      "marker": {"color": ["#1b4f72" if f else "#9fb3c8" for f in ranking["is_force"]]}}],
            "layout": layout}


def peers_rank(rank) -> str:
    from metrics.peers import ordinal
    return ordinal(int(rank))


def funnel_figure(areas, limits, measure, height: int = 420) -> dict:
    """Each area's rate against its denominator, the group's rate and its 95% and 99.8% limits."""
    n = limits["denominator"].tolist()
    data = [_line(n, limits["group_rate"].tolist(), "Group rate", line={"color": "#333333", "width": 1})]
    for name, dash in (("95%", "dash"), ("99.8%", "dot")):
        for side in ("upper", "lower"):
            data.append(_line(n, within_unit(limits[f"{side}_{name}"].tolist(), measure.unit), f"{name} limits",
                              showlegend=side == "upper",
                              legendgroup=name, line={"color": "#8c8c8c", "width": 1, "dash": dash}))
    where = {"within": "within the limits", "above 95%": "above the 95% limit", "below 95%": "below the 95% limit",
             "above 99.8%": "above the 99.8% limit", "below 99.8%": "below the 99.8% limit"}
    text = [f"{a}: {fmt(r, measure.unit)} of {fmt(d)}: {where[o]}"
            for a, r, d, o in zip(areas["area_name"], areas["rate"], areas["denominator"], areas["outside"])]
    force = areas["area_kind"] == "force"
    data.append({"type": "scatter", "mode": "markers+text", "name": "Forces", "x": areas["denominator"].tolist(),
                 "y": areas["rate"].tolist(), "text": text, "hovertemplate": "%{text}<extra></extra>",
                 "texttemplate": [n if f else "" for n, f in zip(areas["area_name"], force)],
                 "textposition": "middle right",  # beside its point: above it, the top one's name is cut
                 "marker": {"size": [12 if f else 8 for f in force], "symbol": ["diamond" if f else "circle" for f in force],
                            "color": ["#1b4f72" if f else "#7f7f7f" for f in force]}})
    layout = _bare_layout(f"{measure.title}: funnel plot", height)
    layout["xaxis"] = {"title": {"text": "Denominator (volume)"}, "gridcolor": "#e5e5e5"}
    layout["yaxis"] = {"title": {"text": "%" if measure.unit == "percent" else measure.unit}, "gridcolor": "#e5e5e5"}
    return {"data": data, "layout": layout}


# The chart's data, as `python -m metrics chart` prints it and the measure page downloads it.
CHART_COLUMNS = ["measure_id", "area", "period", "value", "adjusted_value", "phase", "phase_words", "mean",
                 "lower_limit", "upper_limit", "beyond_limits", "run_of_seven", "trend_of_seven", "two_of_three",
                 "rules", "target", "method"]


def chart_table(chart, measure, area: str):
    """Each month's point for one area: value, phase (and its words), mean, limits, the adjusted
    value where seasonal, each rule's flag (1 high, -1 low, 0 none) and the method in words."""
    frame = chart[chart["area"] == area].reset_index(drop=True)
    found = chart_phases(frame)
    phases = {p["phase"]: phase_words(p, only=len(found) == 1) for p in found}
    frame["phase_words"] = frame["phase"].fillna(0).astype(int).map(phases)
    seasonal = frame["adjusted_value"].notna().any() or seasonal_of(measure)
    frame["method"] = method_words(frame) if seasonal and not frame.empty else "XmR on the figures as recorded"
    return frame[CHART_COLUMNS]


def chart_csv(chart, measure, area: str) -> str:
    return chart_table(chart, measure, area).to_csv(index=False, lineterminator="\n")

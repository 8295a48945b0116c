"""Charts shared by the web app and the board pack: plain Plotly figures, no Dash."""
from __future__ import annotations

import plotly.graph_objects as go

from metrics.formats import RULE_WORDS, fmt

SPC_COLOURS = {"improvement": "#0072b2", "concern": "#d55e00", "neutral": "#6a3d9a", "common": "#7f7f7f"}


def _signal_kind(row, direction: str) -> str:
    if not (row.signal_high or row.signal_low):
        return "common"
    if direction == "neutral":
        return "neutral"
    good_high = direction == "higher"
    if (row.signal_high and good_high) or (row.signal_low and not good_high):
        return "improvement"
    return "concern"


def spc_figure(chart, measure, area_name: str, height: int = 420) -> go.Figure:
    """XmR chart: points, mean, process limits, special causes named on hover, target line with
    its tolerance band, and the baseline."""
    figure = go.Figure()
    if chart.empty:
        figure.update_layout(title="No figures held for this measure and area", height=height)
        return figure
    x = list(chart["period"])
    if chart["target"].notna().any():
        sign = -1 if measure.direction == "higher" else 1
        band_edge = chart["target"] + sign * chart["tolerance"].fillna(0)
        figure.add_trace(go.Scatter(x=x, y=band_edge, mode="lines", line=dict(width=0), hoverinfo="skip",
                                    showlegend=False))
        figure.add_trace(go.Scatter(x=x, y=chart["target"], mode="lines", fill="tonexty",
                                    fillcolor="rgba(222,27,27,0.10)", name="Target (shaded: tolerance)",
                                    line=dict(color="#c00000", width=2, shape="hv")))
    if chart["baseline"].notna().any():
        figure.add_trace(go.Scatter(x=x, y=chart["baseline"], mode="lines", name="Baseline",
                                    line=dict(color="#6a3d9a", width=1.5, dash="dot")))
    for name, column, dash in (("Mean", "mean", "solid"), ("Upper process limit", "upper_limit", "dash"),
                               ("Lower process limit", "lower_limit", "dash")):
        figure.add_trace(go.Scatter(x=x, y=chart[column], mode="lines", name=name,
                                    line=dict(color="#333333" if column == "mean" else "#8c8c8c", width=1, dash=dash)))
    kinds = [_signal_kind(row, measure.direction) for row in chart.itertuples()]
    hover = [f"{p}: {fmt(v, measure.unit)}" + (f"<br>Special cause: {', '.join(RULE_WORDS[r] for r in rules.split(', '))}"
                                                if isinstance(rules, str) and rules else "<br>Common cause")
             for p, v, rules in zip(x, chart["value"], chart["rules"])]
    figure.add_trace(go.Scatter(x=x, y=chart["value"], mode="lines", name=measure.title, hoverinfo="skip",
                                line=dict(color="#9fb3c8", width=1.5), showlegend=False))
    for kind, label, symbol in (("common", "Common cause", "circle"), ("improvement", "Special cause: improvement", "triangle-up"),
                                ("concern", "Special cause: concern", "diamond"), ("neutral", "Special cause: neutral", "square")):
        idx = [i for i, k in enumerate(kinds) if k == kind]
        if not idx:
            continue
        figure.add_trace(go.Scatter(
            x=[x[i] for i in idx], y=[chart["value"].iloc[i] for i in idx], mode="markers", name=label,
            marker=dict(color=SPC_COLOURS[kind], size=7 if kind == "common" else 10, symbol=symbol),
            text=[hover[i] for i in idx], hovertemplate="%{text}<extra></extra>"))
    figure.update_layout(
        height=height, margin=dict(l=50, r=20, t=40, b=40), template="plotly_white",
        title=dict(text=f"{measure.title}: {area_name}", font=dict(size=16)),
        legend=dict(orientation="h", y=-0.18), hovermode="closest",
        yaxis_title={"percent": "%", "hours": "hours", "currency": "£"}.get(measure.unit, measure.unit))
    return figure

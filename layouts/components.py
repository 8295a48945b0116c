"""Pieces every page uses: status badges (a word and an icon with every colour), number formats,
small trend lines and the SPC chart."""
from __future__ import annotations

import math
from urllib.parse import urlencode

import plotly.graph_objects as go
from dash import html

RAG = {
    # word, icon, css class; colours in assets/style.css pass WCAG AA with their text colour
    "green": ("Green", "✓", "rag-green", "Meets or beats the target"),
    "amber": ("Amber", "!", "rag-amber", "Misses the target by no more than the tolerance"),
    "red": ("Red", "✗", "rag-red", "Misses the target by more than the tolerance"),
    "no_target": ("No target", "–", "rag-none", "No target: judged by direction of travel and SPC"),
    "no_data": ("No data", "?", "rag-nodata", "No complete figures for this period"),
}
TREND = {
    "improving": ("↗", "Improving", "against the same period last year"),
    "deteriorating": ("↘", "Deteriorating", "against the same period last year"),
    "stable": ("→", "Stable", "less than 1% change on the same period last year"),
    "up": ("↑", "Up", "higher than the same period last year (no good direction)"),
    "down": ("↓", "Down", "lower than the same period last year (no good direction)"),
    None: ("·", "No comparison", "no complete figures for the same period last year"),
}
VARIATION = {
    "common_cause": ("Common cause", "No significant change: the variation is the process's usual noise"),
    "improvement": ("Improvement", "Special cause of an improving nature: a real change for the better"),
    "concern": ("Concern", "Special cause of a concerning nature: a real change for the worse"),
    "neutral_high": ("Higher (neutral)", "Special cause: a real rise, on a measure with no good direction"),
    "neutral_low": ("Lower (neutral)", "Special cause: a real fall, on a measure with no good direction"),
    "insufficient_data": ("Too few points", "Fewer than 12 monthly points: SPC cannot judge yet"),
}
ASSURANCE = {
    "pass": ("Will pass", "The target is outside the process limits on the good side: it will be met consistently"),
    "fail": ("Will fail", "The target is outside the process limits on the wrong side: it will not be met without change"),
    "hit_and_miss": ("Hit and miss", "The target lies within the process limits: it will be met some months and missed in others"),
    "none": ("–", "No target to assure against, or too few points"),
}
SPC_COLOURS = {"improvement": "#0072b2", "concern": "#d55e00", "neutral": "#6a3d9a", "common": "#7f7f7f"}
RULE_WORDS = {
    "beyond_limits": "a point beyond the process limits",
    "run_of_seven": "a run of 7 on one side of the mean",
    "trend_of_seven": "7 points rising or falling",
    "two_of_three": "2 of 3 beyond the 2-sigma line",
}


def status_badge(rag: str) -> html.Span:
    word, icon, css, meaning = RAG.get(rag, RAG["no_data"])
    return html.Span([html.Span(icon, className="rag-icon", **{"aria-hidden": "true"}), word],
                     className=f"rag-badge {css}", title=meaning)


def trend_text(trend) -> html.Span:
    arrow, word, meaning = TREND.get(trend, TREND[None])
    return html.Span([html.Span(arrow, className="trend-arrow", **{"aria-hidden": "true"}), f" {word}"],
                     title=f"{word}: {meaning}", className=f"trend trend-{trend or 'none'}")


def variation_text(variation) -> html.Span:
    word, meaning = VARIATION.get(variation, VARIATION["insufficient_data"])
    return html.Span(word, title=meaning, className=f"spc spc-{variation}")


def assurance_text(assurance) -> html.Span:
    word, meaning = ASSURANCE.get(assurance, ASSURANCE["none"])
    return html.Span(word, title=meaning, className=f"spc spc-assurance-{assurance}")


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(value, unit: str = "") -> str:
    """A figure as people write it: 94.2%, 1,234, £1.9m, 49:20 hours."""
    if missing(value):
        return "–"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "currency":
        return f"£{value / 1e6:.2f}m" if abs(value) >= 1e6 else f"£{value:,.0f}"
    if unit == "hours":
        return f"{value:,.1f} h"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value - round(value)) > 1e-6 else f"{value:,.0f}"


def sparkline(values: list[float], label: str) -> html.Img:
    """A tiny trend line as an inline SVG image: cheap to draw for every row."""
    width, height, pad = 110, 28, 2
    if len(values) < 2:
        return html.Span("–", className="text-muted")
    low, high = min(values), max(values)
    spread = (high - low) or 1.0
    step = (width - 2 * pad) / (len(values) - 1)
    points = " ".join(f"{pad + i * step:.1f},{height - pad - (v - low) / spread * (height - 2 * pad):.1f}"
                      for i, v in enumerate(values))
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'>"
           f"<polyline fill='none' stroke='%23334e68' stroke-width='1.5' points='{points}'/></svg>")
    return html.Img(src=f"data:image/svg+xml;utf8,{svg}", alt=label, width=width, height=height)


def query(**choices) -> str:
    """A query string that keeps the header's choices when following a link."""
    kept = {k: v for k, v in choices.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


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

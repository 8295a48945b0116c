"""Charts shared by the web app and the board pack: plain Plotly figures, no Dash."""
from __future__ import annotations

from metrics.formats import RULE_WORDS, fmt, records

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


def _line(x, y, name, **style) -> dict:
    return {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, **style}


def spc_figure(chart, measure, area_name: str, height: int = 420) -> dict:
    """XmR chart: points, mean, process limits, special causes named on hover, target line with
    its tolerance band, and the baseline. A plain figure dict: no validation cost, so a page with
    many charts stays quick; go.Figure(spc_figure(...)) gives a Plotly figure where one is needed."""
    layout = {
        "height": height, "margin": {"l": 50, "r": 20, "t": 40, "b": 40}, "hovermode": "closest",
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "font": {"family": "DejaVu Sans, Arial, sans-serif"},
        "title": {"text": f"{measure.title}: {area_name}", "font": {"size": 16}},
        "legend": {"orientation": "h", "y": -0.18},
        "xaxis": {"gridcolor": "#e5e5e5", "linecolor": "#999999"},
        "yaxis": {"gridcolor": "#e5e5e5", "linecolor": "#999999", "zeroline": False,
                  "title": {"text": {"percent": "%", "hours": "hours", "currency": "£"}.get(measure.unit, measure.unit)}},
    }
    if chart.empty:
        layout["title"]["text"] = "No figures held for this measure and area"
        return {"data": [], "layout": layout}
    x = chart["period"].tolist()
    values = chart["value"].tolist()
    data = []
    if chart["target"].notna().any():
        sign = -1 if measure.direction == "higher" else 1
        band_edge = (chart["target"] + sign * chart["tolerance"].fillna(0)).tolist()
        data.append(_line(x, band_edge, "Tolerance", line={"width": 0}, hoverinfo="skip", showlegend=False))
        data.append(_line(x, chart["target"].tolist(), "Target (shaded: tolerance)", fill="tonexty",
                          fillcolor="rgba(222,27,27,0.10)", line={"color": "#c00000", "width": 2, "shape": "hv"}))
    if chart["baseline"].notna().any():
        data.append(_line(x, chart["baseline"].tolist(), "Baseline", line={"color": "#6a3d9a", "width": 1.5, "dash": "dot"}))
    for name, column, dash in (("Mean", "mean", "solid"), ("Upper process limit", "upper_limit", "dash"),
                               ("Lower process limit", "lower_limit", "dash")):
        colour = "#333333" if column == "mean" else "#8c8c8c"
        data.append(_line(x, chart[column].tolist(), name, line={"color": colour, "width": 1, "dash": dash}))
    rows = records(chart)
    kinds = [_signal_kind(row, measure.direction) for row in rows]
    hover = [f"{p}: {fmt(v, measure.unit)}" + (f"<br>Special cause: {', '.join(RULE_WORDS[r] for r in row.rules.split(', '))}"
                                                if isinstance(row.rules, str) and row.rules else "<br>Common cause")
             for p, v, row in zip(x, values, rows)]
    data.append(_line(x, values, measure.title, hoverinfo="skip", line={"color": "#9fb3c8", "width": 1.5}, showlegend=False))
    for kind, label, symbol in (("common", "Common cause", "circle"), ("improvement", "Special cause: improvement", "triangle-up"),
                                ("concern", "Special cause: concern", "diamond"), ("neutral", "Special cause: neutral", "square")):
        idx = [i for i, k in enumerate(kinds) if k == kind]
        if idx:
            data.append({"type": "scatter", "mode": "markers", "name": label,
                         "x": [x[i] for i in idx], "y": [values[i] for i in idx], "text": [hover[i] for i in idx],
                         "hovertemplate": "%{text}<extra></extra>",
                         "marker": {"color": SPC_COLOURS[kind], "size": 7 if kind == "common" else 10, "symbol": symbol}})
    return {"data": data, "layout": layout}

"""Pieces every page uses: status badges (a word and an icon with every colour), number formats,
small trend lines and the SPC chart."""
from __future__ import annotations

import math
from urllib.parse import urlencode

from dash import html

from metrics.charts import spc_figure  # noqa: F401  (the pages' chart, shared with the board pack)
from metrics.formats import ASSURANCE, RAG, RULE_WORDS, TREND, VARIATION, fmt, missing  # noqa: F401

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

"""Pieces every page uses: status badges (a word and an icon with every colour), number formats,
small trend lines and the SPC chart."""
from __future__ import annotations

import math
from urllib.parse import urlencode

from dash import html

from metrics.charts import spc_figure  # noqa: F401  (the pages' chart, shared with the board pack)
from metrics.formats import fmt, missing  # noqa: F401
from metrics.vocabulary import RAG, RULES as RULE_WORDS, term  # noqa: F401


def status_badge(rag: str) -> html.Span:
    t = term("rag", rag)
    return html.Span([html.Span(t.icon, className="rag-icon", **{"aria-hidden": "true"}), t.word],
                     className=f"rag-badge badge-status rag-{t.code.replace('_', '-')}", title=t.meaning)


def _word(kind: str, code, css: str) -> html.Span:
    """A status word with its icon and its meaning on hover."""
    t = term(kind, code)
    return html.Span([html.Span(t.icon, className="status-icon", **{"aria-hidden": "true"}), f" {t.word}"],
                     title=f"{t.word}: {t.meaning}", className=f"{css} word-status {kind.replace('_', '-')}-{(t.code or 'none').replace('_', '-')}")


def trend_text(trend) -> html.Span:
    return _word("trend", trend, "trend")


def variation_text(variation) -> html.Span:
    return _word("spc_variation", variation, "spc")


def assurance_text(assurance) -> html.Span:
    return _word("spc_assurance", assurance, "spc")


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

"""Pieces every page uses: status badges (a word and an icon with every colour), number formats,
small trend lines and the SPC chart."""
from __future__ import annotations

import math
from urllib.parse import urlencode

from dash import html

from metrics.charts import spc_figure  # noqa: F401  (the pages' chart, shared with the board pack)
from metrics.formats import fmt, missing  # noqa: F401
from metrics.vocabulary import RAG, RULES as RULE_WORDS, term  # noqa: F401


def for_role(role: str, controls, doing: str) -> html.Div:
    """Write controls, hidden from people whose role may not use them (the server refuses them too)."""
    import security
    from metrics.users import allows

    person = security.current_user()
    allowed = person is not None and allows(person.role, role)
    note = None if allowed else html.P(f"Sign in as {security._roles_from(role)} to {doing}.",
                                       className="text-muted small", id=f"needs-{role}")
    return html.Div([note, html.Div(controls, hidden=not allowed, className="write-controls")])


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


# --- words, not ids: dates, periods, grains, targets and tolerances as people write them ----------

import re  # noqa: E402

from metrics.periods import GRAIN_NAMES, PeriodError, month_words, parse_month, range_words  # noqa: E402

_SPAN = re.compile(r"^(\d{4}-\d{2})\.\.(\d{4}-\d{2})$")


def uk_month(month) -> str:
    """'March 2009' for a month index or a '2009-03' label; '–' for none."""
    if missing(month) or month == "":
        return "–"
    try:
        index = int(month) if not isinstance(month, str) else parse_month(month)
    except (PeriodError, ValueError):
        return str(month)
    return month_words(index)


# 'April 2008 to March 2009': one wording of a span, the library's.
span_words = range_words


def period_words(row) -> str:
    """The row's period in words: the engine's `period_words` when it gives them."""
    words = getattr(row, "period_words", None)
    if isinstance(words, str) and words:
        return words
    period = str(getattr(row, "period", "") or "")
    span = _SPAN.match(period)
    if span:
        return span_words(parse_month(span.group(1)), parse_month(span.group(2)))
    if re.match(r"^\d{4}-\d{2}$", period):
        return uk_month(period)
    return period  # quarters ("2008/09 Q4") and years ("2008/09") are words already


def grain_words(row) -> str:
    words = getattr(row, "grain_words", None)
    return words if isinstance(words, str) and words else GRAIN_NAMES.get(getattr(row, "grain", None), "–")


KIND_WORDS = {"level": "{value} by {by}", "change_pct": "{pct} {way} the {baseline} baseline by {by}",
              "change_pp": "{points} {way} the {baseline} baseline by {by}",
              "comparator": "the {series} for the same period", "measure": "the {series} for the same period"}


def target_words(measure, plan, row=None) -> str:
    """The measure's targets in words: the engine's `target_words` when it gives them."""
    words = getattr(row, "target_words", None) if row is not None else None
    if isinstance(words, str) and words:
        return words
    parts = []
    baseline = baseline_words(measure)
    for t in measure.targets:
        value = t.value if t.value is not None else 0
        series = plan.area_name(t.series) if t.series else None
        other = getattr(t, "measure", None)
        if t.kind == "measure" and other in plan.measure_ids:
            series = plan.measure(other).title.lower()
        text = KIND_WORDS.get(t.kind, "{value} by {by}").format(
            value=f"{'at least' if measure.direction == 'higher' else 'at most'} {fmt(value, measure.unit)}",
            by=uk_month(t.by), pct=f"{abs(value):g}%", points=f"{abs(value):g} percentage points",
            way="above" if value > 0 else "below", baseline=baseline, series=series or "comparator")
        parts.append(text)
    return "; ".join(parts) or "No target: judged by SPC and direction of travel"


def baseline_words(measure) -> str:
    b = measure.baseline
    if b is None:
        return "no"
    if b.first is None:
        return "published"
    return span_words(b.first, b.last)


TOLERANCE_UNITS = {"percent": "percentage points", "hours": "hours", "count": "", "currency": ""}


def tolerance_words(measure) -> str:
    """'2 percentage points', '5% of the target', '£50,000'."""
    band = measure.tolerance
    if band.is_percent:
        return f"{band.value:g}% of the target"
    if measure.unit == "currency":
        return fmt(band.value, "currency")
    unit = TOLERANCE_UNITS.get(measure.unit, measure.unit)
    if band.value == 1 and unit.endswith("s"):
        unit = unit[:-1]  # 1 percentage point, 1 hour
    return f"{band.value:g} {unit}".strip()


def row_summary(row) -> str:
    """The row's four signals in one line: the engine's `summary`, else the vocabulary's."""
    from metrics.vocabulary import summary
    text = getattr(row, "summary", None)
    if isinstance(text, str) and text:
        return text
    return summary(row.rag, row.trend, row.spc_variation, row.spc_assurance)


def text_or(value, fallback: str = "") -> str:
    """A text field for a person, never "nan" or "None"."""
    return fallback if missing(value) or value == "" else str(value)


def marked_actual(row, actual: str):
    """An actual from part of its period, marked * with the months held (the scorecard, the board)."""
    if row.complete is True or not row.months_held:
        return actual
    return html.Span([actual, html.Sup("*")], title=f"Incomplete: {row.months_held} of {row.months_expected} months held")

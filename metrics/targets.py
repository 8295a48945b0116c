"""Target kinds. Each returns a SQL expression over the target row `t` and the baseline row `b`
(its `baseline_native`: the baseline at the grain the targets are stated in), the comparator's
actual `c` and the other measure's actual `mt`, so the engine resolves every target of every
measure in one query. `target_words` says each kind in words for the pages, the pack and the CLI."""
from __future__ import annotations

from metrics.plan.model import TARGET_KINDS as PLAN_TARGET_KINDS


def level() -> str:
    return "t.value"


def change_pct() -> str:
    return "b.baseline_native * (1 + t.value / 100.0)"  # signed: -15 means 15% below the baseline


def change_pp() -> str:
    return "b.baseline_native + t.value"  # signed points: -5 means 5 points below


def comparator() -> str:
    return "c.actual"  # the comparator series' own figures for the same period


def measure() -> str:
    # another measure's figures for the same area and period (strength against establishment),
    # rolled up with that measure's own aggregation
    return "mt.actual"


# The kinds are the plan model's list: a kind the plan allows without SQL here fails at import.
TARGET_KINDS = {kind: {"level": level, "change_pct": change_pct, "change_pp": change_pp, "comparator": comparator,
                       "measure": measure}[kind] for kind in PLAN_TARGET_KINDS}


def target_value_sql() -> str:
    whens = " ".join(f"WHEN '{kind}' THEN {sql()}" for kind, sql in TARGET_KINDS.items())
    return f"CASE t.kind {whens} END"


def applies_to_area_sql() -> str:
    """Does target `t` of measure `m` apply to area `a.area`?

    A target naming an area applies there only. Otherwise: relative targets (change against the
    area's own baseline, or a comparator) apply to every area; a level target applies to every
    area unless the measure is an additive count or sum of money, whose force-wide level (8,399
    crimes) means nothing for one district, so it applies to the force alone.
    """
    return """(CASE WHEN t.area IS NOT NULL THEN t.area = a.area
                    WHEN t.kind = 'level' AND m.unit IN ('count', 'currency') THEN a.area = 'force'
                    ELSE a.area <> coalesce(t.series, '') END)"""


def baseline_words(measure, year_start_month: int = 4) -> str:
    """'the 2003/04 baseline', 'the March 2005 baseline', or 'the baseline' (a published value)."""
    from metrics.periods import financial_year_label, financial_year_start, range_words
    b = measure.baseline
    if b is None or b.first is None:
        return "the baseline"
    if b.first == financial_year_start(b.first, year_start_month) and b.last == b.first + 11:
        return f"the {financial_year_label(b.first, year_start_month)} baseline"
    return f"the {range_words(b.first, b.last)} baseline"


def target_words(target, measure, plan) -> str:
    """A target as a board member reads it: '15% below the 2003/04 baseline by March 2008',
    'at least 90% by March 2007', 'at or above the most similar forces average'."""
    from metrics.formats import amount, figure
    from metrics.periods import month_words
    higher = measure.direction == "higher"
    by = f" by {month_words(target.by)}"
    value = target.value
    if target.kind == "level":
        return f"{'at least' if higher else 'no more than'} {figure(value, measure.unit)}{by}"
    if target.kind in ("change_pct", "change_pp"):
        side = "below" if value < 0 else "above"
        size = f"{abs(value):g}%" if target.kind == "change_pct" else amount(abs(value), "percent")
        return f"{size} {side} {baseline_words(measure, plan.year_start_month)}{by}"
    at_or = "at or above" if higher else "at or below"
    if target.kind == "comparator":
        name = plan.area_name(target.series)
        # "Most similar forces average" reads "the most similar forces average"; "MSF" stays "the MSF"
        return f"{at_or} the {name[:1].lower() + name[1:] if name[1:2].islower() else name}"
    if target.kind == "measure":
        other = getattr(target, "measure", None)
        title = next((m.title for m in plan.measures if m.id == other), other or "another measure")
        return f"{at_or} {title}"
    return target.kind.replace("_", " ")

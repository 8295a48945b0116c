"""Target kinds. Each returns a SQL expression over the target row `t` and the baseline row `b`
(its `baseline_native`: the baseline at the grain the targets are stated in) and the comparator's
actual `c`, so the engine resolves every target of every measure in one query."""
from __future__ import annotations


def level() -> str:
    return "t.value"


def change_pct() -> str:
    return "b.baseline_native * (1 + t.value / 100.0)"  # signed: -15 means 15% below the baseline


def change_pp() -> str:
    return "b.baseline_native + t.value"  # signed points: -5 means 5 points below


def comparator() -> str:
    return "c.actual"  # the comparator series' own figures for the same period


TARGET_KINDS = {"level": level, "change_pct": change_pct, "change_pp": change_pp, "comparator": comparator}


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

"""The plan (config/targets.yaml): `load_plan` reads and validates it, or takes it from the cache.

The plan's parts: `model` (what a plan is, and the choices each field allows), `yaml_lines` (YAML
with line numbers), `reading` (the checks), `cache` (validated plans kept by content).

Validation collects every problem, each naming the file, the line and the field, and says what is
allowed. A plan with any problem is refused whole. Every key is known: an unknown or repeated key
anywhere is a problem. YAML anchors and aliases are refused before anything is expanded.

The plan is parsed with libyaml, and a valid plan is kept in a cache keyed by the files' contents
(and the plan code's), so an unchanged plan is not validated again.
"""
from __future__ import annotations

from pathlib import Path

from metrics.plan.cache import _cache_key, _cached, _store
from metrics.periods import GRAINS
from metrics.plan.model import (AGGREGATIONS, AREA_KINDS, DIRECTIONS, TARGET_KINDS, TRAJECTORIES, UNITS, Area, Band,
                                Baseline, Measure, Objective, Phase, Plan, PlanError, PlanProblem, Priority, Target)
from metrics.plan.reading import _validate, parse_band

__all__ = ["AGGREGATIONS", "AREA_KINDS", "DIRECTIONS", "GRAINS", "TARGET_KINDS", "TRAJECTORIES", "UNITS", "Area",
           "Band", "Baseline", "Measure", "Objective", "Phase", "Plan", "PlanError", "PlanProblem", "Priority",
           "Target", "load_plan", "parse_band"]

MAX_PLAN_BYTES = 5 * 2**20


def load_plan(paths) -> Plan:
    """Read one or more plan files into a Plan, or raise PlanError listing every problem."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    texts = []
    for path in paths:
        try:
            size = Path(path).stat().st_size
            if size > MAX_PLAN_BYTES:  # the shipped plan is 22 KB: this is not a plan, so do not read it
                texts.append(OSError(0, f"it is {size / 2**20:.1f} MB; a plan file is at most "
                                        f"{MAX_PLAN_BYTES // 2**20} MB"))
                continue
            texts.append(Path(path).read_text(encoding="utf-8-sig"))
        except OSError as err:
            texts.append(err)
        except UnicodeDecodeError as err:
            texts.append(OSError(0, f"it is not UTF-8 text ({err.reason} at byte {err.start})"))
    if any(isinstance(t, OSError) for t in texts):
        return _validate(paths, texts)
    key = _cache_key(paths, texts)
    plan = _cached(key)
    if plan is None:
        plan = _validate(paths, texts)
        _store(key, plan)
    return plan

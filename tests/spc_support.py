"""Helpers for the SPC tests: measures with phases or the seasonal option, before or after the
plan model carries them (`Measure.spc_phases`, `Measure.spc_seasonal`)."""
from __future__ import annotations

import dataclasses
from collections import namedtuple

from metrics import plan as plan_module

Phase = getattr(plan_module, "Phase", None) or namedtuple("Phase", "start note")


def with_spc(measure, phases=(), seasonal=False):
    """A copy of the measure with these SPC options."""
    options = {"spc_phases": tuple(Phase(start, note) for start, note in phases), "spc_seasonal": seasonal}
    try:
        return dataclasses.replace(measure, **options)
    except TypeError:  # the plan model has no such fields yet: set them on a copy
        copy = dataclasses.replace(measure)
        for name, value in options.items():
            object.__setattr__(copy, name, value)
        return copy


def with_measure_options(plan, options: dict):
    """The plan with {measure_id: (phases, seasonal)} applied."""
    measures = tuple(with_spc(m, *options[m.id]) if m.id in options else m for m in plan.measures)
    return dataclasses.replace(plan, measures=measures)

"""What a plan is: its measures, targets, baselines and areas, and the choices each field allows.

Read and checked by metrics.plan.reading; every other module uses these classes and lists. Each
list of choices is the one the validator checks, the docs quote and the engine reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from metrics.errors import Problem
from metrics.periods import month_label

UNITS = ("percent", "count", "hours", "seconds", "rate", "currency", "ratio")
# The least and most a figure of a unit can be (None: no bound). The loader refuses a figure
# outside them, and a chart draws a process limit beyond them at the bound.
UNIT_BOUNDS = {"percent": (0, 100), "count": (0, None), "hours": (0, None), "seconds": (0, None)}
DIRECTIONS = ("higher", "lower", "neutral")
AGGREGATIONS = ("sum", "mean", "ratio", "last")
TARGET_KINDS = ("level", "change_pct", "change_pp", "comparator", "measure")
TRAJECTORIES = ("step", "linear")
AREA_KINDS = ("force", "district", "comparator", "peer")


@dataclass(frozen=True)
class Band:
    """A tolerance or a stable-within band: absolute units, or a percent of a reference value."""
    value: float
    is_percent: bool

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.is_percent else f"{self.value:g}"


@dataclass(frozen=True)
class Target:
    kind: str
    value: float | None
    by: int                 # month index
    start: int | None       # month index of `from`
    series: str | None      # comparator area code
    area: str | None        # the one area it applies to, if the plan says so
    trajectory: str | None = None  # step | linear for this milestone; None: the measure's
    measure: str | None = None     # kind measure: the measure whose figures are the target


@dataclass(frozen=True)
class Phase:
    """A recorded process change: SPC limits are worked out afresh from this month."""
    start: int              # month index of `from`
    note: str


@dataclass(frozen=True)
class Baseline:
    first: int | None       # month indexes of the baseline period
    last: int | None
    value: float | None     # a published value wins over the period's figures

    @property
    def label(self) -> str:
        if self.first is None:
            return "published value"
        if self.first == self.last:
            return month_label(self.first)
        return f"{month_label(self.first)}..{month_label(self.last)}"


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    definition: str
    unit: str
    direction: str
    aggregation: str
    assess_on: str
    priority_id: str
    objective_id: str
    owner: str
    baseline: Baseline | None
    targets: tuple[Target, ...]
    trajectory: str
    tolerance: Band
    stable_within: Band | None
    scale: float
    spc_baseline: tuple[int, int] | None
    spc_screen_outliers: bool
    order: int
    spc_phases: tuple[Phase, ...] = ()
    spc_seasonal: bool = False


@dataclass(frozen=True)
class Objective:
    id: str
    title: str
    owner: str
    priority_id: str


@dataclass(frozen=True)
class Priority:
    id: str
    title: str


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    kind: str  # force | district | comparator | peer
    aliases: tuple[str, ...] = ()  # other names it goes by, e.g. in police.uk LSOA names


@dataclass(frozen=True)
class Plan:
    id: str
    title: str
    year_start_month: int
    default_tolerance: Band
    areas: tuple[Area, ...]
    priorities: tuple[Priority, ...]
    objectives: tuple[Objective, ...]
    measures: tuple[Measure, ...]
    sources: tuple[str, ...] = field(default=())
    # police.uk crime type -> the ids of the measures it counts towards, in the plan's order
    crime_types: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def measure(self, measure_id: str) -> Measure:
        for measure in self.measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)

    @property
    def measure_ids(self) -> list[str]:
        return [m.id for m in self.measures]

    @property
    def area_codes(self) -> list[str]:
        return [a.code for a in self.areas]

    def area_name(self, code: str) -> str:
        return next((a.name for a in self.areas if a.code == code), code)


@dataclass(frozen=True)
class PlanProblem:
    file: str
    line: int
    where: str
    message: str
    column: int | None = None  # given for YAML syntax errors: file:line:column:

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        column = f":{self.column}" if self.column is not None else ""
        return f"{self.file}:{self.line}{column}:{where} {self.message}"


class PlanError(Problem):
    """The plan has problems; `problems` lists every one."""

    def __init__(self, problems: list[PlanProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

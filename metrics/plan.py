"""Read and validate the plan file (config/targets.yaml).

Validation collects every problem, each naming the file, the line and the field, and says what is
allowed. A plan with any problem is refused whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from metrics.periods import PeriodError, month_label, parse_month, parse_month_range

UNITS = ("percent", "count", "hours", "seconds", "rate", "currency", "ratio")
DIRECTIONS = ("higher", "lower", "neutral")
AGGREGATIONS = ("sum", "mean", "ratio", "last")
GRAINS = ("month", "quarter", "ytd", "rolling12", "year")
TARGET_KINDS = ("level", "change_pct", "change_pp", "comparator")
TRAJECTORIES = ("step", "linear")
# Units whose force-wide level target cannot be applied to a district as it stands.
ADDITIVE_UNITS = ("count", "currency")
ID_PATTERN = re.compile(r"^[a-z0-9_-]+$")


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
    kind: str  # force | district | comparator
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
    crime_types: dict = field(default_factory=dict)  # police.uk crime type -> measure id

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

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        return f"{self.file}:{self.line}:{where} {self.message}"


class PlanError(ValueError):
    """The plan has problems; `problems` lists every one."""

    def __init__(self, problems: list[PlanProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- YAML with line numbers -------------------------------------------------------------------

class _Node(dict):
    """A mapping that remembers the line of each of its keys."""
    line: int = 0
    key_lines: dict = {}


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    mapping = _Node(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {key.value: key.start_mark.line + 1 for key, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Keep dates as text: the plan's months are YYYY-MM and we read them ourselves.
_LineLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _line(node, key=None) -> int:
    if isinstance(node, _Node):
        if key is not None and key in node.key_lines:
            return node.key_lines[key]
        return node.line
    return 0


# --- validation ------------------------------------------------------------------------------

class _Checker:
    """Collects problems while the plan is read."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[PlanProblem] = []

    def problem(self, node, key, where: str, message: str) -> None:
        self.problems.append(PlanProblem(self.file, _line(node, key), where, message))

    def text(self, node, key, where, required=True, default=""):
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            if required:
                self.problem(node, key, where, f"{key} is required")
            return default
        return str(value)

    def choice(self, node, key, where, allowed, default=None):
        value = node.get(key) if isinstance(node, dict) else None
        if value is None and default is not None:
            return default
        if value not in allowed:
            shown = "is required" if value is None else f'"{value}" is not allowed'
            self.problem(node, key, where, f"{key} must be one of {', '.join(allowed)} ({shown})")
            return default or allowed[0]
        return value

    def identifier(self, node, key, where, seen: set):
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            self.problem(node, key, where, f"{key} is required")
            return None
        value = str(value)
        if not ID_PATTERN.match(value):
            self.problem(node, key, where, f'{key} "{value}" must be lowercase letters, digits, _ or -')
        if value in seen:
            self.problem(node, key, where, f'{key} "{value}" is used more than once; ids must be unique')
        seen.add(value)
        return value

    def number(self, node, key, where, required=True):
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            if required:
                self.problem(node, key, where, f"{key} is required (a number)")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            parsed = _hours_minutes(value)
            if parsed is None:
                self.problem(node, key, where, f'{key} must be a number, not "{value}"')
            return parsed
        return float(value)

    def month(self, node, key, where, required=True):
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            if required:
                self.problem(node, key, where, f"{key} is required (a month, YYYY-MM)")
            return None
        try:
            return parse_month(value)
        except PeriodError as err:
            self.problem(node, key, where, f"{key}: {err}")
            return None

    def band(self, node, key, where, default=None):
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            return default
        band = parse_band(value)
        if band is None:
            self.problem(node, key, where, f'{key} must be a number of units (2) or a percent ("5%"), not "{value}"')
            return default
        return band

    def listing(self, node, key, where, required=True):
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            if required:
                self.problem(node, key, where, f"{key} is required (a list)")
            return []
        if not isinstance(value, list):
            self.problem(node, key, where, f"{key} must be a list")
            return []
        return value

    def mapping(self, value, parent, key, where) -> bool:
        if not isinstance(value, dict):
            self.problem(parent, key, where, f"each entry of {key} must be a mapping of fields")
            return False
        return True


def _hours_minutes(value):
    match = re.fullmatch(r"\s*(\d+):([0-5]\d)\s*", str(value))
    return int(match.group(1)) + int(match.group(2)) / 60 if match else None


def parse_band(value) -> Band | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Band(float(value), False) if value >= 0 else None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(%?)\s*", str(value))
    if not match:
        return None
    return Band(float(match.group(1)), bool(match.group(2)))


MEASURE_FIELDS = {
    "id", "title", "definition", "unit", "direction", "aggregation", "assess_on", "baseline",
    "targets", "tolerance", "trajectory", "stable_within", "scale", "spc", "owner",
}


def _read_measure(check, node, priority_id, objective, seen_ids, order) -> Measure | None:
    mid = check.identifier(node, "id", "measure", seen_ids) or "?"
    where = f"measure {mid}"
    for key in node:
        if key not in MEASURE_FIELDS:
            check.problem(node, key, where, f"unknown field {key} (allowed: {', '.join(sorted(MEASURE_FIELDS))})")
    title = check.text(node, "title", where)
    unit = check.choice(node, "unit", where, UNITS)
    direction = check.choice(node, "direction", where, DIRECTIONS)
    aggregation = check.choice(node, "aggregation", where, AGGREGATIONS)
    assess_on = check.choice(node, "assess_on", where, GRAINS, default="month")
    trajectory = check.choice(node, "trajectory", where, TRAJECTORIES, default="step")
    tolerance = check.band(node, "tolerance", where)
    stable_within = check.band(node, "stable_within", where)
    scale = check.number(node, "scale", where, required=False)
    if scale is None:
        scale = 100.0 if unit == "percent" else 1.0

    baseline = None
    raw_baseline = node.get("baseline")
    if raw_baseline is not None:
        if check.mapping(raw_baseline, node, "baseline", where):
            first = last = None
            if raw_baseline.get("period") is not None:
                try:
                    first, last = parse_month_range(raw_baseline["period"])
                except PeriodError as err:
                    check.problem(raw_baseline, "period", where, f"baseline period: {err}")
            value = check.number(raw_baseline, "value", where, required=False)
            if raw_baseline.get("period") is None and value is None:
                check.problem(raw_baseline, None, where, "baseline needs a period (YYYY-MM..YYYY-MM) or a value, or both")
            baseline = Baseline(first, last, value)

    targets = []
    for raw in check.listing(node, "targets", where, required=False):
        if not check.mapping(raw, node, "targets", where):
            continue
        kind = check.choice(raw, "kind", where, TARGET_KINDS)
        by = check.month(raw, "by", where)
        start = check.month(raw, "from", where, required=False)
        series = raw.get("series")
        area = raw.get("area")
        value = None
        if kind == "comparator":
            if series is None:
                check.problem(raw, "kind", where, "a comparator target needs series: the area code of the comparator figures")
        else:
            value = check.number(raw, "value", where)
        if kind in ("change_pct", "change_pp") and baseline is None:
            check.problem(raw, "kind", where, f"a {kind} target needs a baseline (period or value)")
        if by is not None and start is not None and start > by:
            check.problem(raw, "from", where, "from must not be after by")
        targets.append(Target(kind, value, by if by is not None else 0, start,
                              str(series) if series is not None else None,
                              str(area) if area is not None else None))
    if direction == "neutral" and targets:
        check.problem(node, "targets", where, "a measure with direction neutral cannot have targets; it is judged by SPC alone")
    bys = [t.by for t in targets]
    if len(set(bys)) != len(bys):
        check.problem(node, "targets", where, "two targets have the same by month; each milestone needs its own month")

    spc_baseline, screen = None, False
    spc = node.get("spc")
    if spc is not None and check.mapping(spc, node, "spc", where):
        for key in spc:
            if key not in ("baseline", "screen_outliers"):
                check.problem(spc, key, where, f"unknown spc field {key} (allowed: baseline, screen_outliers)")
        screen = spc.get("screen_outliers", False)
        if not isinstance(screen, bool):
            check.problem(spc, "screen_outliers", where, f'spc screen_outliers must be true or false, not "{screen}"')
            screen = False
        if spc.get("baseline") is not None:
            try:
                spc_baseline = parse_month_range(spc["baseline"])
            except PeriodError as err:
                check.problem(spc, "baseline", where, f"spc baseline: {err}")

    return Measure(
        id=mid, title=title, definition=str(node.get("definition", "") or ""), unit=unit,
        direction=direction, aggregation=aggregation, assess_on=assess_on,
        priority_id=priority_id, objective_id=objective.id,
        owner=str(node.get("owner") or objective.owner), baseline=baseline,
        targets=tuple(sorted(targets, key=lambda t: t.by)), trajectory=trajectory,
        tolerance=tolerance, stable_within=stable_within, scale=scale,
        spc_baseline=spc_baseline, spc_screen_outliers=screen, order=order,
    )


def _read_document(check: _Checker, doc, state: dict) -> None:
    if not isinstance(doc, dict):
        check.problem(doc, None, "", "the plan file must be a mapping with plan, areas and priorities")
        return
    header = doc.get("plan")
    if header is not None and check.mapping(header, doc, "plan", "plan") and state.get("header") is None:
        state["header"] = header
        state["header_check"] = check

    for raw in check.listing(doc, "areas", "areas", required=False):
        if not check.mapping(raw, doc, "areas", "areas"):
            continue
        code = check.identifier(raw, "code", "area", state["area_codes"])
        kind = check.choice(raw, "kind", f"area {code}", ("force", "district", "comparator"),
                            default="force" if code == "force" else "district")
        aliases = raw.get("aliases") or []
        if not isinstance(aliases, list):
            check.problem(raw, "aliases", f"area {code}", "aliases must be a list of names")
            aliases = []
        state["areas"].append(Area(code or "?", check.text(raw, "name", f"area {code}"), kind,
                                   tuple(str(a) for a in aliases)))

    for raw_priority in check.listing(doc, "priorities", "priorities", required=False):
        if not check.mapping(raw_priority, doc, "priorities", "priorities"):
            continue
        pid = check.identifier(raw_priority, "id", "priority", state["priority_ids"]) or "?"
        state["priorities"].append(Priority(pid, check.text(raw_priority, "title", f"priority {pid}")))
        for raw_objective in check.listing(raw_priority, "objectives", f"priority {pid}"):
            if not check.mapping(raw_objective, raw_priority, "objectives", f"priority {pid}"):
                continue
            oid = check.identifier(raw_objective, "id", "objective", state["objective_ids"]) or "?"
            objective = Objective(oid, check.text(raw_objective, "title", f"objective {oid}"),
                                  str(raw_objective.get("owner") or ""), pid)
            state["objectives"].append(objective)
            for raw_measure in check.listing(raw_objective, "measures", f"objective {oid}"):
                if not check.mapping(raw_measure, raw_objective, "measures", f"objective {oid}"):
                    continue
                measure = _read_measure(check, raw_measure, pid, objective, state["measure_ids"],
                                        len(state["measures"]))
                if measure is not None:
                    state["measures"].append((measure, check, raw_measure))

    crime_types = doc.get("police_uk_crime_types")
    if isinstance(crime_types, dict):
        state["crime_types"].update({str(k): str(v) for k, v in crime_types.items()})


def load_plan(paths) -> Plan:
    """Read one or more plan files into a Plan, or raise PlanError listing every problem."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    state = {"areas": [], "area_codes": set(), "priorities": [], "priority_ids": set(),
             "objectives": [], "objective_ids": set(), "measures": [], "measure_ids": set(),
             "crime_types": {}, "header": None}
    checks = []
    for path in paths:
        check = _Checker(str(path))
        checks.append(check)
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as err:
            check.problem(None, None, "", f"cannot read the plan file: {err.strerror}")
            continue
        try:
            doc = yaml.load(text, Loader=_LineLoader)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            check.problems.append(PlanProblem(str(path), mark.line + 1 if mark else 0, "",
                                              f"not valid YAML: {getattr(err, 'problem', err)}"))
            continue
        _read_document(check, doc, state)

    first = checks[0]
    header = state["header"]
    hcheck = state.get("header_check", first)
    if header is None:
        first.problem(None, None, "plan", "the plan section (id, title) is missing")
        header = _Node()
    plan_id = hcheck.text(header, "id", "plan")
    title = hcheck.text(header, "title", "plan")
    year_start = header.get("year_start_month", 4)
    if not isinstance(year_start, int) or isinstance(year_start, bool) or not 1 <= year_start <= 12:
        hcheck.problem(header, "year_start_month", "plan", f'year_start_month must be a month number 1 to 12, not "{year_start}"')
        year_start = 4
    default_tolerance = hcheck.band(header, "default_tolerance", "plan", default=Band(5.0, True))

    areas = state["areas"]
    codes = {a.code for a in areas}
    if "force" not in codes:
        first.problem(None, None, "areas", 'areas must include the whole force, code "force"')
    measures = []
    for measure, check, raw in state["measures"]:
        for target in measure.targets:
            if target.series is not None and target.series not in codes:
                check.problem(raw, "targets", f"measure {measure.id}",
                              f'comparator series "{target.series}" is not an area code (areas: {", ".join(sorted(codes))})')
            if target.area is not None and target.area not in codes:
                check.problem(raw, "targets", f"measure {measure.id}", f'target area "{target.area}" is not an area code')
        if measure.tolerance is None:
            measure = replace(measure, tolerance=default_tolerance)
        measures.append(measure)
    for measure_id in state["crime_types"].values():
        if measure_id not in state["measure_ids"]:
            first.problem(None, None, "police_uk_crime_types", f'measure "{measure_id}" is not in the plan')

    problems = [p for check in checks for p in check.problems]
    if problems:
        raise PlanError(problems)
    return Plan(plan_id, title, year_start, default_tolerance, tuple(areas), tuple(state["priorities"]),
                tuple(state["objectives"]), tuple(measures), tuple(str(p) for p in paths),
                state["crime_types"])

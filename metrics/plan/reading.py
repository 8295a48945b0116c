"""Reading and checking the plan's files: every problem at once, each naming the file, line and
field, and what is allowed."""
from __future__ import annotations

import math
import re
from dataclasses import replace

from metrics.periods import GRAINS, PeriodError, month_label, parse_month, parse_month_range
from metrics.plan.model import (AGGREGATIONS, AREA_KINDS, DIRECTIONS, TARGET_KINDS, TRAJECTORIES, UNITS, Area,
                                Band, Baseline, Measure, Objective, Phase, Plan, PlanError, PlanProblem,
                                Priority, Target)
from metrics.plan.yaml_lines import _line, _Node, _read_yaml, _Reported

ID_PATTERN = re.compile(r"^[a-z0-9_-]+$")
# Phase starts outside these years are typing slips (2306-04), not process changes.
PHASE_YEARS = (1900, 2100)

# The keys each part of the plan may have, in the order the documentation gives them.
TOP_KEYS = ("plan", "areas", "priorities", "police_uk_crime_types")
PLAN_KEYS = ("id", "title", "year_start_month", "default_tolerance")
AREA_KEYS = ("code", "name", "kind", "aliases")
PRIORITY_KEYS = ("id", "title", "objectives")
OBJECTIVE_KEYS = ("id", "title", "owner", "measures")
MEASURE_KEYS = ("id", "title", "definition", "unit", "direction", "aggregation", "assess_on", "baseline",
                "targets", "trajectory", "tolerance", "stable_within", "scale", "spc", "owner")
BASELINE_KEYS = ("period", "value")
TARGET_KEYS = ("kind", "value", "by", "from", "series", "measure", "area", "trajectory")
SPC_KEYS = ("baseline", "screen_outliers", "phases", "seasonal")
PHASE_KEYS = ("from", "note")
MEASURE_FIELDS = set(MEASURE_KEYS)



def _get(node, key):
    return node.get(key) if isinstance(node, dict) else None


class _Checker:
    """Collects problems while the plan is read."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[PlanProblem] = []

    def problem(self, node, key, where: str, message: str) -> None:
        self.problems.append(PlanProblem(self.file, _line(node, key), where, message))

    def keys(self, node, allowed, place: str) -> None:
        """Every key not in `allowed` is a problem on its own line."""
        if not isinstance(node, dict):
            return
        for key in node:
            if key not in allowed:
                self.problem(node, key, "", f"unknown key '{key}' in {place}: allowed are {', '.join(allowed)}")

    def text(self, node, key, where, required=True, default=""):
        value = _get(node, key)
        if isinstance(value, _Reported):
            return default
        if value is None:
            if required:
                self.problem(node, key, where, f"{key} is required")
            return default
        return str(value)

    def choice(self, node, key, where, allowed, default=None, required=True):
        value = _get(node, key)
        if isinstance(value, _Reported):
            return default or allowed[0]
        if value is None and (default is not None or not required):
            return default
        if value not in allowed:
            shown = "is required" if value is None else f'"{value}" is not allowed'
            self.problem(node, key, where, f"{key} must be one of {', '.join(allowed)} ({shown})")
            return default or allowed[0]
        return value

    def identifier(self, node, key, where, seen: set):
        value = _get(node, key)
        if isinstance(value, _Reported):
            return None
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

    def _given(self, node, key, where, required, what):
        """The value at `key`; None when absent (a problem if required) or already reported."""
        value = _get(node, key)
        if isinstance(value, _Reported):
            return None
        if value is None and required:
            self.problem(node, key, where, f"{key} is required ({what})")
        return value

    def number(self, node, key, where, required=True):
        value = self._given(node, key, where, required, "a number")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            parsed = _hours_minutes(value)
            if parsed is None:
                self.problem(node, key, where, f'{key} must be a number, not "{value}"')
            return parsed
        return float(value)

    def month(self, node, key, where, required=True):
        value = self._given(node, key, where, required, "a month, YYYY-MM")
        if value is None:
            return None
        try:
            return parse_month(value)
        except PeriodError as err:
            self.problem(node, key, where, f"{key}: {err}")
            return None

    def band(self, node, key, where, default=None):
        value = _get(node, key)
        if value is None or isinstance(value, _Reported):
            return default
        band = parse_band(value)
        if band is None:
            self.problem(node, key, where, f'{key} must be a number of units (2) or a percent ("5%"), not "{value}"')
            return default
        return band

    def flag(self, node, key, where, label: str) -> bool:
        value = _get(node, key)
        if value is None or isinstance(value, _Reported):
            return False
        if not isinstance(value, bool):
            self.problem(node, key, where, f'{label} must be true or false, not "{value}"')
            return False
        return value

    def listing(self, node, key, where, required=True):
        value = _get(node, key)
        if isinstance(value, _Reported):
            return []
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
            if not isinstance(value, _Reported):
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
        return Band(float(value), False) if value >= 0 and math.isfinite(value) else None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(%?)\s*", str(value))
    if not match:
        return None
    return Band(float(match.group(1)), bool(match.group(2)))


def _read_baseline(check, node, where, mid) -> Baseline | None:
    raw = _get(node, "baseline")
    if raw is None or not check.mapping(raw, node, "baseline", where):
        return None
    check.keys(raw, BASELINE_KEYS, f"baseline of measure {mid}")
    first = last = None
    period = _get(raw, "period")
    if period is not None and not isinstance(period, _Reported):
        try:
            first, last = parse_month_range(period)
        except PeriodError as err:
            check.problem(raw, "period", where, f"baseline period: {err}")
    value = check.number(raw, "value", where, required=False)
    if period is None and _get(raw, "value") is None:
        check.problem(raw, None, where, "baseline needs a period (YYYY-MM..YYYY-MM) or a value, or both")
    return Baseline(first, last, value)


def _read_target(check, raw, where, mid, number, baseline, refs) -> Target:
    """One target; the areas and measures it names are checked once every file is read (`refs`)."""
    check.keys(raw, TARGET_KEYS, f"target {number} of measure {mid}")
    kind = check.choice(raw, "kind", where, TARGET_KINDS)
    by = check.month(raw, "by", where)
    start = check.month(raw, "from", where, required=False)
    trajectory = check.choice(raw, "trajectory", where, TRAJECTORIES, required=False)
    series, area, other = (_text_or_none(raw, key) for key in ("series", "area", "measure"))
    value = None
    if kind == "comparator":
        if series is None:
            check.problem(raw, "kind", where, "a comparator target needs series: the area code of the comparator figures")
    elif kind == "measure":
        if other is None:
            check.problem(raw, "kind", where,
                          "a measure target needs measure: the id of the measure whose figures are the target")
    else:
        value = check.number(raw, "value", where)
    if series is not None and kind != "comparator":
        check.problem(raw, "series", where, "series is only for a comparator target (kind: comparator)")
    if other is not None and kind != "measure":
        check.problem(raw, "measure", where, "measure is only for a measure target (kind: measure)")
    if kind in ("change_pct", "change_pp") and baseline is None:
        check.problem(raw, "kind", where, f"a {kind} target needs a baseline (period or value)")
    if by is not None and start is not None and start > by:
        check.problem(raw, "from", where, "from must not be after by")
    for key, name in (("series", series), ("area", area), ("measure", other if kind == "measure" else None)):
        if name is not None:
            refs.append((check, raw, key, name, mid))
    return Target(kind, value, by if by is not None else 0, start, series, area, trajectory,
                  other if kind == "measure" else None)


def _text_or_none(node, key):
    value = _get(node, key)
    return None if value is None or isinstance(value, _Reported) else str(value)


def _read_spc(check, node, where, mid):
    """spc: baseline, screen_outliers, phases and seasonal."""
    spc = _get(node, "spc")
    if spc is None or not check.mapping(spc, node, "spc", where):
        return None, False, (), False
    check.keys(spc, SPC_KEYS, f"spc of measure {mid}")
    screen = check.flag(spc, "screen_outliers", where, "spc screen_outliers")
    seasonal = check.flag(spc, "seasonal", where, "spc seasonal")
    spc_baseline = None
    if _get(spc, "baseline") is not None and not isinstance(spc["baseline"], _Reported):
        try:
            spc_baseline = parse_month_range(spc["baseline"])
        except PeriodError as err:
            check.problem(spc, "baseline", where, f"spc baseline: {err}")
    return spc_baseline, screen, _read_phases(check, spc, where, mid), seasonal


def _read_phases(check, spc, where, mid) -> tuple[Phase, ...]:
    """Process changes, each later than the one before, each with a note saying what changed."""
    phases, previous = [], None
    for number, raw in enumerate(check.listing(spc, "phases", where, required=False), start=1):
        if not check.mapping(raw, spc, "phases", where):
            continue
        check.keys(raw, PHASE_KEYS, f"phase {number} in spc of measure {mid}")
        start = check.month(raw, "from", where)
        note = _get(raw, "note")
        if isinstance(note, _Reported):
            note = ""
        elif not isinstance(note, str) or not note.strip():
            check.problem(raw, "note" if "note" in raw else None, where,
                          f"phase {number}: note is required: say in words what changed")
            note = ""
        if start is None:
            continue
        if not PHASE_YEARS[0] <= start // 12 <= PHASE_YEARS[1]:
            check.problem(raw, "from", where, f'phase {number}: from "{month_label(start)}" is not a plausible month '
                                              f"(years {PHASE_YEARS[0]} to {PHASE_YEARS[1]})")
        elif previous is not None and start <= previous:
            check.problem(raw, "from", where, f"phase {number}: from {month_label(start)} must be after the phase "
                                              f"before it ({month_label(previous)}); list phases oldest first")
        else:
            phases.append(Phase(start, note.strip()))
            previous = start
    return tuple(phases)


def _read_measure(check, node, priority_id, objective, seen_ids, order, refs) -> Measure | None:
    mid = check.identifier(node, "id", "measure", seen_ids) or "?"
    where = f"measure {mid}"
    check.keys(node, MEASURE_KEYS, f"measure {mid}")
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
    baseline = _read_baseline(check, node, where, mid)

    targets = []
    for number, raw in enumerate(check.listing(node, "targets", where, required=False), start=1):
        if check.mapping(raw, node, "targets", where):
            targets.append(_read_target(check, raw, where, mid, number, baseline, refs))
    if direction == "neutral" and targets:
        check.problem(node, "targets", where, "a measure with direction neutral cannot have targets; it is judged by SPC alone")
    bys = [t.by for t in targets]
    if len(set(bys)) != len(bys):
        check.problem(node, "targets", where, "two targets have the same by month; each milestone needs its own month")
    spc_baseline, screen, phases, seasonal = _read_spc(check, node, where, mid)

    return Measure(
        id=mid, title=title, definition=check.text(node, "definition", where, required=False), unit=unit,
        direction=direction, aggregation=aggregation, assess_on=assess_on,
        priority_id=priority_id, objective_id=objective.id,
        owner=check.text(node, "owner", where, required=False) or objective.owner, baseline=baseline,
        targets=tuple(sorted(targets, key=lambda t: t.by)), trajectory=trajectory,
        tolerance=tolerance, stable_within=stable_within, scale=scale,
        spc_baseline=spc_baseline, spc_screen_outliers=screen, order=order,
        spc_phases=phases, spc_seasonal=seasonal,
    )


def _read_areas(check, doc, state) -> None:
    for number, raw in enumerate(check.listing(doc, "areas", "areas", required=False), start=1):
        if not check.mapping(raw, doc, "areas", "areas"):
            continue
        code = check.identifier(raw, "code", "area", state["area_codes"])
        check.keys(raw, AREA_KEYS, f"area {code or number}")
        kind = check.choice(raw, "kind", f"area {code}", AREA_KINDS,
                            default="force" if code == "force" else "district")
        aliases = _get(raw, "aliases") or []
        if not isinstance(aliases, list):
            check.problem(raw, "aliases", f"area {code}", "aliases must be a list of names")
            aliases = []
        state["areas"].append(Area(code or "?", check.text(raw, "name", f"area {code}"), kind,
                                   tuple(str(a) for a in aliases)))
    if isinstance(_get(doc, "areas"), list):
        state["areas_at"].append((check, doc))


def _read_priorities(check, doc, state) -> None:
    for raw_priority in check.listing(doc, "priorities", "priorities", required=False):
        if not check.mapping(raw_priority, doc, "priorities", "priorities"):
            continue
        pid = check.identifier(raw_priority, "id", "priority", state["priority_ids"]) or "?"
        check.keys(raw_priority, PRIORITY_KEYS, f"priority {pid}")
        state["priorities"].append(Priority(pid, check.text(raw_priority, "title", f"priority {pid}")))
        for raw_objective in check.listing(raw_priority, "objectives", f"priority {pid}"):
            if not check.mapping(raw_objective, raw_priority, "objectives", f"priority {pid}"):
                continue
            oid = check.identifier(raw_objective, "id", "objective", state["objective_ids"]) or "?"
            check.keys(raw_objective, OBJECTIVE_KEYS, f"objective {oid}")
            objective = Objective(oid, check.text(raw_objective, "title", f"objective {oid}"),
                                  check.text(raw_objective, "owner", f"objective {oid}", required=False), pid)
            state["objectives"].append(objective)
            for raw_measure in check.listing(raw_objective, "measures", f"objective {oid}"):
                if not check.mapping(raw_measure, raw_objective, "measures", f"objective {oid}"):
                    continue
                measure = _read_measure(check, raw_measure, pid, objective, state["measure_ids"],
                                        len(state["measures"]), state["refs"])
                state["measures"].append((measure, check, raw_measure))


def _read_crime_types(check, doc, state) -> None:
    """police_uk_crime_types: {measure_id: [crime type, ...]}; measure ids are checked at the end."""
    raw = _get(doc, "police_uk_crime_types")
    where = "police_uk_crime_types"
    if raw is None or isinstance(raw, _Reported):
        return
    if not isinstance(raw, dict):
        check.problem(doc, where, where, "police_uk_crime_types must be a mapping of measure ids to lists of "
                                         "police.uk crime types (measure_id: [Burglary, Robbery])")
        return
    for measure_id, types in raw.items():
        if isinstance(types, str):
            check.problem(raw, measure_id, where, f'"{measure_id}: {types}" must be a measure id and a list of crime '
                                                  f"types, as in {types}: [{measure_id}]")
            continue
        if not isinstance(types, list) or not types or not all(isinstance(t, str) and t.strip() for t in types):
            check.problem(raw, measure_id, where, f'measure "{measure_id}": give a list of police.uk crime types, '
                                                  "as in [Burglary, Robbery]")
            continue
        state["crime_refs"].append((check, raw, measure_id))
        listed = state["crime_lists"].setdefault(measure_id, [])
        for crime_type in types:
            if crime_type.strip() in listed:
                check.problem(raw, measure_id, where, f'measure "{measure_id}": "{crime_type.strip()}" is listed twice')
            else:
                listed.append(crime_type.strip())


def _read_document(check: _Checker, doc, state: dict) -> None:
    if not isinstance(doc, dict):
        check.problem(doc, None, "", "the plan file must be a mapping with plan, areas and priorities")
        return
    check.keys(doc, TOP_KEYS, "the plan file")
    header = doc.get("plan")
    if header is not None and check.mapping(header, doc, "plan", "plan"):
        check.keys(header, PLAN_KEYS, "plan")
    if isinstance(header, dict) and state.get("header") is None:
        state["header"] = header
        state["header_check"] = check
    _read_areas(check, doc, state)
    _read_priorities(check, doc, state)
    _read_crime_types(check, doc, state)


def _new_state() -> dict:
    return {"areas": [], "area_codes": set(), "priorities": [], "priority_ids": set(),
            "objectives": [], "objective_ids": set(), "measures": [], "measure_ids": set(),
            "refs": [], "crime_refs": [], "crime_lists": {}, "areas_at": [], "header": None}


def _check_references(state: dict, codes: set) -> None:
    """Areas and measures a target names, and the measures crime types feed, once all files are read."""
    units = {m.id: m.unit for m, _, _ in state["measures"]}
    for check, raw, key, name, mid in state["refs"]:
        where = f"measure {mid}"
        if key == "series" and name not in codes:
            check.problem(raw, key, where, f'comparator series "{name}" is not an area code (areas: {", ".join(sorted(codes))})')
        elif key == "area" and name not in codes:
            check.problem(raw, key, where, f'target area "{name}" is not an area code')
        elif key == "measure" and name not in units:
            check.problem(raw, key, where, f'target measure "{name}" is not a measure in the plan')
        elif key == "measure" and name == mid:
            check.problem(raw, key, where, "a measure target must name another measure, not this one")
        elif key == "measure" and units[name] != units.get(mid):
            check.problem(raw, key, where, f'target measure "{name}" is in {units[name]}, this measure in '
                                           f"{units.get(mid)}; a measure target must share the unit")
    for check, raw, measure_id in state["crime_refs"]:
        if measure_id not in units:
            check.problem(raw, measure_id, "police_uk_crime_types", f'measure "{measure_id}" is not in the plan')


def _crime_index(state: dict) -> dict[str, tuple[str, ...]]:
    """Crime type -> the measures it feeds, each measure in the plan's order."""
    order = {m.id: m.order for m, _, _ in state["measures"]}
    index: dict[str, list[str]] = {}
    for measure_id in sorted((m for m in state["crime_lists"] if m in order), key=order.get):
        for crime_type in state["crime_lists"][measure_id]:
            index.setdefault(crime_type, []).append(measure_id)
    return {crime_type: tuple(ids) for crime_type, ids in index.items()}


def _read_file(path, text, state) -> "_Checker":
    """One plan file read into `state`; its checker holds the file's problems."""
    check = _Checker(str(path))
    if isinstance(text, OSError):
        check.problem(None, None, "", f"cannot read the plan file: {text.strerror}")
        return check
    doc, form_problems, unreadable = _read_yaml(str(path), text)
    check.problems.extend(form_problems)
    if not unreadable:
        _read_document(check, doc, state)
    return check


def _read_header(state, first) -> tuple:
    """The plan section: (id, title, the month the year starts, the default tolerance)."""
    header = state["header"]
    hcheck = state.get("header_check", first)
    if header is None:  # said once, not again as a missing id and title
        first.problem(None, None, "plan", "the plan section (id, title) is missing")
        header = _Node({"id": "?", "title": "?"})
    plan_id = hcheck.text(header, "id", "plan")
    title = hcheck.text(header, "title", "plan")
    year_start = header.get("year_start_month", 4)
    if isinstance(year_start, _Reported):
        year_start = 4
    elif not isinstance(year_start, int) or isinstance(year_start, bool) or not 1 <= year_start <= 12:
        hcheck.problem(header, "year_start_month", "plan", f'year_start_month must be a month number 1 to 12, not "{year_start}"')
        year_start = 4
    return plan_id, title, year_start, hcheck.band(header, "default_tolerance", "plan", default=Band(5.0, True))


def _validate(paths: list, texts: list) -> Plan:
    """Read every file, then check what spans them; raise PlanError listing every problem."""
    state = _new_state()
    checks = [_read_file(path, text, state) for path, text in zip(paths, texts)]
    unreadable = [p for check in checks for p in check.problems
                  if p.column is not None or p.message.startswith("cannot read the plan file")]
    if unreadable:  # a file that cannot be read is reported alone: the rest would be guesses
        raise PlanError(unreadable)

    first = checks[0]
    plan_id, title, year_start, default_tolerance = _read_header(state, first)

    areas = state["areas"]
    codes = {a.code for a in areas}
    if "force" not in codes:
        check, doc = state["areas_at"][0] if state["areas_at"] else (first, None)
        check.problem(doc, "areas", "areas", 'areas must include the whole force, code "force"')
    if not state["measures"]:
        first.problem(None, None, "priorities",
                      "the plan has no measures: give priorities, their objectives and measures")
    _check_references(state, codes)
    measures = [replace(m, tolerance=default_tolerance) if m.tolerance is None else m for m, _, _ in state["measures"]]

    order = {str(path): number for number, path in enumerate(paths)}
    problems = sorted((p for check in checks for p in check.problems), key=lambda p: (order.get(p.file, 0), p.line))
    if problems:
        raise PlanError(problems)
    return Plan(plan_id, title, year_start, default_tolerance, tuple(areas), tuple(state["priorities"]),
                tuple(state["objectives"]), tuple(measures), tuple(str(p) for p in paths), _crime_index(state))

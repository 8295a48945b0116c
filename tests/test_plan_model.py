"""What the plan says, read into the model: per-target trajectories, measure targets, SPC phases
and seasonal charts, peer areas and police.uk crime types per measure."""
from pathlib import Path

import pytest

from conftest import SMALL_PLAN, plan_problems as problems, line_of
from metrics.periods import parse_month
from metrics.plan import Phase, Target, load_plan

ROOT = Path(__file__).resolve().parent.parent


def plan_of(tmp_path, text, name="targets.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return load_plan(path)


STRENGTH = """\
          - id: officer_establishment
            title: Police officer establishment
            unit: count
            direction: neutral
            aggregation: last
          - id: officer_strength
            title: Police officers in post
            unit: count
            direction: higher
            aggregation: last
            targets:
              - {kind: measure, measure: officer_establishment, by: 2024-03}
"""
WITH_STRENGTH = SMALL_PLAN + STRENGTH


# --- trajectory per target ----------------------------------------------------------------------

def test_a_target_may_set_its_own_trajectory_and_otherwise_has_none(tmp_path):
    text = SMALL_PLAN.replace("{kind: level, value: 90, by: 2007-03}",
                              "{kind: level, value: 85, by: 2006-03}\n"
                              "              - {kind: level, value: 90, by: 2007-03, trajectory: linear}")
    measure = plan_of(tmp_path, text).measure("calls_999_10s")
    assert measure.trajectory == "step"
    assert [(t.value, t.trajectory) for t in measure.targets] == [(85.0, None), (90.0, "linear")]


def test_a_target_trajectory_must_be_step_or_linear(tmp_path):
    text = SMALL_PLAN.replace("{kind: level, value: 90, by: 2007-03}", "{kind: level, value: 90, by: 2007-03, trajectory: curve}")
    assert problems(tmp_path, text) == [
        f'{tmp_path / "targets.yaml"}:{line_of(text, "curve")}: measure calls_999_10s: trajectory must be one of '
        'step, linear ("curve" is not allowed)']


def test_old_style_targets_still_build_positionally():
    assert Target("level", 90.0, 100, None, None, None) == Target("level", 90.0, 100, None, None, None, None, None)


# --- measure targets ----------------------------------------------------------------------------

def test_a_measure_target_names_the_measure_whose_figures_are_the_target(tmp_path):
    plan = plan_of(tmp_path, WITH_STRENGTH)
    (target,) = plan.measure("officer_strength").targets
    assert target == Target("measure", None, parse_month("2024-03"), None, None, None, None, "officer_establishment")


@pytest.mark.parametrize("old,new,needle,message", [
    ("measure: officer_establishment", "measure: establishment", "measure: establishment",
     'measure officer_strength: target measure "establishment" is not a measure in the plan'),
    ("measure: officer_establishment", "measure: officer_strength", "measure: officer_strength",
     "measure officer_strength: a measure target must name another measure, not this one"),
    ("{kind: measure, measure: officer_establishment, by: 2024-03}", "{kind: measure, by: 2024-03}", "kind: measure",
     "measure officer_strength: a measure target needs measure: the id of the measure whose figures are the target"),
    ("{kind: measure, measure: officer_establishment, by: 2024-03}",
     "{kind: level, value: 3000, measure: officer_establishment, by: 2024-03}", "value: 3000",
     "measure officer_strength: measure is only for a measure target (kind: measure)"),
    ("{kind: measure, measure: officer_establishment, by: 2024-03}",
     "{kind: measure, measure: calls_999_10s, by: 2024-03}", "measure: calls_999_10s",
     'measure officer_strength: target measure "calls_999_10s" is in percent, this measure in count; '
     "a measure target must share the unit"),
])
def test_a_measure_target_is_checked_with_its_line(tmp_path, old, new, needle, message):
    text = WITH_STRENGTH.replace(old, new)
    assert text != WITH_STRENGTH
    assert problems(tmp_path, text) == [f"{tmp_path / 'targets.yaml'}:{line_of(text, needle)}: {message}"]


def test_a_measure_target_may_name_a_measure_in_another_plan_file(tmp_path):
    main = tmp_path / "targets.yaml"
    main.write_text(SMALL_PLAN + STRENGTH.split("          - id: officer_strength")[0])
    extra = tmp_path / "extra.yaml"
    extra.write_text("priorities:\n  - id: people\n    title: People\n    objectives:\n      - id: workforce\n"
                     "        title: Workforce\n        measures:\n" + "          - id: officer_strength"
                     + STRENGTH.split("          - id: officer_strength")[1])
    plan = load_plan([main, extra])
    assert plan.measure("officer_strength").targets[0].measure == "officer_establishment"


def test_series_is_only_for_a_comparator_target(tmp_path):
    text = SMALL_PLAN.replace("{kind: level, value: 90, by: 2007-03}", "{kind: level, value: 90, series: msf_average, by: 2007-03}")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'targets.yaml'}:{line_of(text, 'series:')}: measure calls_999_10s: series is only for a "
        "comparator target (kind: comparator)"]


# --- spc: phases and seasonal -------------------------------------------------------------------

def spc(block: str) -> str:
    return SMALL_PLAN.replace("            tolerance: 2\n", "            tolerance: 2\n            spc:\n" + block, 1)


def test_spc_phases_and_seasonal_are_read_into_the_measure(tmp_path):
    text = spc("              baseline: 2005-04..2006-03\n              seasonal: true\n              phases:\n"
               "                - {from: 2006-04, note: New call handling centre opened}\n"
               "                - {from: 2008-01, note: '  Second centre  '}\n")
    plan = plan_of(tmp_path, text)
    measure = plan.measure("calls_999_10s")
    assert measure.spc_phases == (Phase(parse_month("2006-04"), "New call handling centre opened"),
                                  Phase(parse_month("2008-01"), "Second centre"))
    assert measure.spc_seasonal is True
    assert measure.spc_baseline == (parse_month("2005-04"), parse_month("2006-03"))
    other = plan.measure("crimes")
    assert (other.spc_phases, other.spc_seasonal) == ((), False)


@pytest.mark.parametrize("block,needle,message", [
    ("              phases:\n                - {from: 2006-04}\n", "from: 2006-04",
     "measure calls_999_10s: phase 1: note is required: say in words what changed"),
    ("              phases:\n                - {from: 2006-04, note: ''}\n", "note: ''",
     "measure calls_999_10s: phase 1: note is required: say in words what changed"),
    ("              phases:\n                - {from: 2006-04, note: A}\n                - {from: 2006-04, note: B}\n",
     "note: B", "measure calls_999_10s: phase 2: from 2006-04 must be after the phase before it (2006-04); "
                "list phases oldest first"),
    ("              phases:\n                - {from: 2306-04, note: A}\n", "2306-04",
     'measure calls_999_10s: phase 1: from "2306-04" is not a plausible month (years 1900 to 2100)'),
    ("              phases:\n                - {from: April, note: A}\n", "April",
     'measure calls_999_10s: from: "April" is not a month (accepted: 2005-04, Apr 2005, April 2005, 2005-04-01)'),
    ("              phases:\n                - {note: A}\n", "note: A",
     "measure calls_999_10s: from is required (a month, YYYY-MM)"),
    ("              phases: {from: 2006-04, note: A}\n", "phases:", "measure calls_999_10s: phases must be a list"),
    ("              seasonal: sometimes\n", "seasonal:",
     'measure calls_999_10s: spc seasonal must be true or false, not "sometimes"'),
])
def test_spc_options_are_checked_with_their_line(tmp_path, block, needle, message):
    text = spc(block)
    assert problems(tmp_path, text) == [f"{tmp_path / 'targets.yaml'}:{line_of(text, needle)}: {message}"]


# --- areas --------------------------------------------------------------------------------------

def test_an_area_may_be_a_peer_force(tmp_path):
    text = SMALL_PLAN.replace("  - {code: south, name: South}\n",
                              "  - {code: south, name: South}\n  - {code: essex, name: Essex Police, kind: peer}\n")
    plan = plan_of(tmp_path, text)
    assert [(a.code, a.kind) for a in plan.areas] == [
        ("force", "force"), ("north", "district"), ("south", "district"), ("essex", "peer"),
        ("msf_average", "comparator")]


# --- police.uk crime types ----------------------------------------------------------------------

CRIMES = SMALL_PLAN + """\
          - id: burglary
            title: Burglaries
            unit: count
            direction: lower
            aggregation: sum
"""


def test_one_crime_type_may_feed_several_measures(tmp_path):
    text = CRIMES + ("police_uk_crime_types:\n  burglary: [Burglary]\n"
                     "  crimes: [Burglary, Robbery, Vehicle crime]\n")
    plan = plan_of(tmp_path, text)
    assert plan.crime_types == {"Burglary": ("crimes", "burglary"), "Robbery": ("crimes",),
                                "Vehicle crime": ("crimes",)}


def test_the_shipped_plan_counts_seven_crime_types_as_bcs_comparator_crime():
    plan = load_plan(ROOT / "config" / "targets.yaml")
    assert plan.crime_types == {t: ("bcs_comparator_crime",) for t in (
        "Burglary", "Vehicle crime", "Bicycle theft", "Theft from the person", "Robbery",
        "Criminal damage and arson", "Violence and sexual offences")}


@pytest.mark.parametrize("block,needle,message", [
    ("  burglary: [Burglary]\n  thefts: [Other theft, Shoplifting]\n", "thefts:",
     'police_uk_crime_types: measure "thefts" is not in the plan'),
    ("  Burglary: burglary\n", "Burglary: burglary",
     'police_uk_crime_types: "Burglary: burglary" must be a measure id and a list of crime types, '
     "as in burglary: [Burglary]"),
    ("  burglary: []\n", "burglary: []",
     'police_uk_crime_types: measure "burglary": give a list of police.uk crime types, as in [Burglary, Robbery]'),
    ("  burglary: [Burglary, Burglary]\n", "burglary:",
     'police_uk_crime_types: measure "burglary": "Burglary" is listed twice'),
])
def test_crime_type_lists_are_checked_with_their_line(tmp_path, block, needle, message):
    text = CRIMES + "police_uk_crime_types:\n" + block
    assert problems(tmp_path, text) == [f"{tmp_path / 'targets.yaml'}:{line_of(text, needle)}: {message}"]


def test_crime_types_must_be_a_mapping(tmp_path):
    text = CRIMES + "police_uk_crime_types: [Burglary]\n"
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'targets.yaml'}:{line_of(text, 'police_uk_crime_types')}: police_uk_crime_types: "
        "police_uk_crime_types must be a mapping of measure ids to lists of police.uk crime types "
        "(measure_id: [Burglary, Robbery])"]

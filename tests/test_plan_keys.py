"""The plan's form: every key known, no key twice, no YAML aliases or non-finite numbers, a syntax
error reported alone, every problem in file and line order."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import SMALL_PLAN, plan_problems as problems, line_of
from metrics.plan import PlanError, load_plan

ROOT = Path(__file__).resolve().parent.parent


MEASURE_KEYS = ("id, title, definition, unit, direction, aggregation, assess_on, baseline, targets, trajectory, "
                "tolerance, stable_within, scale, spc, owner")


@pytest.mark.parametrize("old,new,needle,message", [
    ("  year_start_month: 4\n", "  year_start_month: 4\n  colour: blue\n", "colour:",
     "unknown key 'colour' in plan: allowed are id, title, year_start_month, default_tolerance"),
    ("  - {code: north, name: North}", "  - {code: north, name: North, region: kent}", "region:",
     "unknown key 'region' in area north: allowed are code, name, kind, aliases"),
    ("    title: Providing assistance\n", "    title: Providing assistance\n    lead: ACC\n", "lead: ACC",
     "unknown key 'lead' in priority assistance: allowed are id, title, objectives"),
    ("        owner: ACC Operations\n", "        owner: ACC Operations\n        due: soon\n", "due: soon",
     "unknown key 'due' in objective calls: allowed are id, title, owner, measures"),
    ("            tolerance: 2\n", "            tolerence: 2\n", "tolerence",
     f"unknown key 'tolerence' in measure calls_999_10s: allowed are {MEASURE_KEYS}"),
    ("baseline: {period: 2003-04..2004-03}", "baseline: {period: 2003-04..2004-03, valu: 9}", "valu:",
     "unknown key 'valu' in baseline of measure crimes: allowed are period, value"),
    ("{kind: level, value: 90, by: 2007-03}", "{kind: level, value: 90, by: 2007-03, trajectry: linear}", "trajectry",
     "unknown key 'trajectry' in target 1 of measure calls_999_10s: allowed are kind, value, by, from, series, "
     "measure, area, trajectory"),
    ("            tolerance: 2\n", "            tolerance: 2\n            spc: {seasonl: true}\n", "seasonl",
     "unknown key 'seasonl' in spc of measure calls_999_10s: allowed are baseline, screen_outliers, phases, seasonal"),
    ("            tolerance: 2\n", "            tolerance: 2\n            spc:\n              phases:\n"
     "                - {from: 2006-04, note: New centre, by: 2007-01}\n", "by: 2007-01",
     "unknown key 'by' in phase 1 in spc of measure calls_999_10s: allowed are from, note"),
])
def test_an_unknown_key_at_any_level_is_named_with_its_line_and_the_allowed_keys(tmp_path, old, new, needle, message):
    text = SMALL_PLAN.replace(old, new, 1)
    assert text != SMALL_PLAN
    assert problems(tmp_path, text) == [f"{tmp_path / 'targets.yaml'}:{line_of(text, needle)}: {message}"]


def test_a_misspelt_priorities_is_an_error_not_a_plan_with_no_measures(tmp_path):
    text = SMALL_PLAN.replace("priorities:", "priorites:")
    path = tmp_path / "targets.yaml"
    assert problems(tmp_path, text) == [
        f"{path}:1: priorities: the plan has no measures: give priorities, their objectives and measures",
        f"{path}:{line_of(text, 'priorites:')}: unknown key 'priorites' in the plan file: allowed are plan, areas, "
        "priorities, police_uk_crime_types",
    ]
    result = subprocess.run([sys.executable, "-m", "metrics", "validate", "--config", str(path), "--db",
                             str(tmp_path / "none.duckdb")], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and "valid" not in result.stdout and "2 problems in the plan" in result.stderr


def test_a_second_targets_key_is_refused_naming_both_lines(tmp_path):
    """A second `targets:` once silently changed a target from 90 to 99,999."""
    text = SMALL_PLAN.replace("            tolerance: 2\n", "            tolerance: 2\n            targets:\n"
                              "              - {kind: level, value: 99999, by: 2007-03}\n", 1)
    first, second = line_of(text, "targets:"), line_of(text, "value: 99999") - 1
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'targets.yaml'}:{second}: duplicate key 'targets': given at lines {first} and {second}; "
        "give each key once"]


def test_a_key_twice_in_a_flow_mapping_is_refused_too(tmp_path):
    text = SMALL_PLAN.replace("{kind: level, value: 90, by: 2007-03}", "{kind: level, value: 90, value: 10, by: 2007-03}")
    line = line_of(text, "value: 10")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'targets.yaml'}:{line}: duplicate key 'value': given at lines {line} and {line}; give each key once"]


def test_yaml_anchors_are_refused_with_their_line_and_column(tmp_path):
    text = SMALL_PLAN.replace("            tolerance: 2\n", "            tolerance: &two 2\n", 1)
    line = line_of(text, "&two")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'targets.yaml'}:{line}:24: YAML anchors and aliases are not allowed in the plan "
        '(found "&two"); write each value out in full']


ALIAS_BOMB = "".join(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
                     for prev, name in zip([None] + list("abcdefgh"), "abcdefghi"))


def test_an_alias_bomb_fails_at_once_in_little_memory(tmp_path):
    """445 bytes of aliases once took 81 s and 3.15 GB: now refused before anything is expanded."""
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 500 and "i: &i [*h, *h" in ALIAS_BOMB
    script = textwrap.dedent(f"""
        import resource, sys, time
        resource.setrlimit(resource.RLIMIT_AS, (400 * 2**20, 400 * 2**20))
        sys.path.insert(0, {str(ROOT)!r})
        from metrics.plan import PlanError, load_plan
        started = time.perf_counter()
        try:
            load_plan({str(path)!r})
        except PlanError as err:
            print(round(time.perf_counter() - started, 3), err)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30,
                            env={"METRICS_PLAN_CACHE": "off", "PATH": "/usr/bin:/bin"})
    seconds, message = result.stdout.strip().split(" ", 1)
    assert float(seconds) < 0.5, result.stderr
    assert message == (f'{path}:1:4: YAML anchors and aliases are not allowed in the plan (found "&a"); '
                       "write each value out in full")


@pytest.mark.parametrize("written", [".inf", "-.inf", ".nan", ".NaN"])
def test_numbers_that_are_not_finite_are_refused(tmp_path, written):
    text = SMALL_PLAN.replace("{kind: level, value: 90, by: 2007-03}", f"{{kind: level, value: {written}, by: 2007-03}}")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'targets.yaml'}:{line_of(text, written)}: \"{written}\" is not a finite number; "
        "the plan's numbers must be finite"]


def test_an_infinite_tolerance_is_refused_once(tmp_path):
    text = SMALL_PLAN.replace("            tolerance: 2\n", "            tolerance: .inf\n", 1)
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'targets.yaml'}:{line_of(text, '.inf')}: \".inf\" is not a finite number; "
        "the plan's numbers must be finite"]


def test_yaml_tags_are_refused(tmp_path):
    text = SMALL_PLAN.replace("title: Test plan", "title: !!python/name:os.system x")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'targets.yaml'}:3: the YAML tag \"tag:yaml.org,2002:python/name:os.system\" is not allowed "
        "in the plan; write plain values"]


def test_a_syntax_error_is_reported_alone_with_its_line_and_column(tmp_path):
    text = SMALL_PLAN.replace("title: Test plan", "title: [Test plan")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'targets.yaml'}:4:19: not valid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence started at line 3, column 10)"]


def test_a_syntax_error_in_a_second_file_is_reported_alone(tmp_path, plan_file):
    extra = tmp_path / "extra.yaml"
    extra.write_text("priorities:\n  - id: more\n\ttitle: More\n")
    with pytest.raises(PlanError) as caught:
        load_plan([plan_file, extra])
    assert [str(p) for p in caught.value.problems] == [
        f"{extra}:3:1: not valid YAML: found a tab character that violates indentation "
        "(while scanning a plain scalar started at line 2, column 9)"]


def test_problems_are_sorted_by_file_then_line_whenever_they_are_found(tmp_path, plan_file):
    # The crime types are checked after every measure is read, and the comparator series after
    # every area: each problem still comes at its own line.
    text = SMALL_PLAN.replace("priorities:", "police_uk_crime_types:\n  burglary: [Burglary]\npriorities:").replace(
        "{kind: level, value: 90, by: 2007-03}", "{kind: comparator, series: nowhere, by: 2007-03}").replace(
        "direction: lower", "direction: down", 1)
    extra = tmp_path / "extra.yaml"
    extra.write_text("areas:\n  - {code: east, name: East, kind: county}\n")
    (tmp_path / "targets.yaml").write_text(text)
    with pytest.raises(PlanError) as caught:
        load_plan([tmp_path / "targets.yaml", extra])
    main = tmp_path / "targets.yaml"
    assert [str(p) for p in caught.value.problems] == [
        f'{main}:{line_of(text, "burglary:")}: police_uk_crime_types: measure "burglary" is not in the plan',
        f'{main}:{line_of(text, "series: nowhere")}: measure calls_999_10s: comparator series "nowhere" is not an '
        "area code (areas: east, force, msf_average, north, south)",
        f"{main}:{line_of(text, 'direction: down')}: measure sickness_hours: direction must be one of higher, lower, "
        'neutral ("down" is not allowed)',
        f'{extra}:2: area east: kind must be one of force, district, comparator, peer ("county" is not allowed)',
    ]


def test_an_empty_plan_file_is_named_at_line_1_not_0(tmp_path):
    path = tmp_path / "targets.yaml"
    assert problems(tmp_path, "") == [
        f"{path}:1: the plan file must be a mapping with plan, areas and priorities",
        f"{path}:1: plan: the plan section (id, title) is missing",
        f"{path}:1: areas: areas must include the whole force, code \"force\"",
        f"{path}:1: priorities: the plan has no measures: give priorities, their objectives and measures",
    ]


def test_the_shipped_plan_and_the_test_plans_still_validate(plan_file):
    assert len(load_plan(ROOT / "config" / "targets.yaml").measures) == 32
    assert load_plan(plan_file).measure_ids == ["calls_999_10s", "sickness_hours", "crimes", "domestic_abuse"]


def test_deep_nesting_is_refused_without_crashing(tmp_path):
    """libyaml's composer recursed on 100,000 brackets and took the process down."""
    found = problems(tmp_path, "plan: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert found == [f"{tmp_path / 'targets.yaml'}:1:38: the plan nests lists and mappings more than 32 deep; "
                     "it cannot be a plan"]


def test_a_second_yaml_document_is_refused(tmp_path):
    found = problems(tmp_path, SMALL_PLAN + "---\nplan: {id: other}\n")
    assert found == [f"{tmp_path / 'targets.yaml'}:{SMALL_PLAN.count(chr(10)) + 1}:1: not valid YAML: a plan file "
                     "holds one YAML document (remove the second ---)"]


def test_a_file_too_big_to_be_a_plan_is_refused_unread(tmp_path):
    path = tmp_path / "targets.yaml"
    with path.open("wb") as out:
        out.truncate(6 * 2**20)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert str(caught.value) == f"{path}:1: cannot read the plan file: it is 6.0 MB; a plan file is at most 5 MB"


def test_a_plan_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_bytes(SMALL_PLAN.replace("Test plan", "Test plan \xa3").encode("latin-1"))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert str(caught.value) == (f"{path}:1: cannot read the plan file: it is not UTF-8 text "
                                 "(invalid start byte at byte 41)")

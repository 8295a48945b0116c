"""The plan file: every problem found at once, each naming file, line and field, and what is allowed."""
from pathlib import Path

import pytest

from conftest import SMALL_PLAN, plan_problems as problems, line_of
from metrics.plan import PlanError, load_plan

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_kent_plan_is_valid_and_complete():
    plan = load_plan(ROOT / "config" / "targets.yaml")
    assert len(plan.measures) >= 30
    assert {"force", "medway", "shepway", "msf_average"} <= set(plan.area_codes)
    assert len([a for a in plan.areas if a.kind == "district"]) == 13
    pcsos = plan.measure("pcsos_in_post")
    assert [(t.value, t.by) for t in pcsos.targets] == [(289, 2007 * 12 + 2), (582, 2008 * 12 + 2)]
    assert plan.measure("calls_999_10s").baseline.value == 94.2


def test_a_bad_direction_names_file_line_measure_and_the_allowed_values(tmp_path):
    text = SMALL_PLAN.replace("direction: higher", "direction: upwards", 1)
    found = problems(tmp_path, text)
    line = line_of(text, "direction: upwards")
    assert f"{tmp_path / 'targets.yaml'}:{line}: measure calls_999_10s: direction must be one of higher, lower, neutral" in found[0]


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    text = (SMALL_PLAN.replace("direction: higher", "direction: up", 1)
            .replace("unit: hours", "unit: hrs").replace("aggregation: sum", "aggregation: total", 1))
    found = problems(tmp_path, text)
    assert len(found) == 3
    assert any("direction must be one of" in p for p in found)
    assert any("unit must be one of percent, count, hours" in p and f":{line_of(text, 'unit: hrs')}:" in p for p in found)
    assert any("aggregation must be one of sum, mean, ratio, last" in p for p in found)


def test_a_missing_direction_is_an_error_there_is_no_default(tmp_path):
    text = SMALL_PLAN.replace("            direction: higher\n", "", 1)
    found = problems(tmp_path, text)
    assert any("measure calls_999_10s: direction must be one of higher, lower, neutral (is required)" in p for p in found)


@pytest.mark.parametrize("bad_id,reason", [("Calls999", "lowercase"), ("calls 999", "lowercase")])
def test_ids_must_be_lowercase_letters_digits_dash_underscore(tmp_path, bad_id, reason):
    found = problems(tmp_path, SMALL_PLAN.replace("id: calls_999_10s", f"id: {bad_id}"))
    assert any(reason in p and "id" in p for p in found)


def test_duplicate_measure_ids_are_refused(tmp_path):
    found = problems(tmp_path, SMALL_PLAN.replace("id: crimes", "id: calls_999_10s"))
    assert any('"calls_999_10s" is used more than once' in p for p in found)


def test_a_target_kind_must_be_known(tmp_path):
    found = problems(tmp_path, SMALL_PLAN.replace("kind: level, value: 90", "kind: stretch, value: 90"))
    assert any("kind must be one of level, change_pct, change_pp, comparator, measure" in p for p in found)


def test_a_target_date_must_be_a_month(tmp_path):
    text = SMALL_PLAN.replace("value: 90, by: 2007-03", "value: 90, by: 2007-13")
    found = problems(tmp_path, text)
    assert any(f":{line_of(text, 'by: 2007-13')}:" in p and "by:" in p and "01 to 12" in p for p in found)


def test_a_change_target_needs_a_baseline(tmp_path):
    text = SMALL_PLAN.replace("            baseline: {period: 2003-04..2004-03}\n", "")
    found = problems(tmp_path, text)
    assert any("measure crimes: a change_pct target needs a baseline" in p for p in found)


def test_a_comparator_target_needs_a_known_series(tmp_path):
    text = SMALL_PLAN.replace("{kind: level, value: 90, by: 2007-03}", "{kind: comparator, series: nowhere, by: 2007-03}")
    found = problems(tmp_path, text)
    assert any('comparator series "nowhere" is not an area code' in p for p in found)
    text = SMALL_PLAN.replace("{kind: level, value: 90, by: 2007-03}", "{kind: comparator, by: 2007-03}")
    assert any("needs series" in p for p in problems(tmp_path, text))


def test_a_neutral_measure_cannot_have_targets(tmp_path):
    text = SMALL_PLAN.replace("direction: higher", "direction: neutral", 1)
    assert any("direction neutral cannot have targets" in p for p in problems(tmp_path, text))


def test_a_tolerance_is_units_or_a_percent(tmp_path):
    text = SMALL_PLAN.replace("tolerance: 2\n", "tolerance: lots\n", 1)
    assert any('tolerance must be a number of units (2) or a percent ("5%")' in p for p in problems(tmp_path, text))


def test_a_baseline_period_must_be_a_month_range(tmp_path):
    text = SMALL_PLAN.replace("period: 2003-04..2004-03", "period: 2004-03..2003-04")
    assert any("ends before it starts" in p for p in problems(tmp_path, text))


def test_an_unknown_field_is_named_with_the_allowed_ones(tmp_path):
    text = SMALL_PLAN.replace("            tolerance: 2\n", "            tolerence: 2\n", 1)
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'targets.yaml'}:{line_of(text, 'tolerence')}: unknown key 'tolerence' in measure calls_999_10s: "
        "allowed are id, title, definition, unit, direction, aggregation, assess_on, baseline, targets, trajectory, "
        "tolerance, stable_within, scale, spc, owner"]


def test_the_force_area_is_required(tmp_path):
    text = SMALL_PLAN.replace("  - {code: force, name: Test Force}\n", "")
    assert any('code "force"' in p for p in problems(tmp_path, text))


def test_broken_yaml_is_reported_with_its_line(tmp_path):
    text = SMALL_PLAN.replace("title: Test plan", "title: [Test plan")
    found = problems(tmp_path, text)
    assert "not valid YAML" in found[0] and found[0].startswith(str(tmp_path / "targets.yaml") + ":")


def test_a_missing_plan_file_is_an_error_not_a_traceback(tmp_path):
    with pytest.raises(PlanError, match="cannot read the plan file"):
        load_plan(tmp_path / "nowhere.yaml")


def test_a_second_plan_file_adds_measures(tmp_path, plan_file):
    extra = tmp_path / "extra.yaml"
    extra.write_text("priorities:\n  - id: more\n    title: More\n    objectives:\n      - id: o2\n        title: O2\n"
                     "        measures:\n          - {id: extra_measure, title: Extra, unit: count, direction: lower,"
                     " aggregation: sum, assess_on: month}\n")
    plan = load_plan([plan_file, extra])
    assert "extra_measure" in plan.measure_ids and "calls_999_10s" in plan.measure_ids


@pytest.mark.parametrize("old,new,message", [
    ("year_start_month: 4", "year_start_month: 13", "year_start_month must be a month number 1 to 12"),
    ("baseline: {period: 2003-04..2004-03}", "baseline: {label: old}", "baseline needs a period (YYYY-MM..YYYY-MM) or a value"),
    ("{kind: level, value: 90, by: 2007-03}", "{kind: level, value: 90, from: 2007-06, by: 2007-03}", "from must not be after by"),
    ("{kind: level, value: 90, by: 2007-03}", "{kind: level, value: 90, by: 2007-03}\n              - {kind: level, value: 95, by: 2007-03}",
     "two targets have the same by month"),
    ("{kind: level, value: 90, by: 2007-03}", "{kind: level, value: ninety, by: 2007-03}", 'value must be a number, not "ninety"'),
    ("{kind: level, value: 90, by: 2007-03}", "{kind: level, by: 2007-03}", "value is required (a number)"),
    ("            tolerance: 2\n", "            tolerance: 2\n            spc: {screen: yes}\n", "unknown key 'screen' in spc of measure calls_999_10s: allowed are baseline, screen_outliers, phases, seasonal"),
    ("  - {code: north, name: North}", "  - {code: north, name: North, aliases: Northern}", "aliases must be a list"),
    ("  - {code: north, name: North}", "  - {code: north, name: North, kind: county}", "kind must be one of force, district, comparator, peer"),
    ("            assess_on: month\n", "            assess_on: weekly\n", "assess_on must be one of month, quarter, ytd, rolling12, year"),
    ("            title: 999 calls answered within 10 seconds\n", "", "title is required"),
])
def test_each_validation_error_names_its_line_and_what_is_allowed(tmp_path, old, new, message):
    text = SMALL_PLAN.replace(old, new, 1)
    assert text != SMALL_PLAN
    found = problems(tmp_path, text)
    hits = [p for p in found if message in p]
    assert hits, found
    assert all(p.startswith(str(tmp_path / "targets.yaml") + ":") and int(p.split(":")[1]) > 0 for p in hits)

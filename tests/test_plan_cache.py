"""A validated plan is kept, keyed by the files' contents, so an unchanged plan is not validated
again; an edited plan is; a cache that cannot be used changes nothing; validate imports no pandas."""
import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

import metrics.plan as plan_module
from conftest import SMALL_PLAN
from metrics.plan import PlanError, load_plan

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("METRICS_PLAN_CACHE", str(folder))
    monkeypatch.setattr(plan_module.cache, "_MEMO", {})
    return folder


def forget_in_memory(monkeypatch):
    monkeypatch.setattr(plan_module.cache, "_MEMO", {})


def refuse_to_validate(monkeypatch):
    def fail(*args):
        raise AssertionError("validated again")
    monkeypatch.setattr(plan_module, "_validate", fail)


def test_an_unchanged_plan_comes_from_the_cache_equal_to_the_validated_one(cache, plan_file, monkeypatch):
    fresh = load_plan(plan_file)
    assert len(list(cache.glob("*.json"))) == 1
    forget_in_memory(monkeypatch)
    refuse_to_validate(monkeypatch)
    assert load_plan(plan_file) == fresh


def test_the_shipped_plan_survives_the_cache_unchanged(cache, monkeypatch):
    path = ROOT / "config" / "targets.yaml"
    fresh = load_plan(path)
    forget_in_memory(monkeypatch)
    cached = load_plan(path)
    assert cached == fresh and cached is not fresh
    assert isinstance(cached.measures[0].targets, tuple) and cached.crime_types["Burglary"] == ("bcs_comparator_crime",)


def test_every_new_field_survives_the_cache(cache, tmp_path, monkeypatch):
    text = SMALL_PLAN.replace("{kind: level, value: 90, by: 2007-03}",
                              "{kind: level, value: 90, by: 2007-03, trajectory: linear}").replace(
        "            tolerance: 2\n", "            tolerance: 2\n            spc: {seasonal: true, phases: "
        "[{from: 2006-04, note: New centre}], baseline: 2005-04..2006-03}\n", 1)
    path = tmp_path / "targets.yaml"
    path.write_text(text)
    fresh = load_plan(path)
    forget_in_memory(monkeypatch)
    refuse_to_validate(monkeypatch)
    cached = load_plan(path).measure("calls_999_10s")
    assert cached == fresh.measure("calls_999_10s")
    assert cached.spc_phases[0].note == "New centre" and cached.targets[0].trajectory == "linear"


def test_an_edited_plan_is_validated_again_with_the_same_messages(cache, plan_file, monkeypatch):
    load_plan(plan_file)
    plan_file.write_text(SMALL_PLAN.replace("direction: higher", "direction: up", 1))
    with pytest.raises(PlanError) as first:
        load_plan(plan_file)
    forget_in_memory(monkeypatch)
    with pytest.raises(PlanError) as second:
        load_plan(plan_file)
    assert str(first.value) == str(second.value) == (
        f"{plan_file}:22: measure calls_999_10s: direction must be one of higher, lower, neutral "
        '("up" is not allowed)')


def test_a_cache_that_cannot_be_written_is_skipped_silently(tmp_path, plan_file, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("METRICS_PLAN_CACHE", str(blocker / "cache"))
    forget_in_memory(monkeypatch)
    assert load_plan(plan_file).id == "test-plan"


def test_a_damaged_cache_entry_is_ignored_and_the_plan_validated(cache, plan_file, monkeypatch):
    load_plan(plan_file)
    (entry,) = cache.glob("*.json")
    entry.write_text(json.dumps({"id": "tampered"}))
    forget_in_memory(monkeypatch)
    assert load_plan(plan_file).id == "test-plan"


def test_the_cache_holds_plain_json_and_no_code(cache, plan_file):
    plan = load_plan(plan_file)
    (entry,) = cache.glob("*.json")
    assert json.loads(entry.read_text()) == json.loads(json.dumps(asdict(plan)))


def test_the_cache_can_be_turned_off(tmp_path, plan_file, monkeypatch):
    monkeypatch.setenv("METRICS_PLAN_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    forget_in_memory(monkeypatch)
    load_plan(plan_file)
    assert not (tmp_path / "xdg").exists()


def test_validate_imports_no_pandas(plan_file, tmp_path):
    script = ("import sys; from metrics.cli import main; code = main(['validate', '--config', sys.argv[1], "
              "'--db', sys.argv[2]]); print(code, 'pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script, str(plan_file), str(tmp_path / "none.duckdb")],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.stdout.splitlines()[-1] == "0 False", result.stderr

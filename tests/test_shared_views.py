"""Views worked out once for every app process on a machine (metrics.view_cache), and every month's
views worked out ahead by one background builder (metrics.view_builder)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import figures_file, monthly, plan_with
from metrics import engine, read_model, service, store, view_builder, view_cache
from metrics.loading import load_figures

ROOT = Path(__file__).resolve().parent.parent
MONTHS = 15  # April 2008 to June 2009


@pytest.fixture
def source(tmp_path, plan_file, small_plan, monkeypatch):
    """A store on the small plan with a year and a quarter of monthly figures, and views of its own."""
    monkeypatch.setenv("METRICS_VIEW_DIR", str(tmp_path / "views"))
    db = tmp_path / "store.duckdb"
    rows = monthly("domestic_abuse", "2008-04", [100 + i for i in range(MONTHS)])
    rows += monthly("crimes", "2008-04", [900 - i for i in range(MONTHS)], area="north")
    load_figures(store.open_store(str(db)), small_plan, figures_file(tmp_path, rows))
    service.clear_cache()
    yield service.Source((str(plan_file),), str(db))
    service.clear_cache()
    read_model.forget()


def _forget_this_process(monkeypatch):
    """Drop this process's own results and make the engine unusable: what is answered now came
    from the shared views."""
    for view in (service._status, service._chart, service._projections, service._engine_answer, service._months):
        view.cache_clear()

    def refuse(*args, **kwargs):
        raise AssertionError("the engine ran: the view was not read from the shared views")
    monkeypatch.setattr(engine.Engine, "status", refuse)
    monkeypatch.setattr(engine.Engine, "chart", refuse)


def _entries(source) -> list[Path]:
    return list(view_cache.store_folder(source.db).glob("*/*.pickle"))


def test_a_view_worked_out_in_another_process_is_read_not_computed_again(source, monkeypatch):
    worked_out = subprocess.run(
        [sys.executable, "-c", "from metrics import service; import sys; "
         "s = service.Source(tuple(sys.argv[1:2]), sys.argv[2]); "
         "print(service.status(s, None, None, 'all')['actual'].sum())", *source.config, source.db],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert worked_out.returncode == 0, worked_out.stderr
    _forget_this_process(monkeypatch)
    frame = service.status(source, None, None, "all")
    assert f"{frame['actual'].sum()}" == worked_out.stdout.strip()
    assert set(frame["area"]) == {"force", "north"}


def test_a_write_makes_new_views_and_removes_the_old(source, small_plan, tmp_path):
    before = service.status(source, None, None, "force")
    old_folders = {p.parent for p in _entries(source)}
    later = monthly("domestic_abuse", "2009-06", [500])  # June 2009 revised from 114
    load_figures(store.open_store(source.db), small_plan, figures_file(tmp_path, later, "revised.csv"))
    after = service.status(source, None, None, "force")
    pick = lambda frame: frame.set_index("measure_id").loc["domestic_abuse", "actual"]  # noqa: E731
    assert (pick(before), pick(after)) == (114, 500)
    assert not old_folders & {p.parent for p in _entries(source)}, "the old version's views are still kept"


def test_a_load_of_other_measures_figures_keeps_every_view(source, tmp_path, monkeypatch):
    # A store may hold other plans' figures: loading them changes nothing this plan's pages show.
    before = service.status(source, None, None, "all")
    other_plan = plan_with(tmp_path, """
- id: burglary
  title: Burglaries
  unit: count
  direction: lower
  aggregation: sum
  assess_on: month
""")
    load_figures(store.open_store(source.db), other_plan,
                 figures_file(tmp_path, monthly("burglary", "2008-04", [7] * MONTHS), "other.csv"))
    _forget_this_process(monkeypatch)
    after = service.status(source, None, None, "all")  # read, not worked out again
    assert after.equals(before)
    held = service.read(source, lambda c: c.execute(
        "SELECT count(*) FROM figures WHERE measure_id = 'burglary'").fetchone()[0])
    assert held == 0, "the app's copy holds figures its plan never shows"
    assert "other.csv" in service.load_history(source)["file_name"].tolist()  # the copy is new


def test_views_are_not_shared_through_a_folder_others_can_write(tmp_path, monkeypatch):
    shared_root = tmp_path / "everyone"
    shared_root.mkdir()
    shared_root.chmod(0o777)
    monkeypatch.setenv("METRICS_VIEW_DIR", str(shared_root))
    views = view_cache.SharedViews(str(tmp_path / "x.duckdb"))
    assert not views.usable
    views.put(("v",), ("k",), 1)
    assert views.get(("v",), ("k",)) is None and not list(shared_root.rglob("*.pickle"))


def test_a_view_that_is_none_is_kept_too(tmp_path, monkeypatch):
    monkeypatch.setenv("METRICS_VIEW_DIR", str(tmp_path / "views"))
    views = view_cache.SharedViews(str(tmp_path / "x.duckdb"))
    views.put(("v",), ("default month",), None)
    assert views.get(("v",), ("default month",)) == (None,)
    assert views.get(("v2",), ("default month",)) is None


def test_the_builder_works_out_every_months_views(source, monkeypatch):
    assert view_builder.build(source) == service._version(source)
    months = service.months(source)
    assert len(months) == MONTHS
    _forget_this_process(monkeypatch)
    for month in months:  # every page's main view at every month, with no engine
        assert not service.status(source, month, None, "all").empty
        assert not service.chart(source, None, month, "force").empty
    for month in months[2:]:  # the board's, from the first whole quarter's end
        service.quarter_review(source, month)


def test_the_builder_stops_when_a_write_lands_midway(source, small_plan, tmp_path, monkeypatch):
    done = []

    def one_month(source, month):
        done.append(month)
        if len(done) == 2:  # a load lands while the builder is at its second month
            load_figures(store.open_store(source.db), small_plan,
                         figures_file(tmp_path, monthly("domestic_abuse", "2009-06", [1]), "new.csv"))
    monkeypatch.setattr(service, "views_for_month", one_month)
    assert view_builder.build(source) is None
    assert len(done) == 2
    assert done[0] == service.default_as_of(source), "the default month comes first"


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")


def test_the_app_starts_one_builder_which_stops_with_it(source):
    env = {**os.environ, "METRICS_DB": source.db, "METRICS_CONFIG": source.config[0], "PORT": "0",
           "METRICS_VIEW_BUILDER": "1", "METRICS_WARM_UP": "1", "PYTHONPATH": str(ROOT)}
    # Two app processes on one store, as two gunicorn workers: one builder between them.
    keepers = [subprocess.Popen([sys.executable, "-c", "import app, time; time.sleep(600)"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        _wait(lambda: view_builder.builder_running(source), 60, "a builder was started")
        expected = MONTHS * 3  # status, projections and a chart per month at least
        _wait(lambda: len(_entries(source)) >= expected, 90, "every month's views were worked out")
        parents = "|".join(str(k.pid) for k in keepers)
        builders = subprocess.run(["pgrep", "-f", f"metrics.view_builder --parent ({parents})$"],
                                  capture_output=True, text=True).stdout.split()
        assert len(builders) == 1
    finally:
        for keeper in keepers:
            keeper.kill()
            keeper.wait()
    _wait(lambda: not view_builder.builder_running(source), 30, "the builder stopped with the app")

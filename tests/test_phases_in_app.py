"""Process changes added in the app: stored (only ever added), merged with the plan's phases,
and the SPC limits worked out afresh from each."""
from __future__ import annotations

import pytest

import security
from conftest import figures_file, monthly, plan_with
from metrics import workflow
from metrics.engine import Engine
from metrics.loading import load_figures
from metrics.periods import parse_month
from metrics.spc import phase_frame

CALLS = """
- id: calls
  title: Calls for service
  unit: count
  direction: lower
  aggregation: sum
  assess_on: month
"""
# A step from about 10 to about 20 at January 2021. Within each half the moving ranges are
# 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 2: mean 15/11, so the limits are mean +/- 2.66 x 15/11 = 3.627.
BEFORE = [10, 11, 9] * 4
AFTER = [20, 21, 19] * 4


@pytest.fixture
def loaded(tmp_path, fresh_store):
    plan = plan_with(tmp_path, CALLS)
    load_figures(fresh_store, plan, figures_file(tmp_path, monthly("calls", "2020-01", BEFORE + AFTER)))
    return plan, fresh_store


def _chart(plan, conn):
    frame = Engine(conn, plan).chart("calls", parse_month("2021-12"), "force")
    return frame[frame["area"] == "force"].sort_values("month").reset_index(drop=True)


def test_a_change_added_in_the_app_starts_new_limits_from_its_month(loaded):
    plan, conn = loaded
    before = _chart(plan, conn)
    assert before["mean"].iloc[-1] == pytest.approx(15.0)  # one phase over the step: (120 + 240) / 24
    assert (before["run_of_seven"].iloc[-6:] != 0).all()    # the step reads as a signal

    assert workflow.add_process_change(conn, plan, "calls", "2021-01", "New call centre opened", "Ann Analyst") \
        == parse_month("2021-01")
    after = _chart(plan, conn)
    first, second = after.iloc[:12], after.iloc[12:]
    assert set(first["phase"]) == {0} and set(second["phase"]) == {1}
    assert first["mean"].iloc[0] == pytest.approx(10.0) and second["mean"].iloc[0] == pytest.approx(20.0)
    assert second["upper_limit"].iloc[0] == pytest.approx(20 + 2.66 * 15 / 11, abs=0.01)
    assert second["phase_note"].iloc[0] == "New call centre opened"
    assert (after["run_of_seven"] == 0).all() and (after["beyond_limits"] == 0).all()


def test_who_added_a_change_and_when_is_kept(loaded):
    plan, conn = loaded
    workflow.add_process_change(conn, plan, "calls", "2021-01", "New call centre opened", "Ann Analyst")
    workflow.add_process_change(conn, plan, "calls", "2020-06", "Recording standard changed", "Bob Analyst")
    rows = workflow.process_changes(conn, "calls")
    assert list(rows["month"]) == [parse_month("2020-06"), parse_month("2021-01")]
    assert list(rows["added_by"]) == ["Bob Analyst", "Ann Analyst"]
    assert rows["added_at"].notna().all()


@pytest.mark.parametrize("measure, month, note, said", [
    ("calls", "2021-13", "Note", "the month must be a month, YYYY-MM, not '2021-13'"),
    ("calls", "January", "Note", "the month must be a month, YYYY-MM"),
    ("calls", "2021-01", "  ", "say what changed"),
    ("calls", "2021-01", "x" * 301, "the limit is 300"),
    ("nope", "2021-01", "Note", "there is no measure 'nope'"),
])
def test_a_change_that_cannot_be_added_says_why_and_stores_nothing(loaded, measure, month, note, said):
    plan, conn = loaded
    with pytest.raises(workflow.WorkflowError, match=said):
        workflow.add_process_change(conn, plan, measure, month, note, "Ann Analyst")
    assert workflow.process_changes(conn).empty


def test_a_month_already_recorded_is_refused_not_overwritten(tmp_path, fresh_store):
    plan = plan_with(tmp_path, CALLS + "  spc: {phases: [{from: 2020-07, note: In the plan}]}\n")
    workflow.add_process_change(fresh_store, plan, "calls", "2021-01", "First note", "Ann")
    for month in ("2021-01", "2020-07"):  # the app's own, and the plan's
        with pytest.raises(workflow.WorkflowError, match="already recorded from"):
            workflow.add_process_change(fresh_store, plan, "calls", month, "Second note", "Bob")
    assert list(workflow.process_changes(fresh_store)["note"]) == ["First note"]


def test_the_plans_phases_and_the_apps_are_merged_by_month(tmp_path, fresh_store):
    plan = plan_with(tmp_path, CALLS + "  spc: {phases: [{from: 2020-07, note: In the plan}]}\n")
    workflow.add_process_change(fresh_store, plan, "calls", "2021-01", "Added in the app", "Ann")
    workflow.add_process_change(fresh_store, plan, "calls", "2020-03", "Earlier, in the app", "Ann")
    frame = phase_frame(plan, workflow.process_changes(fresh_store))
    assert list(frame["phase_note"].iloc[1:]) == ["Earlier, in the app", "In the plan", "Added in the app"]
    assert list(frame["phase_until"].iloc[:3]) == [parse_month("2020-03"), parse_month("2020-07"), parse_month("2021-01")]


def test_the_write_callbacks_need_an_analyst():
    assert security.WRITE_OUTPUTS["measure-phase-saved"][0] == "analyst"
    assert security.WRITE_OUTPUTS["board-statement-saved"][0] == "analyst"
    valid = security.FIELDS[("measure-phase-month", "value")][1][0]
    assert valid("2021-01") and not valid(["2021-01"])


@pytest.mark.browser
def test_an_analyst_adds_a_process_change_on_the_measure_page(browser, app_url):
    from test_app_pages import console_errors, open_page, press, wait_for, wait_text
    from test_measure_spc_page import tall_screenshot
    open_page(browser, app_url + "/measure/frontline_time?as_of=2009-03")
    wait_for(browser, "#measure-phase-month")
    browser.find_element("id", "measure-phase-month").send_keys("2007-04")
    browser.find_element("id", "measure-phase-note").send_keys("Shift pattern review")
    press(browser, "measure-phase-add")
    wait_text(browser, "#measure-phase-saved", "Process change from April 2007 added")
    wait_text(browser, "#measure-phase-list", "From April 2007: Shift pattern review")
    wait_text(browser, "#measure-chart", "From April 2007: Shift pattern review")
    tall_screenshot(browser, "measure-process-change", "measure-phase-list")
    assert console_errors(browser) == []

"""The board's workflow: commentary with its history, and the action log."""
import datetime as dt

import pytest

from metrics import workflow
from metrics.workflow import WorkflowError

QUARTER = 2006 * 12 + 11  # December 2006: the end of 2006/07 Q3


def test_commentary_edits_are_kept_as_history_and_the_latest_is_shown(fresh_store):
    workflow.save_commentary(fresh_store, "calls_999_10s", QUARTER, "Demand rose in the summer.", "Supt Jones")
    workflow.save_commentary(fresh_store, "calls_999_10s", QUARTER, "Demand rose; staffing restored in October.", "Supt Jones")
    current = workflow.commentary(fresh_store, QUARTER)
    assert current["text"].tolist() == ["Demand rose; staffing restored in October."]
    assert current["version"].tolist() == [2]
    assert len(workflow.commentary_history(fresh_store, "calls_999_10s")) == 2


def test_empty_commentary_or_no_author_is_refused(fresh_store):
    with pytest.raises(WorkflowError, match="empty"):
        workflow.save_commentary(fresh_store, "calls_999_10s", QUARTER, "   ", "Supt Jones")
    with pytest.raises(WorkflowError, match="who wrote"):
        workflow.save_commentary(fresh_store, "calls_999_10s", QUARTER, "Fine.", "")


def test_an_action_is_open_until_discharged_and_overdue_after_its_due_date(fresh_store):
    number = workflow.raise_action(fresh_store, "2006-10-12", "Review 101 staffing", "ACC Operations", "2006-12-31",
                                   ["calls_public_30s"], "Board")
    log = workflow.action_log(fresh_store, on=dt.date(2006, 12, 1))
    assert log.loc[0, "state"] == "open" and list(log.loc[0, "measures"]) == ["calls_public_30s"]
    assert workflow.action_log(fresh_store, on=dt.date(2007, 1, 2)).loc[0, "state"] == "overdue"

    with pytest.raises(WorkflowError, match="how the action was discharged"):
        workflow.update_action(fresh_store, number, "Chair", status="discharged")
    workflow.update_action(fresh_store, number, "Chair", status="discharged", discharge_note="Six call handlers recruited")
    log = workflow.action_log(fresh_store, on=dt.date(2007, 1, 2))
    assert log.loc[0, "state"] == "discharged" and log.loc[0, "discharge_note"] == "Six call handlers recruited"
    versions = fresh_store.execute("SELECT count(*) FROM actions WHERE action_id = ?", [number]).fetchone()[0]
    assert versions == 2  # the raised version is kept


def test_open_actions_carry_forward_and_discharged_ones_can_be_left_out(fresh_store):
    first = workflow.raise_action(fresh_store, "2006-07-10", "A", "X", "2006-09-30", [], "Board")
    workflow.raise_action(fresh_store, "2006-10-12", "B", "Y", "2007-01-31", [], "Board")
    workflow.update_action(fresh_store, first, "Chair", status="discharged", discharge_note="Done")
    open_only = workflow.action_log(fresh_store, on=dt.date(2006, 11, 1), include_discharged=False)
    assert open_only["text"].tolist() == ["B"]


def test_a_bad_due_date_is_refused(fresh_store):
    with pytest.raises(WorkflowError, match="due date must be a date"):
        workflow.raise_action(fresh_store, "2006-10-12", "A", "X", "next week", [], "Board")


def test_text_over_its_limit_is_refused_with_its_length_and_nothing_is_saved(fresh_store):
    with pytest.raises(WorkflowError, match="the commentary is 10,001 characters; the limit is 10,000"):
        workflow.save_commentary(fresh_store, "calls_999_10s", QUARTER, "x" * 10_001, "Supt Jones")
    workflow.save_commentary(fresh_store, "calls_999_10s", QUARTER, "x" * 10_000, "Supt Jones")  # at the limit
    with pytest.raises(WorkflowError, match="the action is 2,001 characters; the limit is 2,000"):
        workflow.raise_action(fresh_store, "2006-10-12", "a" * 2_001, "ACC", "2006-12-31", [], "Board")
    with pytest.raises(WorkflowError, match="the owner's name is 201 characters; the limit is 200"):
        workflow.raise_action(fresh_store, "2006-10-12", "Review", "o" * 201, "2006-12-31", [], "Board")
    number = workflow.raise_action(fresh_store, "2006-10-12", "Review", "ACC", "2006-12-31", [], "Board")
    with pytest.raises(WorkflowError, match="how it was discharged is 2,001 characters"):
        workflow.update_action(fresh_store, number, "Chair", status="discharged", discharge_note="n" * 2_001)
    with pytest.raises(WorkflowError, match="who changed it is 201 characters"):
        workflow.update_action(fresh_store, number, "c" * 201, owner="DCC")
    assert fresh_store.execute("SELECT count(*) FROM commentary").fetchone()[0] == 1
    assert fresh_store.execute("SELECT count(*) FROM actions").fetchone()[0] == 1


def test_every_change_to_an_action_needs_the_person_making_it(fresh_store):
    with pytest.raises(WorkflowError, match="say who raised the action"):
        workflow.raise_action(fresh_store, "2006-10-12", "Review", "ACC", "2006-12-31", [], "  ")
    number = workflow.raise_action(fresh_store, "2006-10-12", "Review", "ACC", "2006-12-31", [], "Sam Secretary")
    with pytest.raises(WorkflowError, match="say who changed the action"):
        workflow.update_action(fresh_store, number, "", owner="DCC")
    workflow.update_action(fresh_store, number, "Sam Secretary", owner="DCC")
    assert workflow.action_log(fresh_store)["edited_by"].tolist() == ["Sam Secretary"]
    with pytest.raises(WorkflowError, match="the commentary must be text"):
        workflow.save_commentary(fresh_store, "calls_999_10s", QUARTER, ["not", "text"], "Supt Jones")

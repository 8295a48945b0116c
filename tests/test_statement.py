"""The quarterly statement: a plain-words draft from the quarter review, kept in versions."""
from __future__ import annotations

import pandas as pd
import pytest

from metrics import store, workflow
from metrics.board import QuarterReview
from metrics.periods import parse_month


def _review(rows: list[dict]) -> QuarterReview:
    frame = pd.DataFrame(rows)
    return QuarterReview(quarter_end=parse_month("2008-12"), quarter_label="2008/09 Q3",
                         quarter_words="October to December 2008", previous_end=parse_month("2008-09"),
                         previous_label="2008/09 Q2", rows=frame, exceptions=frame.head(0), watch_list=frame.head(0))


ROW = {"sort_order": 0, "measure_id": "calls_999_10s", "measure": "999 calls answered within 10 seconds",
       "movement": "unchanged", "rag": "green", "actual": 91.0, "target": 90.0, "unit": "percent",
       "target_words": "at least 90% by March 2007", "spc_variation": "common_cause", "spc_rules": None}


def test_the_draft_says_what_moved_what_is_red_and_why_what_is_real_and_what_is_projected(small_plan):
    review = _review([
        {**ROW, "movement": "worse", "rag": "red", "actual": 84.5, "spc_variation": "concern", "spc_rules": "run_of_seven"},
        {**ROW, "sort_order": 1, "measure_id": "crimes", "measure": "Crimes recorded", "movement": "better",
         "unit": "count", "actual": 900.0, "target": 1000.0, "target_words": "15% below the baseline by March 2008"},
    ])
    ahead = pd.DataFrame([{"measure_id": "crimes", "area": "force", "target_by": parse_month("2009-03"),
                           "likelihood": 0.8}])
    text = workflow.draft_statement(review, ahead, small_plan)
    paras = text.split("\n\n")
    assert paras[0] == ("Statement on the force's contribution to the national crime and policing measures, "
                        "2008/09 Q3 (October to December 2008).")
    assert paras[1] == ("Better than 2008/09 Q2: Crimes recorded. "
                        "Worse than 2008/09 Q2: 999 calls answered within 10 seconds.")
    assert paras[2] == ("999 calls answered within 10 seconds is off target: 84.5% against a target of 90.0% "
                        "(at least 90% by March 2007).")
    assert paras[3] == ("999 calls answered within 10 seconds: the recent change is a real change for the worse "
                        "(a run of 7 points on one side of the mean).")
    assert paras[4] == ("Crimes recorded: likely to be met by March 2009 (80% chance on the current process).")
    assert "nan" not in text and "None" not in text


def test_a_quiet_quarter_says_so_in_words(small_plan):
    text = workflow.draft_statement(_review([ROW]), pd.DataFrame(columns=["measure_id", "area", "target_by", "likelihood"]),
                                    small_plan)
    assert text.split("\n\n")[1:] == [
        "No measure changed status since 2008/09 Q2.", "No measure is off target.",
        "No measure shows a real change: the ups and downs are the usual variation.",
        "No target falls due after the quarter, so there is nothing to project."]


def test_a_measure_not_compared_is_named_so_not_counted_as_no_change(small_plan):
    text = workflow.draft_statement(_review([{**ROW, "movement": "not_compared", "rag": "no_data"}]),
                                    pd.DataFrame(columns=["measure_id", "area", "target_by", "likelihood"]), small_plan)
    assert text.split("\n\n")[1] == ("Not compared with 2008/09 Q2 (figures missing in a quarter): "
                                      "999 calls answered within 10 seconds.")


def test_saved_statements_are_versions_and_the_latest_is_the_statement(fresh_store):
    end = parse_month("2008-12")
    assert workflow.statement(fresh_store, end) is None
    assert workflow.save_statement(fresh_store, end, "First draft.", "Ann Analyst") == 1
    assert workflow.save_statement(fresh_store, end, "  Second, edited.  ", "Bob Analyst") == 2
    latest = workflow.statement(fresh_store, end)
    assert (latest["version"], latest["text"], latest["author"]) == (2, "Second, edited.", "Bob Analyst")
    assert list(workflow.statement_history(fresh_store, end)["text"]) == ["Second, edited.", "First draft."]
    assert workflow.statement(fresh_store, end - 3) is None  # another quarter has its own


@pytest.mark.parametrize("text, author, said", [("   ", "Ann", "the statement is empty"),
                                                ("Text", "", "say who wrote the statement"),
                                                ("x" * 20_001, "Ann", "the limit is 20,000")])
def test_a_statement_that_cannot_be_saved_says_why_and_changes_nothing(fresh_store, text, author, said):
    end = parse_month("2008-12")
    workflow.save_statement(fresh_store, end, "Kept.", "Ann")
    with pytest.raises(workflow.WorkflowError, match=said):
        workflow.save_statement(fresh_store, end, text, author)
    assert list(workflow.statement_history(fresh_store, end)["text"]) == ["Kept."]


def test_the_pack_prints_the_saved_statement_or_else_the_draft(db_path):
    from metrics.board_pack import build_pack
    from metrics.loading import load_figures
    from metrics.plan import load_plan
    from conftest import ROOT

    plan = load_plan(ROOT / "config" / "targets.yaml")
    conn = store.connect(db_path)
    load_figures(conn, plan, ROOT / "data" / "sample_figures.csv")
    end = parse_month("2007-12")
    page = build_pack(conn, plan, end)
    assert "Draft built from the quarter's figures" in page
    assert "Statement on the force&#x27;s contribution" in page
    workflow.save_statement(conn, end, "The board's own words <b>here</b>.", "Ann Analyst")
    page = build_pack(conn, plan, end)
    assert "The board&#x27;s own words &lt;b&gt;here&lt;/b&gt;." in page and "Version 1, Ann Analyst" in page
    conn.close()




"""Commentary history a person can read, actions that behave, and the scorecard's and matrix's
view kept in the URL."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics import workflow
from metrics.workflow import WorkflowError



@pytest.fixture(autouse=True, scope="module")
def the_app():
    """The pages' callbacks are importable once the app (which registers the pages) is."""
    from tests.auth_server import app_module
    return app_module()


Q3 = 2006 * 12 + 11   # December 2006: the end of 2006/07 Q3
Q2, Q4 = Q3 - 3, Q3 + 3


def _text(component) -> str:
    """Every string inside a Dash component tree, joined by single spaces."""
    import re
    return re.sub(r"\s+", " ", _strings(component))


def _strings(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(_strings(c) for c in component)
    return _strings(getattr(component, "children", None))


def test_a_due_date_before_the_meeting_is_refused_and_nothing_is_saved(fresh_store):
    with pytest.raises(WorkflowError, match=r"due date \(1 March 2009\) is before the meeting \(10 April 2009\)"):
        workflow.raise_action(fresh_store, "2009-04-10", "Review", "DCI Smith", "2009-03-01", [], "Board")
    assert fresh_store.execute("SELECT count(*) FROM actions").fetchone()[0] == 0
    # Due on the meeting day itself is allowed.
    assert workflow.raise_action(fresh_store, "2009-04-10", "Review", "DCI Smith", "2009-04-10", [], "Board") == 1


def test_the_q3_page_lists_earlier_and_later_quarters_apart_each_with_its_own_latest_note(fresh_store):
    from callbacks.measure import other_quarters
    for quarter, text in ((Q2, "Q2 first"), (Q2, "Q2 second"), (Q3, "Q3 note"), (Q4, "Q4 note")):
        workflow.save_commentary(fresh_store, "calls_999_10s", quarter, text, "Supt Jones")
    history = workflow.commentary_history(fresh_store, "calls_999_10s")
    earlier = _text(other_quarters(history, Q3, 4, earlier=True))
    later = _text(other_quarters(history, Q3, 4, earlier=False))
    assert "Earlier quarters (1)" in earlier and "2006/07 Q2: Q2 second" in earlier
    assert "Q4" not in earlier and "Q2 first" not in earlier
    assert "Later quarters (1)" in later and "2006/07 Q4: Q4 note" in later


def test_every_version_is_listed_newest_first_with_its_author_and_uk_time():
    from callbacks.measure import versions_list
    versions = pd.DataFrame({"version": [2, 1], "text": ["Second", "First"], "author": ["Ann Lee", "Bob Kay"],
                             "written_at": [pd.Timestamp("2009-04-02 09:05"), pd.Timestamp("2009-04-01 16:30")]})
    text = _text(versions_list(versions, "2008/09 Q4"))
    assert "All versions of the 2008/09 Q4 commentary (2)" in text
    assert text.index("Version 2: Ann Lee, 2 April 2009 09:05") < text.index("Version 1: Bob Kay, 1 April 2009 16:30")
    assert "First" in text and "Second" in text


def test_the_action_log_filters_by_state_owner_and_measure_soonest_due_first(fresh_store):
    from callbacks.board import filtered_actions
    workflow.raise_action(fresh_store, "2009-01-10", "Late one", "ACC", "2009-06-30", ["a"], "Board")
    workflow.raise_action(fresh_store, "2009-01-10", "Soon one", "DCC", "2009-02-28", ["b"], "Board")
    workflow.raise_action(fresh_store, "2009-01-10", "Middle", "ACC", "2009-04-30", ["a", "b"], "Board")
    workflow.update_action(fresh_store, 3, "Chair", status="discharged", discharge_note="Done")
    log = workflow.action_log(fresh_store, on=dt.date(2009, 3, 15))
    assert filtered_actions(log)["text"].tolist() == ["Soon one", "Middle", "Late one"]
    assert filtered_actions(log, statuses=["overdue"])["text"].tolist() == ["Soon one"]
    assert filtered_actions(log, statuses=["open", "discharged"])["text"].tolist() == ["Middle", "Late one"]
    assert filtered_actions(log, owner="ACC")["text"].tolist() == ["Middle", "Late one"]
    assert filtered_actions(log, measure="b")["text"].tolist() == ["Soon one", "Middle"]


def test_the_scorecard_filters_go_into_the_url_beside_the_header_choices_and_come_back():
    from callbacks.scorecard import filters_search
    from layouts.scorecard import query_filters
    from metrics import service
    from urllib.parse import parse_qs
    plan = service.plan_for(service.Source.from_environment())
    priority, owner = plan.priorities[0].id, sorted({m.owner for m in plan.measures if m.owner})[0]
    search = filters_search("?as_of=2009-03&area=medway", priority, owner, ["red", "amber"], "status")
    params = {k: v[0] for k, v in parse_qs(search.lstrip("?")).items()}
    assert params == {"as_of": "2009-03", "area": "medway", "priority": priority, "owner": owner,
                      "status": "red,amber", "sort": "status"}
    assert query_filters(params, plan) == {"priority": priority, "owner": owner, "status": ["red", "amber"],
                                           "sort": "status"}
    # Cleared filters leave the URL; anything unknown in a shared link is ignored.
    assert filters_search(search, None, None, [], "plan") == "?as_of=2009-03&area=medway"
    assert query_filters({"status": "purple", "sort": "x", "owner": "nobody"}, plan) == {
        "priority": None, "owner": None, "status": None, "sort": "plan"}


def test_header_pickers_keep_a_pages_own_parameters():
    from callbacks.header import write_choices
    assert write_choices(24110, "quarter", "medway", "?as_of=2009-01&sort=red_count:desc") == \
        "?sort=red_count%3Adesc&as_of=2009-03&grain=quarter&area=medway"


def test_a_matrix_cell_opens_that_measure_for_that_area_and_the_sort_is_read_from_the_url():
    from callbacks.areas import grid_rows, read_sort
    from types import SimpleNamespace
    measure = SimpleNamespace(id="burglary", title="Burglary")
    rows = [{"area_code": "medway", "area_name": "Medway", "red_count": 1, "burglary": "✗ Red"}]
    [row] = grid_rows(rows, [measure], 24110, None)
    assert row["burglary"] == "[✗ Red](/measure/burglary?as_of=2009-03&area=medway)"
    assert row["area"] == "[Medway](/?as_of=2009-03&area=medway)"
    assert read_sort("?as_of=2009-03&sort=red_count:desc") == ("red_count", "desc")
    assert read_sort("?sort=burglary") == ("burglary", "asc") and read_sort("") is None

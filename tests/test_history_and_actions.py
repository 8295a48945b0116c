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
    from layouts.view_state import query_filters
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


# --- in the browser ---------------------------------------------------------------------------

def _browser_helpers():
    from tests.test_app_pages import console_errors, open_page, press, wait_for, wait_text
    return console_errors, open_page, press, wait_for, wait_text


@pytest.mark.browser
def test_the_action_form_clears_after_raising_and_a_due_date_before_the_meeting_is_refused(browser, app_url):
    from selenium.webdriver.common.by import By
    console_errors, open_page, press, wait_for, wait_text = _browser_helpers()
    open_page(browser, app_url + "/board")
    wait_for(browser, "#action-text")
    for field, value in (("action-meeting", "04102009"), ("action-due", "03012009")):
        browser.find_element(By.ID, field).send_keys(value)  # a date field is typed month, day, year
    browser.find_element(By.ID, "action-text").send_keys("Review the burglary plan")
    browser.find_element(By.ID, "action-owner").send_keys("DCI Smith")
    press(browser, "action-raise")
    wait_text(browser, "#action-message", "is before the meeting")
    assert browser.find_element(By.ID, "action-text").get_attribute("value") == "Review the burglary plan"  # kept to fix

    browser.find_element(By.ID, "action-due").send_keys("06302009")
    press(browser, "action-raise")
    wait_text(browser, "#action-message", "raised")
    wait_text(browser, "#board-actions-table", "Review the burglary plan")
    for field in ("action-text", "action-owner", "action-due"):
        assert browser.find_element(By.ID, field).get_attribute("value") == "", field
    assert browser.find_element(By.ID, "action-meeting").get_attribute("value") == "2009-04-10"  # the same meeting
    assert "30 June 2009" in browser.find_element(By.ID, "board-actions-table").text
    assert not console_errors(browser)


@pytest.mark.browser
def test_back_brings_the_scorecard_filters_back_and_a_shared_link_opens_the_same_view(browser, app_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    console_errors, open_page, press, wait_for, wait_text = _browser_helpers()
    open_page(browser, app_url + "/?as_of=2009-03&status=red&sort=name")
    wait_for(browser, "#scorecard-grid .measure-row")
    rows = browser.find_elements(By.CSS_SELECTOR, "#scorecard-grid .measure-row")
    names = [r.find_element(By.CSS_SELECTOR, ".measure-link").text for r in rows]
    assert names == sorted(names, key=str.lower) and len(names) == 6  # the six reds, A to Z
    assert all("Red" in r.find_element(By.CSS_SELECTOR, ".rag-badge").text for r in rows)
    # Each column heading's "?" opens its help entry.
    status_help = browser.find_element(By.CSS_SELECTOR, "#scorecard-grid thead a[aria-label='Help: Status']")
    assert status_help.get_attribute("href").endswith("/help#help-rag")

    open_page(browser, app_url + "/areas?as_of=2009-03")
    wait_for(browser, "#areas-grid .ag-row")
    browser.back()
    WebDriverWait(browser, 20, 0.1).until(lambda b: "status=red" in b.current_url)
    wait_text(browser, "#scorecard-caption", "Showing 6 of 32 measures")
    assert not console_errors(browser)


@pytest.mark.browser
def test_a_matrix_sort_goes_into_the_url_and_a_cell_opens_that_measure_for_that_area(browser, app_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    console_errors, open_page, press, wait_for, wait_text = _browser_helpers()
    open_page(browser, app_url + "/areas?as_of=2009-03")
    wait_for(browser, "#areas-grid .ag-row")
    browser.find_element(By.CSS_SELECTOR, "#areas-grid .ag-header-cell[col-id='red_count'] .ag-header-cell-label").click()
    WebDriverWait(browser, 20, 0.1).until(lambda b: "sort=red_count" in b.current_url)
    open_page(browser, browser.current_url)  # the shared link
    wait_for(browser, "#areas-grid .ag-row")
    first = browser.find_element(By.CSS_SELECTOR, "#areas-grid .ag-center-cols-container .ag-row[row-index='0'] [col-id='red_count']")
    reds = [int(c.text) for c in browser.find_elements(By.CSS_SELECTOR, "#areas-grid .ag-center-cols-container [col-id='red_count']")]
    assert int(first.text) == min(reds)
    link = browser.find_element(By.CSS_SELECTOR, "#areas-grid [col-id='victim_satisfaction'] a[href*='area=medway']")
    assert link.get_attribute("href").endswith("/measure/victim_satisfaction?as_of=2009-03&area=medway")
    assert not console_errors(browser)

"""Signing in as each role in a real browser: what each may and may not do, under the app's
content security policy (every page renders with no console errors)."""
from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By

from auth_server import PASSWORD, PEOPLE, make_store, serving, store_in_use
from metrics import store
from test_app_pages import console_errors, open_page, press, screenshot, wait_for, wait_text

pytestmark = pytest.mark.browser
MEASURE = "/measure/domestic_abuse_reported"


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    path = make_store(tmp_path_factory.mktemp("team") / "store.duckdb", figures=True)
    with store_in_use(path), serving() as url:
        yield url, path


def sign_in(browser, url, role, password=PASSWORD):
    browser.delete_all_cookies()
    open_page(browser, url + "/board")
    wait_for(browser, "#signin-name")
    browser.find_element(By.ID, "signin-name").send_keys(PEOPLE[role])
    browser.find_element(By.ID, "signin-password").send_keys(password)
    browser.find_element(By.ID, "signin-submit").click()


def signed_in_as(browser, url, role):
    sign_in(browser, url, role)
    wait_text(browser, "#user-badge", f"{PEOPLE[role]} ({role})")
    assert browser.current_url == url + "/board"  # back to the page first asked for


def rows(path, sql):
    conn = store.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def write_commentary(browser, url, text):
    open_page(browser, url + MEASURE)
    wait_for(browser, "#measure-chart .main-svg")
    browser.find_element(By.ID, "measure-commentary-text").send_keys(text)
    press(browser, "measure-commentary-save")


def raise_action(browser, url):
    open_page(browser, url + "/board")
    wait_for(browser, "#action-text")
    for field, value in (("action-meeting", "04102009"), ("action-due", "06302009")):
        browser.find_element(By.ID, field).send_keys(value)  # a date field is typed month, day, year
    browser.find_element(By.ID, "action-text").send_keys("Report on domestic abuse reporting")
    browser.find_element(By.ID, "action-owner").send_keys("DCI Smith")
    press(browser, "action-raise")


def refused_only(browser) -> list:
    """The console errors other than the server's refusal (403) of a change this role may not make,
    which the browser and Dash's renderer both log; the refusal must be among them."""
    errors = console_errors(browser)
    assert any("status of 403" in e["message"] for e in errors), errors
    return [e for e in errors if "status of 403" not in e["message"]
            and not (e["source"] == "console-api" and "dash_renderer" in e["message"])]


def test_a_wrong_password_is_refused_on_the_sign_in_page(browser, team):
    url, _ = team
    sign_in(browser, url, "analyst", password="not the password")
    wait_text(browser, "#signin-error", "That name and password do not match an active user.")
    assert browser.find_element(By.ID, "signin-name").get_attribute("value") == "Ann Analyst"


def test_a_viewer_sees_the_pages_but_cannot_write_commentary(browser, team):
    url, path = team
    signed_in_as(browser, url, "viewer")
    open_page(browser, url + MEASURE)
    wait_for(browser, "#measure-chart .main-svg")
    # The editor is hidden from a viewer (and the server refuses a post: tests/test_security.py).
    assert not browser.find_element(By.ID, "measure-commentary-text").is_displayed()
    assert browser.find_element(By.ID, "needs-analyst").text == "Sign in as an analyst, secretary or admin to write commentary."
    assert rows(path, "SELECT count(*) FROM commentary") == [(0,)]
    assert console_errors(browser) == []


def test_an_analyst_writes_commentary_under_their_own_name_but_cannot_raise_actions(browser, team):
    url, path = team
    signed_in_as(browser, url, "analyst")
    write_commentary(browser, url, "Reports rose after the awareness campaign.")
    wait_text(browser, "#measure-commentary-saved", "Saved (version 1)")
    assert rows(path, "SELECT author FROM commentary") == [("Ann Analyst",)]
    open_page(browser, url + "/board")
    wait_for(browser, "#needs-secretary")
    assert not browser.find_element(By.ID, "action-text").is_displayed()
    assert "Sign in as a secretary or admin to raise, update or discharge actions." in browser.find_element(
        By.ID, "needs-secretary").text
    assert rows(path, "SELECT count(*) FROM actions") == [(0,)]
    assert console_errors(browser) == []


def test_a_secretary_raises_an_action(browser, team):
    url, path = team
    signed_in_as(browser, url, "secretary")
    raise_action(browser, url)
    wait_text(browser, "#action-message", "Action 1 raised.")
    assert rows(path, "SELECT text FROM actions") == [("Report on domestic abuse reporting",)]
    assert console_errors(browser) == []


def test_an_admin_sees_every_page_with_no_console_errors_then_signs_out(browser, team):
    url, _ = team
    signed_in_as(browser, url, "admin")
    for path, ready in (("/", "#scorecard-grid .measure-row"), (MEASURE, "#measure-chart .main-svg"),
                        ("/areas", "#areas-grid .ag-row"), ("/board", "#board-table"), ("/data", "#data-history-table")):
        open_page(browser, url + path)
        wait_for(browser, ready, timeout=45)
        time.sleep(0.5)  # let late scripts and styles load: a refused one shows as a console error
        assert console_errors(browser) == [], path
    screenshot(browser, "signed-in-admin")
    press(browser, "sign-out")
    wait_for(browser, "#signin-name")
    open_page(browser, url + "/")
    wait_for(browser, "#signin-name")
    assert "/signin?next=/" in browser.current_url

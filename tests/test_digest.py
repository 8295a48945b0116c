"""The digest: what the last load changed, in the status vocabulary's words, as a file and an e-mail."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from selenium.webdriver.common.by import By

from metrics import digest, store, workflow
from metrics.cli import main
from metrics.loading import load_figures
from tests.conftest import _free_port, figures_file, monthly

# 24 months of 999 answering at 95% against a 90% target (green), then March 2007 at 80% (red).
TWO_YEARS = [(95, 100)] * 24


@pytest.fixture
def loaded(tmp_path, small_plan, db_path):
    conn = store.connect(db_path)
    load_figures(conn, small_plan, figures_file(tmp_path, monthly("calls_999_10s", "2005-03", TWO_YEARS), "first.csv"))
    second = monthly("calls_999_10s", "2007-03", [(80, 100)]) + monthly("calls_999_10s", "2005-06", [(97, 100)])
    load_figures(conn, small_plan, figures_file(tmp_path, second, "march.csv"))
    workflow.raise_action(conn, "2007-04-10", "Review call handling staffing", "Head of Control Room",
                          dt.date.today() + dt.timedelta(days=7), ["calls_999_10s"], "Board secretary")
    workflow.raise_action(conn, "2007-04-10", "Far-off review", "ACC", dt.date.today() + dt.timedelta(days=60),
                          ["calls_999_10s"], "Board secretary")
    yield conn
    conn.close()


def test_a_measure_that_turned_red_and_a_revised_month_are_listed(loaded, small_plan):
    made = digest.build_digest(loaded, small_plan, since="2")
    text = digest.lines(made, small_plan)
    assert text["Measures that turned red or green"] == [
        "✗ 999 calls answered within 10 seconds (Test Force) turned Red: off target for March 2007 (was Green)."]
    assert text["Earlier months revised"] == [
        "999 calls answered within 10 seconds (Test Force), Jun 2005: revised from 95.0% to 97.0% by load 2."]


def test_actions_due_within_a_fortnight_are_listed_and_later_ones_are_not(loaded, small_plan):
    items = digest.lines(digest.build_digest(loaded, small_plan), small_plan)["Actions due in the next 14 days or overdue"]
    assert len(items) == 1 and items[0].startswith("Review call handling staffing (Head of Control Room): due ")


def test_since_the_first_load_a_measures_first_figures_are_one_line_not_a_turn_from_no_data(loaded, small_plan):
    made = digest.build_digest(loaded, small_plan, since="1")
    assert made.status_changes.empty and made.special_causes.empty  # nothing was held before it
    assert digest.lines(made, small_plan)["Measures that turned red or green"] == [
        "First figures for 1 measure (1 area): their statuses are on the scorecard."]


def test_an_unknown_load_or_a_bad_date_is_worded(loaded, small_plan):
    with pytest.raises(digest.DigestError, match="there is no load 9"):
        digest.build_digest(loaded, small_plan, since="9")
    with pytest.raises(digest.DigestError, match='not "last week"'):
        digest.build_digest(loaded, small_plan, since="last week")


def test_the_command_writes_the_page(loaded, plan_file, db_path, tmp_path, capsys):
    loaded.close()
    out = tmp_path / "digest.html"
    assert main(["digest", "--config", str(plan_file), "--db", str(db_path), "--out", str(out)]) == 0
    page = out.read_text()
    assert "What changed since load 2 (march.csv)" in page and "turned Red" in page
    assert "nan" not in page and "None." not in page.split("New special causes")[0]
    assert "Measures that turned red or green: 1" in capsys.readouterr().out


def test_the_digest_is_emailed_through_smtp(loaded, plan_file, db_path, tmp_path, monkeypatch, capsys):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    received = []

    class Keep(Sink):
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = _free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("METRICS_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("METRICS_SMTP_PORT", str(port))
        monkeypatch.setenv("METRICS_SMTP_TO", "chief@force.example")
        loaded.close()
        assert main(["digest", "--config", str(plan_file), "--db", str(db_path),
                     "--out", str(tmp_path / "d.html"), "--email"]) == 0
    finally:
        controller.stop()
    assert [e.rcpt_tos for e in received] == [["chief@force.example"]]
    assert b"turned Red" in received[0].content


def test_without_smtp_settings_the_email_is_refused_plainly(loaded, plan_file, db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("METRICS_SMTP_HOST", raising=False)
    loaded.close()
    assert main(["digest", "--config", str(plan_file), "--db", str(db_path), "--out", str(tmp_path / "d.html"),
                 "--email"]) == 2
    assert "set METRICS_SMTP_HOST and METRICS_SMTP_TO" in capsys.readouterr().err


@pytest.mark.browser
def test_the_digest_page_says_what_the_latest_load_changed(browser, app_url):
    from tests.test_app_pages import console_errors, open_page, screenshot, wait_for
    open_page(browser, app_url + "/digest")
    wait_for(browser, "#digest-page")
    text = browser.find_element(By.ID, "digest-page").text
    # Earlier browser tests may have loaded more months into the shared app's store.
    assert re.search(r"What changed since load \d+ \(.+\) on \d+ \w+ \d{4}", text)
    assert "Actions due in the next 14 days or overdue" in text
    assert "nan" not in text.replace("Financial", "") and "None" not in text
    assert not console_errors(browser)
    screenshot(browser, "digest")

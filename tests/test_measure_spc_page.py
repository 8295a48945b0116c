"""The measure page beyond the SPC chart: the projection to the target date, this force among its
peers, the chart's data as CSV; the scorecard's projection column; the board's statement."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from conftest import ROOT
from metrics.periods import parse_month


def tall_screenshot(browser, name, element_id):
    """A screenshot from the page's top to just past one element (the window made tall enough)."""
    import time
    from test_app_pages import screenshot
    size = browser.get_window_size()
    bottom = browser.execute_script(
        f"const r = document.getElementById('{element_id}').getBoundingClientRect(); return r.bottom + window.scrollY;")
    browser.set_window_size(size["width"], min(int(bottom) + 500, 3000))
    time.sleep(0.5)  # the charts redraw at the new size
    screenshot(browser, name)
    browser.set_window_size(size["width"], size["height"])


def test_the_pages_csv_is_the_chart_commands_output(app_url, capsys, tmp_path):
    from callbacks.measure import download_chart
    from metrics import store
    from metrics.cli import main
    from metrics.loading import load_figures
    from metrics.plan import load_plan

    # The command reads its own copy of the sample: the app's store is open in this process.
    db = tmp_path / "cli.duckdb"
    conn = store.connect(db)
    load_figures(conn, load_plan(ROOT / "config" / "targets.yaml"), ROOT / "data" / "sample_figures.csv")
    conn.close()

    sent = download_chart(1, "calls_999_10s", parse_month("2008-06"), "force")
    assert sent["filename"] == "calls_999_10s-force-2008-06.csv"
    assert main(["chart", "calls_999_10s", "--area", "force", "--as-of", "2008-06", "--db", str(db),
                 "--config", str(ROOT / "config" / "targets.yaml")]) == 0
    printed = capsys.readouterr().out
    assert sent["content"] == printed
    lines = printed.splitlines()
    assert lines[0].startswith("measure_id,area,period,value,adjusted_value,phase,phase_words,mean")
    assert lines[-1].startswith("calls_999_10s,force,2008-06,")


def test_a_projection_cell_says_the_likelihood_and_the_date():
    from callbacks.scorecard import projection_cell
    from types import SimpleNamespace

    cell = projection_cell(SimpleNamespace(likelihood=0.8, projection_by=parse_month("2009-03")))
    assert "".join(str(c) if isinstance(c, str) else c.children for c in cell.children) == \
        "↗ Likely to be met: 80% by March 2009"
    assert projection_cell(SimpleNamespace(likelihood=float("nan"), projection_by=float("nan"))) == "–"


@pytest.mark.browser
def test_the_measure_page_shows_the_projection_and_the_peers(browser, app_url):
    from test_app_pages import console_errors, open_page, screenshot, wait_for, wait_text
    open_page(browser, app_url + "/measure/bme_staff?as_of=2007-12")
    # Its staff rose and levelled at 65-68: projected from that level (a shift), not the long-run mean.
    wait_text(browser, "#measure-projection-words", "Very likely to be met: 100% by March 2008")
    wait_text(browser, "#measure-chart", "Projection to March 2008")
    assert "Projected from the level the process has moved to" in browser.find_element(By.ID, "measure-projection-words").text
    tall_screenshot(browser, "measure-projection", "measure-projection-words")
    open_page(browser, app_url + "/measure/calls_999_10s?as_of=2007-12")
    wait_text(browser, "#measure-peer-rank", "Kent Police ranks 2nd of 6 (best first) for December 2007.")
    wait_for(browser, "#measure-funnel .main-svg")
    assert "Kent Police (this force)" in browser.find_element(By.ID, "measure-peer-chart").text
    assert "Peer force" not in browser.find_element(By.ID, "measure-areas").text  # peers are never districts
    tall_screenshot(browser, "measure-peers-funnel", "measure-funnel")
    assert console_errors(browser) == []


@pytest.mark.browser
def test_the_scorecard_shows_each_measures_projection(browser, app_url):
    from test_app_pages import open_page, wait_for
    open_page(browser, app_url + "/?as_of=2007-12")
    wait_for(browser, "#scorecard-grid td.projection")
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#scorecard-grid td.projection")]
    assert any(c.endswith("Very likely to be met: 100% by March 2008") for c in cells)
    assert len(cells) == 32 and "–" in cells


@pytest.mark.browser
def test_the_board_drafts_the_statement_and_an_analyst_saves_an_edit(browser, app_url):
    from test_app_pages import console_errors, open_page, press, wait_text
    open_page(browser, app_url + "/board?as_of=2008-12")
    wait_text(browser, "#board-statement-state", "Draft for 2008/09 Q3")
    assert "Statement on the force's contribution" in browser.find_element(By.ID, "board-statement-text-shown").text
    box = browser.find_element(By.ID, "board-statement-text")
    box.clear()
    box.send_keys("Our statement for the quarter.")
    press(browser, "board-statement-save")
    wait_text(browser, "#board-statement-saved", "Statement saved (version 1)")
    wait_text(browser, "#board-statement-state", "2008/09 Q3: saved by")
    wait_text(browser, "#board-statement-text-shown", "Our statement for the quarter.")
    assert console_errors(browser) == []


@pytest.mark.parametrize("p, words", [(0.95, "Very likely to be met: 95%"), (0.9, "Very likely to be met: 90%"),
                                      (0.8, "Likely to be met: 80%"), (0.6, "Likely to be met: 60%"),
                                      (0.5, "In the balance: 50%"), (0.25, "Unlikely to be met: 25%"),
                                      (0.05, "Very unlikely to be met: 5%"), (float("nan"), "No projection")])
def test_likelihood_bands_read_the_same_everywhere(p, words):
    from metrics import projection, vocabulary
    assert vocabulary.likelihood_words(p) == words
    if p == p:  # the projection's own band is the vocabulary's
        assert projection.likelihood_term(p) is vocabulary.likelihood(p)

"""The web app in a real headless browser: every page renders, controls work, no console errors.
Each test saves a screenshot of its page (see screenshot_dir: `make screenshots` refreshes the README's)."""
from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.browser


# Every wait looks every 0.1 s: Selenium's default half second adds a quarter of a second, on
# average, to each of the suite's hundreds of waits.
def wait_for(browser, css, timeout=20):
    return WebDriverWait(browser, timeout, 0.1).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def wait_text(browser, css, text, timeout=20):
    WebDriverWait(browser, timeout, 0.1).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def console_errors(browser):
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


@functools.cache
def screenshot_dir() -> Path:
    """$METRICS_SCREENSHOTS when set (`make screenshots` sets docs/screenshots), else a temporary
    folder: an ordinary test run leaves the tracked pictures alone."""
    folder = Path(os.environ.get("METRICS_SCREENSHOTS") or tempfile.mkdtemp(prefix="metrics-screens-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(browser, name):
    browser.save_screenshot(str(screenshot_dir() / f"{name}.png"))


def press(browser, element_id):
    """Press a button as a keyboard user would: focus it and press Enter (no scrolling needed)."""
    from selenium.webdriver.common.keys import Keys
    button = WebDriverWait(browser, 10, 0.1).until(EC.presence_of_element_located((By.ID, element_id)))
    browser.execute_script("arguments[0].focus();", button)
    button.send_keys(Keys.ENTER)


def upload(browser, app_url, path):
    """Open the data page and drop a file on it."""
    open_page(browser, app_url + "/data")
    wait_for(browser, "#data-history-table, #data-history p")
    browser.find_element(By.CSS_SELECTOR, "#data-upload input[type=file]").send_keys(str(path))


def open_page(browser, url):
    browser.get(url)
    browser.get_log("browser")  # start each page with an empty console


def test_scorecard_shows_every_measure_with_status_words(browser, app_url):
    open_page(browser, app_url + "/")
    wait_for(browser, "#scorecard-grid .measure-row")
    rows = browser.find_elements(By.CSS_SELECTOR, "#scorecard-grid .measure-row")
    assert len(rows) == 32
    badges = {b.text.strip() for b in browser.find_elements(By.CSS_SELECTOR, "#scorecard-grid .rag-badge")}
    assert any("Green" in b for b in badges) and any("Red" in b for b in badges)
    assert "Providing assistance" in browser.find_element(By.ID, "scorecard-grid").text
    screenshot(browser, "scorecard")
    assert console_errors(browser) == []


def test_status_filter_narrows_the_scorecard_to_red_measures(browser, app_url):
    open_page(browser, app_url + "/")
    wait_for(browser, "#scorecard-grid .measure-row")
    red_count = int(browser.find_element(By.CSS_SELECTOR, "#count-red .count").text)
    dropdown = browser.find_element(By.CSS_SELECTOR, "#scorecard-status")
    dropdown.click()
    option = WebDriverWait(browser, 10, 0.1).until(EC.element_to_be_clickable(
        (By.XPATH, "//*[@role='option'][contains(., 'Red')]")))
    option.click()
    WebDriverWait(browser, 20, 0.1).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#scorecard-grid .measure-row")) == red_count)
    rows = browser.find_elements(By.CSS_SELECTOR, "#scorecard-grid .measure-row")
    assert all("row-red" in r.get_attribute("class") for r in rows)
    assert console_errors(browser) == []


def test_scorecard_row_opens_the_measure_detail(browser, app_url):
    open_page(browser, app_url + "/")
    wait_for(browser, "#scorecard-grid .measure-row")
    link = browser.find_element(By.LINK_TEXT, "999 calls answered within 10 seconds")
    assert link.get_attribute("href").endswith("/measure/calls_999_10s?as_of=2009-03")
    browser.execute_script("arguments[0].click();", link)  # a click, without scrolling the long table
    wait_text(browser, "#measure-title", "999 calls answered within 10 seconds")
    assert "/measure/calls_999_10s" in browser.current_url
    wait_for(browser, "#measure-chart .main-svg")
    wait_for(browser, "#measure-figures-table")
    screenshot(browser, "measure")
    assert console_errors(browser) == []


def test_as_of_in_the_url_changes_the_scorecard(browser, app_url):
    open_page(browser, app_url + "/?as_of=2006-12&grain=quarter")
    wait_text(browser, "#scorecard-caption", "December 2006")
    assert "October to December 2006" in browser.find_element(By.ID, "scorecard-grid").text
    assert console_errors(browser) == []


def test_the_navigation_lists_the_pages_in_order_and_keeps_the_view(browser, app_url):
    open_page(browser, app_url + "/areas?as_of=2008-12&grain=quarter&sort=red_count:desc")
    wait_for(browser, "#areas-grid .ag-row")
    wait_for(browser, ".main-nav a.nav-link.active[href*='as_of']")
    # Read every link at once: the links are redrawn when the address changes.
    links = browser.execute_script("return [...document.querySelectorAll('.main-nav a.nav-link')].map("
                                   "a => [a.textContent, a.getAttribute('href'), a.classList.contains('active')]);")
    assert [name for name, _, _ in links] == ["Scorecard", "Areas", "Board review", "Data", "What changed", "Help"]
    hrefs = {name: href for name, href, _ in links}
    # The month and period go with you; the areas page's own sort does not, nor to help or the digest.
    assert hrefs["Board review"] == "/board?as_of=2008-12&grain=quarter"
    assert hrefs["Help"] == "/help" and hrefs["What changed"] == "/digest"
    assert [name for name, _, active in links if active] == ["Areas"]
    assert console_errors(browser) == []


def test_area_picker_changes_the_measure_breakdown(browser, app_url):
    open_page(browser, app_url + "/measure/ksi_casualties?area=medway")
    wait_text(browser, "#measure-status", "Medway")
    wait_for(browser, "#measure-area-chart .main-svg")
    assert console_errors(browser) == []


def test_areas_matrix_shows_every_district_with_words(browser, app_url):
    open_page(browser, app_url + "/areas")
    wait_for(browser, "#areas-grid .ag-row")
    text = browser.find_element(By.ID, "areas-grid").text
    for district in ("Medway", "Thanet", "Ashford"):
        assert district in text
    assert "Green" in text or "Red" in text
    # Each area's Reds counts the red cells of its own row: the force's force-only measures, which
    # have no column here, are not counted (the whole matrix is in the printed table).
    wait_for(browser, ".areas-print tbody tr")
    for row in browser.find_elements(By.CSS_SELECTOR, ".areas-print tbody tr"):
        cells = [c.get_attribute("textContent") for c in row.find_elements(By.TAG_NAME, "td")]
        assert int(cells[1]) == sum("Red" in c for c in cells[2:]), cells[0]
    screenshot(browser, "areas")
    assert console_errors(browser) == []


def test_board_review_lists_movements_and_exceptions(browser, app_url):
    open_page(browser, app_url + "/board")
    wait_for(browser, "#board-table .board-row")
    summary = browser.find_element(By.ID, "board-summary").text
    # The page counts the movements in the pack's words: the plan's one measure with no good
    # direction (domestic violence reported) moved, and the four counts cover all 32 measures.
    import re
    counts = re.search(r"(\d+) better, (\d+) worse, (\d+) unchanged, (\d+) moved \(no good direction, "
                       r"so neither better nor worse\)", summary)
    assert counts and int(counts[4]) == 1 and sum(int(n) for n in counts.groups()) == 32, summary
    wait_for(browser, ".exception-card .main-svg")
    screenshot(browser, "board")
    assert console_errors(browser) == []


def test_unknown_measure_gets_a_friendly_page(browser, app_url):
    open_page(browser, app_url + "/measure/no_such_measure")
    wait_text(browser, "#measure-missing", "no_such_measure")
    assert "Traceback" not in browser.page_source
    assert console_errors(browser) == []


def test_bad_url_parameter_is_explained_not_a_traceback(browser, app_url):
    open_page(browser, app_url + "/?as_of=2099-99&grain=fortnight&area=atlantis")
    wait_text(browser, "#header-note", "fortnight")
    said = browser.find_element(By.ID, "header-note").text
    assert "Unknown area 'atlantis'" in said and "No figures are held for the month asked for ('2099-99')" in said
    wait_for(browser, "#scorecard-grid .measure-row")
    assert console_errors(browser) == []


def test_data_page_previews_an_upload_then_loads_it_on_confirmation(browser, app_url, tmp_path):
    good = tmp_path / "msf.csv"
    # A comparator series no target uses, so the other pages' statuses are unchanged.
    good.write_text("measure_id,period,area,value,numerator,denominator\nvictim_satisfaction,2003-04,msf_average,,1,2\n")
    open_page(browser, app_url + "/data")
    wait_for(browser, "#data-history-table")
    loads_before = len(browser.find_elements(By.CSS_SELECTOR, "#data-history-table tbody tr"))
    upload(browser, app_url, good)
    wait_text(browser, "#data-preview", "revise 1")
    screenshot(browser, "data")
    press(browser, "data-confirm")
    wait_text(browser, "#data-result", "msf.csv: added 0, revised 1, unchanged 0")
    WebDriverWait(browser, 20, 0.1).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#data-history-table tbody tr")) == loads_before + 1)
    assert console_errors(browser) == []


def test_data_page_lists_every_problem_in_a_bad_upload_and_offers_no_load(browser, app_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("measure_id,period,area,value\ncalls_999_1,2006-04,force,5\nnte_crimes,2006-13,force,5\n")
    upload(browser, app_url, bad)
    wait_for(browser, ".problems-table")
    text = browser.find_element(By.CSS_SELECTOR, ".problems-table").text
    assert "did you mean calls_999_10s?" in text and "01 to 12" in text
    assert browser.find_element(By.ID, "data-confirm").get_attribute("disabled")
    assert console_errors(browser) == []


def test_commentary_is_saved_and_shown_as_text_on_the_measure_and_board(browser, app_url):
    open_page(browser, app_url + "/measure/nte_crimes?as_of=2009-03")
    wait_for(browser, "#measure-commentary-text")
    browser.find_element(By.ID, "measure-commentary-text").send_keys("<script>alert(1)</script> Licensing review under way.")
    press(browser, "measure-commentary-save")
    wait_text(browser, "#measure-commentary-current", "<script>alert(1)</script> Licensing review under way.")
    open_page(browser, app_url + "/board")
    wait_text(browser, "#board-table", "Licensing review under way.")
    assert "<script>alert(1)</script>" in browser.find_element(By.ID, "board-table").text
    assert console_errors(browser) == []


def test_an_action_raised_at_the_board_is_listed_and_can_be_discharged(browser, app_url):
    open_page(browser, app_url + "/board")
    wait_for(browser, "#action-text")
    for field, value in (("action-meeting", "01202009"), ("action-due", "06302009")):
        browser.find_element(By.ID, field).send_keys(value)  # a date field is typed month, day, year
    browser.find_element(By.ID, "action-text").send_keys("Report on night-time economy crime")
    browser.find_element(By.ID, "action-owner").send_keys("ACC Territorial")
    press(browser, "action-raise")
    wait_for(browser, "#action-message .alert")
    assert "raised" in browser.find_element(By.ID, "action-message").text, browser.find_element(By.ID, "action-message").text
    wait_text(browser, "#board-actions-table", "Report on night-time economy crime")
    number = browser.find_element(By.ID, "action-message").text.split()[1]
    browser.find_element(By.ID, "action-id").send_keys(number)
    browser.find_element(By.ID, "action-note").send_keys("Report received")
    press(browser, "action-discharge")
    wait_text(browser, "#board-actions-table", "Discharged")
    assert console_errors(browser) == []


def open_board_with_downloads_to(browser, app_url, folder):
    """The board review, with the browser saving downloads into folder."""
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    open_page(browser, app_url + "/board")
    wait_for(browser, "#board-table .board-row")


def test_the_board_pack_downloads_from_the_board_review(browser, app_url, tmp_path):
    open_board_with_downloads_to(browser, app_url, tmp_path)
    press(browser, "board-pack-html")
    WebDriverWait(browser, 60, 0.1).until(lambda b: list(tmp_path.glob("board-pack-*.html")))
    page = next(tmp_path.glob("board-pack-*.html")).read_text()
    assert "Performance and delivery board: 2008/09 Q4" in page and "Action log" in page
    assert console_errors(browser) == []


def test_the_pdf_board_pack_prints_in_the_background_saying_how_it_goes(browser, app_url, tmp_path):
    import shutil
    import subprocess
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is needed (Debian poppler-utils; make test installs it)")
    open_board_with_downloads_to(browser, app_url, tmp_path)
    press(browser, "board-pack-pdf")
    status = browser.find_element(By.ID, "board-pack-status")
    WebDriverWait(browser, 20, 0.1).until(lambda b: status.text.startswith(("Preparing the board pack", "Printing the board pack")))
    # While it prints: the buttons cannot be pressed again and a cancel button shows.
    assert not browser.find_element(By.ID, "board-pack-pdf").is_enabled()
    assert not browser.find_element(By.ID, "board-pack-html").is_enabled()
    assert browser.find_element(By.ID, "board-pack-cancel").is_displayed()
    WebDriverWait(browser, 240, 0.1).until(lambda b: [p for p in tmp_path.glob("board-pack-*.pdf")])
    WebDriverWait(browser, 20, 0.1).until(lambda b: "ready" in status.text)
    assert status.text == "The board pack is ready: board-pack-2008-09-Q4.pdf."
    pdf = tmp_path / "board-pack-2008-09-Q4.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    assert "2008/09 Q4" in text and "January to March 2009" in text and "Action log" in text
    assert browser.find_element(By.ID, "board-pack-pdf").is_enabled()
    assert not browser.find_element(By.ID, "board-pack-cancel").is_displayed()
    assert console_errors(browser) == []


def test_a_pack_cancelled_while_printing_stops_and_the_buttons_come_back(browser, app_url, tmp_path):
    import psutil
    import shutil
    from metrics import pack_job
    shutil.rmtree(pack_job.job_folder() / "printed", ignore_errors=True)  # a pack printed before is handed over at once
    open_board_with_downloads_to(browser, app_url, tmp_path)
    press(browser, "board-pack-pdf")

    def printers():
        return [p for p in psutil.Process().children(recursive=True) if "metrics.pack_job" in " ".join(p.cmdline())]
    WebDriverWait(browser, 30, 0.1).until(lambda b: printers())  # the print has begun, in a process of its own
    press(browser, "board-pack-cancel")
    WebDriverWait(browser, 20, 0.1).until(lambda b: browser.find_element(By.ID, "board-pack-pdf").is_enabled())
    WebDriverWait(browser, 20, 0.1).until(lambda b: not printers())  # the print was stopped, not left running
    assert browser.find_element(By.ID, "board-pack-status").text == ""
    assert not browser.find_element(By.ID, "board-pack-cancel").is_displayed()
    assert not list(tmp_path.glob("board-pack-*"))
    assert console_errors(browser) == []

"""Print and phone: every page prints on A4 landscape with every column heading in the PDF's
text (Chromium's print-to-PDF, read back with pdftotext); at 390 px the navigation collapses, the
pickers fold into one "View" control and wide tables scroll inside their frame. Screenshots at 390,
1280 and 1920 px go to a temporary folder, or to $METRICS_SCREENSHOTS when set."""
from __future__ import annotations

import base64
import re
import subprocess
import tempfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions

from tests.test_app_pages import console_errors, open_page, screenshot, wait_for

pytestmark = pytest.mark.browser

# Each page, what shows it is drawn, and headings it must have (so the check cannot pass empty).
PAGES = [
    ("/", "#scorecard-grid .measure-row", ["Measure", "Actual", "Target", "Baseline", "Status", "Trend",
                                           "SPC variation", "Assurance", "Last 24 months", "Last figures"]),
    ("/areas", "#areas-grid .ag-row", ["Area", "Reds", "Victims satisfied with the overall service"]),
    ("/board", "#board-table", ["Measure", "Movement", "Commentary"]),
    ("/data", "#data-history-table", ["Load", "When", "File", "Content hash"]),
    ("/measure/victim_satisfaction", "#measure-figures-table", ["Period", "Area", "Value", "Load", "Status"]),
    ("/digest", ".page-title", []),
    ("/help", "#help-page", ["Shown as", "Meaning"]),
]


def squash(text: str) -> str:
    """Text with every run of spaces and line breaks as one space, and no soft hyphens."""
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()


def pdf_text(browser) -> tuple[str, int]:
    options = PrintOptions()
    options.orientation = "landscape"
    options.page_width, options.page_height = 29.7, 21.0  # A4, in centimetres
    pdf = base64.b64decode(browser.print_page(options))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True, check=True).stdout
        pages = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", pages).group(1)) if "Pages:" in pages else 0
    return text, count


def printed_headings(browser) -> list[str]:
    """Every column heading that prints: the headings of tables not hidden in print."""
    return browser.execute_script("""
        return [...document.querySelectorAll('table thead th')]
          .filter(th => !th.closest('.screen-only, .d-print-none, .write-controls'))
          .map(th => th.textContent.replace(/\\?$/, '').trim()).filter(t => t);""")


@pytest.mark.parametrize("path, ready, must", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_prints_on_a4_landscape_with_every_column_heading(browser, app_url, path, ready, must):
    browser.set_window_size(1280, 1000)
    open_page(browser, app_url + path)
    wait_for(browser, ready)
    headings = printed_headings(browser)
    assert set(must) <= set(headings) or not must
    text, pages = pdf_text(browser)
    flat = squash(text)
    # A heading wrapped over lines in a row of wrapped headings comes out of pdftotext word by
    # word, interleaved with its neighbours: then each of its words must be there whole.
    # (A hyphenated word may break at its hyphen, so the parts are looked for.)
    words = set(re.split(r"[\s-]+", flat))
    missing = [h for h in headings if squash(h) not in flat and not set(re.split(r"[\s-]+", squash(h))) <= words]
    assert not missing, f"{path}: headings not in the printed PDF: {missing}"
    assert pages >= 1
    assert "Download" not in flat and "As of" not in flat  # buttons and pickers do not print
    assert not console_errors(browser)


@pytest.fixture
def phone(browser):
    """The browser as a 390 px wide phone; back to a desktop afterwards."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_on_a_phone_the_navigation_and_the_pickers_fold_away_and_tables_scroll_in_their_frame(phone, app_url):
    open_page(phone, app_url + "/")
    wait_for(phone, "#scorecard-grid .measure-row")
    assert phone.execute_script("return window.innerWidth") == 390
    nav, toggler = phone.find_element(By.ID, "nav-collapse"), phone.find_element(By.CSS_SELECTOR, ".navbar-toggler")
    assert toggler.is_displayed() and not nav.is_displayed()
    pickers, view = phone.find_element(By.ID, "view-collapse"), phone.find_element(By.ID, "view-toggle")
    assert view.is_displayed() and view.text.startswith("View") and not pickers.is_displayed()
    # The page itself is no wider than the phone; the scorecard scrolls inside its frame.
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 392
    frame = phone.execute_script("const t = document.getElementById('scorecard-grid').parentElement;"
                                 "return [t.scrollWidth, t.clientWidth, getComputedStyle(t).overflowX];")
    assert frame[0] > frame[1] and frame[2] == "auto"
    screenshot(phone, "phone-scorecard")

    phone.execute_script("arguments[0].click();", toggler)
    wait_for(phone, "#nav-collapse.show")
    assert "Help" in phone.find_element(By.ID, "nav-collapse").text
    screenshot(phone, "phone-navigation")
    phone.execute_script("arguments[0].click();", view)
    wait_for(phone, "#view-collapse.open")
    assert phone.find_element(By.ID, "as-of").is_displayed()
    screenshot(phone, "phone-view")
    assert not console_errors(phone)


@pytest.mark.parametrize("width", [390, 1280, 1920])
def test_pages_at_each_width_fit_the_screen(browser, app_url, width):
    """No page is wider than the screen: wide tables scroll inside their frame. The areas matrix
    fits whole on a 1920 px screen."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": width < 500})
    try:
        for path, ready, _ in PAGES:
            open_page(browser, app_url + path)
            wait_for(browser, ready)
            assert browser.execute_script("return document.documentElement.scrollWidth") <= width + 2, path
            screenshot(browser, f"{width}-{path.strip('/').replace('/', '-') or 'scorecard'}")
        if width == 1280:  # a laptop: the scorecard's every column without scrolling sideways
            open_page(browser, app_url + "/")
            wait_for(browser, "#scorecard-grid .measure-row")
            frame = browser.execute_script(
                "const f = document.querySelector('#scorecard-grid').parentElement; return [f.scrollWidth, f.clientWidth];")
            assert frame[0] <= frame[1] + 2, f"the scorecard needs {frame[0]} px, has {frame[1]}"
        if width == 1920:
            open_page(browser, app_url + "/areas")
            wait_for(browser, "#areas-grid .ag-row")
            viewport = browser.execute_script(
                "const v = document.querySelector('#areas-grid .ag-center-cols-viewport');"
                "return [v.scrollWidth, v.clientWidth];")
            assert viewport[0] <= viewport[1] + 2, f"the matrix needs {viewport[0]} px, has {viewport[1]}"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

"""Tables out, in a real browser: each page's Download CSV / Excel buttons give the table as the
page shows it, with words, rounded figures and no internal codes."""
from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from selenium.webdriver.common.by import By

from tests.test_app_pages import console_errors, open_page, wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def downloads(browser, tmp_path):
    """Files the browser downloads land in a fresh folder."""
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    return tmp_path


def press_download(browser, key, kind):
    button = wait_for(browser, f'[id*="{key}"][id*="{kind}"].download-button')
    browser.execute_script("arguments[0].click();", button)


def wait_file(folder: Path, suffix: str, timeout=20) -> Path:
    end = time.time() + timeout
    while time.time() < end:
        done = [p for p in folder.iterdir() if p.suffix == suffix]
        if done:
            time.sleep(0.3)
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file downloaded; folder holds {[p.name for p in folder.iterdir()]}")


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_the_scorecard_downloads_as_csv_with_the_filters_applied(browser, app_url, downloads):
    open_page(browser, app_url + "/?status=red")
    wait_for(browser, "#scorecard-grid .measure-row")
    shown = len(browser.find_elements(By.CSS_SELECTOR, "#scorecard-grid .measure-row"))
    press_download(browser, "scorecard", "csv")
    rows = read_csv(wait_file(downloads, ".csv"))
    assert len(rows) == shown and {r["Status"] for r in rows} == {"Red"}
    text = (downloads / next(downloads.iterdir()).name).read_text(encoding="utf-8-sig")
    assert "nan" not in text and "None" not in text
    # Figures to the measure's precision: a percent has at most one decimal place.
    percents = [r["Actual"] for r in rows if r["Unit"] == "%" and r["Actual"]]
    assert percents and all(len(p.split(".")[-1]) <= 1 for p in percents if "." in p)
    assert not console_errors(browser)


def test_the_areas_matrix_downloads_as_excel_with_status_words(browser, app_url, downloads):
    open_page(browser, app_url + "/areas")
    wait_for(browser, "#areas-grid .ag-row")
    press_download(browser, "areas", "xlsx")
    sheet = load_workbook(wait_file(downloads, ".xlsx")).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:2] == ["Area", "Reds"] and len(rows[0]) > 5
    assert rows[1][0] == "Kent Police"
    words = {v for r in rows[1:] for v in r[2:]}
    assert words <= {"Green", "Amber", "Red", "No target", "No data", None, ""} and "Red" in words


@pytest.mark.parametrize("key, heading", [("board-movements", "Movement"), ("board-exceptions", "Why listed"),
                                          ("board-actions", "Owner")])
def test_the_board_tables_download(browser, app_url, downloads, key, heading):
    open_page(browser, app_url + "/board")
    wait_for(browser, "#board-table")
    press_download(browser, key, "csv")
    path = wait_file(downloads, ".csv")
    assert heading in path.read_text(encoding="utf-8-sig").splitlines()[0]


def test_a_measures_figures_and_the_load_history_download(browser, app_url, downloads):
    open_page(browser, app_url + "/measure/victim_satisfaction")
    wait_for(browser, "#measure-figures-table")
    press_download(browser, "measure-figures", "csv")
    rows = read_csv(wait_file(downloads, ".csv"))
    assert rows[0]["Period"] == "March 2009" and rows[0]["Area"] == "Kent Police" and rows[0]["Unit"] == "%"
    assert all(len(r["Value"].split(".")[-1]) <= 1 for r in rows if "." in r["Value"])
    for path in downloads.iterdir():
        path.unlink()
    open_page(browser, app_url + "/data")
    wait_for(browser, "#data-history-table")
    press_download(browser, "data-history", "xlsx")
    sheet = load_workbook(wait_file(downloads, ".xlsx")).active
    assert [c.value for c in sheet[1]][:3] == ["Load", "When", "File"] and sheet.max_row >= 2

"""The help page in a real browser: every status word with its meaning, the SPC rules, and the
'how a status is worked out' document, rendered."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from metrics import vocabulary
from tests.test_app_pages import console_errors, open_page, wait_for

pytestmark = pytest.mark.browser


def test_help_lists_every_status_word_rule_and_mark(browser, app_url):
    open_page(browser, app_url + "/help")
    wait_for(browser, "#help-how-status")
    text = browser.find_element(By.ID, "help-page").text
    for kind, terms in vocabulary.VOCABULARIES.items():
        for t in terms.values():
            assert t.word in text and t.meaning in text, (kind, t.code)
    assert "A run of 7 points on one side of the mean" in text
    assert "Incomplete period (*)" in text and "Overdue" in text and "Tolerance band" in text
    assert "How a status is worked out" in text  # the docs page, rendered
    assert not console_errors(browser)


def test_each_glossary_has_an_anchor_a_question_mark_can_open(browser, app_url):
    open_page(browser, app_url + "/help#help-spc-assurance")
    wait_for(browser, "#help-spc-assurance")
    for anchor in ("help-rag", "help-trend", "help-spc-variation", "help-spc-assurance", "help-movement", "help-likelihood",
                   "help-spc-rules", "help-marks"):
        assert browser.find_elements(By.ID, anchor), anchor

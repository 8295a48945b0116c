"""The status vocabulary: every status has a word and an icon, and missing codes never read "nan"."""
import math

from metrics import vocabulary


def test_every_status_has_a_word_an_icon_and_a_meaning():
    for kind, terms in vocabulary.VOCABULARIES.items():
        for code, t in terms.items():
            assert t.word and t.icon and t.meaning, (kind, code)


def test_a_missing_code_reads_as_its_fallback_word_never_nan():
    assert vocabulary.term("rag", math.nan).word == "No data"
    assert vocabulary.term("trend", None).word == "No comparison"
    assert vocabulary.term("spc_variation", float("nan")).word == "Too few points"


def test_summary_puts_four_signals_in_one_sentence():
    text = vocabulary.summary("green", "improving", "neutral_high", "pass")
    assert text == ("On target and improving on last year; the recent rise is a real change; "
                    "the target will be met reliably.")


def test_a_target_met_now_that_the_limits_say_will_fail_is_explained_not_called_a_failure():
    text = vocabulary.summary("green", "improving", "improvement", "fail")
    assert "will not be met" not in text
    assert text.endswith("the target is met now, beyond the process limits: if the change lasts, record it as a "
                         "process change so the limits start afresh.")
    assert "the target is missed now" in vocabulary.summary("red", "deteriorating", "concern", "pass")
    assert vocabulary.summary("red", "deteriorating", "concern", "fail").endswith("the target will not be met without a change.")


def test_summary_of_a_measure_with_no_comparison_and_no_target():
    assert vocabulary.summary("no_target", None, "common_cause", "none") == (
        "No target; the ups and downs are the usual variation.")


def test_exceptions_are_red_concern_or_short_and_worsening():
    assert vocabulary.is_exception("red", "improving", "common_cause")
    assert vocabulary.is_exception("green", "stable", "concern")
    assert vocabulary.is_exception("amber", "deteriorating", "common_cause")
    assert not vocabulary.is_exception("green", "deteriorating", "common_cause")
    assert vocabulary.is_watch("green", "deteriorating", "common_cause")
    assert not vocabulary.is_watch("amber", "improving", "common_cause")


def test_rule_codes_read_as_words():
    assert vocabulary.rule_words("run_of_seven,beyond_limits") == (
        "a run of 7 points on one side of the mean; a point beyond the process limits")
    assert vocabulary.rule_words(None) == ""


def test_one_palette_for_app_and_pack():
    css = vocabulary.status_css()
    assert ".rag-green.badge-status { background: #1e7b34; color: #ffffff; }" in css

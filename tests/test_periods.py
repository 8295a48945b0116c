"""Months, financial years and quarters (April to March)."""
import pytest

from metrics.periods import (PeriodError, financial_year_label, month_index, parse_month, period_label,
                             period_window, quarter_number)


@pytest.mark.parametrize("text", ["2005-04", "Apr 2005", "April 2005", "2005-04-01", "april 2005", "2005-4"])
def test_every_accepted_month_form_reads_as_april_2005(text):
    assert parse_month(text) == month_index(2005, 4)


@pytest.mark.parametrize("text", ["2005-13", "2005-00", "Smarch 2005", "05/2005", "", "2005"])
def test_a_bad_month_is_refused_with_a_reason(text):
    with pytest.raises(PeriodError):
        parse_month(text)


def test_month_13_says_the_month_must_be_1_to_12():
    with pytest.raises(PeriodError, match="01 to 12"):
        parse_month("2005-13")


@pytest.mark.parametrize("month,quarter", [(4, 1), (6, 1), (7, 2), (9, 2), (10, 3), (12, 3), (1, 4), (3, 4)])
def test_financial_quarters_start_in_april(month, quarter):
    year = 2007 if month <= 3 else 2006
    assert quarter_number(month_index(year, month)) == quarter


def test_january_to_march_belong_to_the_year_that_began_the_april_before():
    assert financial_year_label(month_index(2007, 3)) == "2006/07"
    assert financial_year_label(month_index(2007, 4)) == "2007/08"
    assert financial_year_label(month_index(1999, 12)) == "1999/00"


def test_quarter_window_runs_to_the_quarter_end_even_mid_quarter():
    assert period_window(month_index(2006, 11), "quarter") == (month_index(2006, 10), month_index(2006, 12))
    assert period_window(month_index(2007, 1), "quarter") == (month_index(2007, 1), month_index(2007, 3))


def test_year_to_date_starts_in_april_and_ends_at_the_as_of_month():
    assert period_window(month_index(2007, 2), "ytd") == (month_index(2006, 4), month_index(2007, 2))
    assert period_window(month_index(2006, 4), "ytd") == (month_index(2006, 4), month_index(2006, 4))


def test_rolling_twelve_months_cross_the_calendar_and_financial_year_end():
    assert period_window(month_index(2007, 2), "rolling12") == (month_index(2006, 3), month_index(2007, 2))


def test_financial_year_window_is_april_to_march():
    assert period_window(month_index(2006, 5), "year") == (month_index(2006, 4), month_index(2007, 3))


def test_a_calendar_year_plan_starts_its_quarters_in_january():
    assert quarter_number(month_index(2006, 1), year_start_month=1) == 1
    assert period_window(month_index(2006, 5), "year", year_start_month=1) == (month_index(2006, 1), month_index(2006, 12))


def test_period_labels_read_as_people_write_them():
    anchor = month_index(2006, 12)
    assert period_label(anchor, "month") == "2006-12"
    assert period_label(anchor, "quarter") == "2006/07 Q3"
    assert period_label(anchor, "year") == "2006/07"
    assert period_label(anchor, "ytd") == "2006-04..2006-12"
    assert period_label(anchor, "rolling12") == "2006-01..2006-12"


# --- one source for period windows: the engine's SQL is periods.py's rule -----------------------

import duckdb  # noqa: E402

from metrics.periods import GRAINS, period_words, previous_anchor, range_words, window_sql  # noqa: E402


@pytest.mark.parametrize("year_start_month", [1, 4, 7, 10, 12])
def test_the_sql_windows_equal_period_window_for_every_grain_and_month(year_start_month):
    months = range(month_index(2003, 1), month_index(2010, 12) + 1)
    first, last = window_sql("anchor", "grain", year_start_month)
    rows = duckdb.sql(f"""SELECT anchor, grain, {first}, {last}
        FROM range({months.start}, {months.stop}) t(anchor), (SELECT unnest({list(GRAINS)}) AS grain)""").fetchall()
    assert len(rows) == len(months) * len(GRAINS)
    for anchor, grain, sql_first, sql_last in rows:
        assert (sql_first, sql_last) == period_window(anchor, grain, year_start_month), (anchor, grain)


def test_periods_in_words_are_uk_dates():
    march = month_index(2009, 3)
    assert period_words(march, "month") == "March 2009"
    assert period_words(march, "quarter") == "January to March 2009"
    assert period_words(march, "year") == "April 2008 to March 2009"
    assert period_words(march, "rolling12") == "April 2008 to March 2009"
    assert period_words(month_index(2008, 12), "ytd") == "April to December 2008"
    assert range_words(month_index(2008, 11), month_index(2009, 1)) == "November 2008 to January 2009"


@pytest.mark.parametrize("grain", GRAINS)
def test_the_previous_period_has_the_same_length(grain):
    for anchor in range(month_index(2006, 1), month_index(2008, 1)):
        first, last = period_window(anchor, grain)
        p_first, p_last = period_window(previous_anchor(anchor, grain), grain)
        assert p_last - p_first == last - first
        # months compared are the same number: both capped at their anchors
        assert min(last, anchor) - first == min(p_last, previous_anchor(anchor, grain)) - p_first


def test_at_year_to_date_the_previous_period_is_the_same_months_a_year_earlier():
    december = month_index(2008, 12)
    assert period_words(previous_anchor(december, "ytd"), "ytd") == "April to December 2007"

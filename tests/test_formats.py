"""Figures are rounded as the people reading them round: a 5 goes up, as in Excel, on the page,
in the command's CSV and in the tables downloaded."""
import csv
import io

from conftest import figures_file, monthly
from metrics.exports import rounded
from metrics.formats import difference, fmt, half_up
from test_cli import run


def test_a_figure_ending_in_5_rounds_up_not_to_the_binary_number_below_it():
    # Python's own f"{69.35:.1f}" gives 69.3: it goes by the binary number, 69.34999...
    assert fmt(69.35, "percent") == "69.4%"
    assert fmt(69.34, "percent") == "69.3%"
    assert fmt(5.25, "hours") == "5.3 h"
    assert fmt(1234.5) == "1,235"
    assert fmt(2_345_000, "currency") == "£2.35m"


def test_an_exact_half_goes_up_not_to_the_even_neighbour():
    assert half_up(2.5, 0) == 3  # Python's round(2.5) is 2, the even neighbour
    assert rounded(2.5, "count") == 3
    assert rounded(0.125, "rate") == 0.13


def test_a_negative_half_goes_away_from_zero_as_in_excel():
    assert half_up(-0.25, 1) == -0.3
    assert fmt(-69.35, "percent") == "-69.4%"


def test_a_figure_just_under_the_half_still_rounds_down():
    assert half_up(69.3499, 1) == 69.3
    assert half_up(2.4999999, 0) == 2


def test_the_status_csv_rounds_a_ratio_of_exactly_69_35_percent_to_69_4(tmp_path, plan_file):
    db = tmp_path / "store.duckdb"
    path = figures_file(tmp_path, monthly("calls_999_10s", "2006-04", [(1387, 2000)]))
    assert run("load", path, "--config", plan_file, "--db", db).returncode == 0
    result = run("status", "--config", plan_file, "--db", db, "--as-of", "2006-04", "--format", "csv")
    row = next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["measure_id"] == "calls_999_10s")
    assert row["actual"] == "69.4"


def test_the_status_csv_writes_a_count_whole(tmp_path, plan_file):
    db = tmp_path / "store.duckdb"
    assert run("load", figures_file(tmp_path, monthly("crimes", "2006-04", ["1200"])), "--config", plan_file,
               "--db", db).returncode == 0
    result = run("status", "--config", plan_file, "--db", db, "--as-of", "2006-04", "--grain", "month", "--format", "csv")
    row = next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["measure_id"] == "crimes")
    assert row["actual"] == "1200"


def test_money_below_zero_puts_the_sign_before_the_pound_sign():
    assert fmt(-39_047.2, "currency") == "-£39,047"
    assert fmt(-2_345_000, "currency") == "-£2.35m"


def test_a_count_is_shown_whole_as_its_csv_gives_it():
    assert fmt(211.1, "count") == "211" and fmt(844.6, "count") == "845" and fmt(253.3, "count") == "253"
    assert fmt(-0.4, "count") == "0"  # never "-0"


def test_a_percent_measures_gap_is_in_points_not_a_percent_of_a_percent():
    assert difference(4.2, "percent") == "4.2 points" and difference(-3.3, "percent") == "-3.3 points"
    assert difference(253.3, "count") == "253" and difference(1.25, "hours") == "1.3 h"


def test_the_scorecards_change_on_the_previous_period_of_a_percent_measure_is_in_points():
    from types import SimpleNamespace

    from callbacks.scorecard import change_note
    row = SimpleNamespace(change_vs_previous=0.3, unit="percent", previous_label="April 2007 to March 2008")
    assert change_note(row) == "+0.3 points on April 2007 to March 2008"
    assert change_note(SimpleNamespace(change_vs_previous=-12.0, unit="count", previous_label="March 2008")) == (
        "−12 on March 2008")


def test_later_months_held_read_as_spans_never_a_wall_of_sentences():
    from metrics.formats import later_figures_note
    from metrics.periods import parse_month
    april = parse_month("2009-04")
    assert later_figures_note([(april, 3)]) == "3 measures have figures for April 2009"
    fifteen = [(parse_month("2008-01") + i, 32) for i in range(15)]
    assert later_figures_note(fifteen) == "32 measures have figures for January 2008 to March 2009"
    assert later_figures_note(fifteen[:-1] + [(parse_month("2009-03"), 1)]) == (
        "32 measures have figures for January 2008 to February 2009; 1 measure has figures for March 2009")
    varied = [(parse_month("2008-01") + i, 20 + i % 2) for i in range(6)]
    assert later_figures_note(varied) == "figures are held for 6 later months, January to June 2008: 20 to 21 measures in each"


def test_an_actual_and_target_that_differ_never_read_the_same():
    from metrics.formats import apart
    assert apart(0.841, 0.75, "percent") == ("0.84%", "0.75%")    # not 0.8% and 0.8%
    assert apart(89.96, 90, "percent") == ("89.96%", "90.00%")
    assert apart(94.2, 90, "percent") == ("94.2%", "90.0%")       # apart already: as usual
    assert apart(90.0, 90, "percent") == ("90.0%", "90.0%")       # equal: equal
    assert apart(211.4, 211.1, "count") == ("211.4", "211.1")
    assert apart(None, 90, "percent") == ("–", "90.0%")


def test_a_gap_that_is_not_nothing_never_reads_as_nothing():
    from metrics.formats import difference
    assert difference(-0.04, "percent") == "-0.04 points"          # 89.96% against 90%: not "0.0 points"
    assert difference(0.0, "percent") == "0.0 points"
    assert difference(4.2, "percent") == "4.2 points"


def test_a_gap_is_given_to_the_decimals_its_figures_were_given():
    from metrics.formats import apart, apart_places, difference
    assert apart(2.0, 1.5, "count") == ("2.0", "1.5")              # 2 and 2 would read the same
    assert difference(0.5, "count", apart_places(2.0, 1.5, "count")) == "0.5"   # not "1"
    assert apart_places(120, 100, "count") is None and difference(20, "count", None) == "20"
    # £1.500m against £1.496m: the figures to 3 places of a million, their £4,000 gap in pounds.
    assert apart(1.5e6, 1.496e6, "currency") == ("£1.500m", "£1.496m")
    assert difference(4000, "currency", apart_places(1.5e6, 1.496e6, "currency")) == "£4,000"

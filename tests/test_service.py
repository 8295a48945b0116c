"""What the web app asks of the library: uploads refused with a reason, a load seen at once."""
import pytest

from conftest import figures_file, monthly
from metrics import service
from metrics.uploads import UploadError


def test_an_upload_over_the_size_limit_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(service, "UPLOAD_LIMIT_BYTES", 1000)
    with pytest.raises(UploadError, match=r"big\.csv: the file is 0\.0 MB; the limit is 0 MB"):
        service.stage_upload("big.csv", b"x" * 1001, "Ann")


def test_only_csv_and_excel_uploads_are_taken():
    with pytest.raises(UploadError, match="only .csv and .xlsx"):
        service.stage_upload("figures.pdf", b"%PDF-", "Ann")


def _load_through_the_page(source, name, content):
    staged = service.stage_upload(name, content, "Ann")
    service.check_upload(source, staged)
    service.load_upload(source, staged.id, "Ann", staged.hash)


def test_a_load_through_the_page_is_seen_by_the_next_status(tmp_path, plan_file):
    """The status a page shows may be reused, but never after a load has changed the figures."""
    source = _source(tmp_path, plan_file)
    _load_through_the_page(source, "a.csv", figures_file(tmp_path, monthly("crimes", "2006-04", ["5"])).read_bytes())
    first = service.status(source, None, None, "force")
    _load_through_the_page(source, "b.csv", figures_file(tmp_path, monthly("crimes", "2006-04", ["9"]), "b.csv").read_bytes())
    after = service.status(source, None, None, "force")
    crimes = after.set_index("measure_id").loc["crimes", "actual"]
    assert crimes == 9 and first.set_index("measure_id").loc["crimes", "actual"] == 5


def _source(tmp_path, plan_file):
    """A new, empty store (the app shows only a store that exists)."""
    from metrics import store
    store.connect(tmp_path / "store.duckdb").close()
    return service.Source((str(plan_file),), str(tmp_path / "store.duckdb"))


def _load_elsewhere(tmp_path, source, rows, name):
    """Load as the command line or another worker would: its own connection, not through service."""
    from metrics.loading import load_figures
    from metrics.plan import load_plan
    from metrics.store import connect
    plan = load_plan(list(source.config))
    conn = connect(source.db)
    try:
        load_figures(conn, plan, figures_file(tmp_path, rows, name))
    finally:
        conn.close()


def test_an_edited_plan_is_read_again_without_a_restart(tmp_path, plan_file):
    import os
    source = _source(tmp_path, plan_file)
    assert service.plan_for(source).title == "Test plan"
    plan_file.write_text(plan_file.read_text().replace("title: Test plan", "title: Edited plan"))
    os.utime(plan_file, ns=(1, 1))  # a different modification time, however fast the edit
    assert service.plan_for(source).title == "Edited plan"


def test_a_load_from_another_connection_is_seen_at_the_next_call(tmp_path, plan_file):
    from metrics.periods import parse_month
    source = _source(tmp_path, plan_file)
    _load_elsewhere(tmp_path, source, monthly("crimes", "2006-04", [5, 6]), "a.csv")
    assert service.months(source) == [parse_month("2006-04"), parse_month("2006-05")]
    _load_elsewhere(tmp_path, source, monthly("crimes", "2006-06", [7]), "b.csv")
    assert service.months(source)[-1] == parse_month("2006-06")


def test_a_district_has_rows_only_for_the_measures_it_holds(tmp_path, plan_file):
    from metrics.periods import parse_month
    source = _source(tmp_path, plan_file)
    _load_elsewhere(tmp_path, source, monthly("crimes", "2006-04", [5, 6]) + monthly("crimes", "2006-04", [2, 3], "north")
                    + monthly("domestic_abuse", "2006-04", [1, 1]), "a.csv")
    as_of = parse_month("2006-05")
    north = service.status(source, as_of, None, "north")
    assert list(north["measure_id"]) == ["crimes"]
    assert [m.id for m in service.held_for_force_only(source, north, "north")] == [
        "calls_999_10s", "sickness_hours", "domestic_abuse"]
    everywhere = service.status(source, as_of, None, "all")
    assert sorted(everywhere.loc[everywhere["area"] == "force", "measure_id"]) == sorted(
        ["calls_999_10s", "sickness_hours", "crimes", "domestic_abuse"])       # the force always has every row
    assert set(everywhere.loc[everywhere["area"] != "force", "area"]) == {"north"}  # south holds nothing


def test_the_board_reviews_the_latest_quarter_ending_by_the_month_held(tmp_path, plan_file):
    from metrics.periods import parse_month
    source = _source(tmp_path, plan_file)
    _load_elsewhere(tmp_path, source, monthly("crimes", "2006-04", list(range(1, 11))), "a.csv")  # to January 2007
    review = service.quarter_review(source, parse_month("2007-01"))
    assert (review.quarter_end, review.quarter_label, review.quarter_words) == (
        parse_month("2006-12"), "2006/07 Q3", "October to December 2006")
    assert (review.previous_end, review.previous_label) == (parse_month("2006-09"), "2006/07 Q2")
    later = service.quarter_review(source, parse_month("2008-06"))  # past the figures: clamped to January 2007
    assert later.quarter_end == parse_month("2006-12")
    assert set(review.rows["measure_id"]) == {"calls_999_10s", "sickness_hours", "crimes", "domestic_abuse"}


def test_pages_open_on_the_month_most_measures_hold(tmp_path, plan_file):
    from metrics.engine import Engine
    from metrics.periods import parse_month
    source = _source(tmp_path, plan_file)
    rows = monthly("crimes", "2006-04", [5, 6]) + monthly("domestic_abuse", "2006-04", [1, 2]) + monthly(
        "sickness_hours", "2006-04", [3, 4, 5])  # only one of three measures holds June
    _load_elsewhere(tmp_path, source, rows, "a.csv")
    if hasattr(Engine, "default_as_of"):
        assert service.default_as_of(source) == parse_month("2006-05")
        assert service.later_figures(source, parse_month("2006-05")) == [(parse_month("2006-06"), 1)]
    else:  # until the engine's rule lands: the latest month held, and no word of later months
        assert service.default_as_of(source) == parse_month("2006-06")
        assert service.later_figures(source, parse_month("2006-05")) == []

"""police.uk street-level crime files load as published: crimes over the border and crimes with no
location count in the force total only and the load report says so; --strict refuses them, naming
every row; a district with no crimes that month holds 0; one crime type may feed several measures."""
import dataclasses

import pytest

from conftest import plan_with
from metrics.loading import FiguresError, load_figures, problems_csv

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
          "Crime type,Last outcome category,Context")
MEASURES = """
- {id: burglary, title: Burglary, unit: count, direction: lower, aggregation: sum, assess_on: month}
- {id: all_crime, title: All crime, unit: count, direction: lower, aggregation: sum, assess_on: month}
- {id: cycle_theft, title: Bicycle theft, unit: count, direction: lower, aggregation: sum, assess_on: month}
"""
# A second district, with an alias as police.uk names it.
SOUTH = "  - {code: south, name: South Downs, aliases: [Southdown Vale]}\n"


@pytest.fixture
def plan(tmp_path):
    base = plan_with(tmp_path, MEASURES, SOUTH)
    # Burglary counts in both burglary and all crime; the plan's new shape: type -> measure ids.
    return dataclasses.replace(base, crime_types={
        "Burglary": ("burglary", "all_crime"), "Robbery": ("all_crime",), "Bicycle theft": ("cycle_theft", "all_crime")})


def street_file(folder, rows, name="2008-06-test-street.csv"):
    """A file as police.uk publishes it: rows of (month, LSOA name, crime type); a blank LSOA name
    is a crime with no location (police.uk leaves LSOA code, name and coordinates blank)."""
    lines = [HEADER]
    for i, (month, lsoa, crime_type) in enumerate(rows):
        crime_id = "" if crime_type == "Anti-social behaviour" else f"{i:064x}"
        where = ",,No location,," if not lsoa else f"-0.1{i % 10},51.4{i % 10},On or near High Street,E0100{i:04d},{lsoa}"
        lines.append(f"{crime_id},{month},Test Police,Test Police,{where},{crime_type},Under investigation,")
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def figures(conn, measure):
    return dict(conn.execute("SELECT area, value FROM figures WHERE measure_id = ?", [measure]).fetchall())


PUBLISHED_MONTH = [
    ("2008-06", "North 001A", "Burglary"),
    ("2008-06", "North 001B", "Burglary"),
    ("2008-06", "Southdown Vale 003C", "Robbery"),
    ("2008-06", "Bexley 001A", "Burglary"),          # just over the border: force total only
    ("2008-06", "Bexley 001A", "Robbery"),
    ("2008-06", "Bromley 012C", "Robbery"),
    ("2008-06", "", "Burglary"),                     # no location: force total only
    ("2008-06", "", "Robbery"),
    ("2008-06", "", "Robbery"),
    ("2008-06", "North 001A", "Anti-social behaviour"),  # a type the plan does not count
    ("2008-06", "", "Shoplifting"),
]


def test_a_published_month_loads_unchanged_and_the_report_accounts_for_every_crime(tmp_path, plan, fresh_store):
    result = load_figures(fresh_store, plan, street_file(tmp_path, PUBLISHED_MONTH))
    # Burglary: North 2; the force adds Bexley's and the one with no location: 4.
    assert figures(fresh_store, "burglary") == {"force": 4, "north": 2, "south": 0}
    # All crime: burglary and robbery; South Downs has one robbery under its alias.
    assert figures(fresh_store, "all_crime") == {"force": 9, "north": 2, "south": 1}
    assert result.report == [
        "3 crimes counted in the plan's districts and the force total",
        "3 crimes in 2 LSOAs outside the plan's districts (Bexley 001A, Bromley 012C): counted in the force total only",
        "3 crimes with no location: counted in the force total only",
        "2 crimes of types the plan does not count (Anti-social behaviour, Shoplifting): not loaded",
    ]


def test_a_district_and_measure_with_no_crimes_that_month_hold_zero_not_missing(tmp_path, plan, fresh_store):
    load_figures(fresh_store, plan, street_file(tmp_path, PUBLISHED_MONTH))
    # No bicycle was stolen anywhere in June: every area, the force too, holds 0 for that month.
    assert fresh_store.execute(
        "SELECT area, month % 12 + 1, value FROM figures WHERE measure_id = 'cycle_theft' ORDER BY area").fetchall() == [
        ("force", 6, 0.0), ("north", 6, 0.0), ("south", 6, 0.0)]


def test_several_months_in_one_file_are_counted_month_by_month(tmp_path, plan, fresh_store):
    rows = [("2008-05", "North 001A", "Burglary"), ("2008-06", "North 001A", "Burglary"),
            ("2008-06", "North 002A", "Burglary")]
    load_figures(fresh_store, plan, street_file(tmp_path, rows))
    held = fresh_store.execute("SELECT month % 12 + 1, value FROM figures WHERE measure_id = 'burglary' "
                               "AND area = 'north' ORDER BY month").fetchall()
    assert held == [(5, 1.0), (6, 2.0)]


def test_strict_refuses_every_crime_outside_the_districts_or_with_no_location_naming_each_row(tmp_path, plan, fresh_store):
    path = street_file(tmp_path, PUBLISHED_MONTH)
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, plan, path, strict=True)
    problems = caught.value.problems
    # Rows 5, 6, 7 are over the border, rows 8, 9, 10 have no location (the header is row 1);
    # row 12, shoplifting with no location, is not a counted type so is not a problem.
    assert [(p.row, p.column) for p in problems] == [(r, "LSOA name") for r in (5, 6, 7, 8, 9, 10)]
    assert 'LSOA "Bexley 001A" is outside the plan\'s districts' in problems[0].reason
    assert "no location" in problems[3].reason and problems[3].value is None
    assert fresh_store.execute("SELECT count(*) FROM figures").fetchone()[0] == 0


def test_every_bad_row_is_a_problem_even_when_its_type_feeds_two_measures(tmp_path, plan, fresh_store):
    """22 rows with a bad month are 22 problems, not one per crime type or measure."""
    rows = [("2008-06", "North 001A", "Burglary")] + [("2008-13", "North 001A", "Burglary")] * 12 \
        + [("June", "Bexley 001A", "Robbery")] * 10
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, plan, street_file(tmp_path, rows))
    error = caught.value
    assert error.total == 22 and [p.row for p in error.problems] == list(range(3, 25))
    assert {p.column for p in error.problems} == {"Month"}
    assert [(k.count, k.rows[:3]) for k in error.kinds] == [(12, (3, 4, 5)), (10, (15, 16, 17))]
    assert problems_csv(error).count("\n") == 23  # the header and one line per row


def test_a_month_after_the_current_month_is_refused_unless_allowed(tmp_path, plan, fresh_store):
    path = street_file(tmp_path, [("2090-03", "North 001A", "Burglary"), ("2090-03", "North 001B", "Robbery")])
    with pytest.raises(FiguresError) as caught:
        load_figures(fresh_store, plan, path)
    assert [p.row for p in caught.value.problems] == [2, 3]
    assert "after the current month" in caught.value.problems[0].reason
    result = load_figures(fresh_store, plan, path, allow_future=True)
    assert figures(fresh_store, "all_crime") == {"force": 2, "north": 2, "south": 0}
    assert "loaded, as --allow-future asked" in result.report[-1]


def test_a_plan_in_the_older_shape_one_measure_per_type_still_loads(tmp_path, plan, fresh_store):
    older = dataclasses.replace(plan, crime_types={"Burglary": "burglary"})
    load_figures(fresh_store, older, street_file(tmp_path, PUBLISHED_MONTH))
    assert figures(fresh_store, "burglary") == {"force": 4, "north": 2, "south": 0}
    assert figures(fresh_store, "all_crime") == {}

"""Shared fixtures: a tiny plan, an in-memory or file store, and a real headless browser."""
from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Background jobs (the board pack's) keep results and the print queue in a folder of this run's
# own, not the user's cache, where packs printed by another run would queue with these.
os.environ.setdefault("METRICS_JOB_DIR", tempfile.mkdtemp(prefix="metrics-jobs-"))
# Views shared between processes go to this run's own folder too; the background builder of every
# month's views is started only by the tests about it (each app started here would start its own).
os.environ.setdefault("METRICS_VIEW_DIR", tempfile.mkdtemp(prefix="metrics-views-"))
os.environ.setdefault("METRICS_VIEW_BUILDER", "0")

from metrics import store  # noqa: E402
from metrics.plan import load_plan  # noqa: E402

SMALL_PLAN = """\
plan:
  id: test-plan
  title: Test plan
  year_start_month: 4
  default_tolerance: 5%
areas:
  - {code: force, name: Test Force}
  - {code: north, name: North}
  - {code: south, name: South}
  - {code: msf_average, name: Similar forces, kind: comparator}
priorities:
  - id: assistance
    title: Providing assistance
    objectives:
      - id: calls
        title: Answer calls quickly
        owner: ACC Operations
        measures:
          - id: calls_999_10s
            title: 999 calls answered within 10 seconds
            unit: percent
            direction: higher
            aggregation: ratio
            assess_on: month
            targets:
              - {kind: level, value: 90, by: 2007-03}
            tolerance: 2
          - id: sickness_hours
            title: Hours lost to sickness per officer
            unit: hours
            direction: lower
            aggregation: sum
            assess_on: year
            targets:
              - {kind: level, value: 64, by: 2007-03}
            tolerance: 5%
          - id: crimes
            title: Crimes recorded
            unit: count
            direction: lower
            aggregation: sum
            assess_on: year
            baseline: {period: 2003-04..2004-03}
            targets:
              - {kind: change_pct, value: -15, by: 2008-03}
            tolerance: 2%
          - id: domestic_abuse
            title: Domestic abuse reported
            unit: count
            direction: neutral
            aggregation: sum
            assess_on: month
"""


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def plan_problems(tmp_path, text, name="targets.yaml") -> list[str]:
    """Write a plan file and return every problem validation finds in it, as printed."""
    from metrics.plan import PlanError
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    return [str(p) for p in caught.value.problems]


def line_of(text, needle) -> int:
    """The line number of the first line holding `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.fixture
def plan_file(tmp_path) -> Path:
    return write(tmp_path / "targets.yaml", SMALL_PLAN)


@pytest.fixture
def small_plan(plan_file):
    return load_plan(plan_file)


@pytest.fixture
def fresh_store():
    conn = store.connect(":memory:")
    yield conn
    conn.close()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "store.duckdb"


# --- both kinds of store: the DuckDB file and PostgreSQL -----------------------------------------

@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL cluster for the whole run (each test gets a database of its own)."""
    from postgres_cluster import throwaway_cluster
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(params=["duckdb", "postgres"])
def store_location(request, tmp_path) -> str:
    """Where a new store goes, once as a DuckDB file and once as an empty PostgreSQL database:
    the tests that take it run on both stores."""
    if request.param == "duckdb":
        return str(tmp_path / "store.duckdb")
    from postgres_cluster import new_database
    return new_database(request.getfixturevalue("postgres_server"))


# --- the browser -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The app on the shipped plan and sample figures, served from a thread."""
    from werkzeug.serving import make_server

    db = tmp_path_factory.mktemp("app") / "performance.duckdb"
    conn = store.connect(db)
    from metrics.loading import load_figures
    load_figures(conn, load_plan(ROOT / "config" / "targets.yaml"), ROOT / "data" / "sample_figures.csv")
    conn.close()
    os.environ["METRICS_DB"] = str(db)
    import app as dash_app

    port = _free_port()
    server = make_server("127.0.0.1", port, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not Path(chromium).exists() or not Path(driver_path).exists():
        pytest.fail("Browser tests need Debian's chromium and chromium-driver: run `make test`, which installs them")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--window-size=1280,1000", "--disable-component-update",
                 "--no-first-run", "--disable-sync"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


# --- figures written in the test ----------------------------------------------------------------

def figures_file(folder: Path, rows: list[tuple], name: str = "figures.csv") -> Path:
    """A long CSV: rows of (measure_id, period, area, value[, numerator, denominator])."""
    lines = ["measure_id,period,area,value,numerator,denominator"]
    for row in rows:
        row = list(row) + [""] * (6 - len(row))
        lines.append(",".join("" if v is None else str(v) for v in row))
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def monthly(measure_id: str, first: str, values: list, area: str = "force") -> list[tuple]:
    """Consecutive months from `first`, one value each (a tuple value is numerator, denominator)."""
    from metrics.periods import month_label, parse_month
    start = parse_month(first)
    rows = []
    for i, value in enumerate(values):
        if isinstance(value, tuple):
            rows.append((measure_id, month_label(start + i), area, "", value[0], value[1]))
        else:
            rows.append((measure_id, month_label(start + i), area, value))
    return rows


@pytest.fixture
def status_of(tmp_path, fresh_store):
    """Load figures into a fresh store under a plan, and return the engine's status rows."""
    from metrics.engine import Engine
    from metrics.loading import load_figures
    from metrics.periods import parse_month

    def run(plan, rows, as_of, grain=None, area="force"):
        if rows:
            load_figures(fresh_store, plan, figures_file(tmp_path, rows, f"f{len(list(tmp_path.iterdir()))}.csv"))
        frame = Engine(fresh_store, plan).status(parse_month(as_of), grain, area)
        return {(r["measure_id"], r["area"]): r for r in frame.to_dict("records")}
    return run


# A count with a percent-change target against a computed baseline, shared by several tests.
CRIME_MEASURE = """
- id: crimes
  title: Crimes
  unit: count
  direction: lower
  aggregation: sum
  assess_on: year
  baseline: {period: 2003-04..2004-03}
  targets:
    - {kind: change_pct, value: -15, by: 2008-03}
  tolerance: 2%
"""


def plan_with(tmp_path, measures_yaml: str, areas: str = "") -> "Plan":
    """A one-objective plan holding the measures given (YAML list items, indented as under measures:)."""
    text = (
        "plan: {id: t, title: T, year_start_month: 4, default_tolerance: 5%}\n"
        "areas:\n  - {code: force, name: Force}\n  - {code: north, name: North}\n"
        "  - {code: msf_average, name: MSF, kind: comparator}\n" + areas +
        "priorities:\n  - id: p\n    title: P\n    objectives:\n      - id: o\n        title: O\n"
        "        measures:\n" + textwrap.indent(textwrap.dedent(measures_yaml), " " * 10))
    path = tmp_path / f"plan{len(list(tmp_path.glob('plan*.yaml')))}.yaml"
    path.write_text(text)
    return load_plan(path)

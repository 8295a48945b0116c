"""Nothing is lost or half-loaded: a load killed part-way leaves the store as it was, and two loads
at once run one after the other."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import figures_file, monthly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.synthetic import write_figures, write_plan  # noqa: E402
from metrics import store  # noqa: E402


def load_command(plan, db, path):
    return [sys.executable, "-m", "metrics", "load", str(path), "--config", str(plan), "--db", str(db)]


def counts(db):
    conn = store.connect(db)
    try:
        return (conn.execute("SELECT count(*) FROM figures").fetchone()[0],
                conn.execute("SELECT count(*) FROM loads").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    plan = write_plan(folder / "plan.yaml", measures=100, areas=14)
    figures = write_figures(folder / "big.csv", measures=100, areas=14, months=240)   # 336,000 rows
    return plan, figures


def test_a_load_killed_part_way_leaves_the_store_as_it_was(tmp_path, big):
    plan, figures = big
    db = tmp_path / "store.duckdb"
    small = figures_file(tmp_path, [("m0001", "1999-01", "force", "5")])
    assert subprocess.run(load_command(plan, db, small), cwd=ROOT, capture_output=True).returncode == 0
    before = counts(db)
    # The loader says when its figures are written but the load is not yet committed; it is killed there.
    marker = tmp_path / "mid-write"
    process = subprocess.Popen(load_command(plan, db, figures), cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={**os.environ, "METRICS_MID_WRITE_FILE": str(marker)})
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the load never reached its write"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert counts(db) == before  # nothing of the killed load: no figure and no log line
    # The store is still sound: the same load, not killed, lands whole.
    assert subprocess.run(load_command(plan, db, figures), cwd=ROOT, capture_output=True).returncode == 0
    assert counts(db) == (before[0] + 336_000, before[1] + 1)


def test_two_loads_at_once_run_one_after_the_other(tmp_path, plan_file):
    db = tmp_path / "store.duckdb"
    first = figures_file(tmp_path, monthly("crimes", "2001-01", ["10"] * 60), "first.csv")
    second = figures_file(tmp_path, monthly("crimes", "2001-01", ["10"] * 30 + ["11"] * 30, area="north"), "second.csv")
    processes = [subprocess.Popen(load_command(plan_file, db, path), cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for path in (first, second)]
    results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], results
    assert all("added 60, revised 0, unchanged 0" in out for out, _ in results)
    assert counts(db) == (120, 2)
    conn = store.connect(db)
    ids = [r[0] for r in conn.execute("SELECT load_id FROM loads ORDER BY load_id").fetchall()]
    conn.close()
    assert ids == [1, 2]

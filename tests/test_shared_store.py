"""One set of tests, run on both stores (a DuckDB file and PostgreSQL): loads, revisions, the load
log, the board's workflow and users land as transactions; simultaneous writes all land; a missing
store is refused by name; pages read a copy that a writer never holds up."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import figures_file, monthly
from test_cli import run
from metrics import read_model, service, store

ROOT = Path(__file__).resolve().parent.parent


def cli(*words, check=True, process=False):
    """The command line, run in this process (`process`: in a `python -m metrics` of its own, where
    another process writing is the point)."""
    result = subprocess.run([sys.executable, "-m", "metrics", *map(str, words)], cwd=ROOT, capture_output=True,
                            text=True, timeout=180) if process else run(*words)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def status_rows(plan_file, location):
    import json
    return {r["measure_id"]: r for r in json.loads(cli("status", "--config", plan_file, "--db", location,
                                                       "--format", "json", "--grain", "month").stdout)}


def test_a_load_a_revision_and_the_load_log_land_in_the_store(tmp_path, plan_file, store_location):
    first = figures_file(tmp_path, monthly("crimes", "2006-04", [5, 6]), "first.csv")
    cli("load", first, "--config", plan_file, "--db", store_location, "--as", "Ann Analyst")
    assert status_rows(plan_file, store_location)["crimes"]["actual"] == 6
    revised = figures_file(tmp_path, monthly("crimes", "2006-05", [9]), "revised.csv")
    said = cli("load", revised, "--config", plan_file, "--db", store_location, "--as", "Bob Analyst").stdout
    assert "added 0, revised 1, unchanged 0" in said
    assert status_rows(plan_file, store_location)["crimes"]["actual"] == 9
    with store.open_store(store_location).reading() as conn:
        assert conn.execute("SELECT value, load_id, superseded_by FROM revisions").fetchall() == [(6.0, 1, 2)]
        assert conn.execute("SELECT file_name, loaded_by FROM loads ORDER BY load_id").fetchall() == [
            ("first.csv", "Ann Analyst"), ("revised.csv", "Bob Analyst")]


def test_a_refused_file_changes_nothing_and_a_dry_run_writes_nothing(tmp_path, plan_file, store_location):
    cli("load", figures_file(tmp_path, monthly("crimes", "2006-04", [5])), "--config", plan_file, "--db", store_location)
    bad = figures_file(tmp_path, monthly("crimes", "2006-05", [7]) + [("crime", "2006-06", "force", "1")], "bad.csv")
    refused = cli("load", bad, "--config", plan_file, "--db", store_location, check=False)
    assert refused.returncode == 2 and 'unknown measure "crime"' in refused.stderr
    dry = cli("load", figures_file(tmp_path, monthly("crimes", "2006-05", [7]), "dry.csv"), "--dry-run",
              "--config", plan_file, "--db", store_location)
    assert "would load (dry run)" in dry.stdout
    with store.open_store(store_location).reading() as conn:
        assert conn.execute("SELECT count(*) FROM figures").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM loads").fetchone()[0] == 1


def test_status_and_export_refuse_a_store_that_is_not_there_naming_it(tmp_path, plan_file, store_location):
    for words in (("status",), ("export", "--out", tmp_path / "pack.html")):
        result = cli(*words, "--config", plan_file, "--db", store_location, check=False)
        assert result.returncode == 2 and "there is no store here" in result.stderr
        assert "python -m metrics sample" in result.stderr and "Traceback" not in result.stderr
    if not store.is_postgres(store_location):
        assert not Path(store_location).exists()


def test_simultaneous_saves_all_land_with_every_version_kept(tmp_path, plan_file, store_location):
    cli("load", figures_file(tmp_path, monthly("crimes", "2006-04", [5])), "--config", plan_file, "--db", store_location)
    source = service.Source((str(plan_file),), store_location)
    errors, versions = [], []

    def save(n):
        try:
            versions.append(service.save_commentary(source, "crimes", 24075, f"Note {n}", f"Person {n}"))
            service.raise_action(source, meeting_date="2006-07-10", text=f"Action {n}", owner="DCI Smith",
                                 due_date="2006-09-30", measures=["crimes"], raised_by=f"Person {n}")
        except Exception as error:  # noqa: BLE001  (collected, then asserted empty)
            errors.append(error)
    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sorted(versions) == list(range(1, 9))
    history = service.commentary_history(source, "crimes")
    assert sorted(history["text"]) == sorted(f"Note {n}" for n in range(8))
    assert sorted(service.action_log(source)["action_id"]) == list(range(1, 9))


def test_users_live_in_the_store(store_location):
    from metrics import users
    result = subprocess.run([sys.executable, "-m", "metrics", "users", "add", "Ada Admin", "--role", "admin",
                             "--password-stdin", "--db", store_location], input="a long enough password\n",
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with store.open_store(store_location).reading() as conn:
        assert users.authenticate(conn, "ada admin", "a long enough password").role == "admin"
        assert users.authenticate(conn, "Ada Admin", "wrong password entirely") is None
        assert users.changes(conn)[["name", "change"]].values.tolist() == [["Ada Admin", "added as admin"]]


def test_the_copy_pages_read_follows_every_write_and_a_busy_store_does_not_hold_it_up(tmp_path, plan_file,
                                                                                    store_location):
    target = store.open_store(store_location)
    cli("load", figures_file(tmp_path, monthly("crimes", "2006-04", [5])), "--config", plan_file, "--db", store_location)
    model = read_model.ReadModel(target)
    with model.connection() as conn:
        assert conn.execute("SELECT count(*) FROM figures").fetchone()[0] == 1
    cli("load", figures_file(tmp_path, monthly("crimes", "2006-05", [6]), "b.csv"), "--config", plan_file,
        "--db", store_location, process=True)
    with model.connection() as conn:  # the next read sees the other process's load
        assert conn.execute("SELECT count(*) FROM figures").fetchone()[0] == 2
    holder = _hold_the_write_lock(store_location)
    try:
        started = time.monotonic()
        with model.connection() as conn:  # a writer holds the store: the copy made before still serves
            assert conn.execute("SELECT count(*) FROM figures").fetchone()[0] == 2
        assert time.monotonic() - started < 2.0
    finally:
        holder.communicate("done\n", timeout=60)  # the writer lets go, and its transaction ends


def _hold_the_write_lock(location: str) -> subprocess.Popen:
    """Another process inside a write transaction (as a long load would be) until it is told it is
    done, or this test's end closes its input."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from metrics import store\n"
            f"with store.open_store({location!r}).writing() as conn:\n"
            "    conn.execute(\"INSERT INTO loads VALUES (99, 'held.csv', 'x', 'long', 0, 0, 0, 'test', now()::TIMESTAMP)\")\n"
            "    print('holding', flush=True)\n"
            "    sys.stdin.readline()\n")
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"
    return process


def test_a_read_only_store_can_be_viewed_but_a_change_is_refused_in_words(tmp_path, plan_file, monkeypatch):
    import os
    location = tmp_path / "shelf" / "store.duckdb"
    cli("load", figures_file(tmp_path, monthly("crimes", "2006-04", [5])), "--config", plan_file, "--db", location)
    location.chmod(0o444)
    location.parent.chmod(0o555)
    if os.geteuid() == 0:  # root may write any file: make this one look as it does to everyone else
        writable = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: False if mode == os.W_OK and str(path).startswith(
            str(location.parent)) else writable(path, mode))
    try:
        source = service.Source((str(plan_file),), str(location))
        assert service.months(source) == [24075]  # viewed
        with pytest.raises(store.StoreReadOnly, match="read-only here, so it can be viewed but not changed"):
            service.save_commentary(source, "crimes", 24075, "A note", "Ann")
        assert status_rows(plan_file, location)["crimes"]["actual"] == 5
    finally:
        location.parent.chmod(0o755)
        location.chmod(0o644)


def test_duckdb_errors_about_a_store_are_one_sentence_for_a_person():
    import duckdb
    full = store.worded("data/performance.duckdb", duckdb.IOException("Could not write file: No space left on device"))
    assert str(full).startswith("data/performance.duckdb: the disk holding the store is full, so nothing was changed")
    read_only = store.worded("x.duckdb", duckdb.IOException('Cannot open file "x.duckdb": Read-only file system'))
    assert isinstance(read_only, store.StoreReadOnly)


def test_a_damaged_store_gets_one_sentence_naming_it(tmp_path, plan_file):
    location = tmp_path / "store.duckdb"
    location.write_bytes(b"this is not a DuckDB database, just some bytes" * 1000)
    result = cli("status", "--config", plan_file, "--db", location, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{location}: the store is damaged or is not a store" in result.stderr
    assert "Restore it from a backup" in result.stderr


def test_two_loads_at_once_both_land_one_after_the_other(tmp_path, plan_file, store_location):
    cli("load", figures_file(tmp_path, monthly("crimes", "2006-04", [1])), "--config", plan_file, "--db", store_location)
    files = [figures_file(tmp_path, monthly("crimes", "2006-05", [value]) + monthly("crimes", "2007-01", [value], "north"),
                          f"load{value}.csv") for value in (7, 8)]
    loads = [subprocess.Popen([sys.executable, "-m", "metrics", "load", str(path), "--config", str(plan_file),
                               "--db", store_location], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for path in files]
    assert [process.wait(timeout=180) for process in loads] == [0, 0]
    with store.open_store(store_location).reading() as conn:
        # One figure per month and area, whichever load came second; the first one's value kept as a revision.
        assert conn.execute("SELECT count(*) FROM figures").fetchone()[0] == 3
        assert conn.execute("SELECT count(*) FROM (SELECT DISTINCT measure_id, area, month FROM figures)").fetchone()[0] == 3
        assert conn.execute("SELECT count(*) FROM revisions").fetchone()[0] == 2
        assert conn.execute("SELECT list(load_id ORDER BY load_id) FROM loads").fetchone()[0] == [1, 2, 3]

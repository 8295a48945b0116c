"""The figures store: a DuckDB file holding figures, their revisions and the load log.

`figures` holds the value in force for each (measure, area, month). A load that brings a different
value moves the old one to `revisions` first, so nothing is ever lost. `loads` logs every load.
Every change to the store happens inside `transaction()`: it all lands, or none of it does.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import duckdb

DEFAULT_DB = "data/performance.duckdb"

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS load_ids START 1;
CREATE TABLE IF NOT EXISTS loads (
    load_id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    shape VARCHAR,
    rows_added INTEGER NOT NULL,
    rows_revised INTEGER NOT NULL,
    rows_unchanged INTEGER NOT NULL,
    loaded_by VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS figures (
    measure_id VARCHAR NOT NULL,
    area VARCHAR NOT NULL,
    month INTEGER NOT NULL,          -- month index: year * 12 + month - 1
    value DOUBLE,                    -- NULL with not_applicable = true for "n/a"
    numerator DOUBLE,
    denominator DOUBLE,
    not_applicable BOOLEAN NOT NULL DEFAULT false,
    note VARCHAR,
    load_id INTEGER NOT NULL
    -- One row per (measure_id, area, month): the loader refuses a file's duplicates and revises
    -- held figures in place. No key index: keeping one costs 0.7 s per million figures loaded,
    -- and no query looks a figure up by key. Stores made with the key keep it.
);
CREATE TABLE IF NOT EXISTS revisions (
    measure_id VARCHAR NOT NULL,
    area VARCHAR NOT NULL,
    month INTEGER NOT NULL,
    value DOUBLE,
    numerator DOUBLE,
    denominator DOUBLE,
    not_applicable BOOLEAN NOT NULL,
    note VARCHAR,
    load_id INTEGER NOT NULL,          -- the load that brought this (now superseded) value
    superseded_by INTEGER NOT NULL     -- the load that replaced it
);
-- The board's workflow. Both tables only ever gain rows: an edit is a new version, so the
-- history of every commentary and action is kept.
CREATE TABLE IF NOT EXISTS commentary (
    measure_id VARCHAR NOT NULL,
    quarter_end INTEGER NOT NULL,      -- month index of the quarter's last month
    version INTEGER NOT NULL,
    text VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    written_at TIMESTAMP NOT NULL,
    PRIMARY KEY (measure_id, quarter_end, version)
);
CREATE SEQUENCE IF NOT EXISTS action_ids START 1;
CREATE TABLE IF NOT EXISTS actions (
    action_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    meeting_date DATE NOT NULL,
    text VARCHAR NOT NULL,
    owner VARCHAR NOT NULL,
    due_date DATE NOT NULL,
    measures VARCHAR[] NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('open', 'discharged')),
    discharge_note VARCHAR,
    edited_by VARCHAR NOT NULL,
    edited_at TIMESTAMP NOT NULL,
    PRIMARY KEY (action_id, version)
);
"""


class StoreBusy(RuntimeError):
    """Another process held the store for longer than we were willing to wait."""


def connect(db_path: str | Path = DEFAULT_DB, read_only: bool = False, wait_seconds: float = 60.0):
    """Open the store, creating its tables if needed.

    DuckDB lets one process write a file at a time. A second writer waits here until the first has
    finished, so two loads at once run one after the other rather than failing or interleaving.
    """
    path = str(db_path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    if read_only and path != ":memory:" and not Path(path).exists():
        read_only = False
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            with _CONNECT_LOCK:  # DuckDB's file cache races when threads open one file at once
                conn = duckdb.connect(path, read_only=read_only)
            break
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                if "lock" in str(err).lower():
                    raise StoreBusy(f"{path} is in use by another process; try again shortly") from err
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    # A ceiling on DuckDB's memory: beyond it, big sorts and joins spill to disk instead.
    conn.execute(f"SET memory_limit = '{os.environ.get('METRICS_MEMORY_LIMIT', '1GB')}'")
    conn.execute("SET enable_progress_bar = false")
    if not read_only:
        _ensure_schema(conn)
    return conn


_SCHEMA_LOCK = threading.Lock()
_CONNECT_LOCK = threading.Lock()
SCHEMA_TABLES = ("loads", "figures", "revisions", "commentary", "actions")


def _ensure_schema(conn) -> None:
    """Create the tables once. The web app opens connections from several threads at once, and two
    CREATE statements racing on one database would conflict, so creation is serialised."""
    def present():
        return conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name IN "
            f"({', '.join(repr(t) for t in SCHEMA_TABLES)})").fetchone()[0] == len(SCHEMA_TABLES)
    if present():
        return
    with _SCHEMA_LOCK:
        if not present():
            conn.execute(SCHEMA)


@contextlib.contextmanager
def transaction(conn):
    """All or nothing: commit if the block finishes, roll back if it raises."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def has_figures(conn) -> bool:
    return conn.execute("SELECT count(*) FROM figures").fetchone()[0] > 0


def load_history(conn):
    """Every load, newest first, as a DataFrame."""
    return conn.execute(
        "SELECT load_id, file_name, content_hash, shape, rows_added, rows_revised, rows_unchanged,"
        " loaded_by, loaded_at FROM loads ORDER BY load_id DESC"
    ).df()


def figure_history(conn, measure_id: str, area: str | None = None):
    """The figures in force for a measure, and every earlier value they replaced."""
    area_filter = "AND area = $area" if area else ""
    params = {"measure": measure_id}
    if area:
        params["area"] = area
    return conn.execute(
        f"""
        SELECT area, month, value, numerator, denominator, not_applicable, note, load_id,
               NULL::INTEGER AS superseded_by, 'current' AS status
        FROM figures WHERE measure_id = $measure {area_filter}
        UNION ALL
        SELECT area, month, value, numerator, denominator, not_applicable, note, load_id,
               superseded_by, 'revised' AS status
        FROM revisions WHERE measure_id = $measure {area_filter}
        ORDER BY area, month, load_id
        """,
        params,
    ).df()

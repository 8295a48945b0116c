"""The store: the system of record for figures, their revisions, the load log, the board's
workflow and the users. It is a DuckDB file (the default) or a PostgreSQL database
(metrics.postgres_store); `open_store(location)` gives either, with the same three ways in:

- `writing()`: one short transaction, serialised against every other writer (the file's lock, or a
  PostgreSQL advisory lock), that bumps the store's data version when it commits;
- `reading()`: a DuckDB connection that sees the tables under their plain names;
- `version()`: a cheap stamp that changes whenever a write lands, from any process.

`figures` holds the value in force for each (measure, area, month). A load that brings a different
value moves the old one to `revisions` first, so nothing is ever lost. `loads` logs every load.
The web app does not read the store per request: see metrics.read_model.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import duckdb

from metrics.errors import Problem

DEFAULT_DB = "data/performance.duckdb"


def person_at_the_shell() -> str:
    """Who a change made from the command line is recorded as: METRICS_USER, else the
    operating-system user."""
    import getpass
    try:
        return os.environ.get("METRICS_USER") or getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return "unknown"

SCHEMA = """
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
-- One row, bumped by every write, so a reader elsewhere can tell cheaply that something changed.
CREATE TABLE IF NOT EXISTS store_version (version BIGINT NOT NULL);
"""


class StoreError(Problem):
    """A store that cannot be used as asked, in one sentence that names it and says what to do."""


class StoreMissing(StoreError):
    """The store named does not exist (only `load` and `sample` create one)."""


class StoreBusy(StoreError):
    """Another process held the store for longer than we were willing to wait."""


class StoreReadOnly(StoreError):
    """The store can be read but not changed."""


def missing(location: str) -> StoreMissing:
    return StoreMissing(
        f"{location}: there is no store here. Check the path (--db or METRICS_DB); to start one, load "
        "figures into it (python -m metrics load FILE --db ...) or load the invented sample figures "
        "(python -m metrics sample --db ...)")


def worded(location: str, error: Exception) -> StoreError:
    """DuckDB's and the operating system's errors about a store, as one sentence for a person."""
    text = str(error)
    lowered = text.lower()
    if isinstance(error, StoreError):
        return error
    if "no space left" in lowered or "disk is full" in lowered or _disk_full(location):
        return StoreError(f"{location}: the disk holding the store is full, so nothing was changed. Free some "
                          "space there and try again")
    if "read-only" in lowered or "read only" in lowered or "permission denied" in lowered:
        return StoreReadOnly(f"{location}: the store is read-only here, so it can be viewed but not changed. "
                             "Ask whoever looks after it to make it writable")
    if "lock" in lowered and "conflict" in lowered or "could not set lock" in lowered:
        return StoreBusy(f"{location} is in use by another program; try again shortly")
    if any(word in lowered for word in ("not a valid duckdb", "corrupt", "checksum", "failed to read",
                                        "invalid database", "unable to open", "serialization")):
        return StoreError(f"{location}: the store is damaged or is not a store (DuckDB cannot read it). "
                          "Restore it from a backup, or load the figures into a new store with --db")
    return StoreError(f"{location}: the store could not be used ({text.splitlines()[0][:200]})")


def _disk_full(location: str) -> bool:
    import shutil
    folder = Path(location).parent if "://" not in location else None
    try:
        return folder is not None and folder.exists() and shutil.disk_usage(folder).free < 1024 * 1024
    except OSError:
        return False


def connect(db_path: str | Path = DEFAULT_DB, read_only: bool = False, wait_seconds: float = 60.0):
    """Open a DuckDB store file, creating it and its tables unless read_only.

    DuckDB lets one process write a file at a time. A second writer waits here until the first has
    finished, so two loads at once run one after the other rather than failing or interleaving.
    """
    path = str(db_path)
    if path != ":memory:":
        if read_only and not Path(path).exists():
            raise missing(path)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    delay = 0.02
    while True:
        try:
            with _CONNECT_LOCK:  # DuckDB's file cache races when threads open one file at once
                conn = duckdb.connect(path, read_only=read_only)
            break
        except duckdb.IOException as err:
            if "lock" not in str(err).lower():
                raise worded(path, err) from err
            if time.monotonic() > deadline:
                raise StoreBusy(f"{path} is in use by another program; try again shortly") from err
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as err:
            raise worded(path, err) from err
    # A ceiling on DuckDB's memory: beyond it, big sorts and joins spill to disk instead.
    conn.execute(f"SET memory_limit = '{os.environ.get('METRICS_MEMORY_LIMIT', '1GB')}'")
    conn.execute("SET enable_progress_bar = false")
    if not read_only:
        try:
            _ensure_schema(conn)
        except duckdb.Error as err:
            conn.close()
            raise worded(path, err) from err
    return conn


_SCHEMA_LOCK = threading.Lock()
_CONNECT_LOCK = threading.Lock()
SCHEMA_TABLES = ("loads", "figures", "revisions", "commentary", "actions", "store_version")


def _ensure_schema(conn) -> None:
    """Create the tables once. The web app opens connections from several threads at once, and two
    CREATE statements racing on one database would conflict, so creation is serialised."""
    def present():
        return conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = current_schema() AND table_name IN "
            f"({', '.join(repr(t) for t in SCHEMA_TABLES)})").fetchone()[0] == len(SCHEMA_TABLES)
    if present():
        return
    with _SCHEMA_LOCK:
        if not present():
            create_tables(conn)


def create_tables(conn) -> None:
    """Every table of the store, on a DuckDB connection (a file, or PostgreSQL attached and in use)."""
    from metrics import users, workflow
    for statement in [*SCHEMA.split(";"), users.TABLE, workflow.PROCESS_CHANGES, workflow.STATEMENTS]:
        if statement.strip():
            conn.execute(statement)
    if conn.execute("SELECT count(*) FROM store_version").fetchone()[0] == 0:
        conn.execute("INSERT INTO store_version VALUES (0)")


_OPEN: set[int] = set()  # the connections inside a store's write transaction (by id)


@contextlib.contextmanager
def transaction(conn):
    """All or nothing: commit if the block finishes, roll back if it raises. Inside a store's
    `writing()` block the transaction is already open, and that block commits it."""
    if id(conn) in _OPEN:
        yield conn
        return
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def held_open(conn):
    """Mark conn as inside a write transaction its owner commits (see transaction())."""
    _OPEN.add(id(conn))
    try:
        yield conn
    finally:
        _OPEN.discard(id(conn))


def bump_version(conn) -> None:
    if conn.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                    "AND schema_name = current_schema() AND table_name = 'store_version'").fetchone()[0]:
        conn.execute("UPDATE store_version SET version = version + 1")


def _stat(path: Path) -> tuple[int, int]:
    try:
        found = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (found.st_mtime_ns, found.st_size)


class FileStore:
    """A DuckDB file. Its data version is read without opening the file, so without waiting for a
    writer: a token in a small file beside it, written after every commit, with the file's and its
    write-ahead log's modification times and sizes (which catch a change made any other way)."""
    look_seconds = 0.0  # the version is a small file read: looked at every time (metrics.read_model)
    kind = "duckdb"

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        self.location = str(path)
        self.read_only = read_only
        self._write_lock = _process_lock(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def _token_file(self) -> Path:
        return self.path.with_name(self.path.name + ".version")

    def version(self) -> tuple:
        try:
            token = self._token_file.read_text()
        except OSError:
            token = ""
        return (token,) + _stat(self.path) + _stat(self.path.with_name(self.path.name + ".wal"))

    def _new_token(self) -> None:
        import uuid
        with contextlib.suppress(OSError):
            temporary = self._token_file.with_suffix(f".{uuid.uuid4().hex}.tmp")
            temporary.write_text(uuid.uuid4().hex)
            os.replace(temporary, self._token_file)  # readers never see a half-written token

    def writable(self) -> bool:
        return not self.read_only and os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)

    def create(self) -> None:
        if not self.exists():
            connect(self.path).close()

    @contextlib.contextmanager
    def reading(self, wait_seconds: float = 60.0):
        if not self.exists():
            raise missing(self.location)
        conn = connect(self.path, read_only=not self.writable(), wait_seconds=wait_seconds)
        try:
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def writing(self, wait_seconds: float = 60.0, create: bool = False):
        if not self.exists() and not create:
            raise missing(self.location)
        if self.exists() and not self.writable():
            raise StoreReadOnly(f"{self.location}: the store is read-only here, so it can be viewed but not "
                                "changed. Ask whoever looks after it to make it writable")
        with self._write_lock:  # one writer per process; the file's lock covers other processes
            conn = connect(self.path, wait_seconds=wait_seconds)
            try:
                with _worded_errors(self.location, conn), held_open(conn):
                    conn.execute("BEGIN TRANSACTION")
                    yield conn
                    bump_version(conn)
                    conn.execute("COMMIT")
            finally:
                conn.close()
                self._new_token()

    def copy_into(self, memory, wait_seconds: float = 60.0, measures=None) -> None:
        """Copy every table into an in-memory DuckDB connection (for metrics.read_model); with
        `measures`, only those measures' figures and revisions."""
        import tempfile
        with tempfile.TemporaryDirectory(prefix="metrics-copy-") as folder:
            with self.reading(wait_seconds=wait_seconds) as conn:
                tables = [t for (t,) in conn.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                    "AND schema_name = 'main'").fetchall()]
                for table in tables:  # parquet keeps every column's type
                    conn.execute(f"COPY (SELECT * FROM {table}{copy_filter(table, measures)}) "
                                 f"TO '{folder}/{table}.parquet' (FORMAT parquet)")
            memory.execute("BEGIN TRANSACTION")
            for table in tables:
                memory.execute(f"CREATE TABLE {table} AS FROM read_parquet('{folder}/{table}.parquet')")
            memory.execute("COMMIT")


def copy_filter(table: str, measures) -> str:
    """The WHERE clause copying only some measures' figures, revisions and SPC summaries (all rows
    of the other tables)."""
    if measures is None or table not in ("figures", "revisions", "spc_state"):
        return ""
    listed = ", ".join("'" + m.replace("'", "''") + "'" for m in measures)
    return f" WHERE measure_id IN ({listed})" if listed else " WHERE false"


_PROCESS_LOCKS: dict[str, threading.Lock] = {}


def _process_lock(path: Path) -> threading.Lock:
    with _CONNECT_LOCK:
        return _PROCESS_LOCKS.setdefault(str(path.resolve()), threading.Lock())


@contextlib.contextmanager
def _worded_errors(location: str, conn):
    """Roll back and reword on any failure, so a person reads one sentence and nothing is half-written."""
    try:
        yield
    except BaseException as error:
        with contextlib.suppress(duckdb.Error):
            conn.execute("ROLLBACK")
        if isinstance(error, (duckdb.IOException, duckdb.OutOfMemoryException, duckdb.PermissionException)):
            raise worded(location, error) from error
        raise


def is_postgres(location) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def open_store(location, read_only: bool = False):
    """The store at a path (a DuckDB file) or a postgresql:// URL."""
    if is_postgres(location):
        from metrics.postgres_store import PostgresStore
        return PostgresStore(str(location), read_only=read_only)
    return FileStore(location, read_only=read_only)


# --- a load's writes (the loader checks a file; these write what it found) ----------------------

def compare_incoming(conn, incoming: str, note_given: bool) -> None:
    """Table `compared`: each incoming figure beside the one held, and whether it is added, revised
    or unchanged. A changed note on the same value is a revision too (the old note is kept). A file
    with no note column says nothing about notes, so the note held stays."""
    note = "i.note" if note_given else "f.note"
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE compared AS
        SELECT i.* REPLACE ({note} AS note), f.value AS old_value, f.numerator AS old_numerator,
               f.denominator AS old_denominator, f.not_applicable AS old_not_applicable, f.note AS old_note,
               CASE WHEN f.measure_id IS NULL THEN 'added'
                    WHEN i.value IS NOT DISTINCT FROM f.value AND i.numerator IS NOT DISTINCT FROM f.numerator
                         AND i.denominator IS NOT DISTINCT FROM f.denominator
                         AND i.not_applicable = f.not_applicable
                         AND {note} IS NOT DISTINCT FROM f.note THEN 'unchanged'
                    ELSE 'revised' END AS change
        FROM {incoming} i
        LEFT JOIN figures f USING (measure_id, area, month)""")


def next_load_id(conn) -> int:
    return conn.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]


def write_figures(conn, load_id: int) -> None:
    """From `compared`: revised figures' old values into `revisions`, new values in place, added
    figures inserted; every figure written carries `load_id`."""
    conn.execute("""
        INSERT INTO revisions
        SELECT f.measure_id, f.area, f.month, f.value, f.numerator, f.denominator, f.not_applicable,
               f.note, f.load_id, $load_id
        FROM figures f JOIN compared c USING (measure_id, area, month) WHERE c.change = 'revised'""",
                 {"load_id": load_id})
    conn.execute("""
        UPDATE figures f SET value = c.value, numerator = c.numerator, denominator = c.denominator,
               not_applicable = c.not_applicable, note = c.note, load_id = $load_id
        FROM compared c
        WHERE c.change = 'revised' AND f.measure_id = c.measure_id AND f.area = c.area AND f.month = c.month""",
                 {"load_id": load_id})
    conn.execute("""
        INSERT INTO figures
        SELECT measure_id, area, month, value, numerator, denominator, not_applicable, note, $load_id
        FROM compared WHERE change = 'added'""", {"load_id": load_id})


def log_load(conn, load_id: int, file_name: str, content_hash: str, shape: str, counts: tuple[int, int, int],
             loaded_by: str) -> None:
    """The load in the log: its file, what it did (added, revised, unchanged) and who ran it."""
    conn.execute("INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
                 [load_id, file_name, content_hash, shape, *counts, loaded_by])


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

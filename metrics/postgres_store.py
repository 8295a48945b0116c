"""The store on PostgreSQL, for several app servers and analysts loading from their desks.

PostgreSQL is the system of record; DuckDB still does the computing, through its PostgreSQL
extension. Every write is one PostgreSQL transaction. Writers queue on an advisory lock, and each
bumps the one-row `store_version` table as its first change, which also orders them: PostgreSQL's
snapshot for the transaction is taken before the lock is granted, so a writer that finds the row
changed since its snapshot starts again with a fresh one (before it has changed anything).
"""
from __future__ import annotations

import contextlib
import re
import threading
import time

import duckdb

from metrics import store

WRITE_LOCK_KEY = 7_310_331  # the advisory lock every writer of a metrics store takes
TABLES = (*store.SCHEMA_TABLES, "users", "process_changes", "statements")


_ATTACHING = threading.Lock()  # the extension's loading is not safe from several threads at once


def _load_extension(conn) -> None:
    import duckdb_extensions
    with _ATTACHING:
        duckdb_extensions.import_extension("postgres_scanner")
        conn.execute("LOAD postgres")


def _attach(url: str, read_only: bool):
    """A fresh in-memory DuckDB with the PostgreSQL database attached as `pg` and in use."""
    conn = duckdb.connect()
    _load_extension(conn)
    conn.execute("SET enable_progress_bar = false")
    mode = ", READ_ONLY" if read_only else ""
    with _ATTACHING:
        conn.execute(f"ATTACH '{url}' AS pg (TYPE postgres{mode})")
    conn.execute("USE pg")
    return conn


def _masked(url: str) -> str:
    """The URL for messages: never the password."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


class PostgresStore:
    look_seconds = 0.1  # a look at the version is a round trip: it stands this long (metrics.read_model)
    kind = "postgres"

    def __init__(self, url: str, read_only: bool = False):
        self.url = url
        self.location = _masked(url)
        self.read_only = read_only
        self._version_conn = None
        self._version_lock = threading.Lock()

    def _connect(self, read_only: bool):
        try:
            return _attach(self.url, read_only)
        except duckdb.Error as error:
            raise store.StoreError(
                f"{self.location}: cannot reach the PostgreSQL store ({str(error).splitlines()[0][:160]}). "
                "Check the address, that the server is running and that this user may connect") from error

    def _has_tables(self, conn) -> bool:
        return conn.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'pg' AND "
                            "schema_name = 'public' AND table_name = 'store_version'").fetchone()[0] == 1

    def exists(self) -> bool:
        conn = self._connect(read_only=True)
        try:
            return self._has_tables(conn)
        finally:
            conn.close()

    def writable(self) -> bool:
        return not self.read_only

    def create(self) -> None:
        conn = self._connect(read_only=False)
        try:
            if not self._has_tables(conn):
                store.create_tables(conn)
        finally:
            conn.close()

    def version(self):
        """The store_version row, over one connection kept for the purpose (about a millisecond)."""
        with self._version_lock:
            for attempt in range(2):
                try:
                    if self._version_conn is None:
                        self._version_conn = self._connect(read_only=True)
                    row = self._version_conn.execute(
                        "SELECT * FROM postgres_query('pg', 'SELECT version FROM store_version')").fetchone()
                    return row[0] if row else 0
                except (duckdb.Error, store.StoreError):
                    if self._version_conn is not None:
                        with contextlib.suppress(duckdb.Error):
                            self._version_conn.close()
                    self._version_conn = None
                    if attempt:
                        raise
        return None

    @contextlib.contextmanager
    def reading(self, wait_seconds: float = 60.0):
        conn = self._connect(read_only=True)
        try:
            if not self._has_tables(conn):
                raise store.missing(self.location)
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def writing(self, wait_seconds: float = 60.0, create: bool = False):
        if self.read_only:
            raise store.StoreReadOnly(f"{self.location}: this store is opened read-only, so nothing can be changed")
        conn = self._connect(read_only=False)
        try:
            if not self._has_tables(conn):
                if not create:
                    raise store.missing(self.location)
                store.create_tables(conn)
            self._begin(conn, wait_seconds)
            try:
                with store.held_open(conn):
                    yield conn
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()

    def _begin(self, conn, wait_seconds: float) -> None:
        """Open the write transaction holding the lock, with a snapshot that sees every earlier write."""
        deadline = time.monotonic() + wait_seconds
        while True:
            conn.execute("BEGIN TRANSACTION")
            try:
                conn.execute(f"CALL postgres_execute('pg', 'SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})')")
                conn.execute("UPDATE store_version SET version = version + 1")
                return
            except duckdb.Error as error:
                with contextlib.suppress(duckdb.Error):
                    conn.execute("ROLLBACK")
                if "serializ" not in str(error).lower() or time.monotonic() > deadline:
                    raise store.StoreBusy(f"{self.location} is busy with another change; try again shortly") from error

    def copy_into(self, memory, wait_seconds: float = 60.0, measures=None) -> None:
        """Copy every table into an in-memory DuckDB connection, from one PostgreSQL snapshot; with
        `measures`, only those measures' figures and revisions (filtered in PostgreSQL itself)."""
        _load_extension(memory)
        try:
            with _ATTACHING:
                memory.execute(f"ATTACH '{self.url}' AS pg_source (TYPE postgres, READ_ONLY)")
        except duckdb.Error as error:
            raise store.StoreError(f"{self.location}: cannot reach the PostgreSQL store "
                                   f"({str(error).splitlines()[0][:160]})") from error
        try:
            present = {name for (name,) in memory.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'pg_source' AND schema_name = 'public'"
            ).fetchall()}
            memory.execute("BEGIN TRANSACTION")
            for table in TABLES:
                where = store.copy_filter(table, measures)
                if table in present and where:
                    query = f"SELECT * FROM public.{table}{where}".replace("'", "''")
                    memory.execute(f"CREATE TABLE memory.main.{table} AS "
                                   f"FROM postgres_query('pg_source', '{query}')")
                elif table in present:
                    memory.execute(f"CREATE TABLE memory.main.{table} AS FROM pg_source.public.{table}")
            memory.execute("COMMIT")
        finally:
            memory.execute("DETACH pg_source")

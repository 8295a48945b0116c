"""Each app process's own copy of the store, which pages compute from: reads never wait for a writer.

The copy is an in-memory DuckDB holding every table of the store; of figures and revisions, only
the plan's measures' (the app shows no others, and a store may hold other plans'). Before each read the store's data
version is looked at (a file's modification time, or PostgreSQL's one-row version table: no lock
either way). When it has changed, a new copy is made and swapped in; readers already running finish
on the copy they started with. If the store is busy (a load is writing), the old copy keeps
serving and the next read tries again, so a page may show figures a moment old but never waits
for a writer (at most 0.3 s to find the store busy). On PostgreSQL, where each look at the version
is a round trip to the server, a look stands for a tenth of a second (the store's `look_seconds`):
a page's several callbacks take one look between them, not one each. A DuckDB file's version is a
small file read, looked at every time.
"""
from __future__ import annotations

import contextlib
from collections import OrderedDict
import logging
import threading
import time
from dataclasses import dataclass

import duckdb

from metrics import store as stores

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Copy:
    version: object       # the store's version when the copy was made
    database: duckdb.DuckDBPyConnection
    content: tuple        # what the views are worked out from, see CONTENT_SQL


# The views (status, charts, the board review) are worked out from the plan's figures and the
# process changes recorded: their counts, latest load and a hash. Two copies with the same
# content give the same views, whichever process made them, and a load of other measures' figures
# (or a comment) leaves it as it was. Loads only ever add load numbers, so a load that touches any
# of these figures raises the latest.
CONTENT_SQL = """SELECT (SELECT count(*) FROM figures), (SELECT max(load_id) FROM figures),
    (SELECT count(*) FROM revisions), (SELECT max(superseded_by) FROM revisions),
    (SELECT count(*) FROM process_changes), (SELECT bit_xor(hash(p)) FROM process_changes p)"""


def _content(database) -> tuple:
    present = {t for (t,) in database.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not {"figures", "revisions", "process_changes"} <= present:  # a store from before these tables
        return (database.execute("SELECT count(*), max(load_id) FROM figures").fetchone()
                if "figures" in present else ())
    return database.execute(CONTENT_SQL).fetchone()


class ReadModel:
    def __init__(self, store, measures: tuple | None = None):
        self.store = store
        self.measures = measures  # only these measures' figures are copied (None: all)
        self._copy: Copy | None = None
        self._refreshing = threading.Lock()
        self._busy_until = 0.0  # after finding the store busy, serve the old copy until then
        self._looked_until = 0.0  # the last look at the store's version stands until then

    def _make_copy(self, wait_seconds: float) -> Copy:
        version = self.store.version()  # read first: a write landing during the copy is seen next time
        memory = duckdb.connect()
        memory.execute("SET enable_progress_bar = false")
        self.store.copy_into(memory, wait_seconds, self.measures)
        return Copy(version, memory, _content(memory))

    def current(self) -> Copy:
        """The newest copy, made afresh if the store has changed since the last one."""
        held = self._copy
        now = time.monotonic()
        if held is not None and (now < self._looked_until or now < self._busy_until):
            return held
        if held is not None and held.version == self.store.version():
            self._looked_until = now + self.store.look_seconds
            return held
        # One thread makes the new copy; the others wait for it (a fraction of a second), so a
        # person's own change shows on the page that follows it.
        self._refreshing.acquire()
        try:
            if self._copy is not held and self._copy is not None:
                return self._copy  # made while we waited
            if held is not None and time.monotonic() < self._busy_until:
                return held  # the store was found busy while we waited: try again shortly
            try:
                # The first copy waits for a writer to finish; later ones keep serving the old copy.
                self._copy = self._make_copy(wait_seconds=60.0 if held is None else 0.3)
                self._looked_until = time.monotonic() + self.store.look_seconds
            except stores.StoreBusy:
                if held is None:
                    raise
                self._busy_until = time.monotonic() + 0.5
                log.info("%s is busy; serving the copy made before", self.store.location)
            return self._copy
        finally:
            self._refreshing.release()

    def look_again(self) -> None:
        """After this process writes: its next read looks at the store's version, so the person
        who saved sees their change on the page that follows."""
        self._looked_until = 0.0

    @property
    def version(self):
        return self.current().version

    @property
    def content(self) -> tuple:
        return self.current().content

    @contextlib.contextmanager
    def connection(self):
        """A cursor on the newest copy: its own DuckDB connection, safe to use from this thread."""
        cursor = self.current().database.cursor()
        try:
            yield cursor
        finally:
            cursor.close()


_MODELS: "OrderedDict[tuple, ReadModel]" = OrderedDict()
_MODELS_LOCK = threading.Lock()
MAX_MODELS = 4  # a process serves one store; tests and tools may visit many


def for_store(location: str, measures: tuple | None = None) -> ReadModel:
    """One read model per store (and plan's measures) per process, the least recently used
    dropped beyond a few."""
    key = (location, measures)
    with _MODELS_LOCK:
        if key not in _MODELS:
            _MODELS[key] = ReadModel(stores.open_store(location), measures)
            while len(_MODELS) > MAX_MODELS:
                _MODELS.popitem(last=False)
        _MODELS.move_to_end(key)
        return _MODELS[key]


def forget() -> None:
    """Drop every copy (tests, and after a store is replaced under a running process)."""
    with _MODELS_LOCK:
        _MODELS.clear()

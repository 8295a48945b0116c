"""Each app process's own copy of the store, which pages compute from: reads never wait for a writer.

The copy is an in-memory DuckDB holding every table of the store. Before each read the store's data
version is looked at (a file's modification time, or PostgreSQL's one-row version table: no lock
either way). When it has changed, a new copy is made and swapped in; readers already running finish
on the copy they started with. If the store is busy (a load is writing), the old copy keeps
serving and the next read tries again, so a page may show figures a moment old but never waits
for a writer (at most 0.3 s to find the store busy).
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
    version: object
    database: duckdb.DuckDBPyConnection


class ReadModel:
    def __init__(self, store):
        self.store = store
        self._copy: Copy | None = None
        self._refreshing = threading.Lock()
        self._busy_until = 0.0  # after finding the store busy, serve the old copy until then

    def _make_copy(self, wait_seconds: float) -> Copy:
        version = self.store.version()  # read first: a write landing during the copy is seen next time
        memory = duckdb.connect()
        memory.execute("SET enable_progress_bar = false")
        self.store.copy_into(memory, wait_seconds)
        return Copy(version, memory)

    def current(self) -> Copy:
        """The newest copy, made afresh if the store has changed since the last one."""
        held = self._copy
        if held is not None and (held.version == self.store.version() or time.monotonic() < self._busy_until):
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
            except stores.StoreBusy:
                if held is None:
                    raise
                self._busy_until = time.monotonic() + 0.5
                log.info("%s is busy; serving the copy made before", self.store.location)
            return self._copy
        finally:
            self._refreshing.release()

    @property
    def version(self):
        return self.current().version

    @contextlib.contextmanager
    def connection(self):
        """A cursor on the newest copy: its own DuckDB connection, safe to use from this thread."""
        cursor = self.current().database.cursor()
        try:
            yield cursor
        finally:
            cursor.close()


_MODELS: "OrderedDict[str, ReadModel]" = OrderedDict()
_MODELS_LOCK = threading.Lock()
MAX_MODELS = 4  # a process serves one store; tests and tools may visit many


def for_store(location: str) -> ReadModel:
    """One read model per store per process (the least recently used dropped beyond a few)."""
    with _MODELS_LOCK:
        if location not in _MODELS:
            _MODELS[location] = ReadModel(stores.open_store(location))
            while len(_MODELS) > MAX_MODELS:
                _MODELS.popitem(last=False)
        _MODELS.move_to_end(location)
        return _MODELS[location]


def forget() -> None:
    """Drop every copy (tests, and after a store is replaced under a running process)."""
    with _MODELS_LOCK:
        _MODELS.clear()

"""Views worked out once for every process on this machine: the app's computed results, kept on disk.

Each gunicorn worker (and `python app.py`, and metrics.view_builder) keeps its latest results in
memory and also in one folder per store, so a view one process has worked out is read by the others
instead of being computed again. Entries are named by the store's data version: a write makes a new
version, whose views start afresh, and the folders of older versions are removed.

The folder is private to the user the app runs as (created 0700 and checked to be theirs), as its
entries are Python pickles: only this user's own processes may write them.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import pickle
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:24]


def store_folder(location: str) -> Path:
    """This store's folder of views: METRICS_VIEW_DIR, else the system's temporary folder; one
    sub-folder per store (a file by its full path, PostgreSQL by its URL)."""
    root = Path(os.environ.get("METRICS_VIEW_DIR") or Path(tempfile.gettempdir()) / f"metrics-views-{os.getuid()}")
    name = location if "://" in location else str(Path(location).resolve())
    return root / _digest(name)


def _private(folder: Path) -> bool:
    """Make the folder (and its parents) if need be; True when it is ours alone to write."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for part in (folder, folder.parent):
            found = part.stat()
            if found.st_uid != os.getuid() or found.st_mode & 0o022:
                log.warning("%s is not private to this user: views are not shared through it", part)
                return False
    except OSError:
        return False
    return True


class SharedViews:
    """get/put of computed views for one store and one data version, kept on disk."""

    def __init__(self, location: str):
        self.folder = store_folder(location)
        self.usable = _private(self.folder)
        self._pruned: object = None

    def _path(self, version, key) -> Path:
        return self.folder / _digest(version) / f"{_digest(key)}.pickle"

    def get(self, version, key):
        """(view,) as stored for this version and key, or None when there is none."""
        if not self.usable:
            return None
        try:
            with open(self._path(version, key), "rb") as held:
                return pickle.load(held)  # (value,): a view may itself be None
        except FileNotFoundError:
            return None
        except Exception:  # a half-removed or unreadable entry: work it out again
            log.warning("a stored view could not be read; it is worked out again", exc_info=True)
            return None

    def put(self, version, key, value) -> None:
        if not self.usable:
            return
        path = self._path(version, key)
        with contextlib.suppress(OSError):
            path.parent.mkdir(mode=0o700, exist_ok=True)
            temporary = path.with_name(f".{uuid.uuid4().hex}.tmp")
            with open(temporary, "wb") as out:
                pickle.dump((value,), out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)  # readers see the whole entry or none
            self.prune(version)

    def prune(self, version) -> None:
        """Remove other versions' folders (once per version per process): their views are out of date.
        A reader with an entry already open keeps reading it."""
        if self._pruned == version:
            return
        self._pruned = version
        keep = _digest(version)
        for child in self.folder.iterdir():
            if child.is_dir() and child.name != keep:
                shutil.rmtree(child, ignore_errors=True)

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.usable = _private(self.folder)


_SHARED: dict[str, SharedViews] = {}
_SHARED_LOCK = threading.Lock()


def for_store(location: str) -> SharedViews:
    with _SHARED_LOCK:
        if location not in _SHARED:
            _SHARED[location] = SharedViews(location)
        return _SHARED[location]


def clear_all() -> None:
    """Remove the views of every store this process has used."""
    with _SHARED_LOCK:
        for shared in _SHARED.values():
            shared.clear()


def cached(maxsize: int):
    """A view function's results kept in this process (the last `maxsize`) and shared on disk.

    The function is called as fn(source, version, *args): `version` is what the view is worked out
    from (metrics.service._version: the content of the copy it reads, and the plan's files)."""
    def wrap(fn):
        local: OrderedDict = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(fn)
        def view(source, version, *args):
            key = (fn.__name__, source, args)
            with lock:
                if (version, key) in local:
                    local.move_to_end((version, key))
                    return local[(version, key)]
            shared = for_store(source.db)
            stored = shared.get(version, key)
            if stored is not None:
                value = stored[0]
            else:
                value = fn(source, version, *args)
                shared.put(version, key, value)
            with lock:
                local[(version, key)] = value
                while len(local) > maxsize:
                    local.popitem(last=False)
            return value

        view.cache_clear = local.clear
        return view
    return wrap

"""Wrong passwords, counted per name across every web worker on the machine.

The limit (five wrong passwords for a name in fifteen minutes) holds however many workers
gunicorn runs: a count kept in each process would give someone guessing five tries per worker.
The count lives in a small diskcache (SQLite) in the job folder, which every worker on the
machine shares (metrics.pack_job.job_folder). It is not kept in the store: every write there
makes each page work its views out again, which a stream of wrong passwords must not cause.
"""
from __future__ import annotations

import contextlib
import time

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


@contextlib.contextmanager
def _failures():
    import diskcache

    from metrics.pack_job import job_folder
    cache = diskcache.Cache(str(job_folder() / "signin-failures"))
    try:
        yield cache
    finally:
        cache.close()


def _key(name: str) -> str:
    return "wrong-password:" + name.strip().lower()


def _recent(times, now: float) -> list[float]:
    return [t for t in times or [] if now - t < WINDOW_SECONDS]


def too_many(name: str) -> bool:
    """Whether this name has had MAX_FAILURES wrong passwords in the last WINDOW_SECONDS."""
    with _failures() as cache:
        return len(_recent(cache.get(_key(name)), time.time())) >= MAX_FAILURES


def record(name: str) -> None:
    """One more wrong password for this name."""
    now = time.time()
    with _failures() as cache, cache.transact():
        cache.set(_key(name), _recent(cache.get(_key(name)), now) + [now], expire=WINDOW_SECONDS)


def clear(name: str) -> None:
    """A right password: the count for this name starts again."""
    with _failures() as cache:
        cache.delete(_key(name))

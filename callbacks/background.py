"""The manager for background callbacks: Dash's DiskcacheManager, on a diskcache in the job folder.

A background callback runs in a process forked from the web worker, so the worker answers other
requests meanwhile; the page polls for progress and the result. Every worker on the machine uses
the same folder (metrics.pack_job.job_folder), so a poll may reach any of them. Several machines
need Dash's CeleryManager instead: see docs/serving.md.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import secrets
import sys
import threading

import diskcache
from dash import DiskcacheManager

from metrics.pack_job import job_folder

CACHE_BYTES = 2**28  # results waiting to be fetched (a pack is a few MB); the oldest go first
JOB_RECORD_SECONDS = 3600  # how long a started job is known, to be stopped or asked after
log = logging.getLogger("metrics.background")


# Dash forks a job from one request's thread while other threads may be inside SQLite (the cache's
# store). The child inherits the locks those threads held and never gets them back: its first
# progress write waited forever, and so did everyone asking for the same pack behind it. So no
# fork happens while a thread is in the cache: every cache call and every fork take one lock.
_CACHE_LOCK = threading.RLock()


def _fresh_lock_in_child() -> None:
    global _CACHE_LOCK
    _CACHE_LOCK = threading.RLock()


os.register_at_fork(before=lambda: _CACHE_LOCK.acquire(), after_in_parent=lambda: _CACHE_LOCK.release(),
                    after_in_child=_fresh_lock_in_child)


_inside = threading.local()  # how deep this thread is in cache transactions


def _while_no_fork(method):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        with _CACHE_LOCK:
            try:
                return method(self, *args, **kwargs)
            finally:
                self.close_unless_in_transaction()
    return call


class ForkSafeCache(diskcache.Cache):
    """The diskcache Dash's manager uses, each call made while no fork can happen. Each call also
    closes its thread's connection: a thread that ends (a development server starts one per
    request) would otherwise close it later, outside the lock."""

    get, set, delete, touch, add = (_while_no_fork(getattr(diskcache.Cache, name))
                                    for name in ("get", "set", "delete", "touch", "add"))

    @contextlib.contextmanager
    def transact(self, retry=False):
        with _CACHE_LOCK:
            _inside.depth = getattr(_inside, "depth", 0) + 1
            try:
                with super().transact(retry):
                    yield
            finally:
                _inside.depth -= 1
                self.close_unless_in_transaction()

    def close_unless_in_transaction(self) -> None:
        if not getattr(_inside, "depth", 0):
            diskcache.Cache.close(self)


def _job_record(pid: int) -> str:
    return f"metrics-job-{pid}"


def _started(pid: int) -> float | None:
    """When the process with this id started (so a reused id is not taken for it), or None."""
    import psutil
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return None


class EachRequestItsOwnJob(DiskcacheManager):
    """Dash keys a job by the callback's source and arguments, so two people asking for the same
    quarter's pack at once would share one key: one got the other's file and Dash killed the
    other's job. A random part keeps each request's job, progress and result its own.

    The page names its job by process id when it polls or cancels, and this Dash (4.1) does not
    sign it: a request naming any other process (the server itself) would have it killed. Only a
    process this manager started, still the same process, is stopped or asked after."""

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        return super().build_cache_key(fn, args, cache_args_to_ignore, triggered) + secrets.token_hex(16)

    def call_job_fn(self, key, job_fn, args, context):
        pid = super().call_job_fn(key, job_fn, args, context)
        if pid is not None:
            self.handle.set(_job_record(pid), _started(pid), expire=JOB_RECORD_SECONDS)
        return pid

    def is_ours(self, job) -> bool:
        try:
            pid = int(job)
        except (TypeError, ValueError):
            return False
        recorded = self.handle.get(_job_record(pid))
        return recorded is not None and recorded == _started(pid)

    def terminate_job(self, job):
        if job is None or (str(job).isdigit() and _started(int(job)) is None):
            return  # no such process (a job that has ended): nothing to stop
        if not self.is_ours(job):
            log.warning("refused to stop process %r: it is not a job this app started", job)
            return
        super().terminate_job(job)

    def job_running(self, job):
        return self.is_ours(job) and super().job_running(job)


@functools.lru_cache(maxsize=1)
def manager() -> DiskcacheManager:
    return EachRequestItsOwnJob(ForkSafeCache(str(job_folder() / "dash"), size_limit=CACHE_BYTES))


def _own_streams_after_fork() -> None:
    """In a forked job: give it standard streams and log streams of its own. Another thread of the
    worker (a request being logged) may hold a stream's lock at the moment of the fork; the job's
    copy of that lock is then never released, and its first log line or exit flush waits forever."""
    fresh = {}
    for name in ("stdout", "stderr"):
        old = getattr(sys, name, None)
        try:
            fresh[id(old)] = os.fdopen(os.dup(old.fileno()), "w", buffering=1, encoding="utf-8",
                                       errors="backslashreplace")
        except (AttributeError, OSError, ValueError):  # no real file behind it
            continue
        setattr(sys, name, fresh[id(old)])
    loggers = [logging.getLogger()] + [logger for logger in logging.Logger.manager.loggerDict.values()
                                       if isinstance(logger, logging.Logger)]
    for handler in {h for logger in loggers for h in logger.handlers}:
        stream = getattr(handler, "stream", None)
        if not isinstance(handler, logging.StreamHandler) or stream is None:
            continue
        try:
            handler.stream = fresh.get(id(stream)) or os.fdopen(
                os.dup(stream.fileno()), "a" if isinstance(handler, logging.FileHandler) else "w", buffering=1,
                encoding="utf-8", errors="backslashreplace")
        except (AttributeError, OSError, ValueError):
            continue


os.register_at_fork(after_in_child=_own_streams_after_fork)


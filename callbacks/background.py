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


def _while_no_fork(method):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        with _CACHE_LOCK:
            return method(self, *args, **kwargs)
    return call


class ForkSafeCache(diskcache.Cache):
    """The diskcache Dash's manager uses, each call made while no fork can happen."""

    get, set, delete, touch = (_while_no_fork(getattr(diskcache.Cache, name))
                               for name in ("get", "set", "delete", "touch"))

    @contextlib.contextmanager
    def transact(self, retry=False):
        with _CACHE_LOCK, super().transact(retry):
            yield


class EachRequestItsOwnJob(DiskcacheManager):
    """Dash keys a job by the callback's source and arguments, so two people asking for the same
    quarter's pack at once would share one key: one got the other's file and Dash killed the
    other's job. A random part keeps each request's job, progress and result its own."""

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        return super().build_cache_key(fn, args, cache_args_to_ignore, triggered) + secrets.token_hex(16)


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


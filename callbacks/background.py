"""The manager for background callbacks: Dash's DiskcacheManager, on a diskcache in the job folder.

A background callback runs in a process forked from the web worker, so the worker answers other
requests meanwhile; the page polls for progress and the result. Every worker on the machine uses
the same folder (metrics.pack_job.job_folder), so a poll may reach any of them. Several machines
need Dash's CeleryManager instead: see docs/serving.md.
"""
from __future__ import annotations

import functools
import secrets

import diskcache
from dash import DiskcacheManager

from metrics.pack_job import job_folder

CACHE_BYTES = 2**28  # results waiting to be fetched (a pack is a few MB); the oldest go first


class EachRequestItsOwnJob(DiskcacheManager):
    """Dash keys a job by the callback's source and arguments, so two people asking for the same
    quarter's pack at once would share one key: one got the other's file and Dash killed the
    other's job. A random part keeps each request's job, progress and result its own."""

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        return super().build_cache_key(fn, args, cache_args_to_ignore, triggered) + secrets.token_hex(16)


@functools.lru_cache(maxsize=1)
def manager() -> DiskcacheManager:
    return EachRequestItsOwnJob(diskcache.Cache(str(job_folder() / "dash"), size_limit=CACHE_BYTES))

"""Simulated users for the load test: threads, each with its own signed-in session, asking for pages
one after another with no pause, and the percentiles of the waits they saw."""
from __future__ import annotations

import collections
import itertools
import math
import random
import threading
import time
from dataclasses import dataclass

import requests

from benchmarks.dash_client import App, DashError

PAGES = ("scorecard", "board", "measure")


@dataclass(frozen=True)
class Sample:
    what: str
    started: float  # time.perf_counter() when asked
    seconds: float
    error: str | None


@dataclass(frozen=True)
class Summary:
    requests: int
    seconds: float  # from the first request asked to the last answered
    per_second: float
    p50: float
    p95: float
    p99: float
    errors: int
    error_kinds: dict


def error_words(error: Exception) -> str:
    """What went wrong, in the few words the table shows ("HTTP 500", "timed out")."""
    if isinstance(error, DashError):
        return str(error).rsplit(": ", 1)[-1]
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    return type(error).__name__


def run_users(sessions, step, more) -> list[Sample]:
    """Each session in its own thread makes request n = 0, 1, 2, ... (counted across all users) while
    more(n) holds; step(n) gives (what, call) and call(session) makes the request."""
    counter, lock, samples = itertools.count(), threading.Lock(), []

    def user(session):
        while True:
            with lock:
                n = next(counter)
            if not more(n):
                return
            what, call = step(n)
            started, error = time.perf_counter(), None
            try:
                call(session)
            except Exception as caught:  # every failure is counted and named, none stops the run
                error = error_words(caught)
            sample = Sample(what, started, time.perf_counter() - started, error)
            with lock:
                samples.append(sample)

    threads = [threading.Thread(target=user, args=(s,), daemon=True) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def page_visits(app: App, different_months: bool, seed: int = 12):
    """Which page, month and measure request n asks for: users move between the scorecard, the
    board review and measure pages, every request at the default month (repeated views), or each
    at another month than the last, every page visiting every month in a shuffled order."""
    months = list(app.months)
    random.Random(seed).shuffle(months)

    def visit(n) -> tuple[str, int, str]:
        page, turn = PAGES[n % len(PAGES)], n // len(PAGES)
        offset = (n % len(PAGES)) * len(months) // len(PAGES)  # the pages start a third of the months apart
        month = months[(turn + offset) % len(months)] if different_months else app.default_month
        return page, month, app.measures[turn % len(app.measures)]
    return visit


def page_steps(app: App, different_months: bool):
    """run_users' steps for page_visits: (page, the request)."""
    visit = page_visits(app, different_months)

    def step(n):
        page, month, measure_id = visit(n)
        return page, lambda session: app.call(session, page, month, measure_id)
    return step


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p% of values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else math.nan


def summarise(samples: list[Sample]) -> Summary:
    if not samples:
        return Summary(0, 0.0, 0.0, math.nan, math.nan, math.nan, 0, {})
    seconds = max(s.started + s.seconds for s in samples) - min(s.started for s in samples)
    waits = [s.seconds for s in samples]
    kinds = collections.Counter(s.error for s in samples if s.error)
    return Summary(len(samples), seconds, len(samples) / seconds if seconds else math.nan, percentile(waits, 50),
                   percentile(waits, 95), percentile(waits, 99), sum(kinds.values()), dict(kinds))

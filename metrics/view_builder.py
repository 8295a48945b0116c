"""Every month's views worked out ahead of the visitors, once for all the app's processes on a machine.

A page at a month nobody has opened yet costs a few tenths of a second of engine work; eight people
flicking through months on two cores would queue behind one another. So one background process per
store per machine (the first app process to start it holds its lock; the others find it held)
works out, for the store's current data version, each month's scorecard, measure and board views,
the default month first, then the latest month back to the earliest. They go into the shared
views (metrics.view_cache), which every worker reads. When a write lands it starts again on the new
version. It runs at a low priority, so a visitor's own request always comes first, and it stops
when the app process that started it stops.

    python -m metrics.view_builder --parent PID   (started by app.py; METRICS_DB and METRICS_CONFIG as the app's)
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import subprocess
import sys
import threading
import time

from metrics import priority, service, store, view_cache

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0      # how often an idle builder looks for a new data version
KEEPER_SECONDS = 5.0     # how often an app process checks that a builder is running


def months_in_order(source: service.Source) -> list[int]:
    """The default month first (where pages open), then the latest month back to the earliest."""
    held = service.months(source)
    first = service.default_as_of(source)
    return ([first] if first is not None else []) + [m for m in reversed(held) if m != first]


def build(source: service.Source, wanted=lambda: True) -> tuple | None:
    """Work out every month's views for the store's current version. Returns that version, or None
    when a write landed midway (or `wanted()` turned false): the caller starts again."""
    version = service._version(source)
    for month in months_in_order(source):
        if not wanted() or service._version(source) != version:
            return None
        service.views_for_month(source, month)
    return version


def _lock_file(source: service.Source):
    folder = view_cache.store_folder(source.db)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return open(folder / "builder.lock", "a+")


def _try_lock(source: service.Source):
    """The builder's lock, held by the returned file; None when another process holds it."""
    held = _lock_file(source)
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        held.close()
        return None
    return held


def run(source: service.Source, parent: int) -> None:
    """Build, then watch for new versions, until the parent process has gone."""
    priority.only_when_idle()
    lock = _try_lock(source)
    if lock is None:
        return  # another builder serves this store
    alive = lambda: os.getppid() == parent  # noqa: E731 (a dead parent's child is re-parented)
    built = None
    while alive():
        try:
            # While the plan or store cannot be read the pages say why; there is nothing to work out.
            if (service.plan_problem(source) is None and service.store_problem(source) is None
                    and service._version(source) != built):
                built = build(source, alive)
                continue
        except store.StoreError as error:  # the store is busy, missing or damaged: try again shortly
            log.info("views not worked out ahead: %s", error)
        except Exception:
            log.exception("views not worked out ahead")
        time.sleep(CHECK_SECONDS)


def builder_running(source: service.Source) -> bool:
    held = _try_lock(source)
    if held is None:
        return True
    held.close()  # closing releases it
    return False


def keep_running(source: service.Source) -> None:
    """In an app process: start a builder for the store when none runs, now and every few seconds
    (a gunicorn worker that started one may be replaced), from a daemon thread."""
    def keeper():
        started = None
        while True:
            with contextlib.suppress(Exception):
                if started is not None:
                    started.poll()  # reaped once it exits
                if not builder_running(source):
                    started = subprocess.Popen(
                        [sys.executable, "-m", "metrics.view_builder", "--parent", str(os.getpid())],
                        env={**os.environ, "METRICS_DB": source.db, "METRICS_CONFIG": os.pathsep.join(source.config)},
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            time.sleep(KEEPER_SECONDS)
    threading.Thread(target=keeper, name="view-builder-keeper", daemon=True).start()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parent", type=int, required=True, help="stop when this process has gone")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="view builder: %(levelname)s %(message)s")
    run(service.Source.from_environment(), args.parent)


if __name__ == "__main__":
    main()

"""gunicorn's settings for serving a team: `make serve`, or `gunicorn app:server` run from this folder
(gunicorn reads ./gunicorn.conf.py by itself; options on its command line still win).

HOST and PORT say where to listen (default 127.0.0.1:8050), METRICS_WORKERS and METRICS_THREADS
how many processes and threads per process, METRICS_ACCESS_LOG=1 logs every request to stderr.
"""
import os


def _workers() -> int:
    """Two per core, at most eight: the work is DuckDB queries that release Python's lock while they
    run, so a second process per core keeps the core busy while one waits; each process holds its
    own caches (a few hundred MB), hence the cap."""
    if os.environ.get("METRICS_WORKERS"):
        return max(1, int(os.environ["METRICS_WORKERS"]))
    return max(2, min(2 * (os.cpu_count() or 1), 8))


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
# The app's own check that a store with no users is served on this computer only reads this
# (security.serving_hosts); a --bind on the command line overrides it, as it overrides gunicorn's.
os.environ["METRICS_GUNICORN_BIND"] = bind

workers = _workers()
worker_class = "gthread"
# Threads share a process's caches, so a second visitor to the same view waits for no new work.
threads = max(1, int(os.environ.get("METRICS_THREADS", "2")))
# A board pack's PDF takes seconds, and a page may wait up to a minute for a load to release the store.
timeout = 120
graceful_timeout = 30
keepalive = 5
accesslog = "-" if os.environ.get("METRICS_ACCESS_LOG", "0") == "1" else None
errorlog = "-"
# No preload: each worker imports the app itself, after the fork, so no DuckDB connection or
# start-up warm-up thread is shared across processes.
preload_app = False

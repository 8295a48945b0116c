"""Background jobs (the board pack's) are forked from a web worker while its other threads use the
job cache: a forked job must still be able to write its progress and result."""
from __future__ import annotations

import os
import signal
import threading
import time

import diskcache
import pytest

from callbacks.background import ForkSafeCache


def forks_that_hang(cache, forks: int = 60, until_first: bool = False) -> int:
    """Fork `forks` times while three threads write and read the cache; count the children that
    could not write to it within 5 s (stop at the first, with until_first)."""
    stop, hung = threading.Event(), 0

    def busy():
        i = 0
        while not stop.is_set():
            cache.set(f"key-{i % 10}", "x" * 2000)
            cache.get("key-1")
            i += 1
    threads = [threading.Thread(target=busy, daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for n in range(forks):
            pid = os.fork()
            if pid == 0:  # the job: one progress write, as Dash's job makes
                try:
                    cache.set("progress", n)
                finally:
                    os._exit(0)
            deadline = time.monotonic() + 5
            while not os.waitpid(pid, os.WNOHANG)[0]:
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    hung += 1
                    break
            if hung and until_first:
                break
                time.sleep(0.005)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return hung


def test_a_job_forked_while_other_threads_use_the_cache_still_writes_to_it(tmp_path):
    assert forks_that_hang(ForkSafeCache(str(tmp_path / "jobs"))) == 0


@pytest.mark.skipif(os.environ.get("METRICS_SHOW_FORK_HANG") != "1", reason="shows the fault the lock prevents")
def test_without_the_lock_a_forked_job_can_hang(tmp_path):
    assert forks_that_hang(diskcache.Cache(str(tmp_path / "jobs")), until_first=True) > 0

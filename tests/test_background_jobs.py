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
                time.sleep(0.005)
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    hung += 1
                    break
            if hung and until_first:
                break
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


def test_a_request_cannot_stop_a_process_the_app_did_not_start(tmp_path):
    """The page names its job by process id when it cancels or polls; naming any other process
    (the server's own, say) must not stop it. A job the app started can still be stopped."""
    import subprocess
    import sys
    from callbacks.background import EachRequestItsOwnJob
    manager = EachRequestItsOwnJob(ForkSafeCache(str(tmp_path / "jobs")))
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for named in (bystander.pid, str(bystander.pid), "not a process", os.getpid()):
            manager.terminate_job(named)  # as Dash does for ?cancelJob= and ?oldJob=
        assert bystander.poll() is None and not manager.job_running(bystander.pid)
        job = manager.call_job_fn("a-key", lambda *args: time.sleep(60), (), {})
        assert manager.job_running(job)
        manager.terminate_job(job)
        assert not manager.job_running(job)
    finally:
        bystander.kill()
        bystander.wait()

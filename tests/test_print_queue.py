"""The print queue: at most N hold a printer at once, across processes; the rest wait in the
order they came, told how many are ahead; a holder or waiter that dies lets go at once."""
import multiprocessing
import os
import signal
import threading
import time

import pytest

from metrics import pack_job
from metrics.print_queue import PrintQueue


def hold_a_printer(folder, printers, seconds, events, lock, together):
    """In a thread: wait for a turn, note when printing starts and ends, and what the queue said."""
    said = []
    together.wait()  # everyone asks at the same moment
    with PrintQueue(folder, printers, poll_seconds=0.02).turn(on_wait=said.append):
        with lock:
            events.append(("start", time.monotonic()))
        time.sleep(seconds)
        with lock:
            events.append(("end", time.monotonic()))
    return said


def most_at_once(events) -> int:
    busy = most = 0
    for kind, _ in sorted(events, key=lambda e: (e[1], e[0] == "start")):  # an end before a start at a tie
        busy += 1 if kind == "start" else -1
        most = max(most, busy)
    return most


def test_at_most_n_print_at_once_and_every_one_gets_its_turn(tmp_path):
    events, lock, told, together = [], threading.Lock(), [], threading.Barrier(5)
    threads = [threading.Thread(target=lambda: told.append(hold_a_printer(tmp_path, 2, 0.5, events, lock, together)))
               for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(told) == 5 and [k for k, _ in events].count("end") == 5  # all finished
    assert most_at_once(events) == 2
    waited = [said for said in told if said]
    assert len(waited) >= 3  # two printed at once; the others were told they were queued
    # Each was told how many packs were ahead: those printing and those who came before it.
    assert all(1 <= n <= 4 for said in waited for n in said), waited
    assert max(n for said in waited for n in said) >= 3  # some waited behind more than the two printing

def test_waiters_go_in_the_order_they_came(tmp_path):
    order, lock = [], threading.Lock()
    queue = PrintQueue(tmp_path, 1, poll_seconds=0.02)

    def wait_in_turn(number):
        with queue.turn():
            with lock:
                order.append(number)
            time.sleep(0.05)
    first = queue.turn()
    first.__enter__()  # the one printer is busy while the others join, one after another
    threads = []
    for number in range(4):
        threads.append(threading.Thread(target=wait_in_turn, args=(number,)))
        threads[-1].start()
        time.sleep(0.05)
    first.__exit__(None, None, None)
    for thread in threads:
        thread.join(timeout=10)
    assert order == [0, 1, 2, 3]


def _hold_forever(folder, ready):
    with PrintQueue(folder, 1, poll_seconds=0.02).turn():
        ready.set()
        time.sleep(600)


def test_a_process_killed_while_printing_frees_its_printer_at_once(tmp_path):
    ready = multiprocessing.Event()
    holder = multiprocessing.get_context("fork").Process(target=_hold_forever, args=(tmp_path, ready))
    holder.start()
    assert ready.wait(10)
    said = []
    waiter = threading.Thread(target=lambda: PrintQueue(tmp_path, 1, poll_seconds=0.02).turn(said.append).__enter__())
    waiter.start()
    time.sleep(0.3)
    assert waiter.is_alive() and said == [1]  # queued behind the process printing
    os.kill(holder.pid, signal.SIGKILL)
    waiter.join(timeout=5)
    assert not waiter.is_alive()  # its turn came as soon as the holder died
    holder.join()


def _wait_forever(folder, joined):
    queue = PrintQueue(folder, 1, poll_seconds=0.02)
    with queue.turn(on_wait=lambda ahead: joined.set()):
        time.sleep(600)


def test_a_waiter_that_dies_in_the_queue_holds_no_one_up(tmp_path):
    queue = PrintQueue(tmp_path, 1, poll_seconds=0.02)
    printing = queue.turn()
    printing.__enter__()
    joined = multiprocessing.Event()
    waiter = multiprocessing.get_context("fork").Process(target=_wait_forever, args=(tmp_path, joined))
    waiter.start()
    assert joined.wait(10)
    os.kill(waiter.pid, signal.SIGKILL)  # a cancelled job, say
    waiter.join()
    said = []
    later = threading.Thread(target=lambda: said.append(queue.turn(on_wait=said.append).__enter__()))
    later.start()
    time.sleep(0.3)
    assert said == [1]  # only the pack printing is ahead: the dead waiter is not counted
    printing.__exit__(None, None, None)
    later.join(timeout=5)
    assert said == [1, 0] and not list((tmp_path / "tickets").iterdir())


def test_the_number_of_printers_is_checked(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="at least 1 printer"):
        PrintQueue(tmp_path, 0)
    monkeypatch.setenv("METRICS_PACK_PRINTERS", "two")
    with pytest.raises(ValueError, match="METRICS_PACK_PRINTERS must be a whole number of 1 or more, not 'two'"):
        pack_job.printers()
    monkeypatch.setenv("METRICS_PACK_PRINTERS", "3")
    assert pack_job.printers() == 3
    monkeypatch.delenv("METRICS_PACK_PRINTERS")
    assert pack_job.printers() == 2


def test_old_packs_are_cleared_but_not_the_locks_a_print_may_hold(tmp_path, monkeypatch):
    """A pack printed over an hour ago goes; the lock file of the same pack does not (a print in
    progress holds it, and a fresh file under its name would let a second print begin)."""
    monkeypatch.setenv("METRICS_JOB_DIR", str(tmp_path))
    folder = pack_job._printed_folder()
    old_pack, lock = folder / "k1.board-pack-old.html.pack", folder / "k1.lock"
    for path in (old_pack, lock):
        path.write_text("x")
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    pack_job._keep_printed("k2", "board-pack-new.html", b"new")
    assert not old_pack.exists() and lock.exists()
    assert (folder / "k2.board-pack-new.html.pack").read_bytes() == b"new"

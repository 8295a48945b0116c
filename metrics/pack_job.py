"""The board pack printed for the web app: wait for a free printer, then print in a fresh process.

The web app runs this in a background job (a process Dash forks from a web worker). The printing
itself runs in a fresh Python process, `python -m metrics.pack_job`, so it never shares DuckDB's
threads and locks with the forked worker (DuckDB is not safe to use across a fork); it costs
about a second of start-up beside a print of several seconds. At most METRICS_PACK_PRINTERS packs
(default 2) print at once on this machine; the rest queue, in the order they were asked for.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from metrics import priority
from metrics.print_queue import PrintQueue

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PRINTERS = 2
PRINT_SECONDS = 600  # a pack that takes longer than this has hung
# How often a page waiting for its pack asks how it is going. Each ask is a request a worker
# answers: at once a second, eight waiting board members were a third of the pages' requests.
POLL_SECONDS = 3
PRINTED_BEFORE = "printed before"  # the print process says so when it hands over a pack printed before

log = logging.getLogger("metrics.pack_job")


class PackPrintError(RuntimeError):
    """The pack could not be printed; the message says why, for the log."""


def job_folder() -> Path:
    """Where background jobs keep their results and the print queue its locks: METRICS_JOB_DIR,
    else the user's cache folder, else a folder of this user's in the temp folder. Every web
    worker on the machine must see the same folder, so they share one queue."""
    chosen = os.environ.get("METRICS_JOB_DIR")
    if chosen:
        path = Path(chosen)
    else:
        try:
            path = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "metrics-jobs"
        except (RuntimeError, KeyError):  # no home folder (a service account)
            path = Path(tempfile.gettempdir()) / f"metrics-jobs-{os.getuid()}"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def printers() -> int:
    """How many packs may print at once: METRICS_PACK_PRINTERS, default 2."""
    value = os.environ.get("METRICS_PACK_PRINTERS", "").strip() or str(DEFAULT_PRINTERS)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"METRICS_PACK_PRINTERS must be a whole number of 1 or more, not {value!r}")
    return int(value)


def print_pack(source, as_of: int | None, suffix: str, on_wait: Callable[[int], None] | None = None,
               on_print: Callable[[], None] | None = None) -> tuple[str, bytes]:
    """The pack as (file name, bytes), printed in a fresh process (so a request worker never
    prints) when a printer is free. on_wait(ahead) says how many packs are ahead while queued;
    on_print() is called when printing starts. The same pack asked for while it prints waits for
    it, and is then handed the one printed (see _printed_before)."""
    with _one_at_a_time((source, as_of, suffix), on_wait):
        queue, asked = PrintQueue(job_folder() / "print-queue", printers()), time.monotonic()
        with queue.turn(on_wait) as printer, tempfile.TemporaryDirectory(dir=job_folder()) as folder:
            started = time.monotonic()
            log.info("board pack %s: printing on printer %d after %.1f s in the queue", suffix, printer, started - asked)
            if on_print:
                on_print()
            name, content, before = _print_in_fresh_process(source, as_of, suffix, Path(folder))
            log.info("board pack %s: %s %s in %.1f s", suffix, "handed the one printed before," if before else "printed",
                     name, time.monotonic() - started)
            return name, content


def _printed_folder() -> Path:
    folder = job_folder() / "printed"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


@contextlib.contextmanager
def _one_at_a_time(asked, on_wait):
    """Held while a pack is printed: a second request for the same pack waits for the first (this
    runs in a forked job, where DuckDB must not be used, so the store's version is not known yet)."""
    key = hashlib.sha256(repr(asked).encode()).hexdigest()[:32]
    with open(_printed_folder() / f"{key}.lock", "a") as held:
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait(1)
            fcntl.flock(held, fcntl.LOCK_EX)
        yield


# A board's members ask for the same pack within minutes of each other: it is printed once and
# handed to each. A pack is the same while the store (figures, comments, actions), the plan, the
# month asked for and the day it says it was produced are. Worked out without pandas or the
# engine, so handing over a pack printed before costs a fraction of a second.
def _printed_key(db: str, config: tuple, as_of, suffix) -> str:
    from metrics import store
    plan_files = tuple((f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else None for f in map(Path, config))
    stamp = (db, config, store.open_store(db).version(), plan_files, as_of, suffix, dt.date.today().isoformat())
    return hashlib.sha256(repr(stamp).encode()).hexdigest()[:32]


def _printed_before(key: str) -> tuple[str, bytes] | None:
    found = sorted(_printed_folder().glob(f"{key}.*.pack"))
    if not found:
        return None
    return found[-1].name.split(".", 1)[1].removesuffix(".pack"), found[-1].read_bytes()


def _keep_printed(key: str, name: str, content: bytes) -> None:
    """Keep this pack, and of the others only those printed in the last hour. The lock files stay
    (a few bytes each): one may be held by a print now, and a new file under its name would let a
    second print of the same pack begin beside it."""
    folder = _printed_folder()
    temporary = folder / f".{key}.tmp"
    temporary.write_bytes(content)
    os.replace(temporary, folder / f"{key}.{name}.pack")
    stale = time.time() - 3600
    for old in folder.iterdir():
        with contextlib.suppress(OSError):
            if old.suffix != ".lock" and old.stat().st_mtime < stale:
                old.unlink()


def _print_in_fresh_process(source, as_of, suffix, folder: Path) -> tuple[str, bytes, bool]:
    """(file name, bytes, whether it was printed before) from `python -m metrics.pack_job`."""
    env = dict(os.environ, METRICS_DB=str(source.db), METRICS_CONFIG=os.pathsep.join(source.config),
               METRICS_WARM_UP="0")
    command = [sys.executable, "-m", "metrics.pack_job", suffix, "" if as_of is None else str(as_of), str(folder)]
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=PRINT_SECONDS)
    except subprocess.TimeoutExpired as err:
        raise PackPrintError(f"the board pack took over {PRINT_SECONDS} s to print") from err
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not (folder / lines[-1]).is_file():
        raise PackPrintError(f"printing the board pack failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return lines[-1], (folder / lines[-1]).read_bytes(), PRINTED_BEFORE in lines


def main(argv: list[str]) -> int:
    """`python -m metrics.pack_job SUFFIX AS_OF FOLDER`: print the pack into FOLDER (or copy the
    one printed before from the same store) and print its file name; the store and plan are
    METRICS_DB's and METRICS_CONFIG's."""
    suffix, as_of, folder = argv
    as_of = int(as_of) if as_of else None
    priority.behind_pages()  # the pages people are waiting for come first
    key = _printed_key(os.environ["METRICS_DB"], tuple(os.environ["METRICS_CONFIG"].split(os.pathsep)), as_of, suffix)
    printed = _printed_before(key)
    if printed:
        print(PRINTED_BEFORE)
    else:
        from metrics import service
        # The store is read through this process's own copy of it (metrics.read_model), so a print
        # never holds the store, and the views already worked out for the pages are read, not redone.
        source = service.Source.from_environment()
        review = service.quarter_review(source, as_of)  # the quarter the page shows
        name = f"board-pack-{review.quarter_label.replace('/', '-').replace(' ', '-')}{suffix}"
        printed = name, service.board_pack(source, as_of, suffix)  # the month asked for: the pack says why its quarter
        _keep_printed(key, *printed)
    (Path(folder) / printed[0]).write_bytes(printed[1])
    print(printed[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

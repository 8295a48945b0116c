"""The board pack printed for the web app: wait for a free printer, then print in a fresh process.

The web app runs this in a background job (a process Dash forks from a web worker). The printing
itself runs in a fresh Python process, `python -m metrics.pack_job`, so it never shares DuckDB's
threads and locks with the forked worker (DuckDB is not safe to use across a fork); it costs
about a second of start-up beside a print of several seconds. At most METRICS_PACK_PRINTERS packs
(default 2) print at once on this machine; the rest queue, in the order they were asked for.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from metrics.print_queue import PrintQueue

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PRINTERS = 2
PRINT_SECONDS = 600  # a pack that takes longer than this has hung

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
    """(file name, bytes) of the board pack for the quarter `as_of` falls in, as .pdf or .html,
    printed when a printer is free. on_wait(ahead) says how many packs are ahead while queued;
    on_print() is called when printing starts."""
    queue, asked = PrintQueue(job_folder() / "print-queue", printers()), time.monotonic()
    with queue.turn(on_wait) as printer, tempfile.TemporaryDirectory(dir=job_folder()) as folder:
        started = time.monotonic()
        log.info("board pack %s: printing on printer %d after %.1f s in the queue", suffix, printer, started - asked)
        if on_print:
            on_print()
        name, content = _print_in_fresh_process(source, as_of, suffix, Path(folder))
        log.info("board pack %s: printed %s in %.1f s", suffix, name, time.monotonic() - started)
        return name, content


def _print_in_fresh_process(source, as_of, suffix, folder: Path) -> tuple[str, bytes]:
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
    return lines[-1], (folder / lines[-1]).read_bytes()


def main(argv: list[str]) -> int:
    """`python -m metrics.pack_job SUFFIX AS_OF FOLDER`: print the pack into FOLDER and print its
    file name; the store and plan are METRICS_DB's and METRICS_CONFIG's."""
    from metrics import service
    suffix, as_of, folder = argv
    os.nice(10)  # background work: the pages people are waiting for come first (Chromium inherits it)
    # The store is read through this process's own copy of it (metrics.read_model), so a print
    # never holds the store, and the views already worked out for the pages are read, not redone.
    source = service.Source.from_environment()
    review = service.quarter_review(source, int(as_of) if as_of else None)  # the quarter the page shows
    name = f"board-pack-{review.quarter_label.replace('/', '-').replace(' ', '-')}{suffix}"
    (Path(folder) / name).write_bytes(service.board_pack(source, review.quarter_end, suffix))
    print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

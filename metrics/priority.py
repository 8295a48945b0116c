"""How much of the machine background work may take from the pages people are waiting for.

Linux gives each process a share of the CPU by its weight: a page's worker (nice 0) weighs 1024, a
process at nice 10 weighs 110, and one under SCHED_IDLE 3 and runs only on time nobody else wants.
"""
from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def behind_pages() -> None:
    """Work someone is waiting for, but less urgently than a page (a board pack): nice 10, which
    the processes it starts (Chromium) inherit. Lower still, a pack would wait for as long as
    pages keep the machine busy."""
    os.nice(max(0, 10 - os.nice(0)))


def only_when_idle() -> None:
    """Work nobody is waiting for (the views worked out ahead): run only on spare CPU time, so a
    busy machine serves its pages first and works ahead when it is quiet."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError) as error:  # not Linux, or refused: the lowest nice instead
        log.info("cannot run at idle priority (%s); running at nice 19", error)
        os.nice(max(0, 19 - os.nice(0)))

"""A queue for slow work that at most N processes on this machine may do at once (printing packs).

Built on flock(2), so it holds across gunicorn workers and the processes they start, and a
process that dies (cancelled, killed, crashed) lets go of its place at once: the kernel drops
its locks. Each printer is a file (printer-N) locked by whoever takes it; a second file
(printing-N) is locked too while it prints, so waiters can count the packs printing without
mistaking each other's passing look for one. Each waiter holds a lock on a ticket file named by
when it joined, so waiters go in the order they came and each can count the live waiters ahead.
Local folders only: flock does not reach across NFS machines.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import time
from pathlib import Path
from typing import Callable, Iterator


class PrintQueue:
    def __init__(self, folder: Path, printers: int, poll_seconds: float = 0.2):
        if not isinstance(printers, int) or printers < 1:
            raise ValueError(f"a print queue needs at least 1 printer, not {printers!r}")
        self.folder, self.printers, self.poll_seconds = Path(folder), printers, poll_seconds
        for sub in ("tickets", "new"):
            (self.folder / sub).mkdir(mode=0o700, parents=True, exist_ok=True)

    @contextlib.contextmanager
    def turn(self, on_wait: Callable[[int], None] | None = None) -> Iterator[int]:
        """Wait for a free printer, in turn, and hold it for the block (yields its number).
        While waiting, on_wait(ahead) is called whenever the number of packs ahead changes:
        those printing plus those that joined the queue earlier and still wait."""
        ticket, ticket_fd = self._join()
        said, free = None, []
        try:
            while True:
                free = self._free_printers()  # locked while we look, so no one takes them meanwhile
                printing = self._printing()  # before the tickets: one moving from a ticket to a
                earlier = self._waiting_before(ticket.name)  # printer is missed, never counted twice
                if len(free) > earlier:  # a printer for everyone ahead, and one for us
                    slot, slot_fd = free.pop(0)
                    break
                _close(free)
                ahead = max(1, earlier + printing)  # someone holds the printer we could not have
                if on_wait and ahead != said:
                    on_wait(ahead)
                    said = ahead
                time.sleep(self.poll_seconds)
        finally:
            _close(free)  # the other free printers, looked at but not taken
            ticket.unlink(missing_ok=True)  # leaving the queue: printing now, or given up
            os.close(ticket_fd)
        # Printing, said apart from a waiter's passing look at the printer: only holders lock this.
        printing_fd = _locked(self.folder / f"printing-{slot}", wait=True)
        try:
            yield slot
        finally:
            os.close(printing_fd)
            os.close(slot_fd)  # closing drops the lock: the next in line may print

    def _join(self) -> tuple[Path, int]:
        """A ticket, locked before it is visible, so no one takes a new waiter for a dead one."""
        name = f"{time.time_ns():020d}-{os.getpid():08d}-{secrets.token_hex(4)}"
        draft = self.folder / "new" / name
        fd = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        ticket = self.folder / "tickets" / name
        os.rename(draft, ticket)
        return ticket, fd

    def _waiting_before(self, name: str) -> int:
        """Live waiters who joined before `name`; tickets left by dead waiters are cleared away."""
        return sum(1 for other in sorted((self.folder / "tickets").iterdir())
                   if other.name < name and _is_held(other))

    def _free_printers(self) -> list[tuple[int, int]]:
        """(number, descriptor) of each printer no one holds, each now locked by us."""
        locked = [(slot, _locked(self.folder / f"printer-{slot}")) for slot in range(self.printers)]
        return [(slot, fd) for slot, fd in locked if fd is not None]

    def _printing(self) -> int:
        """How many packs are printing now."""
        count = 0
        for slot in range(self.printers):  # a shared look: lookers never count each other
            fd = _locked(self.folder / f"printing-{slot}", shared=True)
            count += fd is None
            if fd is not None:
                os.close(fd)
        return count


def _locked(path: Path, wait: bool = False, shared: bool = False) -> int | None:
    """A descriptor of the file, locked by us (close it to let go), or None when another holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _close(held: list[tuple[int, int]]) -> None:
    for _, fd in held:
        os.close(fd)
    held.clear()


def _is_held(ticket: Path) -> bool:
    """Is the waiter who made this ticket still alive? If not, its ticket is removed."""
    try:
        fd = os.open(ticket, os.O_RDWR)
    except FileNotFoundError:
        return False  # it left the queue just now
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    ticket.unlink(missing_ok=True)  # nobody held it: its waiter died without leaving
    return False

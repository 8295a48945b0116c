"""What the load test runs against: a store (a DuckDB file in a temporary folder, or a throwaway
PostgreSQL database) holding the sample figures and one user, and the app served from it by
gunicorn (with gunicorn.conf.py, as `make serve` runs it) or by `python app.py`; and the CPU
seconds they use, read from /proc."""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(Path(sys.executable))
SAMPLE = ROOT / "data" / "sample_figures.csv"
USER, PASSWORD = "Load Tester", "a long enough password for the load test"
TICKS = os.sysconf("SC_CLK_TCK")


class SetupError(RuntimeError):
    """A store or server could not be made ready; the message says which and why."""


def cli(*args: str, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m metrics ARGS` from the checkout, or SetupError with what it printed."""
    run = subprocess.run([PYTHON, "-m", "metrics", *args], cwd=ROOT, input=stdin, capture_output=True, text=True,
                         timeout=timeout, env=_environment({}))
    if run.returncode != 0:
        words = (run.stderr or run.stdout).strip().splitlines()[-3:]
        raise SetupError(f"python -m metrics {' '.join(args[:2])} ... exited {run.returncode}: {' / '.join(words)}")
    return run


def fill(store: str) -> str:
    """Load the sample figures into a store and add the load test's user (a viewer), with the CLI."""
    cli("load", str(SAMPLE), "--db", store)
    cli("users", "add", USER, "--role", "viewer", "--password-stdin", "--db", store, stdin=PASSWORD + "\n")
    return store


@contextlib.contextmanager
def duckdb_store(folder: Path):
    yield fill(str(folder / "performance.duckdb"))


@contextlib.contextmanager
def postgres_store():
    """A throwaway PostgreSQL cluster (tests/postgres_cluster.py) filled through the CLI's --db URL."""
    sys.path.insert(0, str(ROOT))
    from tests.postgres_cluster import throwaway_cluster
    with throwaway_cluster() as url:
        yield fill(url)


def _environment(extra: dict) -> dict:
    """The environment for the app and the CLI: this machine's, less any METRICS_ setting that
    would point them elsewhere, plus `extra`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("METRICS_", "GUNICORN_")) and k not in ("HOST", "PORT")}
    return {**keep, **extra}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app on 127.0.0.1 on a free port, in its own process group: gunicorn with `workers`
    workers (through gunicorn.conf.py), or one `python app.py` process when workers is None."""

    def __init__(self, store: str, workers: int | None, folder: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"server-{self.port}.log"
        environment = _environment({"METRICS_DB": store, "HOST": "127.0.0.1", "PORT": str(self.port),
                                    "METRICS_SECRET_KEY": secrets.token_hex(32),
                                    "METRICS_UPLOAD_DIR": str(folder / "uploads"),
                                    # each server starts with no views worked out by an earlier row's
                                    "METRICS_VIEW_DIR": str(folder / f"views-{self.port}")})
        if workers is None:
            command = [PYTHON, "app.py"]
        else:
            environment["METRICS_WORKERS"] = str(workers)
            command = [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "app:server"]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def wait_ready(self, seconds: float = 180) -> None:
        """Until the app answers, then until its start-up warm-up has finished (the processes idle)."""
        deadline = time.monotonic() + seconds
        while True:
            if self.process.poll() is not None:
                raise SetupError(f"the app server stopped (exit {self.process.returncode}): {self.tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/signin", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SetupError(f"the app server did not answer within {seconds:.0f} s: {self.tail()}")
            time.sleep(0.25)
        self.settle(deadline)

    def settle(self, deadline: float) -> None:
        """Wait while the server's processes use more than a fifth of a core (workers importing the
        app, warm-ups computing the first views), at most until the deadline."""
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            time.sleep(1.0)
            if self.cpu_seconds() - before < 0.2:
                return

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the server's processes (and the children they have waited for)."""
        return group_cpu_seconds(self.process.pid)

    def tail(self, lines: int = 5) -> str:
        text = self.log.read_text(errors="replace").strip().splitlines() if self.log.exists() else []
        return " / ".join(text[-lines:]) or "(it printed nothing)"

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@contextlib.contextmanager
def serving(store: str, workers: int | None, folder: Path):
    server = Server(store, workers, folder)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _stat_fields(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # after "pid (name) ": state is field 0


def group_cpu_seconds(group: int) -> float:
    """user + system time of every live process in a process group, with their waited-for children."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _stat_fields(pid)
        if fields and int(fields[2]) == group:  # field 2: the process group
            total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds every core has spent busy since boot (all processes of everyone on the machine)."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(v) for v in first]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / TICKS  # less idle and waiting for disk

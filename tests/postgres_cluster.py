"""A throwaway PostgreSQL cluster for the shared-store tests: Debian's server, started in a temporary
folder on a free port, removed afterwards. PostgreSQL refuses to run as root, so as root its
commands run as the `postgres` user."""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql)")
    return path


def _run(args: list[str]) -> None:
    if os.geteuid() == 0:
        command = " ".join(f"'{a}'" for a in args)
        args = ["su", "postgres", "-s", "/bin/sh", "-c", command]
    subprocess.run(args, check=True, capture_output=True, text=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def throwaway_cluster(database: str = "metrics"):
    """Yield the URL of a fresh database in a cluster that exists only for the block."""
    folder = Path(tempfile.mkdtemp(prefix="metrics-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    os.chmod(folder, 0o700)
    port = _free_port()
    _run([_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run([_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start"])
    try:
        _run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", database])
        yield f"postgresql://postgres@127.0.0.1:{port}/{database}"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _run([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


def new_database(url: str, name: str | None = None) -> str:
    """A fresh, empty database in the cluster of `url`; returns its URL."""
    import uuid
    name = name or f"store_{uuid.uuid4().hex[:12]}"
    server, _ = url.rsplit("/", 1)
    host_port = server.split("@", 1)[1]
    host, port = host_port.split(":")
    _run([_bin("createdb"), "-h", host, "-p", port, "-U", "postgres", name])
    return f"{server}/{name}"

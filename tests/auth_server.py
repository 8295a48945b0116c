"""The app served from a thread on a store of its own, with users, for the sign-in tests."""
from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password"
PEOPLE = {"viewer": "Vera Viewer", "analyst": "Ann Analyst", "secretary": "Sam Secretary", "admin": "Ada Admin"}


def make_store(path: Path, people: dict | None = PEOPLE, figures: bool = False) -> Path:
    """A store holding one user of each role (bcrypt at its cheapest cost), and the sample figures if asked."""
    from metrics import store, users
    conn = store.connect(path)
    try:
        if figures:
            from metrics.loading import load_figures
            from metrics.plan import load_plan
            load_figures(conn, load_plan(ROOT / "config" / "targets.yaml"), ROOT / "data" / "sample_figures.csv")
        rounds, users.ROUNDS = users.ROUNDS, 4
        try:
            for role, name in (people or {}).items():
                users.add(conn, name, role, PASSWORD)
        finally:
            users.ROUNDS = rounds
    finally:
        conn.close()
    return path


def app_module():
    """The app, imported without its start-up warm-up if these tests are first to import it: a
    warm-up still running in DuckDB when the test process exits aborts the process."""
    before = os.environ.get("METRICS_WARM_UP")
    os.environ["METRICS_WARM_UP"] = "0" if before is None else before
    try:
        import app
    finally:
        if before is None:
            os.environ.pop("METRICS_WARM_UP")
    return app


@contextlib.contextmanager
def serving():
    """The app on 127.0.0.1 in a thread, as tests/conftest.py serves it; the store is METRICS_DB's."""
    from werkzeug.serving import make_server
    app_module()
    import app as dash_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()


def signed_in(url: str, role: str | None) -> requests.Session:
    """A client with the app's Origin, signed in as the user of that role (None: anonymous)."""
    session = requests.Session()
    session.headers["Origin"] = url
    if role:
        answer = session.post(f"{url}/signin", data={"name": PEOPLE[role], "password": PASSWORD, "next": "/"},
                              allow_redirects=False)
        assert answer.status_code == 302, answer.text
    return session


@contextlib.contextmanager
def store_in_use(path: Path):
    """Point the app (and the test) at this store for the block."""
    before = os.environ.get("METRICS_DB")
    os.environ["METRICS_DB"] = str(path)
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop("METRICS_DB", None)
        else:
            os.environ["METRICS_DB"] = before


# Fixtures for a test module that posts to the app: one server per module, a fresh store per test.
@pytest.fixture(scope="module")
def app_server():
    with serving() as url:
        yield url


@pytest.fixture
def app_with_store(tmp_path, app_server):
    """(url, store path): the module's app serving a fresh store with the test users."""
    with store_in_use(make_store(tmp_path / "store.duckdb")) as path:
        yield app_server, path

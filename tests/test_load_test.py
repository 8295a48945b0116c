"""The load test's instrument (benchmarks/load_test.py) and the serving it measures (make serve).

The harness is run for one tiny round against the app served from a thread; `make serve` is run as
a user runs it, on a free port. Nothing here is timed: waits are checked only to be in order."""
from __future__ import annotations

import os
import runpy
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from auth_server import PASSWORD, PEOPLE, ROOT, make_store, serving, store_in_use
from benchmarks.dash_client import App, DashError, sign_in
from benchmarks.load_servers import group_cpu_seconds
from benchmarks.load_users import page_steps, page_visits, percentile, run_users, summarise

VIEWER = PEOPLE["viewer"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(url, App) for the app on the sample figures, its users able to sign in."""
    path = make_store(tmp_path_factory.mktemp("load") / "store.duckdb", figures=True)
    with store_in_use(path), serving() as url:
        yield url, App(url, sign_in(url, VIEWER, PASSWORD))


def test_one_round_of_simulated_users_is_every_request_answered_with_no_errors(served):
    url, app = served
    sessions = [sign_in(url, VIEWER, PASSWORD) for _ in range(2)]
    samples = run_users(sessions, page_steps(app, different_months=True), lambda n: n < 6)
    summary = summarise(samples)
    assert summary.requests == 6 and summary.errors == 0, summary.error_kinds
    assert sorted(s.what for s in samples) == ["board"] * 2 + ["measure"] * 2 + ["scorecard"] * 2
    assert 0 < summary.p50 <= summary.p95 <= summary.p99 <= max(s.seconds for s in samples)
    assert summary.per_second > 0


def test_the_payloads_are_the_pages_own_and_read_back_real_content(served):
    url, app = served
    session = sign_in(url, VIEWER, PASSWORD)
    assert len(app.months) == 72 and app.default_month in app.months  # April 2003 to March 2009
    assert "calls_999_10s" in app.measures
    caption = app.call(session, "scorecard", app.months[-1])["scorecard-caption"]["children"]
    assert "as of April 2003" in caption
    title = app.call(session, "measure", app.default_month, "calls_999_10s")["measure-title"]["children"]
    assert "999" in str(title)


def test_a_failed_request_is_counted_and_named_not_dropped(served):
    url, app = served
    anonymous = requests.Session()  # no sign-in, no Origin: the app refuses the callback

    def step(n):
        return "scorecard", lambda session: app.call(session, "scorecard", app.default_month)
    summary = summarise(run_users([anonymous], step, lambda n: n < 2))
    assert summary.requests == 2 and summary.errors == 2
    assert list(summary.error_kinds) == ["HTTP 403"]
    with pytest.raises(DashError, match="the scorecard page at month .*: HTTP 403"):
        step(0)[1](anonymous)


def test_a_different_month_each_request_and_every_page_sees_every_month(served):
    _, app = served
    visit = page_visits(app, different_months=True)
    visits = [visit(n) for n in range(3 * len(app.months))]
    assert all(visits[n][1] != visits[n + 1][1] for n in range(len(visits) - 1))
    for page in ("scorecard", "board", "measure"):
        assert sorted(month for p, month, _ in visits if p == page) == sorted(app.months)
    repeated = page_visits(app, different_months=False)
    assert {repeated(n)[1] for n in range(9)} == {app.default_month}


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50.0, 95.0, 99.0)
    assert percentile([3.0], 99) == 3.0


# --- make serve ------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(**extra) -> dict:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("METRICS_", "GUNICORN_")) and k not in ("HOST", "PORT")}
    return {**keep, "METRICS_WARM_UP": "0", **extra}


def _answering(url: str, process, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"{url}/signin", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise AssertionError(f"make serve did not answer at {url} (exit code {process.poll()})")


def test_make_serve_runs_gunicorn_with_its_workers_and_serves_the_scorecard(tmp_path):
    path = make_store(tmp_path / "store.duckdb", figures=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    environment = _environment(METRICS_DB=str(path), PORT=str(port), METRICS_WORKERS="2",
                               METRICS_SECRET_KEY="k" * 64, METRICS_UPLOAD_DIR=str(tmp_path / "uploads"))
    # -o: the shared virtual environment is taken as installed (make would otherwise pip install).
    process = subprocess.Popen(["make", "-s", "-o", ".venv/.installed", "serve"], cwd=ROOT, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _answering(url, process)
        session = sign_in(url, VIEWER, PASSWORD)
        assert session.get(f"{url}/").status_code == 200
        scorecard = App(url, session).call(session, "scorecard", 24110)  # March 2009
        assert "as of March 2009" in scorecard["scorecard-caption"]["children"]
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in os.listdir("/proc") if pid.isdigit()
                    and _group_of(pid) == process.pid]
        assert sum(b"gunicorn" in c and b"app:server" in c for c in commands) == 3  # the master and 2 workers
        assert group_cpu_seconds(process.pid) > 0
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def _group_of(pid: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2:].split()[2])


def test_gunicorn_conf_listens_on_host_and_port_with_workers_from_the_machine(monkeypatch):
    for name in ("HOST", "PORT", "METRICS_WORKERS", "METRICS_THREADS", "METRICS_ACCESS_LOG", "METRICS_GUNICORN_BIND"):
        monkeypatch.setenv(name, "")  # so that the test's own settings, and the file's, are undone after it
        monkeypatch.delenv(name)
    default = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert default["bind"] == "127.0.0.1:8050" and default["accesslog"] is None
    assert default["workers"] == max(2, min(2 * os.cpu_count(), 8)) and default["worker_class"] == "gthread"
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("METRICS_WORKERS", "3")
    chosen = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (chosen["bind"], chosen["workers"]) == ("0.0.0.0:9000", 3)
    assert os.environ["METRICS_GUNICORN_BIND"] == "0.0.0.0:9000"  # what the app's no-users check reads


def test_make_serve_on_every_address_with_no_users_refuses_to_start(tmp_path):
    path = make_store(tmp_path / "empty.duckdb", people=None)
    environment = _environment(METRICS_DB=str(path), HOST="0.0.0.0", PORT=str(_free_port()), METRICS_WORKERS="1",
                               METRICS_SECRET_KEY="k" * 64)
    run = subprocess.run(["make", "-s", "-o", ".venv/.installed", "serve"], cwd=ROOT, env=environment,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode != 0
    assert "Refusing to serve on 0.0.0.0: there are no users yet" in run.stdout + run.stderr

"""Two app processes on one PostgreSQL store, as two servers behind a load balancer would be: a load
through one is seen by the other at its next page load, and simultaneous saves through both land."""
from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from auth_server import signed_in
from dash_requests import payload, post
from metrics import store

ROOT = Path(__file__).resolve().parent.parent
NEW_MONTH_CSV = b"measure_id,period,area,value\ndomestic_abuse_reported,2010-06,force,131\n"
MARCH_2009 = 2009 * 12 + 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_app(location: str, uploads: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "METRICS_DB": location, "PORT": str(port), "HOST": "127.0.0.1", "METRICS_WARM_UP": "0",
           "METRICS_UPLOAD_DIR": str(uploads)}
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the app stopped: {process.stderr.read()}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return process, url
        except requests.ConnectionError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("the app did not start within 90 s")


@pytest.fixture
def two_servers(tmp_path, postgres_server):
    from postgres_cluster import new_database
    location = new_database(postgres_server)
    loaded = subprocess.run([sys.executable, "-m", "metrics", "sample", "--db", location], cwd=ROOT,
                            capture_output=True, text=True, timeout=180)
    assert loaded.returncode == 0, loaded.stderr
    started = [_start_app(location, tmp_path / "uploads") for _ in range(2)]
    try:
        yield location, [url for _, url in started]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=30)


def _page_load(url: str) -> str:
    """What a browser fetches when a page opens: the frame, with the header's months read afresh."""
    answer = requests.get(f"{url}/_dash-layout", timeout=60)
    assert answer.status_code == 200
    return answer.text


def test_a_load_through_one_server_is_seen_by_the_other_at_its_next_page_load(two_servers):
    _, (first, second) = two_servers
    assert "June 2010" not in _page_load(second)
    analyst = signed_in(first, None)
    upload = "data:text/csv;base64," + base64.b64encode(NEW_MONTH_CSV).decode()
    checked = post(analyst, first, payload("data-preview.children", {
        "data-upload.contents": [upload], "data-upload.filename": ["june.csv"]}))
    assert "Would add 1" in checked.text, checked.text
    (upload_id,) = checked.json()["response"]["data-staged"]["data"]
    loaded = post(analyst, first, payload("data-result.children...data-confirm.disabled", {
        "data-confirm.n_clicks": 1, "data-staged.data": [upload_id]}))
    assert "june.csv: added 1, revised 0, unchanged 0" in loaded.text
    assert "June 2010" in _page_load(second)


def test_simultaneous_saves_through_both_servers_all_land(two_servers):
    location, urls = two_servers
    sessions = {url: signed_in(url, None) for url in urls}
    answers = []

    def save(n):
        url = urls[n % 2]
        answers.append(post(sessions[url], url, payload("measure-commentary-saved.children", {
            "measure-commentary-save.n_clicks": 1, "measure-id.data": "domestic_abuse_reported",
            "as-of.value": MARCH_2009, "measure-commentary-text.value": f"Note number {n}"})))
    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 8
    assert all("Saved (version" in a.text for a in answers), [a.text[:200] for a in answers]
    with store.open_store(location).reading() as conn:
        saved = conn.execute("SELECT version, text FROM commentary WHERE measure_id = 'domestic_abuse_reported' "
                             "ORDER BY version").fetchall()
    assert [v for v, _ in saved] == list(range(1, 9))
    assert sorted(t for _, t in saved) == sorted(f"Note number {n}" for n in range(8))

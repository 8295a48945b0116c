"""The board pack prints in a background job: the request that asks for it answers at once, the
page polls for progress and the file, at most METRICS_PACK_PRINTERS print at once and the rest
are told they are queued; a failed print is logged and said in words; only people signed in may
print. Driven over HTTP as the page drives it (start, then poll with the job's handles)."""
from __future__ import annotations

import base64
import os
import signal
import sys
import logging
import threading
import time

import pytest
import requests

from auth_server import app_server, make_store, signed_in, store_in_use  # noqa: F401  (fixture)

QUARTER = 2009 * 12 + 2  # March 2009: 2008/09 Q4
OUTPUT = "..board-pack-download.data...board-pack-status.children.."


def pack_request(suffix: str, as_of: int = QUARTER) -> dict:
    button = "board-pack-pdf" if suffix == ".pdf" else "board-pack-html"
    inputs = [{"id": "board-pack-pdf", "property": "n_clicks", "value": 1 if suffix == ".pdf" else None},
              {"id": "board-pack-html", "property": "n_clicks", "value": 1 if suffix == ".html" else None}]
    return {"output": OUTPUT, "outputs": [{"id": "board-pack-download", "property": "data"},
                                         {"id": "board-pack-status", "property": "children"}],
            "inputs": inputs, "state": [{"id": "as-of", "property": "value", "value": as_of}],
            "changedPropIds": [f"{button}.n_clicks"]}


def print_pack(session: requests.Session, url: str, suffix: str, said: list, timeout: float = 240,
               as_of: int = QUARTER):
    """Ask for a pack as the page does; return the final answer's outputs, noting each progress text."""
    body = pack_request(suffix, as_of)
    started = session.post(f"{url}/_dash-update-component", json=body, timeout=30)
    assert started.status_code == 200, started.text[:300]
    handles = started.json()
    assert "cacheKey" in handles and "job" in handles and "response" not in handles  # answered at once
    polled = {**body, "inputs": [{**i, "value": None} for i in body["inputs"]],  # as the page polls
              "state": [{**s, "value": None} for s in body["state"]]}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.25)
        answer = session.post(f"{url}/_dash-update-component", json=polled, timeout=30,
                              params={"cacheKey": handles["cacheKey"], "job": handles["job"]})
        assert answer.status_code == 200, answer.text[:300]
        data = answer.json()
        if "progress" in data:
            said.append(data["progress"]["board-pack-status.children"])
        if "response" in data:
            return data["response"]
    raise AssertionError(f"no pack after {timeout} s; the page was told {said}")


@pytest.fixture(scope="module")
def sample_app(app_server, tmp_path_factory):  # noqa: F811
    """The app, signed in as a viewer, on a store with the sample figures."""
    with store_in_use(make_store(tmp_path_factory.mktemp("pack") / "store.duckdb", figures=True)):
        yield app_server, signed_in(app_server, "viewer")


@pytest.fixture
def pack_log(tmp_path):
    """The pack job's log lines (written by the background processes, so to a file)."""
    path = tmp_path / "pack.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(created)f %(levelname)s %(name)s %(message)s"))
    loggers = [logging.getLogger(n) for n in ("metrics.pack_job", "metrics.board_pack")]
    levels = [lg.level for lg in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield path
    for logger, level in zip(loggers, levels):
        logger.removeHandler(handler)
        logger.setLevel(level)
    handler.close()


def file_bytes(response) -> bytes:
    sent = response["board-pack-download"]["data"]
    return base64.b64decode(sent["content"]) if sent["base64"] else sent["content"].encode()


def ask_at_once(url, viewer, months: list[int], suffix=".html") -> tuple[list, list]:
    """Each month's pack asked for at the same moment, each by its own session: (answers, what each was told)."""
    results, told = [None] * len(months), [[] for _ in months]

    def ask(i):
        session = requests.Session()
        session.headers.update(viewer.headers)
        session.cookies.update(viewer.cookies)
        results[i] = print_pack(session, url, suffix, told[i], as_of=months[i])
    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(months))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results, told


def test_n_plus_one_packs_at_once_print_at_most_n_at_a_time_and_all_arrive(sample_app, pack_log, monkeypatch):
    url, viewer = sample_app
    monkeypatch.setenv("METRICS_PACK_PRINTERS", "2")
    results, told = ask_at_once(url, viewer, [QUARTER, QUARTER - 3, QUARTER - 6])  # three quarters' packs
    for response, quarter in zip(results, ("Q4", "Q3", "Q2")):  # every one arrived, whole, named for its quarter
        name = f"board-pack-2008-09-{quarter}.html"
        assert response["board-pack-download"]["data"]["filename"] == name
        assert f"Performance and delivery board: 2008/09 {quarter}" in file_bytes(response).decode()
        assert response["board-pack-status"]["children"] == f"The board pack is ready: {name}."
    # The third was told, in words, that it was queued behind the two printing.
    assert any("queued: waiting for 2 packs ahead of yours (at most 2 print at once)" in t
               for said in told for t in said), told
    assert all("Printing the board pack (HTML)…" in said for said in told), told
    # From the jobs' own log: never more than two printing at once, and the third began when one ended.
    events = sorted((float(line.split()[0]), "printed" in line) for line in pack_log.read_text().splitlines()
                    if "board pack .html: print" in line)
    assert len(events) == 6, pack_log.read_text()
    busy = most = 0
    for _, ended in events:
        busy += -1 if ended else 1
        most = max(most, busy)
    assert most == 2
    assert [ended for _, ended in events][:3] == [False, False, True]


def test_the_same_pack_asked_for_at_once_is_printed_once_and_again_after_a_change(sample_app, pack_log, monkeypatch):
    url, viewer = sample_app
    month = QUARTER - 9  # 2008/09 Q1: a pack no other test asks for
    results, told = ask_at_once(url, viewer, [month] * 3)
    packs = {file_bytes(r) for r in results}
    assert len(packs) == 1 and "2008/09 Q1" in packs.pop().decode()  # the same pack for each
    logged = pack_log.read_text()
    assert logged.count("board pack .html: printed board-pack-2008-09-Q1.html") == 1, logged
    assert logged.count("board pack .html: handed the one printed before, board-pack-2008-09-Q1.html") == 2, logged
    assert any("waiting for 1 pack ahead of yours" in t for said in told for t in said), told
    # A comment on the quarter changes the pack: the next request prints it afresh, with the comment.
    from metrics import service
    service.save_commentary(service.Source.from_environment(), "domestic_abuse_reported", month, "Rose in June", "Analyst")
    again = print_pack(viewer, url, ".html", [], as_of=month)
    assert "Rose in June" in file_bytes(again).decode()
    assert pack_log.read_text().count("board pack .html: printed board-pack-2008-09-Q1.html") == 2


def test_a_failed_print_is_logged_and_the_page_says_it_is_ours(sample_app, pack_log, monkeypatch):
    url, viewer = sample_app
    monkeypatch.setenv("PATH", "/nowhere")  # no Chromium to print the PDF with
    said = []
    response = print_pack(viewer, url, ".pdf", said)
    assert "board-pack-download" not in response  # no file, and the status says why in words
    words = str(response["board-pack-status"]["children"])
    assert "could not be printed: the fault is ours, not yours, and it has been logged. Please try again" in words
    logged = pack_log.read_text()
    assert "ERROR metrics.board_pack the board pack (.pdf, as of 2009-03) could not be printed" in logged
    assert "PackPrintError" in logged and "a PDF needs Chromium" in logged  # the reason, for whoever reads the log


def test_only_people_signed_in_may_print_a_pack(sample_app, monkeypatch):
    url, _ = sample_app
    monkeypatch.setenv("METRICS_PUBLIC_VIEW", "1")  # anyone may look; printing still needs a sign-in
    answer = signed_in(url, None).post(f"{url}/_dash-update-component", json=pack_request(".html"))
    assert answer.status_code == 401
    assert answer.json()["message"] == ("Sign in to print the board pack: only a viewer, analyst, secretary "
                                        "or admin may.")


def test_a_forked_job_logs_and_ends_though_a_worker_thread_was_writing_a_log_line():
    # A background job is forked from a web worker whose other threads log requests. If one held a
    # stream's lock at the fork, the job's first log line used to wait for it forever.
    import callbacks.background  # noqa: F401  (gives forked children streams of their own)
    reader, writer = os.pipe()
    stream = os.fdopen(writer, "w", buffering=1)
    logger = logging.getLogger("metrics.fork_test")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        # A long write into a pipe nobody reads yet: it blocks, holding the stream's lock.
        threading.Thread(target=lambda: stream.write("x" * 200_000 + "\n"), daemon=True).start()
        time.sleep(0.3)
        child = os.fork()
        if child == 0:  # the job
            try:
                logger.warning("the job's log line")
                sys.stdout.flush()
            finally:
                os._exit(0)
        threading.Thread(target=lambda: [None for _ in iter(lambda: os.read(reader, 65536), b"")], daemon=True).start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done, status = os.waitpid(child, os.WNOHANG)
            if done:
                assert os.waitstatus_to_exitcode(status) == 0
                break
            time.sleep(0.05)
        else:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
            raise AssertionError("the forked job hung on a stream lock held at the fork")
    finally:
        logger.removeHandler(handler)

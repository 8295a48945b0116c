"""The server owns uploads: a file is known by an id bound to the session and the person who checked
it, loads only after a check of that very file, and is deleted after loading, refusal or an hour.

The HTTP tests drive the real app (served from a thread, as in test_security.py) straight at
/_dash-update-component, as a crafted client would, and then look at the store and the folder."""
from __future__ import annotations

import base64
import socket

import pytest

from conftest import figures_file, monthly
from auth_server import app_server, app_with_store  # noqa: F401  (fixtures)
from auth_server import signed_in
from metrics import service, store, uploads
from test_security import payload, post, snapshot

GOOD = b"measure_id,period,area,value\ndomestic_abuse_reported,2009-03,force,120\n"
BAD = b"measure_id,period,area,value\nno_such_measure,2009-03,force,1\n"
MADE_UP = "0123456789abcdef0123456789abcdef"
NOT_CHECKED = "not loaded: it is not a file you checked on this page in this session."


@pytest.fixture(autouse=True)
def upload_folder(tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setenv("METRICS_UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def app(app_with_store):
    return app_with_store


def drop(session, url, *files):
    """Drop files on the data page: the answer, and the ids the page is given."""
    body = payload("data-preview.children", {
        "data-upload.contents": ["data:text/csv;base64," + base64.b64encode(c).decode() for _, c in files],
        "data-upload.filename": [n for n, _ in files]})
    answer = post(session, url, body)
    assert answer.status_code == 200, answer.text
    return answer, answer.json()["response"]["data-staged"]["data"]


def confirm(session, url, staged):
    body = payload("data-result.children...data-confirm.disabled", {"data-confirm.n_clicks": 1})
    body["state"][0]["value"] = staged
    return post(session, url, body)


def kept(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_checked_file_loads_once_names_the_person_and_is_then_deleted(app, upload_folder):
    url, path = app
    analyst = signed_in(url, "analyst")
    answer, staged = drop(analyst, url, ("march.csv", GOOD))
    assert "Would add 1" in answer.text
    assert len(staged) == 1 and uploads.is_id(staged[0])  # the page holds an opaque id only
    assert "march.csv" not in str(staged) and str(upload_folder) not in answer.text
    assert kept(upload_folder) == [f"{staged[0]}.csv", f"{staged[0]}.json"]
    loaded = confirm(analyst, url, staged)
    assert "march.csv: added 1, revised 0, unchanged 0" in loaded.text
    assert kept(upload_folder) == []
    again = confirm(analyst, url, staged)  # the same confirm sent twice loads nothing more
    assert NOT_CHECKED in again.text and "Nothing was loaded." in again.text
    conn = store.connect(path)
    try:
        assert conn.execute("SELECT file_name, loaded_by FROM loads").fetchall() == [("march.csv", "Ann Analyst")]
    finally:
        conn.close()


def test_a_made_up_id_another_persons_id_or_an_unchecked_file_changes_nothing(app, upload_folder):
    url, path = app
    analyst, secretary = signed_in(url, "analyst"), signed_in(url, "secretary")
    _, theirs = drop(analyst, url, ("march.csv", GOOD))
    unchecked = service.stage_upload("april.csv", GOOD, "Sam Secretary")  # staged, never previewed
    before = snapshot(path)
    for staged in ([MADE_UP], theirs, [unchecked.id]):
        answer = confirm(secretary, url, staged)
        assert answer.status_code == 200 and NOT_CHECKED in answer.text and "Nothing was loaded." in answer.text
    assert snapshot(path) == before
    assert f"{theirs[0]}.csv" in kept(upload_folder)  # someone else's attempt does not delete it
    assert "march.csv: added 1" in confirm(analyst, url, theirs).text  # and its owner can still load it


def test_a_path_a_file_name_or_the_old_record_of_a_file_is_refused_with_a_clear_400(app, upload_folder):
    url, path = app
    analyst = signed_in(url, "analyst")
    outside = upload_folder.parent / "figures.csv"
    outside.write_bytes(GOOD)
    before = snapshot(path)
    for staged in ([str(outside)], ["march.csv"], [{"name": "march.csv", "path": str(outside), "hash": "00"}]):
        answer = confirm(analyst, url, staged)
        assert answer.status_code == 400
        assert answer.json()["message"].startswith(
            "The checked files must be the ids the page was given for the files it checked (never a path or a file name)")
    assert snapshot(path) == before and outside.exists()


def test_a_refused_file_is_deleted_at_once_and_only_its_owner_can_download_its_problems(app, upload_folder):
    url, path = app
    analyst, admin = signed_in(url, "analyst"), signed_in(url, "admin")
    answer, staged = drop(analyst, url, ("bad.csv", BAD))
    assert staged == [] and "1 problem: this file will not be loaded." in answer.text
    upload_id = answer.text.split('"index":"')[1][:32]
    assert kept(upload_folder) == [f"{upload_id}.json", f"{upload_id}.problems.csv"]  # the file itself has gone
    body = payload("data-problems-download.data", {})
    body["inputs"][0] = [{"id": {"type": "problems-download", "index": upload_id}, "property": "n_clicks", "value": 1}]
    body["changedPropIds"] = ['{"index":"%s","type":"problems-download"}.n_clicks' % upload_id]
    mine = post(analyst, url, body)
    content = mine.json()["response"]["data-problems-download"]["data"]
    assert content["filename"] == "bad-problems.csv"
    assert content["content"] == ('file,row,column,value,problem\n'
                                  'bad.csv,2,measure_id,no_such_measure,"unknown measure ""no_such_measure"""\n')
    theirs = post(admin, url, body)  # another person gets nothing
    assert theirs.status_code in (200, 204) and "no_such_measure" not in theirs.text
    assert confirm(analyst, url, [upload_id]).text.count(NOT_CHECKED) == 1


def test_the_page_shows_the_first_200_problems_and_the_download_has_every_one(app, upload_folder):
    url, _ = app
    rows = b"".join(b"domestic_abuse_reported,2009-%02d,nowhere%d,1\n" % (month, i) for i in range(225) for month in (2, 3))
    answer, _ = drop(signed_in(url, "analyst"), url, ("many.csv", b"measure_id,period,area,value\n" + rows))
    text = answer.text
    assert "450 problems: this file will not be loaded." in text
    assert "The first 200 of 450 problems are shown; the download lists every one." in text
    assert text.count('unknown area') == 200 + 10  # the rows shown, and the first ten kinds of problem
    assert '2 rows: unknown area \\"nowhere0\\"' in text and "... and 215 more kinds of problem" in text
    upload_id = text.split('"index":"')[1][:32]
    csv_text = (upload_folder / f"{upload_id}.problems.csv").read_text()
    assert len(csv_text.splitlines()) == 1 + 450


def test_a_new_drop_replaces_the_files_checked_before_it(app, upload_folder):
    url, _ = app
    analyst = signed_in(url, "analyst")
    _, first = drop(analyst, url, ("march.csv", GOOD))
    _, second = drop(analyst, url, ("april.csv", GOOD.replace(b"120", b"121")))
    assert kept(upload_folder) == sorted([f"{second[0]}.csv", f"{second[0]}.json"])
    assert NOT_CHECKED in confirm(analyst, url, first).text


def test_signing_out_deletes_the_files_checked_but_not_loaded(app, upload_folder):
    url, _ = app
    analyst = signed_in(url, "analyst")
    drop(analyst, url, ("march.csv", GOOD))
    assert len(kept(upload_folder)) == 2
    analyst.post(f"{url}/signout", allow_redirects=False)
    assert kept(upload_folder) == []


def test_a_file_changed_after_its_check_is_not_loaded(app, upload_folder):
    url, path = app
    analyst = signed_in(url, "analyst")
    _, staged = drop(analyst, url, ("march.csv", GOOD))
    (upload_folder / f"{staged[0]}.csv").write_bytes(GOOD.replace(b"120", b"999"))
    before = snapshot(path)
    answer = confirm(analyst, url, staged)
    assert "not loaded: march.csv: not loaded, as it is not the file that was checked: drop it again" in answer.text
    assert snapshot(path) == before and kept(upload_folder) == []


def test_staged_files_go_after_an_hour_swept_at_the_next_stage(upload_folder, monkeypatch, tmp_path, plan_file):
    now = [1_000_000.0]
    monkeypatch.setattr(uploads, "clock", lambda: now[0])
    old = service.stage_upload("old.csv", GOOD, "Ann")
    now[0] += 3599
    with pytest.raises(uploads.UploadError, match="that file was checked by someone else"):
        uploads.find(old.id, "Bob")
    assert uploads.find(old.id, "Ann").name == "old.csv"  # 59 minutes 59 seconds on: still kept
    now[0] += 2
    with pytest.raises(uploads.UploadError, match="old.csv: the checked file has expired"):
        uploads.find(old.id, "Ann")
    assert kept(upload_folder) == []
    older = service.stage_upload("older.csv", GOOD, "Ann")
    now[0] += 3601
    newer = service.stage_upload("newer.csv", GOOD, "Ann")  # each stage sweeps what is over an hour old
    assert kept(upload_folder) == sorted([f"{newer.id}.csv", f"{newer.id}.json"])
    source = service.Source((str(plan_file),), str(tmp_path / "store.duckdb"))
    with pytest.raises(uploads.UploadError, match="no longer kept"):
        service.load_upload(source, older.id, "Ann", older.hash)


def test_a_staged_file_loads_only_once_checked_and_only_for_its_owner(upload_folder, tmp_path, plan_file):
    from metrics import store
    store.connect(tmp_path / "store.duckdb").close()  # the app works on a store that exists
    source = service.Source((str(plan_file),), str(tmp_path / "store.duckdb"))
    staged = service.stage_upload("a.csv", figures_file(tmp_path, monthly("crimes", "2006-04", ["5"])).read_bytes(), "Ann")
    with pytest.raises(uploads.UploadError, match="a.csv: not loaded, as it was never checked"):
        service.load_upload(source, staged.id, "Ann", staged.hash)
    service.check_upload(source, staged)
    with pytest.raises(uploads.UploadError, match="checked by someone else"):
        service.load_upload(source, staged.id, "Bob", staged.hash)
    with pytest.raises(uploads.UploadError, match="not a file checked on this page"):
        service.load_upload(source, "../../etc/passwd", "Ann", staged.hash)
    assert service.load_upload(source, staged.id, "Ann", staged.hash).added == 1
    assert kept(upload_folder) == []


def test_a_body_with_no_length_is_refused_unread(app):
    url, _ = app
    host, port = url.rsplit("/", 1)[-1].split(":")
    cookie = "; ".join(f"{k}={v}" for k, v in signed_in(url, "analyst").cookies.items())
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall((f"POST /_dash-update-component HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: {url}\r\n"
                     f"Cookie: {cookie}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
        reply = b""
        while chunk := raw.recv(4096):  # the server answers and closes, having read no body
            reply += chunk
        reply = reply.decode()
    assert reply.startswith("HTTP/1.1 411") and "must say its length" in reply


def test_a_body_one_byte_over_the_limit_is_refused_with_the_limit_in_words(app):
    import security
    url, _ = app
    answer = signed_in(url, "analyst").post(f"{url}/_dash-update-component", data=b" " * (security.MAX_REQUEST_BYTES + 1),
                                            headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["message"] == ("The request is too large: at most 36 MB can be sent at once (files of up to "
                                        "20 MB each). Nothing was read or changed.")

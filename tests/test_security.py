"""The web app's gate, driven over HTTP: sign-in, the role on every change, input checks, headers.

Every request goes to the real app served from a thread (as tests/conftest.py serves it), straight
to /_dash-update-component with the payloads the pages send, and then the store is looked at."""
from __future__ import annotations

import base64
import inspect
import logging
import os
import socket
import subprocess
import sys
import time

import pytest

from auth_server import app_server, app_with_store  # noqa: F401  (fixtures)
from auth_server import PASSWORD, ROOT, app_module, make_store, signed_in, store_in_use
from dash_requests import callback_key, callback_map, payload, payload_for, post  # noqa: F401
from metrics import service, store

MONTH = 2009 * 12 + 2  # March 2009
FIGURES_CSV = b"measure_id,period,area,value\ndomestic_abuse_reported,2009-03,force,120\n"


@pytest.fixture
def with_users(app_with_store):
    return app_with_store


@pytest.fixture
def without_users(tmp_path, app_server):
    with store_in_use(make_store(tmp_path / "empty.duckdb", people=None)) as path:
        yield app_server, path


def upload_value() -> str:
    return "data:text/csv;base64," + base64.b64encode(FIGURES_CSV).decode()


def write_payloads() -> dict:
    """Every state-changing callback of the app, as the page sends it."""
    staged = service.stage_upload("figures.csv", FIGURES_CSV, "Ann Analyst")  # staged, never checked
    return {
        "save commentary": payload("measure-commentary-saved.children", {
            "measure-commentary-save.n_clicks": 1, "measure-id.data": "domestic_abuse_reported",
            "as-of.value": MONTH, "measure-commentary-text.value": "Reports rose after the campaign."}),
        "raise an action": payload("action-message.children", {
            "action-raise.n_clicks": 1, "action-meeting.value": "2009-04-10", "action-text.value": "Review reports",
            "action-owner.value": "DCI Smith", "action-due.value": "2009-06-30", "action-measures.value": []}),
        "discharge an action": payload("action-message.children", {
            "action-discharge.n_clicks": 1, "action-id.value": 1, "action-note.value": "Done"}),
        "check a file": payload("data-preview.children", {
            "data-upload.contents": [upload_value()], "data-upload.filename": ["figures.csv"]}),
        "load a file": payload("data-result.children...data-confirm.disabled", {
            "data-confirm.n_clicks": 1, "data-staged.data": [staged.id]}),
    }


def snapshot(path) -> dict:
    conn = store.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*), coalesce(max(hash({t})), 0) FROM {t}").fetchone()
                for t in ("loads", "figures", "revisions", "commentary", "actions")}
    finally:
        conn.close()


def test_every_callback_that_changes_the_store_is_known_to_the_gate():
    """A callback that calls a writing service function must be in security.WRITE_OUTPUTS."""
    import security
    writers = ("save_commentary", "raise_action", "update_action", "stage_upload", "check_upload", "load_upload")
    found = []
    for key, spec in callback_map().items():
        if "callback" not in spec:
            continue  # a clientside callback: it runs in the browser and cannot reach the store
        function = inspect.unwrap(spec["callback"])
        if any(f"service.{w}(" in inspect.getsource(function) for w in writers):
            assert security.write_role(key), f"{function.__name__} changes the store but is not gated"
            found.append(function.__name__)
    assert sorted(found) == ["change_actions", "load_confirmed", "preview_uploads", "save_commentary"]
    assert security.write_role(callback_key("measure-commentary-saved.children"))[0] == "analyst"
    assert security.write_role(callback_key("action-message.children"))[0] == "secretary"
    assert security.write_role(callback_key("data-preview.children"))[0] == "analyst"
    assert security.write_role(callback_key("data-result.children...data-confirm.disabled"))[0] == "analyst"


def test_anonymous_people_and_viewers_change_nothing_whatever_they_post(with_users):
    url, path = with_users
    before = snapshot(path)
    anonymous, viewer = signed_in(url, None), signed_in(url, "viewer")
    for name, body in write_payloads().items():
        answer = post(anonymous, url, body)
        assert answer.status_code == 401, name
        assert answer.json()["message"].startswith("Sign in first")
        answer = post(viewer, url, body)
        assert answer.status_code == 403, name
        assert "you are signed in as Vera Viewer (viewer). Nothing was changed." in answer.json()["message"]
    analyst = signed_in(url, "analyst")
    for name in ("raise an action", "discharge an action"):
        answer = post(analyst, url, write_payloads()[name])
        assert answer.status_code == 403
        assert answer.json()["message"].startswith("Only a secretary or admin may raise, update or discharge actions")
    assert snapshot(path) == before


def test_each_role_may_make_its_own_changes_and_the_store_names_the_signed_in_person(with_users):
    url, path = with_users
    payloads = write_payloads()
    analyst, secretary = signed_in(url, "analyst"), signed_in(url, "secretary")
    assert "Saved (version 1)" in post(analyst, url, payloads["save commentary"]).text
    assert "Action 1 raised." in post(secretary, url, payloads["raise an action"]).text
    assert "Action 1 discharged." in post(secretary, url, payloads["discharge an action"]).text
    checked = post(analyst, url, payloads["check a file"])
    assert "Would add 1" in checked.text
    (upload_id,) = checked.json()["response"]["data-staged"]["data"]  # an id, known to this session
    payloads["load a file"]["state"][0]["value"] = [upload_id]
    assert "figures.csv: added 1, revised 0, unchanged 0" in post(analyst, url, payloads["load a file"]).text
    conn = store.connect(path)
    try:
        # No name is typed anywhere: the signed-in people are recorded.
        assert conn.execute("SELECT author FROM commentary").fetchall() == [("Ann Analyst",)]
        assert conn.execute("SELECT edited_by FROM actions ORDER BY version").fetchall() == [
            ("Sam Secretary",), ("Sam Secretary",)]
        assert conn.execute("SELECT loaded_by FROM loads").fetchall() == [("Ann Analyst",)]
        assert conn.execute("SELECT count(*) FROM figures").fetchone()[0] == 1
    finally:
        conn.close()


def test_pages_send_anonymous_people_to_sign_in_and_callbacks_answer_401(with_users):
    url, _ = with_users
    anonymous = signed_in(url, None)
    answer = anonymous.get(f"{url}/board?as_of=2009-03", allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"] == "/signin?next=/board?as_of=2009-03"
    assert anonymous.get(f"{url}/_dash-layout").status_code == 401
    page = anonymous.get(f"{url}/signin")
    assert page.status_code == 200 and 'id="signin-name"' in page.text
    assert anonymous.get(f"{url}/assets/00-bootstrap.min.css").status_code == 200  # the sign-in page's style


def test_public_view_lets_anyone_look_but_not_change(with_users, monkeypatch):
    url, path = with_users
    monkeypatch.setenv("METRICS_PUBLIC_VIEW", "1")
    anonymous = signed_in(url, None)
    assert anonymous.get(f"{url}/", allow_redirects=False).status_code == 200
    assert anonymous.get(f"{url}/_dash-layout").status_code == 200
    before = snapshot(path)
    assert post(anonymous, url, write_payloads()["save commentary"]).status_code == 401
    assert snapshot(path) == before


def test_a_wrong_password_a_disabled_user_and_a_reset_password_are_all_shut_out(with_users):
    url, path = with_users
    anonymous = signed_in(url, None)
    wrong = anonymous.post(f"{url}/signin", data={"name": "Ann Analyst", "password": "not it at all"})
    assert wrong.status_code == 401 and "do not match an active user" in wrong.text
    analyst = signed_in(url, "analyst")
    assert analyst.get(f"{url}/_dash-layout").status_code == 200
    from metrics import users
    conn = store.connect(path)
    try:
        users.reset_password(conn, "Ann Analyst", "a different long password")
        users.disable(conn, "Vera Viewer")
    finally:
        conn.close()
    assert analyst.get(f"{url}/_dash-layout").status_code == 401  # the session signed in before the reset ends
    gone = anonymous.post(f"{url}/signin", data={"name": "Vera Viewer", "password": PASSWORD})
    assert gone.status_code == 401


def test_five_wrong_passwords_shut_a_name_out_in_every_worker_on_the_machine(with_users, monkeypatch, tmp_path):
    url, _ = with_users
    monkeypatch.setenv("METRICS_JOB_DIR", str(tmp_path / "jobs"))  # a count of this test's own
    anonymous = signed_in(url, None)
    for _ in range(5):
        assert anonymous.post(f"{url}/signin", data={"name": "Sam Secretary", "password": "a wrong guess"}).status_code == 401
    shut = anonymous.post(f"{url}/signin", data={"name": "sam secretary", "password": PASSWORD})
    assert shut.status_code == 429 and "Too many wrong passwords" in shut.text  # even the right one, for now
    # Another worker (a process of its own, as gunicorn runs them) counts the same wrong passwords.
    other_worker = subprocess.run([sys.executable, "-c", "from metrics import signin_failures; "
                                   "print(signin_failures.too_many('Sam Secretary'), signin_failures.too_many('Ann Analyst'))"],
                                  cwd=ROOT, capture_output=True, text=True, timeout=60,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert other_worker.stdout.split() == ["True", "False"], other_worker.stderr
    assert signed_in(url, "analyst").get(f"{url}/_dash-layout").status_code == 200  # other names sign in as before


def test_sign_out_ends_the_session(with_users):
    url, _ = with_users
    admin = signed_in(url, "admin")
    assert admin.get(f"{url}/_dash-layout").status_code == 200
    assert admin.post(f"{url}/signout", allow_redirects=False).headers["Location"] == "/signin"
    assert admin.get(f"{url}/_dash-layout").status_code == 401


def test_a_post_from_another_site_or_with_no_origin_is_refused(with_users):
    url, path = with_users
    analyst = signed_in(url, "analyst")
    body = write_payloads()["save commentary"]
    before = snapshot(path)
    elsewhere = analyst.post(f"{url}/_dash-update-component", json=body, headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403 and "did not come from this app's own pages" in elsewhere.json()["message"]
    del analyst.headers["Origin"]
    assert analyst.post(f"{url}/_dash-update-component", json=body).status_code == 403
    login = signed_in(url, None)
    login.headers["Origin"] = "https://evil.example"
    assert login.post(f"{url}/signin", data={"name": "Ann Analyst", "password": PASSWORD}).status_code == 403
    assert snapshot(path) == before


@pytest.mark.parametrize("field, value, message", [
    ("as-of.value", "2009-03", "The as-of month must be a month as the page's picker sends it (a whole number), "
                               "not text such as '2009-03'; the request sent text ('2009-03')."),
    ("as-of.value", [MONTH], "The as-of month must be a month"),
    ("grain.value", "weekly", "The period must be one of month, quarter, ytd, rolling12, year; the request sent text ('weekly')."),
    ("area.value", ["force"], "The area must be text of at most 100 characters; the request sent a list."),
    ("scorecard-status.value", "red", "The statuses must be a list of text; the request sent text ('red')."),
])
def test_callback_input_of_the_wrong_type_gets_a_clear_400(with_users, field, value, message):
    url, _ = with_users
    values = {"as-of.value": MONTH, "grain.value": "own", "area.value": "force", field: value}
    answer = post(signed_in(url, "viewer"), url, payload("scorecard-table.children", values))
    assert answer.status_code == 400 and answer.json()["message"].startswith(message)


def test_every_known_input_refuses_the_wrong_type_and_nothing_answers_500(with_users):
    """Each callback of the app, with each of its inputs sent as the wrong kind of value."""
    import security
    url, _ = with_users
    admin = signed_in(url, "admin")
    wrong_values = {"text": "nonsense", "list": ["a", 1], "object": {"x": 1}, "number": 12.5}
    checked = 0
    for key, spec in callback_map().items():
        for position, field in enumerate(spec["inputs"] + spec["state"]):
            known = (field["id"], field["property"]) in security.FIELDS or field["property"] == "n_clicks"
            if not known:
                continue
            for kind, value in wrong_values.items():
                body = payload_for(key, {})
                items = body["inputs"] + body["state"]
                items[position]["value"] = value
                valid = security.FIELDS.get((field["id"], field["property"]), security.N_CLICKS)[1][0]
                if valid(value):
                    continue
                answer = post(admin, url, body)
                assert answer.status_code == 400, (key, field, kind, answer.text[:200])
                checked += 1
    assert checked > 60


def test_every_input_a_callback_reads_has_a_check_of_its_kind():
    """A new callback's inputs go into security.FIELDS, so wrong kinds get a 400 and never reach it.
    Only a component's children, used as a trigger and never read, need none (nor a clientside
    callback's inputs: they never reach the server)."""
    import security
    unchecked = [(key, f["id"], f["property"]) for key, spec in callback_map().items() if "callback" in spec
                 for f in spec["inputs"] + spec["state"]
                 if not f["id"].startswith("{") and f["property"] not in ("n_clicks", "children")
                 and (f["id"], f["property"]) not in security.FIELDS]
    assert unchecked == []


def test_an_error_inside_a_callback_is_logged_and_said_plainly(with_users, monkeypatch, caplog):
    url, _ = with_users

    def broken(*_args, **_kwargs):
        raise RuntimeError("the engine fell over")
    monkeypatch.setattr(service, "status", broken)
    with caplog.at_level(logging.ERROR, logger="metrics.security"):
        answer = post(signed_in(url, "viewer"), url,
                      payload("scorecard-table.children", {"as-of.value": MONTH, "grain.value": "own"}))
    assert answer.status_code == 200
    assert answer.json()["sideUpdate"]["app-error"]["children"]["props"]["children"].startswith(
        "Something went wrong on our side, and it has been logged.")
    assert "the engine fell over" in caplog.text


def test_a_problem_a_person_can_put_right_is_said_in_its_own_words_not_as_ours(with_users, monkeypatch):
    url, _ = with_users
    from metrics.errors import NotHeld

    def refused(*_args, **_kwargs):
        raise NotHeld("no figures are loaded, so there is no quarter to review")
    monkeypatch.setattr(service, "status", refused)
    answer = post(signed_in(url, "viewer"), url,
                  payload("scorecard-table.children", {"as-of.value": MONTH, "grain.value": "own"}))
    said = answer.json()["sideUpdate"]["app-error"]["children"]["props"]["children"]
    assert said == "No figures are loaded, so there is no quarter to review. Nothing was changed."
    assert "our side" not in said


def test_every_answer_carries_the_framing_sniffing_and_content_security_headers(with_users):
    url, _ = with_users
    for path in ("/signin", "/assets/style.css"):
        headers = signed_in(url, None).get(url + path).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "'unsafe-eval'" not in csp


def test_a_body_over_the_limit_is_refused_before_it_is_read(with_users):
    url, _ = with_users
    host, port = url.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall((f"POST /_dash-update-component HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: {url}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n").encode())
        started = time.monotonic()
        reply = raw.recv(4096).decode()  # no body was sent: an answer now means none was waited for
    assert reply.startswith("HTTP/1.1 413") and time.monotonic() - started < 5


def test_with_no_users_the_app_is_one_local_admin_on_this_computer_only(without_users):
    url, path = without_users
    local = signed_in(url, None)
    banner = post(local, url, payload("local-mode-banner.children", {"url.pathname": "/"})).text
    assert "No users yet." in banner and "python -m metrics users add NAME --role admin" in banner
    assert "Saved (version 1)" in post(local, url, write_payloads()["save commentary"]).text
    import getpass
    conn = store.connect(path)
    try:
        assert conn.execute("SELECT author FROM commentary").fetchall() == [(getpass.getuser(),)]
    finally:
        conn.close()
    proxied = local.get(f"{url}/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403 and "answers only on the computer it runs on" in proxied.json()["message"]


def test_serving_beyond_this_computer_is_refused_until_a_user_exists():
    import security
    assert "Refusing to serve on 0.0.0.0: there are no users yet" in security.serving_refusal(["0.0.0.0"], False)
    assert security.serving_refusal(["127.0.0.1", "::1", "localhost"], False) is None
    assert security.serving_refusal(["0.0.0.0"], True) is None
    binds = security.serving_hosts(["gunicorn", "-w", "2", "-b", "0.0.0.0:8000", "app:server"], {})
    assert binds == ["0.0.0.0"]
    assert security.serving_hosts(["gunicorn", "--bind=127.0.0.1:8000", "app:server"], {}) == ["127.0.0.1"]
    assert security.serving_hosts(["gunicorn", "app:server"], {"PORT": "8000"}) == ["0.0.0.0"]  # gunicorn's own rule
    assert security.serving_hosts(["gunicorn", "-b", "[::1]:8000", "app:server"], {}) == ["::1"]


def test_python_app_py_and_gunicorn_refuse_to_serve_everyone_with_no_users(tmp_path):
    environment = {**os.environ, "METRICS_DB": str(make_store(tmp_path / "empty.duckdb", people=None)),
                   "METRICS_WARM_UP": "0", "HOST": "0.0.0.0", "PORT": "0"}
    run = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=environment, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2 and "error: Refusing to serve on 0.0.0.0: there are no users yet" in run.stderr
    gunicorn = subprocess.run([sys.executable, "-m", "gunicorn", "--preload", "-b", "0.0.0.0:0", "app:server"],
                              cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert gunicorn.returncode != 0 and "Refusing to serve on 0.0.0.0" in gunicorn.stderr


def test_require_role_lets_code_check_the_role_itself(with_users, without_users_store):
    dash_app = app_module()
    import security
    assert security.current_user() is None  # outside a request: no one
    with dash_app.server.test_request_context("/"):
        with pytest.raises(security.NotAllowed, match="sign in as an analyst, secretary or admin first"):
            security.require_role("analyst")
    with store_in_use(without_users_store), dash_app.server.test_request_context("/"):
        assert security.require_role("admin").local  # no users yet: the local user may do anything


@pytest.fixture
def without_users_store(tmp_path):
    return make_store(tmp_path / "nobody.duckdb", people=None)


def _find(node, kind):
    """Every component of this type in a layout as /_dash-layout sends it."""
    if isinstance(node, list):
        return [found for item in node for found in _find(item, kind)]
    if not isinstance(node, dict):
        return []
    props = node.get("props", {})
    here = [node] if node.get("type") == kind else []
    return here + [found for value in props.values() for found in _find(value, kind)]


def test_the_header_shows_the_signed_in_name_and_role_and_a_sign_out_button(with_users):
    url, _ = with_users
    analyst = signed_in(url, "analyst")
    (header,) = _find(analyst.get(f"{url}/_dash-layout").json(), "Header")
    ids = str(header)
    assert "'user-badge'" in ids and "'local-mode-banner'" in ids  # inside the header, once each
    badge = post(analyst, url, payload("user-badge.children", {"url.pathname": "/"})).json()["response"]["user-badge"]
    text = str(badge)
    assert "'Ann Analyst'" in text and "'(analyst)'" in text and "'Sign out'" in text and "'/signout'" in text
    assert "Viewing without signing in" not in text


def test_the_local_mode_header_says_who_the_local_user_is(without_users):
    import getpass
    url, _ = without_users
    badge = post(signed_in(url, None), url, payload("user-badge.children", {"url.pathname": "/"})).text
    assert getpass.getuser() in badge and "(local user, admin)" in badge


def test_text_a_little_over_its_limit_is_refused_on_the_page_and_a_flood_with_a_400(with_users):
    url, path = with_users
    analyst, secretary = signed_in(url, "analyst"), signed_in(url, "secretary")
    before = snapshot(path)
    values = {"measure-commentary-save.n_clicks": 1, "measure-id.data": "domestic_abuse_reported", "as-of.value": MONTH}
    long = payload("measure-commentary-saved.children", {**values, "measure-commentary-text.value": "x" * 10_001})
    assert "Not saved: the commentary is 10,001 characters; the limit is 10,000." in post(analyst, url, long).text
    action = payload("action-message.children", {
        "action-raise.n_clicks": 1, "action-meeting.value": "2009-04-10", "action-text.value": "y" * 2_001,
        "action-owner.value": "DCI Smith", "action-due.value": "2009-06-30", "action-measures.value": []})
    assert "Not saved: the action is 2,001 characters; the limit is 2,000." in post(secretary, url, action).text
    flood = payload("measure-commentary-saved.children", {**values, "measure-commentary-text.value": "x" * 5_000_000})
    answer = post(analyst, url, flood)
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("The commentary must be text of at most 50,000 characters")
    assert snapshot(path) == before

"""Who may do what in the web app: sign-in, sessions, the role gate on every change, safe headers.

`install(app)` wires it into the Dash app's Flask server, with no change to any page or callback:
- sign-in at /signin and sign-out at /signout (Flask-Login). The session is Flask's signed cookie;
  its secret comes from METRICS_SECRET_KEY, else the file named by METRICS_SECRET_KEY_FILE, else a
  key file made once beside the store.
- before every request: an Origin check on anything that is not a GET; pages need a signed-in user
  (or METRICS_PUBLIC_VIEW=1, for viewing only); each callback that changes the store needs its role,
  checked here on the server whatever the browser sends; callback input of the wrong type gets a
  clear 400; request bodies over the upload limit are refused before they are read.
- after every request: framing, sniffing and content-security headers.
- an error in a callback is logged and the page says "something went wrong on our side".
With no users in the store the app runs as one local user (an admin), and answers on 127.0.0.1 only.
"""
from __future__ import annotations

import getpass
import ipaddress
import logging
import math
import os
import secrets
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import flask
import flask_login
from dash import Input, Output, callback, html, set_props
from markupsafe import escape
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from metrics import service, signin_failures, store, uploads, users, workflow
from metrics.errors import Problem
from metrics.periods import GRAINS
from metrics.users import ROLE_WORDS, ROLES, allows

log = logging.getLogger("metrics.security")

# The callbacks that change the store (or stage a file to load, or print a pack), known by an
# output only they write, with the role each needs and what it does, in words. Dash runs the
# callback that the request's `output` names, so gating on it covers whatever else the request
# says; a background callback's polls name the same output, so they pass the same gate.
WRITE_OUTPUTS = {
    "measure-commentary-saved": ("analyst", "write commentary"),
    "data-preview": ("analyst", "check figures files for loading"),
    "data-staged": ("analyst", "check figures files for loading"),
    "data-result": ("analyst", "load figures"),
    "action-message": ("secretary", "raise, update or discharge actions"),
    "measure-phase-saved": ("analyst", "record process changes"),
    "board-statement-saved": ("analyst", "write the quarterly statement"),
    # A read, but one that takes a printer for some seconds: any signed-in person, never anonymous.
    "board-pack-download": ("viewer", "print the board pack"),
}
UPDATE_PATH = "/_dash-update-component"
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico", "/status.css")
SIGNIN_PATHS = ("/signin", "/signout")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LOCAL_HOSTS = ("localhost", "")
ADD_USER = "python -m metrics users add NAME --role admin"
# A whole day at most between sign-ins; the cookie is sent to this site only, never to scripts.
SESSION_HOURS = 12
# Base64 makes an upload a third larger, and a drop may hold several files: room for 25 MB of files.
MAX_REQUEST_BYTES = 36 * 2**20
USERS_CACHE_SECONDS = 10


class ServingRefused(RuntimeError):
    """The app would be reachable from other computers while anyone could act as its admin."""


class NotAllowed(PermissionError):
    """The signed-in person's role does not allow this."""


@dataclass(frozen=True)
class Person:
    """A signed-in user (or, with no users yet, the single local user), as Flask-Login wants one."""
    name: str
    role: str
    local: bool = False
    stamp: str = ""
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.stamp}:{self.name}"

    @property
    def role_words(self) -> str:
        return f"{self.role.capitalize()}: {ROLE_WORDS[self.role]}"


def _local_person() -> Person:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "local user"
    return Person(name=name, role="admin", local=True)


# --- users, read from the store at most every few seconds, and at once after any change --------

_accounts_cache: dict[str, tuple] = {}


def _accounts() -> dict[str, users.User]:
    source = service.Source.from_environment()
    cached = _accounts_cache.get(source.db)
    try:
        key = (service.store_version(source), int(time.monotonic() // USERS_CACHE_SECONDS))
        if cached and cached[0] == key:
            return cached[1]
        accounts = service.read(source, users.every_user)
    except store.StoreError:  # no store yet, or one that cannot be read: the pages say so
        return cached[1] if cached else {}
    _accounts_cache[source.db] = (key, accounts)
    return accounts


def local_mode() -> bool:
    """No users in the store yet: the app serves one local admin, on this computer only."""
    return not _accounts()


def public_view() -> bool:
    return os.environ.get("METRICS_PUBLIC_VIEW", "0") == "1"


def current_user() -> Person | None:
    """The person using the app now (name, role), or None when no one is signed in."""
    if not flask.has_request_context():
        return None
    if local_mode():
        return _local_person()
    person = flask_login.current_user
    return person if isinstance(person, Person) else None


def require_role(role: str) -> Person:
    """The current person, if their role allows what needs `role`; else NotAllowed (a 403)."""
    person = current_user()
    if person is None:
        raise NotAllowed(f"sign in as {_roles_from(role)} first")
    if not allows(person.role, role):
        raise NotAllowed(f"only {_roles_from(role)} may do this; you are signed in as {person.name} ({person.role})")
    return person


def _roles_from(role: str) -> str:
    allowed = list(ROLES[ROLES.index(role):])
    words = allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " or " + allowed[-1]
    return f"an {words}" if words[0] in "aeiou" else f"a {words}"


# --- components the header can show --------------------------------------------------------------

def user_badge() -> html.Div:
    """The signed-in person's name and role, and a sign-out button. Filled per page load by a
    callback, so it is right for each person even inside a layout built once at start-up."""
    return html.Div(id="user-badge", className="user-badge")


def local_mode_banner() -> html.Div:
    """Says, while there are no users, that this is a single local user and how to add one."""
    return html.Div(id="local-mode-banner", role="status")


def _badge_content(person: Person | None):
    if person is None:
        return [html.Span("Viewing without signing in. ", className="small"),
                html.A("Sign in", href="/signin", className="btn btn-sm btn-outline-light")]
    if person.local:
        return html.Span([html.Strong(person.name), f" (local user, {person.role})"], title=person.role_words)
    return [html.Span([html.Strong(person.name, id="user-name"), " ",
                       html.Span(f"({person.role})", id="user-role", title=person.role_words)], className="me-2"),
            html.Form(html.Button("Sign out", type="submit", id="sign-out", className="btn btn-sm btn-outline-light"),
                      action="/signout", method="post", className="d-inline")]


def _banner_content():
    if not local_mode():
        return None
    return html.Div([
        html.Strong("No users yet. "),
        f"You are using the app as its single local user ({_local_person().name}, with every permission), "
        "and it answers on this computer only. To let others sign in, add a user: ",
        html.Code(ADD_USER), "."], className="alert alert-warning mb-0 rounded-0 local-mode-banner")


def _register_callbacks() -> None:
    @callback(Output("user-badge", "children"), Input("url", "pathname"))
    def show_user(_path):
        return _badge_content(current_user())

    @callback(Output("local-mode-banner", "children"), Input("url", "pathname"))
    def show_local_mode(_path):
        return _banner_content()


def _ids_in(layout) -> set:
    if callable(layout):
        return set()
    return {getattr(c, "id", None) for c in layout._traverse()} | {getattr(layout, "id", None)}


def _wrap_layout(app) -> None:
    """Add the banner, the badge (unless the header already has it) and a place for error messages."""
    original = app.layout

    def framed(built):
        present = _ids_in(built)
        extras = [local_mode_banner() if "local-mode-banner" not in present else None,
                  html.Div(id="app-error", role="alert", className="app-error"),
                  html.Div(user_badge(), className="user-badge-bar bg-dark text-light small px-3 pt-1 d-flex justify-content-end") if "user-badge" not in present else None]
        return html.Div([e for e in extras if e is not None] + [built])
    app.layout = (lambda: framed(original())) if callable(original) else framed(original)


# --- sign-in and sign-out --------------------------------------------------------------------------

SIGNIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - police performance</title><link rel="stylesheet" href="/assets/00-bootstrap.min.css">
</head><body class="bg-light"><main class="container" style="max-width: 26rem; padding-top: 10vh">
<h1 class="h3 mb-3">Sign in</h1>{message}
<form method="post" action="/signin" class="card card-body">
<input type="hidden" name="next" value="{next}">
<label for="signin-name" class="form-label">Name</label>
<input id="signin-name" name="name" class="form-control mb-3" autocomplete="username" required autofocus value="{name}">
<label for="signin-password" class="form-label">Password</label>
<input id="signin-password" name="password" type="password" class="form-control mb-3" autocomplete="current-password" required>
<button type="submit" id="signin-submit" class="btn btn-primary">Sign in</button>
</form><p class="small text-muted mt-3">Ask an admin for an account; they add one with
<code>python -m metrics users add</code>.</p></main></body></html>"""

def _safe_next(target) -> str:
    """Only a path on this site, so the sign-in page cannot be used to send people elsewhere."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _signin_page(message: str = "", name: str = "", next_path: str = "/", status: int = 200):
    alert = f'<p class="alert alert-danger" role="alert" id="signin-error">{escape(message)}</p>' if message else ""
    page = SIGNIN_PAGE.format(message=alert, next=escape(next_path), name=escape(name))
    return flask.Response(page, status=status, mimetype="text/html")


def signin():
    if local_mode():
        return flask.redirect("/")
    if flask.request.method == "GET":
        return _signin_page(next_path=_safe_next(flask.request.args.get("next")))
    form = flask.request.form
    name, password, next_path = form.get("name", "").strip(), form.get("password", ""), _safe_next(form.get("next"))
    if signin_failures.too_many(name):
        return _signin_page(f"Too many wrong passwords for {name}: wait 15 minutes and try again.", name, next_path, 429)
    user = service.read(service.Source.from_environment(), lambda c: users.authenticate(c, name, password))
    if user is None:
        signin_failures.record(name)
        return _signin_page("That name and password do not match an active user.", name, next_path, 401)
    signin_failures.clear(name)
    flask.session.clear()  # a fresh session, so no one can fix a session id for someone else to sign into
    flask.session.permanent = True
    flask_login.login_user(Person(user.name, user.role, stamp=user.stamp))
    log.info("%s signed in (%s)", user.name, user.role)
    return flask.redirect(next_path)


def signout():
    if flask.request.method == "POST":
        kept = flask.session.get(uploads.SESSION_KEY)
        for upload_id in kept if isinstance(kept, dict) else {}:
            uploads.discard(upload_id)  # files checked but not loaded go with the session
        flask_login.logout_user()
        flask.session.clear()
        return flask.redirect("/signin")
    return flask.Response('<!doctype html><html lang="en"><head><title>Sign out</title>'
                          '<link rel="stylesheet" href="/assets/00-bootstrap.min.css"></head><body class="p-4">'
                          '<form method="post" action="/signout"><button class="btn btn-primary" type="submit">'
                          'Sign out</button></form></body></html>', mimetype="text/html")


def _load_user(user_id: str) -> Person | None:
    """The person a session names, if they still exist, are enabled and have not had a new password."""
    stamp, _, name = user_id.partition(":")
    user = _accounts().get(name.lower())
    if user is None or user.disabled or not secrets.compare_digest(user.stamp, stamp):
        return None
    return Person(user.name, user.role, stamp=user.stamp)


# --- the gate before every request -------------------------------------------------------------------

def _refuse(status: int, message: str):
    return flask.make_response(flask.jsonify(message=message), status)


def _allowed_origins() -> set[str]:
    extra = os.environ.get("METRICS_ALLOWED_ORIGINS", "")
    return {flask.request.host.lower()} | {urlsplit(o.strip()).netloc.lower() for o in extra.split(",") if o.strip()}


def same_origin() -> bool:
    """The request came from this app's own pages: its Origin (else its Referer) names this host."""
    origin = flask.request.headers.get("Origin")
    if not origin or origin == "null":
        origin = flask.request.headers.get("Referer")
    return bool(origin) and urlsplit(origin).netloc.lower() in _allowed_origins()


def is_loopback(host: str | None) -> bool:
    host = (host or "").strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _from_this_computer() -> bool:
    """In local mode only this computer may connect, and not through a proxy forwarding others."""
    forwarded = flask.request.headers.get("X-Forwarded-For") or flask.request.headers.get("Forwarded")
    return is_loopback(flask.request.remote_addr) and not forwarded


LOCAL_ONLY = ("This app has no users yet, so it answers only on the computer it runs on. "
              f"To let others in, add a user: {ADD_USER}")


def _gate():
    request = flask.request
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        raise RequestEntityTooLarge()  # said before a byte of the body is read
    if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # No length to check in advance (the app's pages always send one): refused unread too.
        return _refuse(411, "Refused: the request must say its length (Content-Length); nothing was read or changed.")
    if request.method not in SAFE_METHODS and not same_origin():
        return _refuse(403, "Refused: this request did not come from this app's own pages "
                            "(its Origin header is missing or names another site).")
    if request.path.startswith(STATIC_PREFIXES):
        return None
    if local_mode():
        if not _from_this_computer():
            return _refuse(403, LOCAL_ONLY)
    elif current_user() is None and not public_view() and request.path not in SIGNIN_PATHS:
        if request.path.startswith("/_dash-"):
            return _refuse(401, "Sign in first: open the page again to reach the sign-in page.")
        return flask.redirect(f"/signin?next={quote(request.full_path.rstrip('?'), safe='/?=&')}")
    if request.path == UPDATE_PATH and request.method == "POST":
        return _check_callback(request.get_json(silent=True))
    return None


def _output_ids(output: str) -> list[str]:
    """The component ids a callback's `output` names ("id.prop" or "..id.prop...id.prop..")."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [part.rsplit(".", 1)[0] for part in parts]


def write_role(output: str) -> tuple[str, str] | None:
    """The (role, words) that a callback's output needs, if it changes the store; else None."""
    needs = [WRITE_OUTPUTS[i] for i in _output_ids(output) if i in WRITE_OUTPUTS]
    return max(needs, key=lambda need: ROLES.index(need[0])) if needs else None


def _check_callback(body):
    app = flask.current_app.config["DASH_APP"]
    problem = _shape_problem(body, app.callback_map)
    if problem:
        return _refuse(400, problem)
    need = write_role(body["output"])
    if need:
        role, words = need
        person = current_user()
        if person is None:
            return _refuse(401, f"Sign in to {words}: only {_roles_from(role)} may.")
        if not allows(person.role, role):
            return _refuse(403, f"Only {_roles_from(role)} may {words}; you are signed in as "
                                f"{person.name} ({person.role}). Nothing was changed.")
    problem = _inputs_problem(body, app.callback_map[body["output"]])
    if problem:
        return _refuse(400, problem)
    return None


def _shape_problem(body, callback_map) -> str | None:
    if not isinstance(body, dict):
        return "A callback request must be a JSON object."
    if not isinstance(body.get("output"), str) or body["output"] not in callback_map:
        return "The request names no callback this app has: reload the page."
    for key, kinds in (("inputs", list), ("state", list), ("outputs", (list, dict)), ("changedPropIds", list)):
        if key in body and not isinstance(body[key], kinds):
            return f"The request's {key} must be a list."
    if not all(isinstance(p, str) for p in body.get("changedPropIds", [])):
        return "The request's changedPropIds must be a list of text."
    return None


# --- what each input of the app's own callbacks may hold ------------------------------------------

def _text(limit):
    return lambda v: v is None or (isinstance(v, str) and len(v) <= limit), f"text of at most {limit:,} characters"


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and math.isfinite(v) and v == int(v)


MONTH = (lambda v: v is None or (_whole(v) and 0 <= v < 10_000 * 12),
         "a month as the page's picker sends it (a whole number), not text such as '2009-03'")
TEXT_LIST = (lambda v: v is None or (isinstance(v, list) and all(isinstance(i, str) for i in v)), "a list of text")
OPTIONS = (lambda v: v is None or (isinstance(v, list) and all(isinstance(i, dict) for i in v)), "a list of choices")
FIELDS = {
    ("as-of", "value"): ("The as-of month", MONTH),
    ("as-of", "options"): ("The as-of choices", OPTIONS),
    ("default-as-of", "data"): ("The default month", MONTH),
    ("board-quarter", "value"): ("The quarter", MONTH),
    ("grain", "value"): ("The period", (lambda v: v is None or v in GRAINS + ("own",), f"one of {', '.join(GRAINS)}")),
    ("area", "value"): ("The area", _text(100)),
    ("area", "options"): ("The area choices", OPTIONS),
    ("measure-id", "data"): ("The measure", _text(200)),
    ("url", "search"): ("The address", _text(2_000)),
    ("url", "pathname"): ("The address", _text(2_000)),
    ("_pages_location", "search"): ("The address", _text(2_000)),  # Dash's own page router
    ("_pages_location", "pathname"): ("The address", _text(2_000)),
    ("scorecard-priority", "value"): ("The priority", _text(200)),
    ("scorecard-owner", "value"): ("The owner", _text(200)),
    ("scorecard-status", "value"): ("The statuses", TEXT_LIST),
    # Five times the saved limit: text a little too long reaches the page's own check, which says
    # on the page how long it is and what the limit is; only a crafted request is refused here.
    ("measure-commentary-text", "value"): ("The commentary", _text(5 * workflow.MAX_COMMENTARY)),
    ("action-text", "value"): ("The action", _text(5 * workflow.MAX_ACTION_TEXT)),
    ("action-note", "value"): ("How it was discharged", _text(5 * workflow.MAX_ACTION_TEXT)),
    ("action-measures", "value"): ("The measures", TEXT_LIST),
    ("action-id", "value"): ("The action number", (lambda v: v is None or v == "" or (_whole(v) and v >= 1),
                                                   "a whole number of 1 or more")),
    ("data-upload", "contents"): ("The upload", (lambda v: v is None or isinstance(v, str) or (
        isinstance(v, list) and all(isinstance(i, str) for i in v)), "the files' contents")),
    ("data-upload", "filename"): ("The file names", (lambda v: v is None or isinstance(v, str) or (
        isinstance(v, list) and all(isinstance(i, str) and len(i) <= 255 for i in v)), "a list of file names")),
    ("data-staged", "data"): ("The checked files", (lambda v: v is None or (
        isinstance(v, list) and len(v) <= uploads.MAX_FILES and all(uploads.is_id(i) for i in v)),
        "the ids the page was given for the files it checked (never a path or a file name)")),
}
for _name_field in ("action-owner", "action-new-owner"):
    FIELDS[(_name_field, "value")] = ("The name", _text(200))
for _date_field in ("action-meeting", "action-due", "action-new-due"):
    FIELDS[(_date_field, "value")] = ("The date", _text(20))
FIELDS[("measure-phase-month", "value")] = ("The month", _text(20))
FIELDS[("measure-phase-note", "value")] = ("The note", _text(300))
FIELDS[("board-statement-text", "value")] = ("The statement", _text(20_000))
FIELDS[("scorecard-sort", "value")] = ("The order", (lambda v: v is None or v in ("plan", "status", "name"),
                                                     "one of plan, status, name"))
FIELDS[("action-filter-status", "value")] = ("The status filter", _text(20))
FIELDS[("action-filter-owner", "value")] = ("The owner filter", _text(200))
FIELDS[("action-filter-measure", "value")] = ("The measure filter", _text(200))
FIELDS[("areas-grid", "columnState")] = ("The grid's columns", OPTIONS)
FIELDS[("measure-chart", "figure")] = ("The chart", (lambda v: v is None or isinstance(v, dict), "a chart"))
for _toggle in ("nav-collapse", "view-collapse"):
    FIELDS[(_toggle, "is_open")] = ("Open or closed", (lambda v: v is None or isinstance(v, bool), "true or false"))
N_CLICKS = ("A button press", (lambda v: v is None or (_whole(v) and v >= 0), "a count of presses"))


def _described(value) -> str:
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    kind = {bool: "true or false", list: "a list", dict: "an object", type(None): "nothing"}.get(type(value))
    return kind or f"{type(value).__name__} {value!r}"[:60]


def _group_problem(item, spec) -> str | None:
    """A pattern-matching group (ALL) is a list of {id, property, value}; its presses are counts."""
    if not isinstance(item, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), dict) for i in item):
        return f"The request's inputs do not match this callback's ({spec['property']} of a group). Reload the page."
    label, (valid, wanted) = N_CLICKS
    for i in item:
        if spec["property"] == "n_clicks" and not valid(i.get("value")):
            return f"{label} must be {wanted}; the request sent {_described(i.get('value'))}."
    return None


def _inputs_problem(body, declared: dict) -> str | None:
    """The first input or state the callback cannot use, in words; None when all are fine."""
    for part in ("inputs", "state"):
        sent, expected = body.get(part, []), declared.get(part, [])
        if len(sent) != len(expected):
            return f"This callback takes {len(expected)} {part}; the request sent {len(sent)}. Reload the page."
        for item, spec in zip(sent, expected):
            if spec["id"].startswith("{"):
                problem = _group_problem(item, spec)  # a pattern-matching group: its ids vary
                if problem:
                    return problem
                continue
            if not isinstance(item, dict) or item.get("id") != spec["id"] or item.get("property") != spec["property"]:
                return f"The request's {part} do not match this callback's ({spec['id']}.{spec['property']}). Reload the page."
            label, (valid, wanted) = FIELDS.get((spec["id"], spec["property"]),
                                                N_CLICKS if spec["property"] == "n_clicks" else (None, (None, None)))
            if valid and not valid(item.get("value")):
                return f"{label} must be {wanted}; the request sent {_described(item.get('value'))}."
    return None


# --- errors and headers ---------------------------------------------------------------------------

SOMETHING_WRONG = "Something went wrong on our side, and it has been logged. Please try again; if it goes on, tell the analyst."


def _callback_error(err: Exception):
    """An error inside a callback: log it, leave the page as it was, and say so on the page."""
    if isinstance(err, (NotAllowed, HTTPException)):
        raise err
    body = flask.request.get_json(silent=True) or {}
    if isinstance(err, Problem):  # worded for the person already: what is wrong, and what to do
        log.warning("callback refused: %s", err)
        said = str(err)[:1].upper() + str(err)[1:]  # the library words it to follow "error: "
        words = f"{said} Nothing was changed." if said.endswith(".") else f"{said}. Nothing was changed."
        set_props("app-error", {"children": html.Div(words, className="alert alert-warning", role="alert")})
        return None
    log.exception("callback failed: %s", body.get("output") if isinstance(body, dict) else "?")
    set_props("app-error", {"children": html.Div(SOMETHING_WRONG, className="alert alert-danger")})
    return None


def _http_error(err: HTTPException):
    if flask.request.path.startswith("/_dash-") or flask.request.method == "POST":
        words = {413: f"The request is too large: at most {MAX_REQUEST_BYTES // 2**20} MB can be sent at once "
                      f"(files of up to {service.UPLOAD_LIMIT_BYTES // 2**20} MB each). Nothing was read or changed."}
        return _refuse(err.code or 500, words.get(err.code, err.description))
    return err


def _unexpected_error(err: Exception):
    if isinstance(err, HTTPException):
        return _http_error(err)
    if isinstance(err, NotAllowed):
        return _refuse(403, f"Not allowed: {err}. Nothing was changed.")
    log.exception("request failed: %s %s", flask.request.method, flask.request.path)
    return _refuse(500, SOMETHING_WRONG)


def _csp(app) -> str:
    if "csp" not in flask.current_app.config:  # once, after every inline script is registered
        scripts = " ".join(app.csp_hashes())
        flask.current_app.config["csp"] = (
            f"default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'")
    return flask.current_app.config["csp"]


def _headers(response):
    app = flask.current_app.config["DASH_APP"]
    response.headers.setdefault("Content-Security-Policy", _csp(app))
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


# --- serving safely ---------------------------------------------------------------------------------

def _gunicorn_binds(argv: list[str], environ) -> list[str]:
    """The addresses gunicorn was told to bind: the command line's, else gunicorn.conf.py's, else
    gunicorn's default (127.0.0.1, or 0.0.0.0 when PORT is set)."""
    args = shlex.split(environ.get("GUNICORN_CMD_ARGS", "")) + list(argv[1:])
    binds = []
    for i, arg in enumerate(args):
        if arg in ("-b", "--bind") and i + 1 < len(args):
            binds.append(args[i + 1])
        elif arg.startswith("--bind="):
            binds.append(arg.split("=", 1)[1])
        elif arg.startswith("-b") and len(arg) > 2:
            binds.append(arg[2:])
    if binds:  # the command line (and GUNICORN_CMD_ARGS) win over gunicorn.conf.py, as in gunicorn
        return binds
    if environ.get("METRICS_GUNICORN_BIND"):  # set by gunicorn.conf.py from HOST and PORT
        return environ["METRICS_GUNICORN_BIND"].split(",")
    return ["0.0.0.0"] if environ.get("PORT") else ["127.0.0.1"]


def _bind_host(bind: str) -> str | None:
    if bind.startswith("unix:"):
        return "localhost"  # a socket file: reachable only on this computer
    if bind.startswith("["):
        return bind[1:bind.index("]")] if "]" in bind else bind
    return bind.rsplit(":", 1)[0] if bind.count(":") == 1 else bind


def serving_hosts(argv=None, environ=None) -> list[str]:
    """The addresses this process will serve on: gunicorn's binds, or HOST for `python app.py`."""
    argv, environ = sys.argv if argv is None else argv, os.environ if environ is None else environ
    if "gunicorn" in Path(argv[0] if argv else "").name or "gunicorn" in sys.modules:
        return [_bind_host(b) for b in _gunicorn_binds(argv, environ)]
    return [environ.get("HOST", "127.0.0.1")]


def serving_refusal(hosts: list[str], has_users: bool) -> str | None:
    """Why the app must not serve on these addresses (no users yet, and one is not loopback), or None."""
    if has_users or all(is_loopback(h) for h in hosts):
        return None
    return (f"Refusing to serve on {', '.join(h or 'every address' for h in hosts)}: there are no users yet, so "
            "anyone who could reach the app would act as its admin. Add a user first "
            f"({ADD_USER}), or serve on 127.0.0.1 only.")


def _secret_key() -> str:
    if os.environ.get("METRICS_SECRET_KEY"):
        return os.environ["METRICS_SECRET_KEY"]
    db = service.Source.from_environment().db
    default = Path(db).parent / "secret_key" if "://" not in db else Path(service.ROOT) / "data" / "secret_key"
    path = Path(os.environ.get("METRICS_SECRET_KEY_FILE", default))
    try:  # made once, readable by its owner only; several workers starting at once all read one key
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise ServingRefused(f"{path} holds no secret key: delete it and start again")


def install(app) -> None:
    """Sign-in, the role gate, input checks, error handling and headers, for a Dash app."""
    server = app.server
    message = serving_refusal(serving_hosts(), has_users=not local_mode())
    if message:
        if "gunicorn" in sys.modules:
            raise ServingRefused(message)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)
    server.config.update(
        SECRET_KEY=_secret_key(), DASH_APP=app, MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_NAME="metrics_session", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("METRICS_SECURE_COOKIE", "0") == "1",
        PERMANENT_SESSION_LIFETIME=SESSION_HOURS * 3600,
        # The cookie is sent again only when the session changes, so a callback answering at the
        # same time as an upload's check cannot put back the session from before it.
        SESSION_REFRESH_EACH_REQUEST=False)
    manager = flask_login.LoginManager()
    manager.init_app(server)
    manager.user_loader(_load_user)
    server.add_url_rule("/signin", "signin", signin, methods=["GET", "POST"])
    server.add_url_rule("/signout", "signout", signout, methods=["GET", "POST"])
    server.before_request(_gate)
    server.after_request(_headers)
    server.register_error_handler(HTTPException, _http_error)
    server.register_error_handler(Exception, _unexpected_error)
    app._on_error = _callback_error  # Dash's own hook for errors raised inside callbacks
    _register_callbacks()
    _wrap_layout(app)

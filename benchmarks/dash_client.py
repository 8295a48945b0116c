"""A client that asks the app for its pages the way the browser does, for the load test.

The callbacks' shapes come from the running app (/_dash-dependencies), the header's values from
/_dash-layout, and each page's own controls from the Dash Pages callback that draws the page, so a
payload is what the page sends, not a copy that drifts from it.
"""
from __future__ import annotations

import re
import time

import requests

from metrics.pack_job import POLL_SECONDS

UPDATE = "/_dash-update-component"
PAGES_CALLBACK = "_pages_content.children"
# The main callback of each page the load test visits, known by its first output.
PAGE_CALLBACKS = {"scorecard": "scorecard-table.children", "board": "board-title.children",
                  "measure": "measure-title.children"}
PACK_CALLBACK = "board-pack-download.data"


class DashError(RuntimeError):
    """The app did not answer as the page expects (the message names the request)."""


def sign_in(url: str, name: str | None, password: str | None) -> requests.Session:
    """A browser-like session (the app's Origin on every change), signed in when a name is given."""
    session = requests.Session()
    session.headers["Origin"] = url
    if name:
        answer = session.post(f"{url}/signin", data={"name": name, "password": password, "next": "/"},
                              allow_redirects=False, timeout=60)
        if answer.status_code != 302:
            raise DashError(f"signing in as {name} at {url}/signin: HTTP {answer.status_code}, expected a redirect")
    return session


def outputs_of(key: str) -> list[str]:
    """A callback key's outputs as "id.property": "..a.b...c.d.." holds several, "a.b" one."""
    return key[2:-2].split("...") if key.startswith("..") else [key]


def component_values(tree, found: dict | None = None) -> dict:
    """Every component's properties in a Dash layout (JSON), by id."""
    found = {} if found is None else found
    if isinstance(tree, list):
        for item in tree:
            component_values(item, found)
    elif isinstance(tree, dict):
        props = tree.get("props", {}) if "namespace" in tree else {}
        if isinstance(props.get("id"), str):
            found[props["id"]] = props
        for value in (props or tree).values():
            if isinstance(value, (list, dict)):
                component_values(value, found)
    return found


class App:
    """The app's callbacks and the values its pages start with, read once from a running server."""

    def __init__(self, url: str, session: requests.Session):
        self.url = url
        self.callbacks = {outputs_of(c["output"])[0].split("@")[0]: c for c in self._get(session, "/_dash-dependencies")}
        self.header = component_values(self._get(session, "/_dash-layout"))
        self.months = [o["value"] for o in self.header["as-of"]["options"]]
        if not self.months:
            raise DashError(f"{url}: the as-of picker offers no months: is the store empty?")
        self.default_month = self.header["as-of"].get("value") or self.header["default-as-of"]["data"]
        self.pages = {"/": self.page_values(session, "/"), "/board": self.page_values(session, "/board")}
        found = re.findall(r"/measure/([A-Za-z0-9_\-]+)", str(self.call(session, "scorecard", self.default_month)))
        self.measures = list(dict.fromkeys(found))
        if not self.measures:
            raise DashError(f"{url}: the scorecard links to no measure pages")
        for measure_id in self.measures:
            self.pages[f"/measure/{measure_id}"] = self.page_values(session, f"/measure/{measure_id}")

    def _get(self, session, path):
        answer = session.get(f"{self.url}{path}", timeout=60)
        if answer.status_code != 200:
            raise DashError(f"GET {self.url}{path}: HTTP {answer.status_code}")
        return answer.json()

    def page_values(self, session, path: str) -> dict:
        """The controls of one page, as Dash Pages draws it for that address."""
        body = self.payload(PAGES_CALLBACK, {"_pages_location.pathname": path, "_pages_location.search": ""})
        return component_values(self.post(session, body, f"the page {path}"))

    def payload(self, first_output: str, values: dict, changed: list[str] | None = None) -> dict:
        """The request a page sends for a callback: its outputs, inputs and state, with these values."""
        spec = self.callbacks[first_output]
        outputs = [dict(zip(("id", "property"), o.split("@")[0].rsplit(".", 1))) for o in outputs_of(spec["output"])]

        def items(kind):
            return [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in spec[kind]]
        inputs = items("inputs")
        return {"output": spec["output"], "outputs": outputs if spec["output"].startswith("..") else outputs[0],
                "inputs": inputs, "state": items("state"),
                "changedPropIds": changed or [f"{i['id']}.{i['property']}" for i in inputs][:1]}

    def post(self, session, body: dict, what: str, timeout: float = 120):
        """Post a callback; its response, or DashError naming what was asked and what came back."""
        answer = session.post(f"{self.url}{UPDATE}", json=body, timeout=timeout)
        if answer.status_code != 200:
            raise DashError(f"{what}: HTTP {answer.status_code}")
        try:
            body = answer.json()
        except ValueError:
            raise DashError(f"{what}: HTTP 200 but not a callback's answer") from None
        # A callback that raised answers 200 with the page's error line (security._callback_error).
        if "app-error" in body.get("sideUpdate", {}) or "response" not in body:
            raise DashError(f"{what}: callback failed")  # the page says something went wrong
        return body["response"]

    def background(self, session, body: dict, what: str, timeout: float = 300,
                   poll_seconds: float = POLL_SECONDS):
        """A background callback (the pack): posted once, answered at once with its job, then polled
        as the page polls it (every POLL_SECONDS: the callback's interval) until the result comes back;
        the result, or DashError."""
        started = session.post(f"{self.url}{UPDATE}", json=body, timeout=30)
        if started.status_code != 200:
            raise DashError(f"{what}: HTTP {started.status_code}")
        handles = started.json()
        if "response" in handles:
            return handles["response"]
        if "cacheKey" not in handles or "job" not in handles:
            raise DashError(f"{what}: callback failed")
        polled = {**body, "inputs": [{**i, "value": None} for i in body["inputs"]],
                  "state": [{**s, "value": None} for s in body.get("state", [])]}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(poll_seconds)
            answer = session.post(f"{self.url}{UPDATE}", json=polled, timeout=30,
                                  params={"cacheKey": handles["cacheKey"], "job": handles["job"]})
            if answer.status_code != 200:
                raise DashError(f"{what}: HTTP {answer.status_code} while waiting")
            data = answer.json()
            if "app-error" in data.get("sideUpdate", {}):
                raise DashError(f"{what}: callback failed")
            if "response" in data:
                return data["response"]
        raise DashError(f"{what}: no answer within {timeout:.0f} s")

    def values(self, path: str, month: int) -> dict:
        """Every control's value on a page (the header's and the page's own), at an as-of month."""
        values = {f"{cid}.value": props.get("value") for cid, props in {**self.header, **self.pages[path]}.items()}
        values.update({f"{cid}.data": props.get("data") for cid, props in self.pages[path].items()})
        values["as-of.value"] = month
        return values

    def call(self, session, page: str, month: int, measure_id: str | None = None):
        """One page's main callback, as the page sends it when opened at an as-of month."""
        path = {"scorecard": "/", "board": "/board"}.get(page) or f"/measure/{measure_id}"
        return self.post(session, self.payload(PAGE_CALLBACKS[page], self.values(path, month)),
                         f"the {page} page at month {month}")

    def board_pack(self, session, month: int) -> bytes:
        """The board pack's PDF, as the board page's button asks for it."""
        import base64
        values = {**self.values("/board", month), "board-pack-pdf.n_clicks": 1}
        body = self.payload(PACK_CALLBACK, values, changed=["board-pack-pdf.n_clicks"])
        answer = self.background(session, body, f"the board pack at month {month}", timeout=600)
        content = base64.b64decode(answer["board-pack-download"]["data"]["content"])
        if not content.startswith(b"%PDF"):
            raise DashError(f"the board pack at month {month}: the download is not a PDF")
        return content

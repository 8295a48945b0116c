"""The requests the app's pages send to /_dash-update-component, built from the app's callback map."""
from __future__ import annotations

from auth_server import app_module


def callback_map() -> dict:
    """Every callback of the app (Dash gathers them at its first request, or here)."""
    dash_app = app_module()
    dash_app.app._setup_server()
    return dash_app.app.callback_map


def callback_key(starts: str) -> str:
    keys = [k for k in callback_map() if k.lstrip(".").startswith(starts)]
    assert len(keys) == 1, keys
    return keys[0]


def payload(starts: str, values: dict) -> dict:
    return payload_for(callback_key(starts), values)


def payload_for(key: str, values: dict) -> dict:
    """The request the page sends for a callback: its outputs, inputs and state, with these values."""
    spec = callback_map()[key]
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1))) for p in parts]

    def items(kind):
        return [{"id": s["id"], "property": s["property"], "value": values.get(f"{s['id']}.{s['property']}")}
                for s in spec[kind]]
    inputs = items("inputs")
    return {"output": key, "outputs": outputs if key.startswith("..") else outputs[0], "inputs": inputs,
            "state": items("state"), "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs
                                                        if i["value"] is not None][:1]}


def post(session, url, body):
    return session.post(f"{url}/_dash-update-component", json=body)

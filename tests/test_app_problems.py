"""While the plan or the store cannot be read, every page says why in words (file and line for
the plan), and the app does not fail: it shows the pages again once the file is put right."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT

# Run in a process of its own, as a fresh app: what matters is the app's first request.
PAGES_SAY = """
import sys
import app
from pathlib import Path
client = app.server.test_client()
for step in range(2):
    page, frame = client.get("/board"), client.get("/_dash-layout")
    print(page.status_code, frame.status_code, frame.get_data(as_text=True), flush=True)
    Path(sys.argv[1]).write_text((Path(sys.argv[2]) / "config" / "targets.yaml").read_text())  # put right
"""


def test_a_broken_plan_or_a_missing_store_is_said_on_the_page_not_a_failure(tmp_path):
    broken = tmp_path / "targets.yaml"
    broken.write_text("plan:\n  id: [unclosed\n")
    env = dict(os.environ, METRICS_CONFIG=str(broken), METRICS_DB=str(tmp_path / "none.duckdb"), METRICS_WARM_UP="0")
    done = subprocess.run([sys.executable, "-c", PAGES_SAY, str(broken), str(ROOT)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    plan_broken, put_right = done.stdout.splitlines()
    assert plan_broken.startswith("200 200 ") and "The plan cannot be read" in plan_broken
    assert f"{broken}:3:1: not valid YAML".replace("/", "\\u002f") in plan_broken
    assert put_right.startswith("200 200 ") and "none.duckdb: there is no store here" in put_right


def test_python_app_py_with_a_broken_plan_says_so_and_stops(tmp_path):
    broken = tmp_path / "targets.yaml"
    broken.write_text("plan:\n  id: [unclosed\n")
    env = dict(os.environ, METRICS_CONFIG=str(broken), METRICS_DB=str(tmp_path / "s.duckdb"), METRICS_WARM_UP="0")
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "The plan cannot be read" in done.stderr and f"{broken}:3:1" in done.stderr

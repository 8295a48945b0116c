"""The whole command, as a user runs it: a fresh process, imports, the plan and the engine together.

`python -m metrics status --area all --format csv` is timed as a subprocess (median of several
runs), split into its parts in another fresh process, and set beside the whole-command pandas
baseline (benchmarks/pandas_whole_command.py), which reads the plan and the figures CSV afresh.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: how long each part of the status command takes.
SPLIT = """
import json, sys, time
sys.path.insert(0, {root!r})
start = time.perf_counter()
import metrics.cli
from metrics import store
from metrics.engine import Engine
from metrics.plan import load_plan
imported = time.perf_counter()
plan = load_plan([{plan!r}])
planned = time.perf_counter()
conn = store.connect({db!r}, read_only=True)
Engine(conn, plan).status(None, None, "all")
done = time.perf_counter()
print(json.dumps({{"imports": imported - start, "plan": planned - imported, "engine": done - planned}}))
"""


def _wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _split(plan: Path, db: Path, runs: int) -> dict:
    parts = [json.loads(subprocess.run([sys.executable, "-c", SPLIT.format(root=str(ROOT), plan=str(plan), db=str(db))],
                                       check=True, capture_output=True, text=True).stdout) for _ in range(runs)]
    return {key: statistics.median(p[key] for p in parts) for key in parts[0]}


def _differences(plan: Path, figures: Path, db: Path) -> tuple[int, int]:
    """Status differences between the product's command and the pandas baseline, over every series."""
    ours = subprocess.run([sys.executable, "-m", "metrics", "status", "--area", "all", "--format", "csv", "--raw",
                           "--config", str(plan), "--db", str(db)], cwd=ROOT, capture_output=True, text=True)
    if ours.returncode != 0:  # an older CLI without --raw
        ours = subprocess.run([sys.executable, "-m", "metrics", "status", "--area", "all", "--format", "csv",
                               "--config", str(plan), "--db", str(db)], cwd=ROOT, capture_output=True, text=True, check=True)
    peer = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pandas_whole_command.py"), str(plan), str(figures)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    from io import StringIO
    a, b = pd.read_csv(StringIO(ours.stdout)), pd.read_csv(StringIO(peer.stdout))
    merged = a.merge(b, on=["measure_id", "area"], suffixes=("", "_peer"))
    columns = ("rag", "trend", "spc_variation")
    return int(sum((merged[c].fillna("-") != merged[f"{c}_peer"].fillna("-")).sum() for c in columns)), len(merged)


def _compile_once() -> None:
    """Byte-compile the project, as Python does on a user's first run: this machine sets
    PYTHONDONTWRITEBYTECODE, so without it every run would compile every module (about 0.06 s)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "metrics", "benchmarks"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def measure(plan: Path, figures: Path, db: Path, runs: int) -> dict:
    _compile_once()
    status = [sys.executable, "-m", "metrics", "status", "--area", "all", "--format", "csv",
              "--config", str(plan), "--db", str(db)]
    validate = [sys.executable, "-m", "metrics", "validate", "--config", str(plan), "--db", str(db)]
    pandas_whole = [sys.executable, str(ROOT / "benchmarks" / "pandas_whole_command.py"), str(plan), str(figures)]
    result = {"status_command_seconds": _wall(status, runs), "validate_command_seconds": _wall(validate, runs),
              "pandas_whole_command_seconds": _wall(pandas_whole, runs), "status_parts": _split(plan, db, runs)}
    result["pandas_differences"], result["pandas_compared"] = _differences(plan, figures, db)
    return result


def report(scale: str, r: dict) -> None:
    parts = r["status_parts"]
    print(f"  status command, whole    {r['status_command_seconds']:8.3f} s   (a fresh process: "
          f"imports {parts['imports']:.2f} s, plan {parts['plan']:.2f} s, engine {parts['engine']:.2f} s)")
    print(f"  pandas whole command     {r['pandas_whole_command_seconds']:8.3f} s   pandas / ours = "
          f"{r['pandas_whole_command_seconds'] / r['status_command_seconds']:.1f}x   "
          f"({r['pandas_differences']} status differences in {r['pandas_compared']:,} series)")
    print(f"  validate command         {r['validate_command_seconds']:8.3f} s")

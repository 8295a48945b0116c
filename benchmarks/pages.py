"""How long each page's callbacks take on the sample data: the first call (the engine computes) and
later calls (its result reused), against the 300 ms budget. Run by benchmarks/run.py."""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 0.300


def measure_pages(runs: int = 5) -> list[tuple[str, float, float]]:
    """(callback, first call seconds, median of later calls seconds) for each page's main callbacks."""
    sys.path.insert(0, str(ROOT))
    from metrics import store
    from metrics.loading import load_figures
    from metrics.plan import load_plan

    db = Path(tempfile.mkdtemp()) / "pages.duckdb"
    conn = store.connect(db)
    load_figures(conn, load_plan(ROOT / "config" / "targets.yaml"), ROOT / "data" / "sample_figures.csv")
    conn.close()
    os.environ["METRICS_DB"] = str(db)
    import app  # noqa: F401  (registers the pages and their callbacks)
    from callbacks import areas, board, measure, scorecard
    from metrics import service

    latest = max(service.months(service.Source.from_environment()))
    quarter_end = latest - (latest - 3) % 3  # the financial quarter's last month (April start)
    calls = [
        ("scorecard", lambda: scorecard.show_scorecard(latest, "own", "force", None, None, None)),
        ("scorecard, filtered", lambda: scorecard.show_scorecard(latest, "own", "force", None, None, ["red"])),
        ("measure detail", lambda: measure.show_measure("calls_999_10s", latest, "own", "force")),
        ("measure detail, district", lambda: measure.show_measure("ksi_casualties", latest, "quarter", "medway")),
        ("areas matrix", lambda: areas.show_areas(latest, "own")),
        ("board review", lambda: board.show_board(quarter_end, "force")),
    ]
    results = []
    for name, call in calls:
        start = time.perf_counter()
        call()
        first = time.perf_counter() - start
        later = []
        for _ in range(runs):
            start = time.perf_counter()
            call()
            later.append(time.perf_counter() - start)
        results.append((name, first, statistics.median(later)))
    return results


def report(results) -> None:
    print("\n== page callbacks on the sample data (budget 300 ms)")
    for name, first, later in results:
        flag = "" if max(first, later) <= BUDGET_SECONDS else "   OVER BUDGET"
        print(f"  {name:<26} first {first * 1000:6.0f} ms   then {later * 1000:6.0f} ms{flag}")

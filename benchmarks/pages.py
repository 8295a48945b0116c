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


def measure_pages(runs: int = 5) -> list[tuple[str, float, float, float]]:
    """For each page's main callback: the first call with nothing cached, the first call after the
    app's start-up warm-up, and the median of later calls (seconds)."""
    sys.path.insert(0, str(ROOT))
    from metrics import store
    from metrics.loading import load_figures
    from metrics.plan import load_plan

    db = Path(tempfile.mkdtemp()) / "pages.duckdb"
    conn = store.connect(db)
    load_figures(conn, load_plan(ROOT / "config" / "targets.yaml"), ROOT / "data" / "sample_figures.csv")
    conn.close()
    os.environ["METRICS_DB"] = str(db)
    os.environ["METRICS_WARM_UP"] = "0"  # measured below, not in the background
    import app  # noqa: F401  (registers the pages and their callbacks)
    from callbacks import areas, board, measure, scorecard
    from metrics import service

    from metrics.board import quarter_ends
    held = service.months(service.Source.from_environment())
    latest, quarter_end = max(held), quarter_ends(held)[0]
    calls = [
        ("scorecard", lambda: scorecard.show_scorecard(latest, "own", "force", None, None, None)),
        ("scorecard, filtered", lambda: scorecard.show_scorecard(latest, "own", "force", None, None, ["red"])),
        ("measure detail", lambda: measure.show_measure("calls_999_10s", latest, "own", "force")),
        ("measure detail, district", lambda: measure.show_measure("ksi_casualties", latest, "quarter", "medway")),
        ("areas matrix", lambda: areas.show_areas(latest, "own", "")),
        ("board review", lambda: board.show_board(quarter_end, "force")),
    ]
    def seconds(call):
        start = time.perf_counter()
        call()
        return time.perf_counter() - start

    source = service.Source.from_environment()
    cold = {}
    for name, call in calls:
        service.clear_cache()
        cold[name] = seconds(call)
    service.clear_cache()
    service.warm_up(source)
    results = []
    for name, call in calls:
        after_warm_up = seconds(call)
        later = statistics.median(seconds(call) for _ in range(runs))
        results.append((name, cold[name], after_warm_up, later))
    return results


def report(results) -> None:
    print("\n== page callbacks on the sample data (budget 300 ms)")
    print(f"  {'callback':<26} {'nothing cached':>15} {'after warm-up':>14} {'later calls':>12}")
    for name, cold, warmed, later in results:
        flag = "" if max(warmed, later) <= BUDGET_SECONDS else "   OVER BUDGET"
        print(f"  {name:<26} {cold * 1000:12.0f} ms {warmed * 1000:11.0f} ms {later * 1000:9.0f} ms{flag}")

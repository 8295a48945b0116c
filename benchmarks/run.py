"""Benchmarks: the engine and loader beside a pandas peer and DuckDB's own floor, in one run.

    python benchmarks/run.py [--scale sample|force|national|all] [--quick]

Scales (synthetic data is deterministic; sample is the shipped plan and figures):
  sample    the shipped Kent plan: 32 measures, 15 areas, 6 years
  force     150 measures, 14 areas, 20 years of months: about 500,000 figures
  national  150 measures, 43 forces as areas, 20 years: about 1.5 million figures; without --quick
            also 43 forces x 14 districts (602 areas): about 22 million figures

Each timing is the median of several runs. Memory is the peak resident size of a fresh process
that loads the figures and computes every status (so it includes Python, pandas and DuckDB).
The last lines are `name: value` ratios and results, for scripts to read.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import pandas_peer, whole_command  # noqa: E402
from benchmarks.synthetic import write_figure_files, write_figures, write_plan  # noqa: E402
from metrics import spc_state, store  # noqa: E402
from metrics.engine import Engine  # noqa: E402
from metrics.loading import load_figures  # noqa: E402
from metrics.periods import GRAINS  # noqa: E402
from metrics.plan import load_plan  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
SCALES = {
    "sample": None,
    "force": dict(measures=150, areas=14, months=240),
    "national": dict(measures=150, areas=43, months=240),
    "national-districts": dict(measures=150, areas=602, months=240),
}


def timed(work, runs: int) -> tuple[float, object]:
    """Median seconds of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def prepare(scale: str) -> tuple[Path, list[Path]]:
    """The plan and the long CSVs of all figures for a scale, made once and cached. Past 2 million
    figures (the most the loader takes from one file) they come as several files."""
    if SCALES[scale] is None:
        return ROOT / "config" / "targets.yaml", [ROOT / "data" / "sample_figures.csv"]
    folder = CACHE / scale
    folder.mkdir(parents=True, exist_ok=True)
    plan, figures, done = folder / "plan.yaml", folder / "figures.csv", folder / "complete"
    size = SCALES[scale]
    several = size["measures"] * size["areas"] * size["months"] > 2_000_000
    if not done.exists():
        print(f"  generating {scale} figures ...", flush=True)
        write_plan(plan, size["measures"], size["areas"])
        write_figure_files(folder, **size) if several else write_figures(figures, **size)
        done.touch()
    return plan, sorted(folder.glob("figures-*.csv")) if several else [figures]


class SummaryClock:
    """Seconds spent keeping the SPC summaries (metrics.spc_state) during loads: part of the
    loader's time, reported beside it."""
    def __init__(self):
        self.seconds, self._refresh = 0.0, spc_state.refresh
        spc_state.refresh = self._timed

    def _timed(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self._refresh(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


def next_month_file(conn, path: Path) -> Path:
    """A month after the latest held, for every series (the same figures again), as a long CSV:
    the next monthly load."""
    conn.execute(f"""COPY (
        SELECT measure_id, strftime(make_date(CAST(month // 12 AS INTEGER), month % 12 + 1, 1) + INTERVAL 1 MONTH, '%Y-%m')
                 AS period, area,
               CASE WHEN numerator IS NULL THEN coalesce(CAST(value AS VARCHAR), '') ELSE '' END AS value,
               CASE WHEN numerator IS NULL THEN '' ELSE CAST(CAST(numerator AS BIGINT) AS VARCHAR) END AS numerator,
               CASE WHEN numerator IS NULL THEN '' ELSE CAST(CAST(denominator AS BIGINT) AS VARCHAR) END AS denominator
        FROM figures WHERE month = (SELECT max(month) FROM figures)) TO '{path}' (HEADER)""")
    return path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_engine(scale: str, runs: int, with_peer: bool, queue) -> None:
    """In a fresh process: load, then every grain's full status, a measure's chart, the floor."""
    plan_path, figure_files = prepare(scale)
    plan = load_plan(plan_path)
    db = CACHE / f"{scale}.duckdb"
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    conn = store.connect(db)
    summaries = SummaryClock()
    result = {"scale": scale, **measure_load(conn, plan, figure_files, summaries), "status": {}}
    rows = result["figures"]
    engine = Engine(conn, plan)
    as_of = engine.latest_month()
    for grain in (None, *GRAINS):
        seconds, frame = timed(lambda: engine.status(as_of, grain, "all"), runs)
        result["status"][grain or "own"] = seconds
    force_only, _ = timed(lambda: engine.status(as_of, None, "force"), runs)
    result["status_force_only"] = force_only
    first_measure = plan.measures[1].id
    result["chart_seconds"], _ = timed(lambda: engine.chart(first_measure, as_of, None), runs)
    result["floor_seconds"], _ = timed(lambda: conn.execute(
        "SELECT measure_id, area, sum(value), count(*) FROM figures GROUP BY measure_id, area").fetchall(), max(runs, 5))
    # SPC needs each series in month order; this is the least any status with SPC must do.
    result["ordered_floor_seconds"], _ = timed(lambda: conn.execute(
        """SELECT measure_id, area, avg(moving_range) FROM (
               SELECT measure_id, area, abs(value - lag(value) OVER (PARTITION BY measure_id, area ORDER BY month))
                      AS moving_range FROM figures) GROUP BY measure_id, area""").fetchall(), max(runs, 5))
    result["engine_peak_mb"] = peak_mb()
    if with_peer:
        figures = conn.execute("SELECT measure_id, area, month, value, numerator, denominator FROM figures").df()
        peer_runs = 1 if rows > 1_000_000 else min(runs, 3)
        result["peer_seconds"], peer = timed(lambda: pandas_peer.status(figures, plan, as_of), peer_runs)
        ours = engine.status(as_of, None, "all")
        merged = ours.merge(peer, on=["measure_id", "area"], suffixes=("", "_peer"))
        columns = ("rag", "trend", "spc_variation", "spc_assurance")
        result["peer_mismatches"] = int(sum((merged[c].fillna("-") != merged[f"{c}_peer"].fillna("-")).sum() for c in columns))
        result["peer_compared"] = len(merged)
    month = next_month_file(conn, CACHE / f"{scale}-next-month.csv")
    conn.close()
    result.update(measure_next_month(db, plan, month, summaries, runs))
    queue.put(result)


def measure_load(conn, plan, figure_files: list[Path], summaries: SummaryClock) -> dict:
    """Our loader on every file, beside DuckDB's bare read_csv of them; CPU seconds too (DuckDB's
    threads included): on a shared machine they move less than wall time."""
    rows = sum(sum(1 for _ in open(path)) - 1 for path in figure_files)
    start, cpu = time.perf_counter(), time.process_time()
    for path in figure_files:
        load_figures(conn, plan, path)
    load_seconds, load_cpu = time.perf_counter() - start, time.process_time() - cpu
    load_summaries, summaries.seconds = summaries.seconds, 0.0
    cpu = time.process_time()
    floor_load, _ = timed(lambda: [conn.execute(
        "CREATE OR REPLACE TEMP TABLE floor_load AS SELECT * FROM read_csv(?, all_varchar = true)",
        [str(path)]) for path in figure_files], 1)
    return {"figures": rows, "load_seconds": load_seconds, "floor_load_seconds": floor_load,
            "load_cpu_seconds": load_cpu, "floor_load_cpu_seconds": time.process_time() - cpu,
            "load_summaries_seconds": load_summaries}


def measure_next_month(db: Path, plan, month: Path, summaries: SummaryClock, runs: int) -> dict:
    """On a copy of the store (the whole-command runs read the store as the CSV made it): the
    next month's figures for every series, as an analyst loads each month, whose SPC summaries
    are extended rather than made again; then the status, which reads them."""
    import shutil
    copy = db.with_name(f"{db.stem}-next-month.duckdb")
    shutil.copy(db, copy)
    conn = store.connect(copy)
    try:
        summaries.seconds = 0.0
        seconds, loaded = timed(lambda: load_figures(conn, plan, month), 1)
        engine = Engine(conn, plan)
        status_seconds, _ = timed(lambda: engine.status(None, None, "all"), runs)
    finally:
        conn.close()
        copy.unlink()
    return {"month_seconds": seconds, "month_figures": loaded.added, "month_summaries_seconds": summaries.seconds,
            "status_after_month": status_seconds}


def run_scale(scale: str, runs: int, with_peer: bool) -> dict:
    prepare(scale)  # generate outside the measured process
    if scale == "national-districts":
        runs = 1  # each status takes seconds here; one run of each is enough to see it
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=measure_engine, args=(scale, runs, with_peer, queue))
    process.start()
    while True:
        try:
            result = queue.get(timeout=5)
            break
        except Exception:  # queue.Empty: is the worker still alive?
            if not process.is_alive():
                raise SystemExit(f"the {scale} benchmark failed (exit code {process.exitcode}); see above")
    process.join()
    return result


def measure_pages_in_process(runs: int, queue) -> None:
    from benchmarks.pages import measure_pages
    queue.put(measure_pages(runs))


def run_pages(runs: int):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=measure_pages_in_process, args=(runs, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def report(result: dict) -> None:
    s = result
    print(f"\n== {s['scale']}: {s['figures']:,} figures")
    print(f"  load (our loader)        {s['load_seconds']:8.2f} s   {s['figures'] / s['load_seconds']:>12,.0f} rows/s")
    print(f"  load floor (read_csv)    {s['floor_load_seconds']:8.2f} s   {s['figures'] / s['floor_load_seconds']:>12,.0f} rows/s"
          f"   loader / floor = {s['load_seconds'] / s['floor_load_seconds']:.1f}x")
    if "load_cpu_seconds" in s:
        print(f"  load, CPU seconds        {s['load_cpu_seconds']:8.2f} s   read_csv {s['floor_load_cpu_seconds']:.2f} s"
              f"   loader / floor = {s['load_cpu_seconds'] / s['floor_load_cpu_seconds']:.1f}x (CPU)")
    print(f"  of which SPC summaries   {s['load_summaries_seconds']:8.2f} s   loader without them / floor = "
          f"{(s['load_seconds'] - s['load_summaries_seconds']) / s['floor_load_seconds']:.1f}x")
    print(f"  next month's load        {s['month_seconds']:8.2f} s   ({s['month_figures']:,} figures; "
          f"SPC summaries extended in {s['month_summaries_seconds']:.2f} s)")
    print(f"  full status after it     {s['status_after_month']:8.3f} s")
    for grain, seconds in s["status"].items():
        print(f"  full status, {grain:<10}  {seconds:8.3f} s   (every measure and area)")
    print(f"  status, force only       {s['status_force_only']:8.3f} s")
    print(f"  one measure's chart      {s['chart_seconds']:8.3f} s   (all areas, with SPC)")
    print(f"  floor: one GROUP BY      {s['floor_seconds']:8.4f} s   engine / floor = {s['status']['own'] / s['floor_seconds']:.0f}x")
    print(f"  floor in month order     {s['ordered_floor_seconds']:8.4f} s   engine / ordered floor = "
          f"{s['status']['own'] / s['ordered_floor_seconds']:.1f}x   (moving ranges: the least SPC needs)")
    if "peer_seconds" in s:
        print(f"  pandas peer (groupby)    {s['peer_seconds']:8.3f} s   pandas / engine = {s['peer_seconds'] / s['status']['own']:.1f}x"
              f"   ({s['peer_mismatches']} status differences in {s['peer_compared']:,} series)")
    print(f"  peak memory              {s['engine_peak_mb']:8.0f} MB")


def print_lines(results: list[dict], pages) -> None:
    """`name: value` lines, one result each, for scripts to read."""
    print()
    for r in results:
        name = r["scale"].replace("-", "_")
        if "peer_seconds" in r:
            print(f"{name}_pandas_over_engine: {r['peer_seconds'] / r['status']['own']:.1f}")
        print(f"{name}_engine_over_floor: {r['status']['own'] / r['floor_seconds']:.1f}")
        print(f"{name}_engine_over_ordered_floor: {r['status']['own'] / r['ordered_floor_seconds']:.1f}")
        print(f"{name}_loader_over_read_csv: {r['load_seconds'] / r['floor_load_seconds']:.1f}")
        print(f"{name}_loader_over_read_csv_cpu: {r['load_cpu_seconds'] / r['floor_load_cpu_seconds']:.1f}")
        print(f"{name}_status_seconds: {r['status']['own']:.3f}")
        print(f"{name}_status_after_next_month_seconds: {r['status_after_month']:.3f}")
        print(f"{name}_next_month_load_seconds: {r['month_seconds']:.3f}")
        print(f"{name}_load_rows_per_second: {r['figures'] / r['load_seconds']:.0f}")
        print(f"{name}_peak_memory_mb: {r['engine_peak_mb']:.0f}")
        if "peer_mismatches" in r:
            print(f"{name}_peer_status_differences: {r['peer_mismatches']}")
        if "whole" in r:
            w = r["whole"]
            print(f"{name}_status_command_seconds: {w['status_command_seconds']:.3f}")
            print(f"{name}_pandas_whole_command_over_status_command: "
                  f"{w['pandas_whole_command_seconds'] / w['status_command_seconds']:.1f}")
            print(f"{name}_validate_command_seconds: {w['validate_command_seconds']:.3f}")
    if pages:
        print(f"slowest_page_callback_after_warm_up_ms: {max(max(w, l) for _, _, w, l in pages) * 1000:.0f}")
        print(f"slowest_page_callback_nothing_cached_ms: {max(c for _, c, _, _ in pages) * 1000:.0f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("sample", "force", "national", "national-districts", "all"), default="force")
    parser.add_argument("--quick", action="store_true", help="fewer runs; no 22-million-figure variant")
    parser.add_argument("--runs", type=int, help="runs per timing (default 5, or 3 with --quick)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 5)
    scales = ["sample", "force", "national"] if args.scale == "all" else [args.scale]
    if "national" in scales and not args.quick:
        scales.append("national-districts")
    if args.quick and "national-districts" in scales and args.scale != "national-districts":
        scales.remove("national-districts")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; runs per timing: {runs}")
    results = []
    for scale in scales:
        # The peer is skipped at 22 million figures: its DataFrame alone passes the 2 GB budget.
        result = run_scale(scale, runs, with_peer=scale not in ("sample", "national-districts"))
        if scale != "national-districts":
            plan_path, (figures_path,) = prepare(scale)
            result["whole"] = whole_command.measure(plan_path, figures_path, CACHE / f"{scale}.duckdb", runs)
        report(result)
        if "whole" in result:
            whole_command.report(scale, result["whole"])
        results.append(result)
    pages = None
    if "sample" in scales:
        from benchmarks.pages import report as report_pages
        pages = run_pages(runs)
        report_pages(pages)
    if args.json:
        Path(args.json).write_text(json.dumps({"scales": results, "pages": pages}, indent=2))
    print_lines(results, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())

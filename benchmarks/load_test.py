"""Many users at once: simulated users on the app's real callback endpoints, served as a team would
serve it, and the waits they see.

    python benchmarks/load_test.py [--store duckdb|postgres|both] [--quick] [--users 8] [--workers 4]

For each store (a DuckDB file in a temporary folder; a throwaway PostgreSQL database), each row
starts a fresh server on the sample figures (gunicorn through gunicorn.conf.py, or one
`python app.py`), lets its start-up warm-up finish, signs the users in (a viewer each), and has them
move between the scorecard, the board review and measure pages with no pause, each request posted
to /_dash-update-component as the page posts it. Rows:

  repeated views           every request at the default month
  a different month        each request at another month (gunicorn, and one process)
  with 8 board packs       the same requests, made while eight PDF packs are asked for at once and
                           printed (the packs take far longer: the row then waits for them)
  while the CLI loads      the same, while `python -m metrics load` writes 1M figures, again and again

Printed: requests per second, p50, p95 and p99 of the waits, errors, the CPU seconds of the app's
processes and the machine's (everyone's) busy share; then the ratio of gunicorn to one process and
`name: value` lines for scripts. The loaded figures are for another plan's measures in the sample's
months, so the pages show the same views while the store is written.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.dash_client import App, sign_in  # noqa: E402
from benchmarks.load_servers import (PASSWORD, PYTHON, USER, SetupError, duckdb_store, machine_busy_seconds,  # noqa: E402
                                     postgres_store, serving)
from benchmarks.load_users import Sample, error_words, page_steps, run_users, summarise  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache" / "load-test"
SAMPLE_MONTHS = dict(first="2003-04", months=72)  # the sample's April 2003 to March 2009
BULK_AREAS = 14
ROW_ORDER = ("repeated", "different", "one process", "pdf", "loading")  # the load last: it grows the store


def row_name(row: str, workers: int, figures: int) -> str:
    gunicorn = f"gunicorn, {workers} workers"
    return {"repeated": f"{gunicorn}, repeated views",
            "different": f"{gunicorn}, a different month each request",
            "one process": "one process (python app.py), a different month each request",
            "pdf": f"{gunicorn}, a different month, while 8 board packs (PDF) are made",
            "loading": f"{gunicorn}, a different month, while the CLI loads {figures:,} figures"}[row]


def bulk_files(figures: int) -> tuple[Path, list[Path]]:
    """A plan of synthetic measures and two long CSVs of their figures in the sample's months (the
    second with other values, so loading it revises every figure), made once and cached."""
    from benchmarks.synthetic import write_figures, write_plan
    measures = max(1, round(figures / (BULK_AREAS * SAMPLE_MONTHS["months"])))
    folder = CACHE / f"{measures}-measures"
    folder.mkdir(parents=True, exist_ok=True)
    plan, files = folder / "plan.yaml", [folder / "figures-a.csv", folder / "figures-b.csv"]
    if not all(f.exists() for f in files):
        print(f"  generating {measures * BULK_AREAS * SAMPLE_MONTHS['months']:,} figures, twice ...", flush=True)
        write_plan(plan, measures, BULK_AREAS)
        for seed, path in zip((7, 8), files):
            write_figures(path, measures, BULK_AREAS, seed=seed, **SAMPLE_MONTHS)
    return plan, files


class Loader:
    """`python -m metrics load` of the bulk files, one after another, until stopped."""

    def __init__(self, store: str, plan: Path, files: list[Path], folder: Path):
        self.command = lambda f: [PYTHON, "-m", "metrics", "load", str(f), "--config", str(plan), "--db", store,
                                  "--as", "load test"]
        self.files, self.log, self.runs = files, folder / "loads.log", []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        import subprocess
        from benchmarks.load_servers import _environment
        turn = 0
        while not self.stopping.is_set():
            started = time.perf_counter()
            with open(self.log, "a") as log:
                process = subprocess.Popen(self.command(self.files[turn % len(self.files)]), cwd=ROOT, stdout=log,
                                           stderr=subprocess.STDOUT, env=_environment({}))
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            self.runs.append({"seconds": time.perf_counter() - started, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                              "exit": process.returncode})
            turn += 1

    def start(self):
        self.thread.start()

    def finish(self) -> list[dict]:
        """Stop after the load under way, and what every load did."""
        self.stopping.set()
        self.thread.join()
        return self.runs


class PackBurst:
    """Eight board packs (PDF) asked for at once, each by its own signed-in user."""

    def __init__(self, app: App, sessions, month: int):
        self.samples: list[Sample] = []
        self.threads = [threading.Thread(target=self._one, args=(app, s, month), daemon=True) for s in sessions]

    def _one(self, app, session, month):
        started, error = time.perf_counter(), None
        try:
            app.board_pack(session, month)
        except Exception as caught:  # counted as an error of the burst
            error = error_words(caught)
        self.samples.append(Sample("board pack", started, time.perf_counter() - started, error))

    def start(self):
        for thread in self.threads:
            thread.start()

    def running(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def finish(self) -> list[Sample]:
        for thread in self.threads:
            thread.join()
        return self.samples


def measure_row(row: str, store: str, args, folder: Path, bulk) -> dict:
    """One row: a fresh server, its users signed in, their requests, and what they saw."""
    workers = None if row == "one process" else args.workers
    with serving(store, workers, folder) as server:
        sessions = [sign_in(server.url, USER, PASSWORD) for _ in range(args.users)]
        app = App(server.url, sessions[0])
        companion = None
        if row == "pdf":
            companion = PackBurst(app, [sign_in(server.url, USER, PASSWORD) for _ in range(8)], app.default_month)
            # The same requests as the row without packs: a longer row visits more pages not yet worked
            # out (2,400 requests without packs: p95 0.83 s against 0.59 s for 400), so it would not compare.
            more = lambda n: n < args.requests  # noqa: E731
        elif row == "loading":
            companion = Loader(store, bulk[0], bulk[1], folder)
            more = lambda n: n < args.requests  # noqa: E731
        else:
            more = lambda n: n < args.requests  # noqa: E731
        cpu, busy, client, started = server.cpu_seconds(), machine_busy_seconds(), time.process_time(), time.perf_counter()
        if companion:
            companion.start()
        samples = run_users(sessions, page_steps(app, different_months=row != "repeated"), more)
        # Measured over the pages' requests, before waiting for the packs or the last load.
        wall, app_cpu, busy_share = (time.perf_counter() - started, server.cpu_seconds() - cpu,
                                     (machine_busy_seconds() - busy) / ((time.perf_counter() - started) * os.cpu_count()))
        extra = companion.finish() if companion else None
        pages = {page: asdict(summarise([x for x in samples if x.what == page])) for page in dict.fromkeys(x.what for x in samples)}
        result = {"row": row, "summary": asdict(summarise(samples)), "pages": pages, "wall_seconds": wall,
                  "app_cpu_seconds": app_cpu, "client_cpu_seconds": time.process_time() - client,
                  "machine_busy_share": busy_share,
                  "load_average": os.getloadavg()[0]}
    if row == "pdf":
        result["packs"] = asdict(summarise(extra))
    if row == "loading":
        result["loads"] = extra
    return result


def measure_store(kind: str, args, bulk) -> list[dict]:
    """Every row on one kind of store, made afresh in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix=f"load-test-{kind}-") as name:
        folder = Path(name)
        opened = duckdb_store(folder) if kind == "duckdb" else postgres_store()
        with opened as store:
            results = []
            for row in args.rows:
                print(f"  {kind}: {row_name(row, args.workers, args.figures)} ...", flush=True)
                result = {"store": kind, **measure_row(row, store, args, folder, bulk)}
                report_row(result, args)
                results.append(result)
            return results


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value == value else "-"


def report_row(r: dict, args) -> None:
    s = r["summary"]
    errors = ", ".join(f"{n} x {kind}" for kind, n in s["error_kinds"].items()) or "0"
    print(f"    {s['requests']} requests in {s['seconds']:.1f} s: {s['per_second']:.1f} req/s, p50 {seconds(s['p50'])}, "
          f"p95 {seconds(s['p95'])}, p99 {seconds(s['p99'])}, errors {errors}; app CPU {r['app_cpu_seconds']:.0f} s "
          f"({r['app_cpu_seconds'] / max(1, s['requests']):.2f} s a request), "
          f"machine busy {r['machine_busy_share']:.0%}, load average {r['load_average']:.1f}", flush=True)
    print("    by page: " + "; ".join(f"{page} p50 {seconds(x['p50'])}, p95 {seconds(x['p95'])}"
                                   for page, x in r["pages"].items()))
    if "packs" in r:
        p = r["packs"]
        print(f"    board packs: {p['requests']} PDFs, p50 {seconds(p['p50'])}, slowest {seconds(p['p99'])}, "
              f"errors {p['errors']} {p['error_kinds'] or ''}")
    if "loads" in r:
        loads = r["loads"]
        failed = sum(1 for x in loads if x["exit"] != 0)
        print(f"    loads: {len(loads)} of {args.figures:,} figures, {sum(x['seconds'] for x in loads) / max(1, len(loads)):.1f} s "
              f"and {sum(x['cpu_seconds'] for x in loads) / max(1, len(loads)):.1f} CPU s each, {failed} failed")


def report(results: list[dict], args) -> None:
    print(f"\n== Many users at once: {args.users} users, {os.cpu_count()} cores\n")
    print("| store | setup | requests | req/s | p50 | p95 | p99 | errors | app CPU s a request | machine busy |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for r in results:
        s = r["summary"]
        errors = ", ".join(f"{n} x {kind}" for kind, n in s["error_kinds"].items()) or "0"
        print(f"| {r['store']} | {row_name(r['row'], args.workers, args.figures)} | {s['requests']} | {s['per_second']:.1f} | "
              f"{seconds(s['p50'])} | {seconds(s['p95'])} | {seconds(s['p99'])} | {errors} | "
              f"{r['app_cpu_seconds'] / max(1, s['requests']):.2f} | {r['machine_busy_share']:.0%} |")
    print()
    for store in dict.fromkeys(r["store"] for r in results):
        by_row = {r["row"]: r for r in results if r["store"] == store}
        for row, r in by_row.items():
            key = f"{store}_{row.replace(' ', '_')}"
            print(f"{key}_p95_seconds: {r['summary']['p95']:.3f}")
            print(f"{key}_errors: {r['summary']['errors']}")
            print(f"{key}_requests_per_second: {r['summary']['per_second']:.2f}")
        if "different" in by_row and "one process" in by_row:
            ratio = by_row["different"]["summary"]["per_second"] / by_row["one process"]["summary"]["per_second"]
            print(f"{store}_workers_over_one_process_requests_per_second: {ratio:.2f}")
        if "pdf" in by_row:
            print(f"{store}_board_pack_errors: {by_row['pdf']['packs']['errors']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=("duckdb", "postgres", "both"), default="duckdb")
    parser.add_argument("--quick", action="store_true", help="120 requests a row and a 0.2M-figure load")
    parser.add_argument("--users", type=int, default=8, help="simulated users at once (default 8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--requests", type=int, help="requests a row (default 400, or 120 with --quick)")
    parser.add_argument("--figures", type=int, help="figures in each load (default 1,008,000, or 201,600 with --quick)")
    parser.add_argument("--rows", nargs="+", choices=ROW_ORDER, default=list(ROW_ORDER), help="which rows (default all)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    args.requests = args.requests or (120 if args.quick else 400)
    args.figures = args.figures or (201_600 if args.quick else 1_008_000)
    args.rows = [r for r in ROW_ORDER if r in args.rows]
    bulk = bulk_files(args.figures) if "loading" in args.rows else None
    if bulk:
        args.figures = sum(1 for _ in open(bulk[1][0])) - 1
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {args.users} users, "
          f"{args.requests} requests a row, gunicorn {args.workers} workers")
    results = []
    for kind in (("duckdb", "postgres") if args.store == "both" else (args.store,)):
        try:
            results += measure_store(kind, args, bulk)
        except SetupError as error:
            print(f"  {kind}: not measured: {error}", file=sys.stderr)
            if args.store != "both":
                return 2
    report(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

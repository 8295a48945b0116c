"""What the web app asks of the engine, computed once and reused.

Results are cached per (store, plan, as-of, grain, area) and the store's data version, so a page's
components share one computation, and a new load is seen at the next page load. Reads compute
from this process's copy of the store (metrics.read_model), so they never wait for a writer;
writes go to the store itself, each in one short transaction (metrics.store).
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from metrics import read_model, store, view_cache
from metrics.engine import Engine
from metrics.errors import NotHeld
from metrics.periods import month_label
from metrics.plan import Plan, PlanError, load_plan
from metrics.workspace import DEFAULT_CONFIG, ROOT


@dataclass(frozen=True)
class Source:
    """Which plan files and which store the app reads (from the environment, else the defaults)."""
    config: tuple[str, ...]
    db: str

    @classmethod
    def from_environment(cls) -> "Source":
        config = os.environ.get("METRICS_CONFIG", str(ROOT / DEFAULT_CONFIG))
        db = os.environ.get("METRICS_DB", str(ROOT / store.DEFAULT_DB))
        return cls(tuple(config.split(os.pathsep)), db)


def _files_version(paths) -> tuple:
    """Changes whenever a file is edited: each file's modification time and size."""
    version = []
    for path in map(Path, paths):
        stat = path.stat() if path.exists() else None
        version.append((stat.st_mtime_ns, stat.st_size) if stat else (0, 0))
    return tuple(version)


@functools.lru_cache(maxsize=4)
def _plan(source: Source, version: tuple) -> Plan:
    return load_plan(list(source.config))


def plan_for(source: Source) -> Plan:
    """The plan, read again whenever one of its files changes (no restart after an edit)."""
    return _plan(source, _files_version(source.config))


def _model(source: Source):
    """This process's copy of the store, holding the plan's measures' figures (every measure's
    while the plan cannot be read: sign-in and the page saying what is wrong still need the store)."""
    try:
        measures = tuple(plan_for(source).measure_ids)
    except PlanError:
        measures = None
    return read_model.for_store(source.db, measures)


def _version(source: Source) -> tuple:
    """What the views are worked out from: the plan's files, and the copy's figures for the plan's
    measures and process changes (read_model.CONTENT_SQL). It changes when a write touching them
    lands, from this process or any other (the CLI, another worker, another server); it stays
    when a load brings only other measures' figures, so views stay worked out (metrics.view_cache)."""
    return (_model(source).content,) + _files_version(source.config)


def store_version(source: Source):
    """Changes whenever any write lands."""
    return _model(source).version


def read(source: Source, work):
    """work(conn) on this process's copy of the store: never waits for a writer."""
    with _model(source).connection() as conn:
        return work(conn)


def _write(source: Source, work):
    """work(conn) inside one write transaction on the store itself."""
    try:
        with store.open_store(source.db).writing() as conn:
            return work(conn)
    finally:
        _model(source).look_again()


def plan_problem(source: Source) -> str | None:
    """Why the plan cannot be read, naming each file and line; None when it can. The pages show
    this instead of failing, and show the plan again as soon as the file is put right."""
    try:
        plan_for(source)
    except PlanError as error:
        return ("The plan cannot be read, so no page can be shown until it is put right: "
                + "; ".join(str(p) for p in error.problems) + ". `python -m metrics validate` lists the same.")
    return None


def store_problem(source: Source) -> str | None:
    """Why the app cannot show the store, in one sentence naming it; None when it can."""
    try:
        _model(source).current()
    except store.StoreError as error:
        return str(error)
    return None


def _engine_call(source: Source, method: str, *args):
    plan = plan_for(source)
    return read(source, lambda conn: getattr(Engine(conn, plan), method)(*args))


@view_cache.cached(maxsize=64)
def _status(source, version, as_of, grain, area):
    return _engine_call(source, "status", as_of, grain, area)


@view_cache.cached(maxsize=64)
def _chart(source, version, measure_id, as_of, area):
    return _engine_call(source, "chart", measure_id, as_of, area)


@view_cache.cached(maxsize=16)
def _months(source, version):
    return _engine_call(source, "months")


@functools.lru_cache(maxsize=64)
def _recent(source, version, as_of, area, count):
    return read(source, lambda conn: conn.execute(
        """SELECT measure_id, month, value FROM figures
           WHERE area = ? AND month BETWEEN ? AND ? AND value IS NOT NULL ORDER BY measure_id, month""",
        [area, as_of - count + 1, as_of]).df())


def _held(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop an area's rows for measures it holds no figures for (the force's rows always stay).
    The engine is to stop returning them; until then a row with no last month held is one."""
    if frame.empty or "last_month" not in frame:
        return frame
    keep = (frame["area"] == "force") | frame["last_month"].notna()
    return frame if keep.all() else frame[keep].reset_index(drop=True)


def status(source: Source, as_of: int | None, grain: str | None, area: str = "force") -> pd.DataFrame:
    """The scorecard rows for one area, or every area ("all"). The force's rows are read from the
    every-area table (which always holds them), so pages showing both compute once. A district
    has rows only for the measures it holds figures for."""
    version = _version(source)
    if area in ("force", "all"):
        everything = _held(_status(source, version, as_of, grain, "all"))
        return everything if area == "all" else everything[everything["area"] == "force"].reset_index(drop=True)
    return _held(_status(source, version, as_of, grain, area))


def held_for_force_only(source: Source, frame: pd.DataFrame, area: str) -> list:
    """The plan's measures an area's status rows leave out: those held for the whole force only."""
    if area in (None, "force", "all"):
        return []
    shown = set(frame["measure_id"]) if not frame.empty else set()
    return [m for m in plan_for(source).measures if m.id not in shown]


@view_cache.cached(maxsize=32)
def _engine_answer(source, version, method, *args):
    return _engine_call(source, method, *args)


def default_as_of(source: Source) -> int | None:
    """The month pages open on: the latest month in which at least half the measures with figures hold one."""
    return _engine_answer(source, _version(source), "default_as_of")


def later_figures(source: Source, as_of: int | None) -> list[tuple[int, int]]:
    """(month, number of measures with a figure that month) for months after as_of, oldest first."""
    if as_of is None:
        return []
    return list(_engine_answer(source, _version(source), "later_figures", as_of))


def load_months(source: Source, load_id: int) -> list[int]:
    """The months one load brought figures for, oldest first (for the link to the new month)."""
    return read(source, lambda c: [m for (m,) in c.execute(
        "SELECT DISTINCT month FROM figures WHERE load_id = ? ORDER BY month", [load_id]).fetchall()])


def chart(source: Source, measure_id: str | None, as_of: int | None, area: str | None) -> pd.DataFrame:
    """One measure's chart points, or every measure's (None). For the force, every measure's chart
    is computed together once (the start-up warm-up does it) and each measure's page reads its own
    from it; a district's page, visited less, computes just its measure."""
    version = _version(source)
    if measure_id is not None and area != "force":
        return _chart(source, version, measure_id, as_of, area)
    everything = _chart(source, version, None, as_of, area)
    if measure_id is None:
        return everything
    return everything[everything["measure_id"] == measure_id].reset_index(drop=True)


def clear_cache() -> None:
    """Forget every view worked out, here and in the views shared on disk."""
    for cached in (_plan, _status, _chart, _months, _recent, _engine_answer, _projections, _peers,
                   _quarter_review):
        cached.cache_clear()
    view_cache.clear_all()


def warm_up(source: Source) -> None:
    """Work out what the first visitors will ask for (the latest month's scorecard, the latest
    quarter's board review), so their pages come from the cache."""
    if store_problem(source):
        return
    held = months(source)
    if not held:
        return
    views_for_month(source, default_as_of(source))


def views_for_month(source: Source, month: int) -> None:
    """Work out what the scorecard, a measure's page and the board review ask for at this month."""
    status(source, month, None, "all")
    projections(source, month, "force")
    chart(source, None, month, "force")
    try:
        review = quarter_review(source, month)
    except NotHeld:  # a month before the first whole quarter: the board page says so, nothing to work out
        return
    chart(source, None, review.quarter_end, "force")


def quarter_review(source: Source, as_of: int | None, area: str = "force"):
    """The board's review of the latest financial quarter ending on or before as_of: the one
    metrics.board.quarter_review the board pack uses too, fed from this cache."""
    return _quarter_review(source, _version(source), as_of, area)


@view_cache.cached(maxsize=32)
def _quarter_review(source, version, as_of, area):
    from metrics import board
    held = months(source)
    plan = plan_for(source)
    as_of = default_as_of(source) if as_of is None else as_of
    by_area = lambda when, grain: status(source, when, grain, area)  # noqa: E731
    return board.quarter_review(by_area, held, as_of, plan.year_start_month)


def months(source: Source) -> list[int]:
    return _months(source, _version(source))


def recent_values(source: Source, as_of: int, area: str, count: int = 24) -> dict[str, list[float]]:
    """The last `count` months of each measure's figures, for the scorecard's small trend lines."""
    frame = _recent(source, _version(source), as_of, area, count)
    return {measure_id: list(group["value"]) for measure_id, group in frame.groupby("measure_id")}


def figures(source: Source, measure_id: str, area: str | None) -> pd.DataFrame:
    frame = read(source, lambda conn: store.figure_history(conn, measure_id, area))
    frame["period"] = frame["month"].map(month_label)
    return frame


# --- loading from the web app ------------------------------------------------------------------

UPLOAD_LIMIT_BYTES = 20 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx")


def stage_upload(name: str, content: bytes, owner: str):
    """Keep an uploaded file for `owner` under a random id until it is checked and loaded
    (metrics.uploads.Staged). Raises ValueError for a file of the wrong kind or over the limit."""
    from metrics import uploads
    return uploads.stage(owner, name, content, UPLOAD_LIMIT_BYTES)


def check_upload(source: Source, staged):
    """A dry run of a staged file: what it would change (the file is then marked as checked), or
    FiguresError with every problem (the file is then deleted, and its problems kept to download)."""
    from metrics import uploads
    from metrics.loading import FiguresError, load_figures, problems_csv

    try:
        result = read(source, lambda c: load_figures(
            c, plan_for(source), uploads.file_path(staged), dry_run=True, loaded_by=staged.owner,
            display_name=staged.name))
    except FiguresError as error:
        uploads.refuse(staged, problems_csv(error))
        raise
    uploads.mark_checked(staged)
    return result


def load_upload(source: Source, upload_id, person: str, checked_hash: str):
    """Load a staged file: only one `person` staged and checked, whose content still has the hash it
    had when checked. The file is deleted after the load, and after a refusal. Raises
    metrics.uploads.UploadError (nothing changed) or FiguresError."""
    from metrics import uploads
    from metrics.loading import load_figures

    staged = uploads.find(upload_id, person)
    if not staged.checked:
        raise uploads.UploadError(f"{staged.name}: not loaded, as it was never checked: drop it again to see what it would change")
    if not (staged.hash == checked_hash == uploads.content_hash(staged)):
        uploads.discard(staged.id)
        raise uploads.UploadError(f"{staged.name}: not loaded, as it is not the file that was checked: drop it again")
    try:
        return load_figures(store.open_store(source.db), plan_for(source), uploads.file_path(staged),
                            loaded_by=person, display_name=staged.name)
    finally:
        uploads.discard(staged.id)
        _model(source).look_again()


def load_history(source: Source) -> pd.DataFrame:
    return read(source, store.load_history)


# --- the board's workflow -----------------------------------------------------------------------

def save_commentary(source: Source, measure_id: str, quarter_end: int, text: str, author: str) -> int:
    from metrics import workflow
    return _write(source, lambda c: workflow.save_commentary(c, measure_id, quarter_end, text, author))


def commentary(source: Source, quarter_end: int) -> pd.DataFrame:
    from metrics import workflow
    return read(source, lambda c: workflow.commentary(c, quarter_end))


def commentary_history(source: Source, measure_id: str) -> pd.DataFrame:
    from metrics import workflow
    return read(source, lambda c: workflow.commentary_history(c, measure_id))


def action_log(source: Source) -> pd.DataFrame:
    from metrics import workflow
    return read(source, lambda c: workflow.action_log(c))


def raise_action(source: Source, **fields) -> int:
    from metrics import workflow
    return _write(source, lambda c: workflow.raise_action(c, **fields))


def update_action(source: Source, action_id: int, edited_by: str, **changes) -> int:
    from metrics import workflow
    return _write(source, lambda c: workflow.update_action(c, action_id, edited_by, **changes))


def board_pack(source: Source, as_of: int | None, suffix: str) -> bytes:
    """The board pack as the bytes of an .html or .pdf file."""
    import tempfile

    from metrics.board_pack import export_pack
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"pack{suffix}"
        read(source, lambda c: export_pack(c, plan_for(source), as_of, out))
        return out.read_bytes()


# --- SPC beyond the limits: projections, peers, process changes, the statement ------------------

@view_cache.cached(maxsize=32)
def _projections(source, version, as_of, area):
    from metrics import projection
    plan = plan_for(source)
    return read(source, lambda c: projection.projections(Engine(c, plan), plan, as_of, area))


def projections(source: Source, as_of: int | None, area: str = "force") -> pd.DataFrame:
    """metrics.projection.projections for the as-of month (default: the default month)."""
    as_of = default_as_of(source) if as_of is None else as_of
    return _projections(source, _version(source), as_of, area or "force")


@view_cache.cached(maxsize=32)
def _peers(source, version, measure_id, as_of):
    from metrics import peers
    plan = plan_for(source)
    if not any(a.kind == "peer" for a in plan.areas):
        return None, None
    def work(conn):
        engine = Engine(conn, plan)
        rank = peers.ranking(engine, plan, measure_id, as_of)
        funnel = peers.funnel(engine, plan, measure_id, as_of) if plan.measure(measure_id).aggregation == "ratio" else None
        return rank, funnel
    return read(source, work)


def peers(source: Source, measure_id: str, as_of: int | None):
    """(ranking, funnel or None) for a measure; (None, None) when the plan has no peers."""
    as_of = default_as_of(source) if as_of is None else as_of
    return _peers(source, _version(source), measure_id, as_of)


def add_process_change(source: Source, measure_id: str, month, note: str, added_by: str) -> int:
    from metrics import workflow
    return _write(source, lambda c: workflow.add_process_change(c, plan_for(source), measure_id, month, note, added_by))


def process_changes(source: Source, measure_id: str) -> pd.DataFrame:
    from metrics import workflow
    return read(source, lambda c: workflow.process_changes(c, measure_id))


def save_statement(source: Source, quarter_end: int, text: str, author: str) -> int:
    from metrics import workflow
    return _write(source, lambda c: workflow.save_statement(c, quarter_end, text, author))


def statement_history(source: Source, quarter_end: int) -> pd.DataFrame:
    from metrics import workflow
    return read(source, lambda c: workflow.statement_history(c, quarter_end))

"""What changed since a load: the digest a chief officer reads after the monthly figures land.

The scorecard before a load is worked out by the same engine, over the figures as they stood just
before it: each figure then in force is either still in `figures` (brought by an earlier load) or
in `revisions` (brought by an earlier load and replaced by this one or a later one). Comparing that
scorecard with today's gives the measures that turned red or green and the new special causes.
"""
from __future__ import annotations

import datetime as dt
import html
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import duckdb
import pandas as pd

from metrics import store, workflow
from metrics.engine import Engine
from metrics.formats import counted, fmt, records
from metrics.periods import month_name
from metrics.plan import Plan
from metrics.vocabulary import term
from metrics.errors import Problem

ACTIONS_DUE_WITHIN_DAYS = 14
SPECIAL_CAUSES = ("improvement", "concern", "neutral_high", "neutral_low")
FIGURE_COLUMNS = "measure_id, area, month, value, numerator, denominator, not_applicable, note, load_id"


class DigestError(Problem):
    """The digest cannot be made as asked (no such load, nothing loaded yet)."""


@dataclass(frozen=True)
class Digest:
    since: str                 # words: "load 12 (april.csv) on 3 December 2026"
    loads: pd.DataFrame        # the loads since then
    status_changes: pd.DataFrame
    first_figures: pd.DataFrame  # measures and areas that had no figures before
    special_causes: pd.DataFrame
    revisions: pd.DataFrame
    actions_due: pd.DataFrame


def first_load_since(conn, since: str | None) -> int:
    """The load the digest starts from: a load number, the first load on or after a date, or the latest."""
    if since is None:
        latest = conn.execute("SELECT max(load_id) FROM loads").fetchone()[0]
        if latest is None:
            raise DigestError("nothing has been loaded yet, so nothing has changed")
        return int(latest)
    if str(since).isdigit():
        if not conn.execute("SELECT 1 FROM loads WHERE load_id = ?", [int(since)]).fetchone():
            raise DigestError(f"there is no load {since}: see the load history on the data page")
        return int(since)
    try:
        day = dt.date.fromisoformat(str(since))
    except ValueError:
        raise DigestError(f'--since takes a load number or a date (YYYY-MM-DD), not "{since}"') from None
    found = conn.execute("SELECT min(load_id) FROM loads WHERE loaded_at >= ?", [day]).fetchone()[0]
    if found is None:
        raise DigestError(f"nothing has been loaded since {day:%-d %B %Y}")
    return int(found)


def figures_before(conn, load_id: int) -> pd.DataFrame:
    """Every figure as it stood just before a load."""
    return conn.execute(f"""
        SELECT {FIGURE_COLUMNS} FROM figures WHERE load_id < $load
        UNION ALL
        SELECT {FIGURE_COLUMNS} FROM revisions WHERE load_id < $load AND superseded_by >= $load""",
                        {"load": load_id}).df()


def _status_over(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The every-area scorecard over a set of figures, in a private in-memory store."""
    memory = duckdb.connect()
    try:
        memory.execute(store.SCHEMA)
        memory.register("figures_frame", frame)
        memory.execute(f"INSERT INTO figures ({FIGURE_COLUMNS}) SELECT {FIGURE_COLUMNS} FROM figures_frame")
        return Engine(memory, plan).status(None, None, "all")
    finally:
        memory.close()


def _compare(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    keep = ["measure_id", "area", "rag", "spc_variation", "actual", "period"]
    return now.merge(before[keep], on=["measure_id", "area"], how="left", suffixes=("", "_before"))


def _held_before(joined: pd.DataFrame) -> pd.Series:
    """Rows that had figures before the load: a status then (or a figure without one)."""
    return joined["actual_before"].notna() | joined["rag_before"].isin(["red", "amber", "green"])


def _status_changes(joined: pd.DataFrame) -> pd.DataFrame:
    # A measure's first figures are no turn from "No data": they are counted apart (first_figures).
    turned = joined[joined["rag"].isin(["red", "green"]) & (joined["rag"] != joined["rag_before"]) & _held_before(joined)]
    return turned.sort_values(["rag", "sort_order", "area_order"], ascending=[False, True, True])


def _first_figures(joined: pd.DataFrame) -> pd.DataFrame:
    return joined[joined["actual"].notna() & ~_held_before(joined)]


def _special_causes(joined: pd.DataFrame) -> pd.DataFrame:
    new = (joined["spc_variation"].isin(SPECIAL_CAUSES) & (joined["spc_variation"] != joined["spc_variation_before"])
           & _held_before(joined))  # first figures are counted apart, as for statuses
    return joined[new].sort_values(["sort_order", "area_order"])


def _revisions(conn, load_id: int, plan: Plan) -> pd.DataFrame:
    """Earlier months' figures that a load since then changed: the old value and the new."""
    frame = conn.execute("""
        SELECT r.measure_id, r.area, r.month, r.value AS old_value, f.value AS new_value, r.superseded_by AS load_id
        FROM revisions r
        JOIN figures f USING (measure_id, area, month)
        WHERE r.superseded_by >= ? AND r.value IS DISTINCT FROM f.value
        ORDER BY r.measure_id, r.area, r.month""", [load_id]).df()
    frame["measure"] = [plan.measure(m).title if m in plan.measure_ids else m for m in frame["measure_id"]]
    frame["area_name"] = [plan.area_name(a) for a in frame["area"]]
    return frame


def _actions_due(conn, today: dt.date) -> pd.DataFrame:
    actions = workflow.action_log(conn, on=today)
    horizon = today + dt.timedelta(days=ACTIONS_DUE_WITHIN_DAYS)
    due = pd.to_datetime(actions["due_date"]).dt.date
    return actions[(actions["status"] == "open") & (due <= horizon)].reset_index(drop=True)


def build_digest(conn, plan: Plan, since: str | None = None, today: dt.date | None = None) -> Digest:
    load_id = first_load_since(conn, since)
    loads = conn.execute("SELECT * FROM loads WHERE load_id >= ? ORDER BY load_id", [load_id]).df()
    first = loads.iloc[0]
    joined = _compare(_status_over(figures_before(conn, load_id), plan), Engine(conn, plan).status(None, None, "all"))
    return Digest(
        since=f"load {load_id} ({first['file_name']}) on {pd.Timestamp(first['loaded_at']):%-d %B %Y}",
        loads=loads, status_changes=_status_changes(joined), first_figures=_first_figures(joined),
        special_causes=_special_causes(joined),
        revisions=_revisions(conn, load_id, plan), actions_due=_actions_due(conn, today or dt.date.today()))


# --- in words --------------------------------------------------------------------------------------

def _period(row) -> str:
    return getattr(row, "period_words", None) if isinstance(getattr(row, "period_words", None), str) else row.period


def lines(digest: Digest, plan: Plan) -> dict[str, list[str]]:
    """Each section of the digest as sentences in the status vocabulary's words."""
    changes = []
    for r in records(digest.status_changes):
        before = term("rag", r.rag_before).word if isinstance(r.rag_before, str) else "not reported"
        now = term("rag", r.rag)
        changes.append(f"{now.icon} {r.measure} ({r.area_name}) turned {now.word}: {now.phrase} for {_period(r)} "
                       f"(was {before}).")
    causes = [f"{term('spc_variation', r.spc_variation).icon} {r.measure} ({r.area_name}): "
              f"{term('spc_variation', r.spc_variation).phrase}." for r in records(digest.special_causes)]
    revised = []
    for r in records(digest.revisions):
        unit = plan.measure(r.measure_id).unit if r.measure_id in plan.measure_ids else ""
        revised.append(f"{r.measure} ({r.area_name}), {month_name(int(r.month))}: revised from "
                       f"{fmt(r.old_value, unit)} to {fmt(r.new_value, unit)} by load {int(r.load_id)}.")
    actions = []
    for r in records(digest.actions_due):
        when = pd.Timestamp(r.due_date)
        state = "overdue since" if r.overdue else "due"
        actions.append(f"{r.text} ({r.owner}): {state} {when:%-d %B %Y}.")
    first = digest.first_figures
    if not first.empty:  # one line, not a "turned red (was No data)" for each
        changes.append(f"First figures for {counted(first['measure_id'].nunique(), 'measure')} "
                       f"({counted(first['area'].nunique(), 'area')}): their statuses are on the scorecard.")
    return {"Measures that turned red or green": changes, "New special causes": causes,
            "Earlier months revised": revised, f"Actions due in the next {ACTIONS_DUE_WITHIN_DAYS} days or overdue": actions}


def to_html(digest: Digest, plan: Plan) -> str:
    sections = []
    for title, items in lines(digest, plan).items():
        body = "".join(f"<li>{html.escape(i)}</li>" for i in items) or "<li>Nothing to report.</li>"
        sections.append(f"<h2>{html.escape(title)}</h2><ul>{body}</ul>")
    loads = ", ".join(f"{html.escape(str(r.file_name))} ({int(r.rows_added)} added, {int(r.rows_revised)} revised)"
                      for r in records(digest.loads))
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>What changed: "
            f"{html.escape(plan.title)}</title></head><body style='font-family: sans-serif; max-width: 50em'>"
            f"<h1>What changed since {html.escape(digest.since)}</h1><p>{html.escape(plan.title)}. Loads: {loads}.</p>"
            + "".join(sections) + "</body></html>")


def send_email(body_html: str, subject: str, environ=os.environ) -> str:
    """Send the digest through the SMTP server the environment names; returns who it went to."""
    host, recipients = environ.get("METRICS_SMTP_HOST"), environ.get("METRICS_SMTP_TO")
    if not host or not recipients:
        raise DigestError("to e-mail the digest, set METRICS_SMTP_HOST and METRICS_SMTP_TO "
                          "(and METRICS_SMTP_PORT, METRICS_SMTP_FROM, METRICS_SMTP_USER, METRICS_SMTP_PASSWORD as needed)")
    message = EmailMessage()
    message["Subject"], message["To"] = subject, recipients
    message["From"] = environ.get("METRICS_SMTP_FROM", "performance-dashboard@localhost")
    message.set_content("This digest is HTML: open it in a mail reader that shows HTML.")
    message.add_alternative(body_html, subtype="html")
    with smtplib.SMTP(host, int(environ.get("METRICS_SMTP_PORT", "25")), timeout=30) as smtp:
        if environ.get("METRICS_SMTP_STARTTLS") == "1":
            smtp.starttls()
        if environ.get("METRICS_SMTP_USER"):
            smtp.login(environ["METRICS_SMTP_USER"], environ.get("METRICS_SMTP_PASSWORD", ""))
        smtp.send_message(message)
    return recipients

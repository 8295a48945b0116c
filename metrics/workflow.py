"""The board's workflow: commentary on each measure per quarter, and the action log.

Nothing is overwritten: saving commentary or changing an action adds a new version, and the latest
version is the one shown. Text is stored as written; every view shows it as text, never as HTML.
"""
from __future__ import annotations

import datetime as dt

from metrics.lazy import pandas as pd

from metrics import spc_state, store
from metrics.errors import Problem

ACTION_STATUSES = ("open", "discharged")
# Long enough for any real note, short enough that no one can bloat the board's pages.
MAX_COMMENTARY = 10_000
MAX_ACTION_TEXT = 2_000
MAX_NAME = 200


class WorkflowError(Problem):
    """A commentary or action that cannot be saved, with the reason."""


def _limited(value, field: str, limit: int) -> str:
    """Text stripped, and refused (with its length and the limit) if it is longer than the limit."""
    if value is not None and not isinstance(value, str):
        raise WorkflowError(f"{field} must be text")
    value = (value or "").strip()
    if len(value) > limit:
        raise WorkflowError(f"{field} is {len(value):,} characters; the limit is {limit:,}")
    return value


def _required(value, field: str, limit: int, when_empty: str) -> str:
    """Text as `_limited` gives it, refused with `when_empty` if there is none."""
    value = _limited(value, field, limit)
    if not value:
        raise WorkflowError(when_empty)
    return value


def save_commentary(conn, measure_id: str, quarter_end: int, text: str, author: str) -> int:
    """Add a version of a measure's commentary for a quarter; returns the version number.
    The author is the signed-in person, passed by the caller."""
    text = _required(text, "the commentary", MAX_COMMENTARY, "commentary is empty")
    author = _required(author, "the author's name", MAX_NAME, "say who wrote the commentary")
    with store.transaction(conn):
        version = conn.execute(
            "SELECT coalesce(max(version), 0) + 1 FROM commentary WHERE measure_id = ? AND quarter_end = ?",
            [measure_id, quarter_end]).fetchone()[0]
        conn.execute("INSERT INTO commentary VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
                     [measure_id, quarter_end, version, text, author])
    return version


def commentary(conn, quarter_end: int) -> pd.DataFrame:
    """The latest commentary on each measure for a quarter."""
    return conn.execute("""
        SELECT measure_id, text, author, written_at, version FROM commentary WHERE quarter_end = ?
        QUALIFY row_number() OVER (PARTITION BY measure_id ORDER BY version DESC) = 1""", [quarter_end]).df()


def commentary_history(conn, measure_id: str) -> pd.DataFrame:
    return conn.execute("""SELECT quarter_end, version, text, author, written_at FROM commentary
                           WHERE measure_id = ? ORDER BY quarter_end DESC, version DESC""", [measure_id]).df()


def _date(value, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise WorkflowError(f"{field} must be a date, YYYY-MM-DD, not {value!r}") from None


def _check_action_text(text, owner, discharge_note=None) -> None:
    _limited(text, "the action", MAX_ACTION_TEXT)
    _limited(owner, "the owner's name", MAX_NAME)
    _limited(discharge_note, "how it was discharged", MAX_ACTION_TEXT)


def _editor(name, field: str) -> str:
    """The person making the change (the signed-in user): required, and a name's length at most."""
    name = _limited(name, field, MAX_NAME)
    if not name:
        raise WorkflowError(f"say who {'raised' if field.startswith('who raised') else 'changed'} the action")
    return name


def raise_action(conn, meeting_date, text: str, owner: str, due_date, measures: list[str], raised_by: str) -> int:
    """Record an action raised at a meeting; returns its number. raised_by is the signed-in person."""
    _check_action_text(text, owner)
    raised_by = _editor(raised_by, "who raised it")
    if not (text or "").strip() or not (owner or "").strip():
        raise WorkflowError("an action needs its text and an owner")
    meeting, due = _date(meeting_date, "meeting date"), _date(due_date, "due date")
    if due < meeting:  # an action cannot fall due before the meeting that raised it
        raise WorkflowError(f"the due date ({due.day} {due:%B %Y}) is before the meeting ({meeting.day} {meeting:%B %Y})")
    with store.transaction(conn):
        action_id = conn.execute("SELECT coalesce(max(action_id), 0) + 1 FROM actions").fetchone()[0]
        conn.execute("INSERT INTO actions VALUES (?, 1, ?, ?, ?, ?, ?, 'open', NULL, ?, now()::TIMESTAMP)",
                     [action_id, meeting, text.strip(), owner.strip(), due, list(measures or []), raised_by])
    return action_id


def update_action(conn, action_id: int, edited_by: str, **changes) -> int:
    """Change an action (text, owner, due_date, measures, status, discharge_note) as a new version.
    edited_by is the signed-in person."""
    edited_by = _editor(edited_by, "who changed it")
    _check_action_text(changes.get("text"), changes.get("owner"), changes.get("discharge_note"))
    current = conn.execute("""SELECT * FROM actions WHERE action_id = ? ORDER BY version DESC LIMIT 1""",
                           [action_id]).df()
    if current.empty:
        raise WorkflowError(f"there is no action {action_id}")
    row = current.iloc[0].to_dict()
    unknown = set(changes) - {"text", "owner", "due_date", "measures", "status", "discharge_note"}
    if unknown:
        raise WorkflowError(f"cannot change {', '.join(sorted(unknown))}")
    row.update({k: v for k, v in changes.items() if v is not None})
    if row["status"] not in ACTION_STATUSES:
        raise WorkflowError(f"status must be one of {', '.join(ACTION_STATUSES)}")
    if row["status"] == "discharged" and not (row.get("discharge_note") or "").strip():
        raise WorkflowError("say how the action was discharged")
    with store.transaction(conn):
        conn.execute("INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)", [
            action_id, int(row["version"]) + 1, row["meeting_date"], row["text"], row["owner"],
            _date(row["due_date"], "due date"), list(row["measures"]), row["status"], row.get("discharge_note"),
            edited_by])
    return int(row["version"]) + 1


def action_log(conn, on: dt.date | None = None, include_discharged: bool = True) -> pd.DataFrame:
    """Every action at its latest version; open actions past their due date are overdue."""
    on = on or dt.date.today()
    frame = conn.execute("""
        SELECT action_id, meeting_date, text, owner, due_date, measures, status, discharge_note, edited_by, edited_at,
               status = 'open' AND due_date < ? AS overdue
        FROM actions
        QUALIFY row_number() OVER (PARTITION BY action_id ORDER BY version DESC) = 1
        ORDER BY status = 'discharged', due_date, action_id""", [on]).df()
    if not include_discharged:
        frame = frame[frame["status"] == "open"]
    frame["state"] = ["overdue" if o else s for o, s in zip(frame["overdue"], frame["status"])]
    return frame.reset_index(drop=True)


def quarter_actions(conn, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
    """The action log for a quarter's pack: actions open at the quarter's end and those discharged
    during it; none raised after it. `state` is the action's state on the quarter's last day
    (open, overdue or discharged); `discharged_on` the day it was discharged, if it was."""
    frame = conn.execute("""
        WITH latest AS (
          SELECT * FROM actions QUALIFY row_number() OVER (PARTITION BY action_id ORDER BY version DESC) = 1),
        discharged AS (
          SELECT action_id, min(edited_at)::DATE AS discharged_on FROM actions
          WHERE status = 'discharged' GROUP BY action_id)
        SELECT l.action_id, l.meeting_date, l.text, l.owner, l.due_date, l.measures, l.status, l.discharge_note,
               CASE WHEN l.status = 'discharged' THEN d.discharged_on END AS discharged_on
        FROM latest l LEFT JOIN discharged d USING (action_id)
        WHERE l.meeting_date <= $last
          AND (l.status = 'open' OR d.discharged_on >= $first)
        ORDER BY l.due_date, l.action_id""", {"first": first_day, "last": last_day}).df()
    frame["discharged_on"] = [d.date() if hasattr(d, "date") else d for d in pd.to_datetime(frame["discharged_on"])]
    frame["due_date"] = [d.date() for d in pd.to_datetime(frame["due_date"])]
    frame["meeting_date"] = [d.date() for d in pd.to_datetime(frame["meeting_date"])]
    frame["state"] = [_state_on(last_day, on, due) for on, due in zip(frame["discharged_on"], frame["due_date"])]
    return frame


def _state_on(day: dt.date, discharged_on, due: dt.date) -> str:
    if discharged_on is not None and not pd.isna(discharged_on) and discharged_on <= day:
        return "discharged"
    return "overdue" if due < day else "open"


# --- process changes added in the app ----------------------------------------------------------
# A process change an analyst records on a measure's page. Like the plan's `spc: phases`, it
# starts a new SPC phase; the two are merged for the limits. Rows are only ever added.

MAX_PHASE_NOTE = 300
PROCESS_CHANGES = """CREATE TABLE IF NOT EXISTS process_changes (
    measure_id VARCHAR NOT NULL,
    month INTEGER NOT NULL,            -- month index the new phase starts
    note VARCHAR NOT NULL,
    added_by VARCHAR NOT NULL,
    added_at TIMESTAMP NOT NULL
)"""
STATEMENTS = """CREATE TABLE IF NOT EXISTS statements (
    quarter_end INTEGER NOT NULL,      -- month index of the quarter's last month
    version INTEGER NOT NULL,
    text VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    written_at TIMESTAMP NOT NULL,
    PRIMARY KEY (quarter_end, version)
)"""


def _has_table(conn, name: str) -> bool:
    """Whether the store holds the table yet (a read-only store cannot make one)."""
    # The name is ours, not a person's: written in, as a bound parameter would import pandas.
    return bool(conn.execute("SELECT count(*) FROM information_schema.tables "
                             f"WHERE table_name = '{name}'").fetchone()[0])


def _month(value) -> int:
    """A month index from 'YYYY-MM' (the page's month box) or an index."""
    from metrics.periods import month_index
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "").strip()
    try:
        year, month = (int(p) for p in text.split("-")[:2])
        if not 1 <= month <= 12 or len(text.split("-")) != 2:
            raise ValueError
    except ValueError:
        raise WorkflowError(f"the month must be a month, YYYY-MM, not {text!r}" if text else "say which month") from None
    return month_index(year, month)


def add_process_change(conn, plan, measure_id: str, month, note: str, added_by: str) -> int:
    """Record a process change from `month` on a measure; returns its month index. Refused if the
    plan or the store already records a change that month (nothing is overwritten)."""
    from metrics.spc import phases_of
    if measure_id not in plan.measure_ids:
        raise WorkflowError(f"there is no measure {measure_id!r}")
    start = _month(month)
    note = _required(note, "the note", MAX_PHASE_NOTE, "say what changed (the note)")
    added_by = _required(added_by, "the name", MAX_NAME, "say who recorded the change")
    recorded = {p.start for p in phases_of(plan.measure(measure_id))}
    with store.transaction(conn):
        conn.execute(PROCESS_CHANGES)
        recorded |= {m for (m,) in conn.execute("SELECT month FROM process_changes WHERE measure_id = ?",
                                                [measure_id]).fetchall()}
        if start in recorded:
            from metrics.charts import month_words
            raise WorkflowError(f"a process change is already recorded from {month_words(start)}")
        conn.execute("INSERT INTO process_changes VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                     [measure_id, start, note, added_by.strip()])
        if spc_state.kept(conn):  # the measure's SPC summaries, made again with the new phase
            spc_state.refresh(conn, plan, [measure_id])
    return start


def process_change_rows(conn) -> list[tuple]:
    """(measure_id, month, note) of every process change added in the app, oldest first."""
    if not _has_table(conn, "process_changes"):
        return []
    return conn.execute("SELECT measure_id, month, note FROM process_changes ORDER BY measure_id, month").fetchall()


def process_changes(conn, measure_id: str | None = None) -> pd.DataFrame:
    """The process changes added in the app, oldest first: measure_id, month, note, added_by, added_at."""
    if not _has_table(conn, "process_changes"):
        return pd.DataFrame(columns=["measure_id", "month", "note", "added_by", "added_at"])
    return conn.execute("""SELECT measure_id, month, note, added_by, added_at FROM process_changes
                           WHERE $m IS NULL OR measure_id = $m ORDER BY measure_id, month""",
                        {"m": measure_id}).df()


# --- the quarterly statement -------------------------------------------------------------------
# The PCC's statement on the force's contribution to the national measures: a draft built from
# the quarter review, edited by an analyst; each save is a new version of that quarter's text.

MAX_STATEMENT = 20_000


def save_statement(conn, quarter_end: int, text: str, author: str) -> int:
    """Add a version of the quarter's statement; returns its version number."""
    text = _required(text, "the statement", MAX_STATEMENT, "the statement is empty")
    author = _required(author, "the author's name", MAX_NAME, "say who wrote the statement")
    with store.transaction(conn):
        conn.execute(STATEMENTS)
        version = conn.execute("SELECT coalesce(max(version), 0) + 1 FROM statements WHERE quarter_end = ?",
                               [quarter_end]).fetchone()[0]
        conn.execute("INSERT INTO statements VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                     [quarter_end, version, text, author])
    return version


def statement_history(conn, quarter_end: int) -> pd.DataFrame:
    """Every version of a quarter's statement, newest first: version, text, author, written_at."""
    if not _has_table(conn, "statements"):
        return pd.DataFrame(columns=["version", "text", "author", "written_at"])
    return conn.execute("""SELECT version, text, author, written_at FROM statements WHERE quarter_end = ?
                           ORDER BY version DESC""", [quarter_end]).df()


def statement(conn, quarter_end: int):
    """The quarter's latest statement as a row (version, text, author, written_at), or None."""
    history = statement_history(conn, quarter_end)
    return None if history.empty else history.iloc[0]


def _names(titles: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + f" and {titles[-1]}"


def draft_statement(review, projections: pd.DataFrame, plan) -> str:
    """A plain-words draft of the quarter's statement, from the quarter review (metrics.board) and
    the projections made at the quarter's end: which measures moved, which are red and why, which
    changes are real (special cause), and what the projections say. Every word from the vocabulary."""
    from metrics import vocabulary
    from metrics.formats import apart, records
    from metrics.periods import month_words

    rows = records(review.rows.sort_values("sort_order"))
    paras = [f"Statement on the force's contribution to the national crime and policing measures, "
             f"{review.quarter_label} ({review.quarter_words})."]
    moved = []
    for code in ("better", "worse", "moved"):
        titles = [r.measure for r in rows if r.movement == code]
        if titles:
            word = vocabulary.term("movement", code).word
            moved.append(f"{word} since {review.previous_label}: {_names(titles)}." if code == "moved"
                         else f"{word} than {review.previous_label}: {_names(titles)}.")
    apart_titles = [r.measure for r in rows if r.movement == "not_compared"]
    if apart_titles:  # a month missing in a quarter: named, so the silence is not read as no change
        moved.append(f"Not compared with {review.previous_label} (figures missing in a quarter): {_names(apart_titles)}.")
    paras.append(" ".join(moved) or f"No measure changed status since {review.previous_label}.")
    red = [r for r in rows if r.rag == "red"]
    paras.append(" ".join(
        f"{r.measure} is {vocabulary.term('rag', 'red').phrase}: " + "{} against a target of {}".format(
            *apart(r.actual, r.target, r.unit)) + (f" ({r.target_words})" if isinstance(r.target_words, str) else "") + "."
        for r in red) or "No measure is off target.")
    real = [r for r in rows if r.spc_variation in ("improvement", "concern", "neutral_high", "neutral_low")]
    paras.append(" ".join(
        f"{r.measure}: {vocabulary.term('spc_variation', r.spc_variation).phrase}"
        + (f" ({vocabulary.rule_words(r.spc_rules)})" if vocabulary.rule_words(r.spc_rules) else "") + "."
        for r in real) or "No measure shows a real change: the ups and downs are the usual variation.")
    titles = {m.id: m.title for m in plan.measures}
    ahead = projections[projections["area"] == "force"].sort_values(["target_by", "measure_id"]) if len(projections) else projections
    paras.append(" ".join(
        f"{titles.get(p.measure_id, p.measure_id)}: {vocabulary.likelihood(p.likelihood).phrase} by "
        f"{month_words(int(p.target_by))} ({round(100 * p.likelihood):.0f}% chance on the current process)."
        for p in records(ahead))
        or "No target falls due after the quarter, so there is nothing to project.")
    return "\n\n".join(paras)

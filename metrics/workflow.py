"""The board's workflow: commentary on each measure per quarter, and the action log.

Nothing is overwritten: saving commentary or changing an action adds a new version, and the latest
version is the one shown. Text is stored as written; every view shows it as text, never as HTML.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics import store

ACTION_STATUSES = ("open", "discharged")
# Long enough for any real note, short enough that no one can bloat the board's pages.
MAX_COMMENTARY = 10_000
MAX_ACTION_TEXT = 2_000
MAX_NAME = 200


class WorkflowError(ValueError):
    """A commentary or action that cannot be saved, with the reason."""


def _limited(value, field: str, limit: int) -> str:
    """Text stripped, and refused (with its length and the limit) if it is longer than the limit."""
    if value is not None and not isinstance(value, str):
        raise WorkflowError(f"{field} must be text")
    value = (value or "").strip()
    if len(value) > limit:
        raise WorkflowError(f"{field} is {len(value):,} characters; the limit is {limit:,}")
    return value


def save_commentary(conn, measure_id: str, quarter_end: int, text: str, author: str) -> int:
    """Add a version of a measure's commentary for a quarter; returns the version number.
    The author is the signed-in person, passed by the caller."""
    text = _limited(text, "the commentary", MAX_COMMENTARY)
    if not text:
        raise WorkflowError("commentary is empty")
    if not _limited(author, "the author's name", MAX_NAME):
        raise WorkflowError("say who wrote the commentary")
    with store.transaction(conn):
        version = conn.execute(
            "SELECT coalesce(max(version), 0) + 1 FROM commentary WHERE measure_id = ? AND quarter_end = ?",
            [measure_id, quarter_end]).fetchone()[0]
        conn.execute("INSERT INTO commentary VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
                     [measure_id, quarter_end, version, text, author.strip()])
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
        action_id = conn.execute("SELECT nextval('action_ids')").fetchone()[0]
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

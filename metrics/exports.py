"""Tables out: every table a person reads, as a CSV or an Excel file.

`table_file(frame, kind)` is the one function that writes a table; the `*_table` functions shape
each page's table as a person reads it: titles and area names, figures rounded to the measure's
precision with their unit, status words from the vocabulary, UK dates. Text that a spreadsheet
would take for a formula (starting =, +, -, @) gets a leading apostrophe, so opening the file
runs nothing.
"""
from __future__ import annotations

import io
import math

import pandas as pd

from metrics.formats import PRECISION, half_up, missing, uk_date
from metrics.periods import month_words
from metrics.vocabulary import VOCABULARIES, term
from metrics.errors import Problem

KINDS = {"csv": ("text/csv", ".csv"), "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                               ".xlsx")}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
UNIT_NAMES = {"percent": "%", "count": "count", "hours": "hours", "seconds": "seconds", "currency": "£",
              "rate": "rate", "ratio": "ratio"}
ACTION_STATES = {"open": "Open", "overdue": "Overdue", "discharged": "Discharged"}
MOVEMENT_WORDS = {code: t.word for code, t in VOCABULARIES["movement"].items()}


class ExportError(Problem):
    """A table that cannot be written, with the reason."""


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers;
    a missing value is an empty cell, never 'nan' or 'None'."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype(object).copy()
    for column in out.columns:
        out[column] = [neutralise(v) for v in out[column]]
    out.columns = [str(neutralise(c)) for c in out.columns]
    return out


def table_file(frame: pd.DataFrame, kind: str, sheet: str = "Table") -> bytes:
    """The table as the bytes of a .csv (UTF-8 with a byte-order mark, so Excel reads £ and –) or
    an .xlsx file (one sheet, bold headings, the heading row frozen)."""
    if kind not in KINDS:
        raise ExportError(f"a table downloads as {' or '.join(KINDS)}, not {kind!r}")
    clean = _clean(frame)
    if kind == "csv":
        return clean.to_csv(index=False).encode("utf-8-sig")
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    page = book.active
    page.title = "".join(c for c in sheet if c not in "[]:*?/\\")[:31] or "Table"
    page.append(list(clean.columns))
    for row in clean.itertuples(index=False):
        page.append(list(row))
    for cell in page[1]:
        cell.font = Font(bold=True)
    page.freeze_panes = "A2"
    for i, column in enumerate(clean.columns, start=1):  # wide enough to read, never absurd
        width = max([len(str(column))] + [len(str(v)) for v in clean[column]]) if len(clean) else len(str(column))
        page.column_dimensions[page.cell(1, i).column_letter].width = min(max(width + 2, 8), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(stem: str, kind: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem).strip("-") or "table"
    return f"{safe}{KINDS[kind][1]}"


# --- each page's table, as a person reads it ---------------------------------------------------

def rounded(value, unit: str = "", places: int | None = None):
    """A figure rounded to its unit's precision (a whole number stays whole); None when missing."""
    if missing(value):
        return None
    places = PRECISION.get(unit, 1) if places is None else places
    value = half_up(float(value), places)
    return int(value) if places == 0 else value


def _word(kind: str, code) -> str:
    return term(kind, None if missing(code) else code).word


def _month(label) -> str:
    """'2009-03' (or a month number) as 'March 2009'."""
    if missing(label) or label == "":
        return ""
    from metrics.periods import parse_month
    return month_words(parse_month(label) if isinstance(label, str) else int(label))


def scorecard_table(frame: pd.DataFrame, plan) -> pd.DataFrame:
    """The scorecard: one row a measure, under its priority and objective."""
    priorities = {p.id: p.title for p in plan.priorities}
    objectives = {o.id: o.title for o in plan.objectives}
    rows = [{
        "Priority": priorities.get(r["priority_id"], ""), "Objective": objectives.get(r["objective_id"], ""),
        "Measure": r["measure"], "Area": r["area_name"], "Period": r.get("period_words") or "",
        "Unit": UNIT_NAMES.get(r["unit"], r["unit"]),
        "Actual": rounded(r["actual"], r["unit"]), "Target": rounded(r["target"], r["unit"]),
        "Baseline": rounded(r["baseline"], r["unit"]),
        "Complete": "Yes" if r["complete"] else f"No ({int(r['months_held'] or 0)} of {int(r['months_expected'] or 0)} months)",
        "Status": _word("rag", r["rag"]), "Why": r.get("rag_reason") or "",
        "Trend": _word("trend", r["trend"]), "SPC variation": _word("spc_variation", r["spc_variation"]),
        "Assurance": _word("spc_assurance", r["spc_assurance"]),
        "Last figures": _month(r["last_data_period"]), "Overdue": "Overdue" if r["overdue"] else "",
        "Owner": r["owner"] or "", "Summary": r.get("summary") or "",
    } for r in frame.to_dict("records")]
    return pd.DataFrame(rows, columns=["Priority", "Objective", "Measure", "Area", "Period", "Unit", "Actual", "Target",
                                       "Baseline", "Complete", "Status", "Why", "Trend", "SPC variation", "Assurance",
                                       "Last figures", "Overdue", "Owner", "Summary"])


def areas_table(rows: list[dict], measures) -> pd.DataFrame:
    """The areas matrix: one row an area, a status word for each measure (rows as the page builds them)."""
    table = pd.DataFrame([{"Area": r["area_name"], "Reds": r["red_count"],
                           **{m.title: _strip_icon(r.get(m.id, "")) for m in measures}} for r in rows])
    return table if len(table) else pd.DataFrame(columns=["Area", "Reds"] + [m.title for m in measures])


def _strip_icon(label: str) -> str:
    """'✗ Red' as 'Red': a spreadsheet gets the word."""
    return label.split(" ", 1)[1] if isinstance(label, str) and " " in label else (label or "")


def movements_table(review, notes: dict) -> pd.DataFrame:
    rows = [{
        "Measure": r["measure"], review.previous_label: _word("rag", r["previous_rag"] if isinstance(r["previous_rag"], str) else "no_data"),
        review.quarter_label: _word("rag", r["rag"]), "Movement": MOVEMENT_WORDS.get(r["movement"], ""),
        "Unit": UNIT_NAMES.get(r["unit"], r["unit"]), "Actual": rounded(r["actual"], r["unit"]),
        "Target": rounded(r["target"], r["unit"]), "Trend": _word("trend", r["trend"]),
        "SPC": _word("spc_variation", r["spc_variation"]), "Commentary": notes.get(r["measure_id"], ""),
    } for r in review.rows.to_dict("records")]
    return pd.DataFrame(rows, columns=["Measure", review.previous_label, review.quarter_label, "Movement", "Unit",
                                       "Actual", "Target", "Trend", "SPC", "Commentary"])


def exceptions_table(review, notes: dict) -> pd.DataFrame:
    rows = [{"Measure": r["measure"], "Status": _word("rag", r["rag"]), "Why listed": r.get("exception_reasons") or "",
             "Unit": UNIT_NAMES.get(r["unit"], r["unit"]), "Actual": rounded(r["actual"], r["unit"]),
             "Target": rounded(r["target"], r["unit"]), "Trend": _word("trend", r["trend"]),
             "SPC": _word("spc_variation", r["spc_variation"]), "Commentary": notes.get(r["measure_id"], "")}
            for r in review.exceptions.to_dict("records")]
    return pd.DataFrame(rows, columns=["Measure", "Status", "Why listed", "Unit", "Actual", "Target", "Trend", "SPC",
                                       "Commentary"])


def figures_table(frame: pd.DataFrame, measure, plan) -> pd.DataFrame:
    """A measure's figures and their revisions, newest first."""
    from metrics.formats import precision
    places = precision(measure)
    frame = frame.sort_values(["month", "load_id"], ascending=[False, False])
    rows = [{"Period": month_words(int(r["month"])), "Area": plan.area_name(r["area"]),
             "Unit": UNIT_NAMES.get(measure.unit, measure.unit),
             "Value": "not applicable" if r["not_applicable"] else rounded(r["value"], measure.unit, places),
             "Numerator": rounded(r["numerator"], "", 2), "Denominator": rounded(r["denominator"], "", 2),
             "Load": int(r["load_id"]),
             "Status": f"Revised (replaced by load {int(r['superseded_by'])})" if r["status"] == "revised" else "Current"}
            for r in frame.to_dict("records")]
    return pd.DataFrame(rows, columns=["Period", "Area", "Unit", "Value", "Numerator", "Denominator", "Load", "Status"])


def actions_table(actions: pd.DataFrame, plan) -> pd.DataFrame:
    titles = {m.id: m.title for m in plan.measures}
    rows = [{"No.": int(a["action_id"]), "Raised": uk_date(pd.Timestamp(a["meeting_date"]).date()),
             "Action": a["text"], "Owner": a["owner"] or "", "Due": uk_date(pd.Timestamp(a["due_date"]).date()),
             "Measures": "; ".join(titles.get(m, m) for m in list(a["measures"])),
             "Status": ACTION_STATES.get(a["state"], a["state"]), "How it was discharged": a["discharge_note"] or ""}
            for a in actions.to_dict("records")]
    return pd.DataFrame(rows, columns=["No.", "Raised", "Action", "Owner", "Due", "Measures", "Status",
                                       "How it was discharged"])


def load_history_table(history: pd.DataFrame, shape_words: dict) -> pd.DataFrame:
    rows = [{"Load": int(r["load_id"]), "When": f"{uk_date(pd.Timestamp(r['loaded_at']))} {pd.Timestamp(r['loaded_at']):%H:%M}",
             "File": r["file_name"], "Shape": shape_words.get(r["shape"], r["shape"] or ""),
             "Added": int(r["rows_added"]), "Revised": int(r["rows_revised"]), "Unchanged": int(r["rows_unchanged"]),
             "Who": r["loaded_by"] or "", "Content hash": r["content_hash"]} for r in history.to_dict("records")]
    return pd.DataFrame(rows, columns=["Load", "When", "File", "Shape", "Added", "Revised", "Unchanged", "Who",
                                       "Content hash"])

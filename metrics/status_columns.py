"""What each column of `python -m metrics status --format csv/json` means: one list (the table
status_columns.csv), in words a board member understands. docs/status-columns.md is generated
from it (a test fails when the page is out of date); regenerate it with:

    python -m metrics.status_columns > docs/status-columns.md
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from metrics import vocabulary


@dataclass(frozen=True)
class Column:
    name: str
    unit: str               # what the value is measured in, or its form
    meaning: str
    codes: str | None = None  # a vocabulary.VOCABULARIES key: the codes the column may hold


def _read_columns(path: Path) -> tuple[Column, ...]:
    with path.open(encoding="utf-8", newline="") as table:
        return tuple(Column(r["name"], r["unit"], r["meaning"], r["codes"] or None) for r in csv.DictReader(table))


# The list itself is a table (status_columns.csv beside this file): one row a column, with its unit
# and meaning, and for a column of codes the vocabulary its codes come from.
COLUMNS = _read_columns(Path(__file__).with_name("status_columns.csv"))
BY_NAME = {c.name: c for c in COLUMNS}


def _code_lines(column: Column) -> list[str]:
    """The codes a column may hold, each with its word and meaning."""
    if column.name == "spc_rules":
        return [f"  - `{code}`: {words}" for code, words in vocabulary.RULES.items()]
    if column.codes is None:
        return []
    terms = vocabulary.VOCABULARIES[column.codes].values()
    return [f"  - {f'`{t.code}`' if t.code else 'empty'}: {t.word}. {t.meaning}." for t in terms]


def markdown(csv_columns: list[str], json_columns: list[str]) -> str:
    """docs/status-columns.md: every column, in the order the CLI prints them."""
    lines = ["# The status columns", "",
             "What each column of `python -m metrics status --format csv` (the first "
             f"{len(csv_columns)}) and `--format json` (all {len(json_columns)}) holds. Figures are in "
             "the measure's own unit; an empty cell (`null` in JSON) means there is no value.", "",
             "Generated from `metrics/status_columns.csv`: after changing it, run "
             "`python -m metrics.status_columns > docs/status-columns.md`.", "",
             "| Column | CSV | Unit | Meaning |", "|---|---|---|---|"]
    lines += [f"| `{name}` | {'yes' if name in csv_columns else 'no'} | {BY_NAME[name].unit} | "
              f"{BY_NAME[name].meaning} |" for name in json_columns]
    lines += ["", "## The codes", ""]
    for name in json_columns:
        codes = _code_lines(BY_NAME[name])
        if codes:
            lines += [f"- `{name}`: {BY_NAME[name].meaning}"] + codes
    return "\n".join(lines) + "\n"


def printed_columns() -> tuple[list[str], list[str]]:
    """(the CSV's columns, the JSON's columns), as the status command prints them."""
    from metrics.cli import JSON_EXTRA_COLUMNS
    from metrics.engine import STATUS_COLUMNS
    return list(STATUS_COLUMNS), list(STATUS_COLUMNS) + list(JSON_EXTRA_COLUMNS)


if __name__ == "__main__":
    print(markdown(*printed_columns()), end="")

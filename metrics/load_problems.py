"""What is wrong with a refused figures file: each problem (file, row, column, reason), their
kinds counted, and the list as CSV for the analyst to download."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from metrics.errors import Problem

MAX_PROBLEMS_KEPT = 100_000        # problems listed one by one; the kinds summary counts them all
SUMMARY_FROM = 10                  # more problems than this are summarised per kind first


@dataclass(frozen=True)
class FigureProblem:
    file: str
    row: int      # the spreadsheet's own row number: the header is row 1
    column: str
    reason: str   # what is wrong, then what would be accepted
    value: str | None = None  # the cell as written, where one cell is at fault

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class ProblemKind:
    """Problems that share a column and reason: how many, and the first few rows."""
    count: int
    column: str
    reason: str
    rows: tuple[int, ...]

    def __str__(self) -> str:
        shown = ", ".join(str(r) for r in self.rows)
        more = ", ..." if self.count > len(self.rows) else ""
        noun = "row" if self.count == 1 else "rows"
        return f"{self.count:,} {noun}: {self.reason} ({noun} {shown}{more})"


class FiguresError(Problem):
    """A file with problems; nothing from it was loaded.

    `problems` lists every rejected row (up to MAX_PROBLEMS_KEPT, beyond which `total` still counts
    them); `kinds` summarises them per column and reason, most frequent first."""

    def __init__(self, file: str, problems: list[FigureProblem], total: int | None = None,
                 kinds: list[ProblemKind] | None = None):
        self.file = file
        self.problems = problems
        self.total = len(problems) if total is None else total
        self.kinds = kinds if kinds is not None else _kinds_of(problems)
        shown = problems[:1000]
        lines = [*(str(k) for k in self.kinds)] if self.total > SUMMARY_FROM else []
        lines += [str(p) for p in shown]
        if self.total > len(shown):
            lines.append(f"{file}: ... and {self.total - len(shown):,} more problems")
        lines.append(self.headline())
        super().__init__("\n".join(lines))

    def headline(self) -> str:
        return f"{self.file}: {self.total:,} problem{'s' if self.total != 1 else ''}; nothing was loaded"

    def summary_lines(self) -> list[str]:
        """Per kind ("412 rows: unknown area "kent" (rows 2, 5, 9, ...)"), when the list is long."""
        return [str(k) for k in self.kinds] if self.total > SUMMARY_FROM else []


def _kinds_of(problems: list[FigureProblem]) -> list[ProblemKind]:
    groups: dict[tuple[str, str], list[int]] = {}
    for p in problems:
        groups.setdefault((p.column, p.reason), []).append(p.row)
    kinds = [ProblemKind(len(rows), column, reason, tuple(sorted(rows)[:5])) for (column, reason), rows in groups.items()]
    return sorted(kinds, key=lambda k: (-k.count, k.rows))


def _csv_safe(text) -> str:
    """A cell that a spreadsheet would run as a formula (=, +, -, @) is written as text."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def problems_csv(error) -> str:
    """Every problem of a refused file (a FiguresError, or a list of them) as CSV: file, row,
    column, value, problem; for `load --problems FILE` and the data page's download."""
    errors = [error] if isinstance(error, FiguresError) else list(error)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "row", "column", "value", "problem"])
    for p in (p for err in errors for p in err.problems):
        writer.writerow([_csv_safe(p.file), p.row, _csv_safe(p.column), _csv_safe(p.value), _csv_safe(p.reason)])
    return out.getvalue()

"""What each column of `python -m metrics status --format csv/json` means: one list, in words a
board member understands. docs/status-columns.md is generated from it (a test fails when the page
is out of date); regenerate it with:

    python -m metrics.status_columns > docs/status-columns.md
"""
from __future__ import annotations

from dataclasses import dataclass

from metrics import vocabulary


@dataclass(frozen=True)
class Column:
    name: str
    unit: str               # what the value is measured in, or its form
    meaning: str
    codes: str | None = None  # a vocabulary.VOCABULARIES key: the codes the column may hold


FIGURE = "the measure's unit (points for a percent)"
MONTH = "month, YYYY-MM"
YES_NO = "true or false"
WORDS = "words"

COLUMNS = (
    Column("priority_id", "plan id", "The priority in the plan that the measure serves."),
    Column("objective_id", "plan id", "The objective, under that priority, that the measure serves."),
    Column("measure_id", "plan id", "The measure, as the plan and the figures files name it."),
    Column("measure", WORDS, "The measure's title."),
    Column("area", "plan id", "Where the figures are for: the force or one of its districts."),
    Column("grain", "month, quarter, ytd, rolling12 or year",
           "The length of the period judged: a month, a financial quarter, the financial year to date, "
           "the 12 months to the as-of month, or the financial year."),
    Column("period", "months, YYYY-MM..YYYY-MM", "The first and last month of the period judged."),
    Column("actual", FIGURE, "The measure's figure for the period."),
    Column("target", FIGURE, "What the figure should be for the period, worked out from the plan's "
                             "target. Empty when the measure has no target."),
    Column("baseline", FIGURE, "The baseline's figure, for a period of the same length, when the plan "
                               "gives the measure a baseline."),
    Column("variance", FIGURE, "Actual minus target. Above zero is above the target: good where higher "
                               "is better, bad where lower is better."),
    Column("rag", "code", "Whether the target is met (red, amber or green).", "rag"),
    Column("trend", "code", "The direction of travel against the same period last year.", "trend"),
    Column("spc_variation", "code", "What the monthly figures' SPC chart says about recent change.",
           "spc_variation"),
    Column("spc_assurance", "code", "Whether the process, as it runs now, will meet the target.",
           "spc_assurance"),
    Column("last_data_period", MONTH, "The latest month with a figure for this measure and area, up "
                                      "to the as-of month."),
    Column("variance_baseline", FIGURE, "Actual minus baseline."),
    Column("unit", "percent, count, hours, seconds, rate, currency or ratio", "What the measure counts."),
    Column("direction", "higher, lower or neutral", "Which way is better; neutral when neither is."),
    Column("complete", YES_NO, "Whether every month of the period has a figure. An incomplete period "
                               "is judged \"No data\"."),
    Column("months_held", "months", "How many months of the period have a figure."),
    Column("months_expected", "months", "How many months the period has."),
    Column("previous_actual", FIGURE, "The figure for the period before, of the same length (at year to "
                                      "date, the same months of the year before)."),
    Column("change_vs_previous", FIGURE, "Actual minus the previous period's figure."),
    Column("previous_label", WORDS, "The previous period, in words: \"April 2007 to March 2008\"."),
    Column("year_ago_actual", FIGURE, "The figure for the same period a year earlier: the trend's "
                                      "comparison."),
    Column("change_vs_year_ago", FIGURE, "Actual minus the figure a year earlier."),
    Column("overdue", YES_NO, "Whether the latest figures are for a month before the as-of month."),
    Column("spc_rules", "codes, comma-separated", "The SPC rules the latest points break, if any (listed below)."),
    Column("as_of", MONTH, "The month the status is worked out as of."),
    Column("area_name", WORDS, "The area's name: \"Kent Police\", \"Medway\"."),
    Column("period_words", WORDS, "The period judged, in words: \"April 2008 to March 2009\"."),
    Column("grain_words", WORDS, "The length of the period, in words: \"Year to date\"."),
    Column("target_words", WORDS, "The plan's target, in words: \"15% below the 2003/04 baseline by "
                                  "March 2008\"."),
    Column("tolerance_words", WORDS, "How far short of the target is still amber: \"2% of the target\"."),
    Column("rag_reason", WORDS, "Why the status is \"No data\", when it is: \"no figures for March 2009\"."),
    Column("baseline_months_held", "months", "How many months of the baseline period have a figure, "
                                             "when the baseline is worked out from the figures."),
    Column("baseline_months_expected", "months", "How many months the baseline period has, when the "
                                                 "baseline is worked out from the figures."),
    Column("summary", WORDS, "The status, direction of travel, SPC variation and assurance in one line."),
    Column("exception", YES_NO, "Whether the board should look at it: red, a real change for the worse, "
                                "or amber and deteriorating."),
    Column("watch", YES_NO, "Deteriorating, but not an exception."),
)
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
             "Generated from `metrics/status_columns.py`: after changing it, run "
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

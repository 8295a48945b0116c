"""The status vocabulary: the one place each status has its word, icon, colour and meaning (the
table is vocabulary.csv beside this file; this module reads it and puts the words together).

Every view uses it: the web app, the board pack, the CLI table, the digest and the tests. Status is
never shown by colour alone, so each entry has a word and an icon; the colours pass WCAG AA with
their text colour. `summary()` puts a measure's four signals into one line of plain words.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Term:
    code: str
    word: str         # what a person reads: "Green", "Improving"
    icon: str         # shown beside the word, never instead of it
    meaning: str      # the hover text and the help page's entry
    phrase: str       # how it reads inside a sentence: "on target", "improving on last year"
    colour: str = "#5c636a"       # background (badges) or text colour (words)
    text_colour: str = "#ffffff"  # text on that background

    @property
    def css(self) -> str:
        return f"status-{self.code.replace('_', '-')}"

    @property
    def label(self) -> str:
        return f"{self.icon} {self.word}"


def _read_terms(path: Path) -> dict[str, dict[str | None, Term]]:
    """Every vocabulary in the words file: its terms by code, in the file's order (an empty code is
    the term for "none", such as no comparison a year ago)."""
    vocabularies: dict[str, dict[str | None, Term]] = {}
    with path.open(encoding="utf-8", newline="") as words:
        for row in csv.DictReader(words):
            kind, code = row.pop("vocabulary"), row.pop("code") or None
            vocabularies.setdefault(kind, {})[code] = Term(code, **row)
    return vocabularies


# The words live in a table of their own (vocabulary.csv) so that wording is changed in one place,
# without touching code: one row a status, with its word, icon, meaning, phrase and colours.
VOCABULARIES = _read_terms(Path(__file__).with_name("vocabulary.csv"))
RAG, TREND, VARIATION, ASSURANCE, MOVEMENT, LIKELIHOOD = (
    VOCABULARIES[k] for k in ("rag", "trend", "spc_variation", "spc_assurance", "movement", "likelihood"))
# The lowest chance each band starts at, best band first.
LIKELIHOOD_FLOORS = ((0.9, "very_likely"), (0.6, "likely"), (0.4, "in_the_balance"), (0.1, "unlikely"),
                     (0.0, "very_unlikely"))
RULES = {
    "beyond_limits": "a point beyond the process limits",
    "run_of_seven": "a run of 7 points on one side of the mean",
    "trend_of_seven": "7 points in a row rising or falling",
    "two_of_three": "2 of 3 points beyond the 2-sigma line",
}
# What a code means when it is missing: no status is ever shown as "nan" or "None".
FALLBACK = {"rag": "no_data", "trend": None, "spc_variation": "insufficient_data", "spc_assurance": "none",
            "movement": "unchanged", "likelihood": "none"}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def term(kind: str, code) -> Term:
    """The entry for a status code of one kind ("rag", "trend", ...); missing codes get the fallback."""
    terms = VOCABULARIES[kind]
    if _missing(code) or code not in terms:
        return terms[FALLBACK[kind]]
    return terms[code]


def likelihood(p) -> Term:
    """The band a chance (0 to 1) of meeting a target falls in; a missing chance has no projection."""
    if _missing(p):
        return LIKELIHOOD["none"]
    return LIKELIHOOD[next(code for floor, code in LIKELIHOOD_FLOORS if p >= floor)]


def likelihood_words(p) -> str:
    """'Likely to be met: 80%': the band's word and the chance, as the scorecard, page and pack say it."""
    band = likelihood(p)
    return band.word if band.code == "none" else f"{band.word}: {round(100 * p):.0f}%"


def rule_words(rules) -> str:
    """'run_of_seven,beyond_limits' in words; '' when no rule fired."""
    if _missing(rules) or not rules:
        return ""
    codes = rules if isinstance(rules, (list, tuple)) else str(rules).replace(";", ",").split(",")
    return "; ".join(RULES.get(c.strip(), c.strip().replace("_", " ")) for c in codes if c.strip())


def is_exception(rag, trend, variation) -> bool:
    """What the board must look at: red, a special cause of concern, or short of the target and getting worse."""
    return rag == "red" or variation == "concern" or (rag == "amber" and trend == "deteriorating")


def is_watch(rag, trend, variation) -> bool:
    """Worth watching, not yet an exception: getting worse while on target, or with no target."""
    return not is_exception(rag, trend, variation) and trend == "deteriorating"


def summary(rag, trend, variation, assurance) -> str:
    """A measure's signals in one line: 'On target and improving on last year; the recent change is
    a real improvement; the target will be met reliably.'"""
    first = term("rag", rag).phrase
    trend_phrase = term("trend", trend).phrase
    if trend_phrase:
        first = f"{first} and {trend_phrase}" if rag not in ("no_data",) else f"{first}; {trend_phrase}"
    parts = [first, term("spc_variation", variation).phrase, _assurance_phrase(rag, assurance)]
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + "."


def _assurance_phrase(rag, assurance) -> str | None:
    """The assurance in words, unless the latest status says otherwise: a target met now that the
    limits say will fail (or missed now that they say will pass) means the latest figures sit
    beyond limits still drawn from the process before it changed. Saying only "will not be met"
    beside a green status would be a false alarm."""
    if (assurance, rag) in (("fail", "green"), ("pass", "red")):
        met = "met" if rag == "green" else "missed"
        return (f"the target is {met} now, beyond the process limits: if the change lasts, record it as a process "
                "change so the limits start afresh")
    return term("spc_assurance", assurance).phrase


def status_css() -> str:
    """CSS for every term's badge and word, generated so the app and the pack share one palette."""
    rules = []
    for kind, terms in VOCABULARIES.items():
        for t in terms.values():
            if t.code is None:
                continue
            rules.append(f".{kind.replace('_', '-')}-{t.code.replace('_', '-')}.badge-status "
                         f"{{ background: {t.colour}; color: {t.text_colour}; }}")
            rules.append(f".{kind.replace('_', '-')}-{t.code.replace('_', '-')}.word-status {{ color: {t.colour}; }}")
    return "\n".join(rules) + "\n"

"""The status vocabulary: the one place each status has its word, icon, colour and meaning.

Every view uses it: the web app, the board pack, the CLI table, the digest and the tests. Status is
never shown by colour alone, so each entry has a word and an icon; the colours pass WCAG AA with
their text colour. `summary()` puts a measure's four signals into one line of plain words.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


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


def _terms(*terms: Term) -> dict[str | None, Term]:
    return {t.code: t for t in terms}


RAG = _terms(
    Term("green", "Green", "✓", "Meets or beats the target", "on target", "#1e7b34"),
    Term("amber", "Amber", "!", "Misses the target by no more than the tolerance",
         "just short of the target, within the tolerance", "#ffc233", "#1b1f24"),
    Term("red", "Red", "✗", "Misses the target by more than the tolerance", "off target", "#b02a37"),
    Term("no_target", "No target", "–", "No target: judged by direction of travel and SPC", "no target", "#5c636a"),
    Term("no_data", "No data", "?", "No complete figures for this period", "no complete figures for this period",
         "#e9ecef", "#1b1f24"),
)
TREND = _terms(
    Term("improving", "Improving", "↗", "Better than the same period last year", "improving on last year", "#0b6b2c"),
    Term("deteriorating", "Deteriorating", "↘", "Worse than the same period last year", "worse than last year",
         "#a12622"),
    Term("stable", "Stable", "→", "Within the measure's stable band (1% unless the plan says otherwise) of the same period last year",
         "about the same as last year", "#1b1f24"),
    Term("up", "Up", "↑", "Higher than the same period last year (no good direction)", "higher than last year", "#1b1f24"),
    Term("down", "Down", "↓", "Lower than the same period last year (no good direction)", "lower than last year", "#1b1f24"),
    Term(None, "No comparison", "·", "No complete figures for the same period last year", "", "#5c636a"),
)
VARIATION = _terms(
    Term("common_cause", "Common cause", "●", "No significant change: the variation is the process's usual noise",
         "the ups and downs are the usual variation", "#5c636a"),
    Term("improvement", "Improvement", "▲", "Special cause of an improving nature: a real change for the better",
         "the recent change is a real improvement", "#005a8c"),
    Term("concern", "Concern", "▼", "Special cause of a concerning nature: a real change for the worse",
         "the recent change is a real change for the worse", "#a33f00"),
    Term("neutral_high", "Higher (neutral)", "▲", "Special cause: a real rise, on a measure with no good direction",
         "the recent rise is a real change", "#6a3d9a"),
    Term("neutral_low", "Lower (neutral)", "▼", "Special cause: a real fall, on a measure with no good direction",
         "the recent fall is a real change", "#6a3d9a"),
    Term("insufficient_data", "Too few points", "…", "Fewer than 12 monthly points: SPC cannot judge yet",
         "too few months to judge change", "#5c636a"),
)
ASSURANCE = _terms(
    Term("pass", "Will pass", "P", "The target is outside the process limits on the good side: it will be met consistently",
         "the target will be met reliably", "#005a8c"),
    Term("fail", "Will fail", "F", "The target is outside the process limits on the wrong side: it will not be met without change",
         "the target will not be met without a change", "#a33f00"),
    Term("hit_and_miss", "Hit and miss", "?", "The target lies within the process limits: it will be met some months and missed in others",
         "the target will be met in some months and missed in others", "#8a4b00"),
    Term("none", "No assurance", "–", "No target to assure against, or too few points", "", "#5c636a"),
)
MOVEMENT = _terms(
    Term("better", "Better", "▲", "Better than last quarter", "better than last quarter", "#0b6b2c"),
    Term("worse", "Worse", "▼", "Worse than last quarter", "worse than last quarter", "#a12622"),
    Term("unchanged", "Unchanged", "=", "No change in status since last quarter", "unchanged since last quarter", "#1b1f24"),
    Term("moved", "Moved", "↕", "A real change on a measure with no good direction", "moved since last quarter", "#1b1f24"),
)
# Will a future target be met? The projection's likelihood, banded (metrics.projection works it out).
LIKELIHOOD = _terms(
    Term("very_likely", "Very likely to be met", "▲", "At least a 90% chance on the current process",
         "very likely to be met", "#005a8c"),
    Term("likely", "Likely to be met", "↗", "A 60% to 90% chance on the current process", "likely to be met", "#005a8c"),
    Term("in_the_balance", "In the balance", "?", "A 40% to 60% chance on the current process",
         "as likely as not to be met", "#8a4b00"),
    Term("unlikely", "Unlikely to be met", "↘", "A 10% to 40% chance on the current process", "unlikely to be met",
         "#a33f00"),
    Term("very_unlikely", "Very unlikely to be met", "▼", "Under a 10% chance on the current process",
         "very unlikely to be met", "#a33f00"),
    Term("none", "No projection", "–", "No future target with a fixed value to project to", "", "#5c636a"),
)
# The lowest chance each band starts at, best band first.
LIKELIHOOD_FLOORS = ((0.9, "very_likely"), (0.6, "likely"), (0.4, "in_the_balance"), (0.1, "unlikely"),
                     (0.0, "very_unlikely"))
RULES = {
    "beyond_limits": "a point beyond the process limits",
    "run_of_seven": "a run of 7 points on one side of the mean",
    "trend_of_seven": "7 points in a row rising or falling",
    "two_of_three": "2 of 3 points beyond the 2-sigma line",
}
VOCABULARIES = {"rag": RAG, "trend": TREND, "spc_variation": VARIATION, "spc_assurance": ASSURANCE,
                "movement": MOVEMENT, "likelihood": LIKELIHOOD}
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
    parts = [first, term("spc_variation", variation).phrase, term("spc_assurance", assurance).phrase]
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + "."


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

"""Help: every status word, icon and colour, the SPC rules, and how a status is worked out.

Built from metrics/vocabulary.csv (the words every page uses) and docs/how-status-is-worked-out.md,
read at each visit so the page always says what the code does.
"""
from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from metrics import vocabulary

dash.register_page(__name__, path="/help", name="Help", title="Help - police performance", order=9)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "how-status-is-worked-out.md"

# Each column heading's "?" links to one of these sections.
SECTIONS = [
    ("rag", "Status (red, amber, green)", "How the actual compares with the target in force for the period."),
    ("trend", "Trend (direction of travel)", "The period against the same period a year earlier, judged with "
     "the measure's good direction."),
    ("spc_variation", "Variation (SPC)", "What the statistical process control chart says about the latest "
     "month, using the NHS Making Data Count rules."),
    ("spc_assurance", "Assurance (SPC)", "Whether the process, as it runs now, will meet the target."),
    ("movement", "Movement since last quarter", "On the board review: the quarter against the one before."),
    ("likelihood", "Projection (will the target be met?)", "The expected figure at the target's date from the "
     "current process (its mean and spread, or its trend where a trend rule fires), and the chance of meeting it."),
]
MARKS = [
    ("Incomplete period (*)", "A quarter or year that lacks a month's figures: the actual from the months "
     "held is shown with an asterisk and no status is given, so a part period is never judged against a "
     "whole period's target."),
    ("Overdue", "The measure's latest figure is older than the as-of month: this month's figures have not "
     "been loaded yet."),
    ("Tolerance band", "How far short of the target still counts as amber rather than red, in the measure's "
     "own unit or as a percentage of the target. On a chart it is the shaded band beside the target line."),
    ("Held for the whole force only", "A measure the force reports only force-wide: a district's scorecard "
     "lists it under one folded line, never as missing figures."),
]


def _glossary(kind: str, title: str, intro: str) -> html.Section:
    rows = [html.Tr([html.Td(html.Span(f"{t.icon} {t.word}", className=f"{kind.replace('_', '-')}-"
                                       f"{(t.code or 'none').replace('_', '-')} "
                                       f"{'badge-status rag-badge' if kind == 'rag' else 'word-status'}")),
                     html.Td(t.meaning)])
            for t in vocabulary.VOCABULARIES[kind].values()]
    return html.Section([
        html.H2(title, className="section-title", id=f"help-{kind.replace('_', '-')}"),
        html.P(intro),
        dbc.Table([html.Thead(html.Tr([html.Th("Shown as", scope="col"), html.Th("Meaning", scope="col")])),
                   html.Tbody(rows)], bordered=True, size="sm", className="help-table"),
    ])


def _rules() -> html.Section:
    return html.Section([
        html.H2("Special-cause rules (SPC)", className="section-title", id="help-spc-rules"),
        html.P("A point is a special cause, a real change rather than the usual ups and downs, when any of these "
               "holds. Limits are the mean plus or minus 2.66 times the average month-to-month change; at least "
               "12 months are needed."),
        html.Ul([html.Li(words[:1].upper() + words[1:]) for words in vocabulary.RULES.values()]),
    ])


def layout(**_query):
    doc = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    return html.Div([
        html.H1("Help", className="page-title"),
        html.P("What each word, icon and colour on these pages means, and how a status is worked out."),
        *[_glossary(kind, title, intro) for kind, title, intro in SECTIONS],
        _rules(),
        html.Section([
            html.H2("Marks on the figures", className="section-title", id="help-marks"),
            html.Dl(sum(([html.Dt(term), html.Dd(meaning)] for term, meaning in MARKS), [])),
        ]),
        html.Section([dcc.Markdown(doc, id="help-how-status")], id="help-how-status-is-worked-out",
                     className="mt-4"),
    ], id="help-page")

"""The problems a person can put right, as the library raises them.

Every error the library raises for something a person asked for or gave (a plan, a file of
figures, a month, a store, a comment) is a `Problem`, worded for that person: what is wrong, where,
and what to do. The edges say it as it is, in one place each: `metrics.cli.main` for the command
line and `security._callback_error` for the web app. Anything else that goes wrong is ours, not
theirs: it is logged with its traceback and the person is told so, never that they made a mistake.
"""
from __future__ import annotations


class Problem(Exception):
    """Something asked for or given that cannot be done as it is; the message is for the person."""


class NotHeld(Problem):
    """What was asked for is not in the plan or the store: an unknown area or grain, a quarter
    to review with no figures loaded, a chart a measure cannot have."""


class MissingProgram(Problem):
    """This machine lacks a program the work needs (Chromium, to print a PDF)."""

"""Sums, means and checksums that do not depend on the order DuckDB's threads add in.

A floating-point sum's last digits move with the order its terms are added in, and DuckDB adds in
parallel, in no fixed order. So a total ending in 5 (118.65) was shown as 118.6 on one run and
118.7 on the next, and a point exactly on an SPC mean could be on it in one run and above it in
another. Figures carry far fewer than 6 decimal places, so a sum rounded to 6 is the same whatever
the order (a DECIMAL sum is exact too, but 15% slower at 22 million figures); and a mean made
from one is rounded to 9, so that a steady series' points sit on its mean, not a hair off it.
"""
from __future__ import annotations


def steady_sum(column: str, where: str | None = None) -> str:
    """SQL: the sum of `column` (over the rows where `where` holds), rounded to 6 decimal places."""
    return f"round(sum({column}){_filter(where)}, 6)"


def steady_mean(column: str, where: str | None = None) -> str:
    """SQL: the mean of `column`'s values (NULLs left out, as avg does): see `steady_division`."""
    return steady_division(steady_sum(column, where), f"count({column}){_filter(where)}")


def steady_division(total: str, count: str) -> str:
    """SQL: a total over a count, rounded to 9 decimal places. 8.4 / 12 is 0.7000000000000001 in
    floating point: unrounded, twelve months of 0.7 would sit just below their own mean."""
    return f"round({total} / nullif({count}, 0), 9)"


def _filter(where: str | None) -> str:
    return f" FILTER (WHERE {where})" if where else ""


def series_checksum(value: str = "value", where: str | None = None) -> str:
    """SQL: a checksum of the rows' `month` and `value` (an XOR of their hashes, so the order is
    irrelevant and a new month's rows are added to it alone) that any revision, addition or
    removal changes. metrics.spc_state keeps one per series and compares it with the figures'."""
    return f"bit_xor(hash(month, {value})){_filter(where)}"

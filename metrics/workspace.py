"""Where things live by default, and the shipped sample.

A fresh checkout has no store. The sample figures (data/sample_figures.csv: invented for the
demonstration, not published statistics) are loaded only when someone asks: `python -m metrics
sample`, which `make run` does on its first run and says so. Never over a store that holds figures.
"""
from __future__ import annotations

from pathlib import Path

from metrics import store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = "config/targets.yaml"
SAMPLE_FIGURES = ROOT / "data" / "sample_figures.csv"
SAMPLE_NAME = "data/sample_figures.csv"


class SampleRefused(store.StoreError):
    """The sample is never loaded over real figures."""


def load_sample(location, plan):
    """Load the invented sample figures into a new or empty store; returns the LoadResult."""
    from metrics.loading import load_figures
    target = store.open_store(location)
    if target.exists():
        with target.reading() as conn:
            if store.has_figures(conn):
                raise SampleRefused(
                    f"{target.location} already holds figures, so the sample was not loaded: it is invented "
                    "and would mix with them. Use a new store for the sample (--db)")
    return load_figures(target, plan, SAMPLE_FIGURES, loaded_by="sample data", display_name=SAMPLE_NAME)

"""Where things live by default, and the shipped sample.

A fresh checkout has no database. The first time the default store is opened it is built from the
shipped sample figures (data/sample_figures.csv: illustrative, not published statistics), so the
app and `status` show a scorecard with no extra step.
"""
from __future__ import annotations

from pathlib import Path

from metrics import store
from metrics.loading import load_figures

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = "config/targets.yaml"
SAMPLE_FIGURES = ROOT / "data" / "sample_figures.csv"


def _is_default(db_path) -> bool:
    return Path(db_path).resolve() == (ROOT / store.DEFAULT_DB).resolve() or str(db_path) == store.DEFAULT_DB


def open_store(db_path, plan, read_only: bool = False):
    """Open the store; the default store is seeded with the sample figures on first use."""
    if _is_default(db_path) and not Path(db_path).exists():
        conn = store.connect(db_path)
        try:
            if not store.has_figures(conn):
                load_figures(conn, plan, SAMPLE_FIGURES, loaded_by="sample data",
                             display_name="data/sample_figures.csv")
        finally:
            conn.close()
    return store.connect(db_path, read_only=read_only)

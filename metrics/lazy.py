"""pandas imported on first use: the status command's CSV goes from DuckDB's rows to text without
it, and importing it costs about 0.35 s of a command that should take well under a second."""
from __future__ import annotations

import importlib


class _Lazy:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)


pandas = _Lazy("pandas")

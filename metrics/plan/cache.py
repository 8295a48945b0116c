"""Validated plans kept by the files' contents (and the plan code's), so an unchanged plan is not
read and checked again: in memory, and as plain JSON in the user's cache folder."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from metrics.plan.model import Area, Band, Baseline, Measure, Objective, Phase, Plan, Priority, Target


_MEMO: dict[str, Plan] = {}
_CODE_DIGEST: list[bytes] = []


def _code_digest() -> bytes:
    """The plan code's and periods.py's: a change to either makes every cached plan stale."""
    if not _CODE_DIGEST:
        here = Path(__file__).resolve().parent
        try:
            files = sorted(here.glob("*.py")) + [here.parent / "periods.py"]
            if len(files) == 1:
                raise OSError("no plan sources")
            _CODE_DIGEST.append(b"".join(path.read_bytes() for path in files))
        except OSError:  # installed without sources: a fresh value per process keeps the cache honest
            _CODE_DIGEST.append(os.urandom(16))
    return _CODE_DIGEST[0]


def cache_folder() -> Path | None:
    """Where validated plans are kept: METRICS_PLAN_CACHE (a folder, or "off"), else the user's cache."""
    chosen = os.environ.get("METRICS_PLAN_CACHE")
    if chosen:
        return None if chosen.lower() in ("off", "0", "no") else Path(chosen)
    try:
        base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    except (RuntimeError, KeyError):  # no home folder (a service account): no cache
        return None
    return Path(base) / "metrics-plans"


def _cache_key(paths: list, texts: list) -> str:
    digest = hashlib.sha256(_code_digest())
    for path, text in zip(paths, texts):
        digest.update(b"\0" + str(path).encode() + b"\0" + text.encode())
    return digest.hexdigest()


def _plan_from_json(data: dict) -> Plan:
    """Rebuild a Plan from its cached JSON (plain data: nothing in the cache can run code)."""
    def band(b):
        return None if b is None else Band(**b)

    def measure(m):
        return Measure(**{**m, "baseline": Baseline(**m["baseline"]) if m["baseline"] else None,
                          "targets": tuple(Target(**t) for t in m["targets"]),
                          "tolerance": band(m["tolerance"]), "stable_within": band(m["stable_within"]),
                          "spc_baseline": tuple(m["spc_baseline"]) if m["spc_baseline"] else None,
                          "spc_phases": tuple(Phase(**p) for p in m["spc_phases"])})
    return Plan(data["id"], data["title"], data["year_start_month"], band(data["default_tolerance"]),
                tuple(Area(**{**a, "aliases": tuple(a["aliases"])}) for a in data["areas"]),
                tuple(Priority(**p) for p in data["priorities"]), tuple(Objective(**o) for o in data["objectives"]),
                tuple(measure(m) for m in data["measures"]), tuple(data["sources"]),
                {k: tuple(v) for k, v in data["crime_types"].items()})


def _cached(key: str) -> Plan | None:
    if key in _MEMO:
        return _MEMO[key]
    folder = cache_folder()
    if folder is None:
        return None
    try:
        plan = _plan_from_json(json.loads((folder / f"{key}.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no cache yet, or one from another version: validate afresh
    _MEMO[key] = plan
    return plan


def _store(key: str, plan: Plan, keep: int = 32) -> None:
    """Keep the plan for next time; a cache that cannot be written is silently skipped."""
    if len(_MEMO) >= keep:  # a long-running app sees a new plan at each edit: keep memory bounded
        _MEMO.clear()
    _MEMO[key] = plan
    folder = cache_folder()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f"{key}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(asdict(plan)), encoding="utf-8")
        os.replace(temporary, folder / f"{key}.json")
        for stale in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)[:-keep]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass

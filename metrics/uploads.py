"""Files dropped on the data page, kept by the server until they are loaded, refused or an hour old.

A staged file is named by a random id, never by a path or name the browser could send back. Its
record (beside the file) holds who staged it, its name and content hash, and whether it has been
checked (previewed); loading needs all three to match. Every stage first sweeps away anything older
than an hour. The web app keeps the ids in the signed-in person's session (see callbacks/data.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from metrics.errors import Problem

LIMIT_BYTES = 20 * 1024 * 1024
SUFFIXES = (".csv", ".xlsx")
KEEP_SECONDS = 3600
MAX_FILES = 20  # checked at once: their ids live in the session cookie
SESSION_KEY = "checked_uploads"  # the web app's session holds {id: content hash} under this
ID_PATTERN = re.compile(r"[0-9a-f]{32}")
clock = time.time  # tests move it on an hour


class UploadError(Problem):
    """A staged file that cannot be used, said plainly; nothing was changed."""


@dataclass(frozen=True)
class Staged:
    id: str
    name: str
    owner: str
    hash: str
    suffix: str
    staged_at: float
    checked: bool = False


def folder() -> Path:
    """Where staged files wait: METRICS_UPLOAD_DIR, else a folder of this user's in the temp folder."""
    path = Path(os.environ.get("METRICS_UPLOAD_DIR") or Path(tempfile.gettempdir()) / f"metrics-uploads-{os.getuid()}")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _record_path(upload_id: str) -> Path:
    return folder() / f"{upload_id}.json"


def file_path(staged: Staged) -> Path:
    return folder() / f"{staged.id}{staged.suffix}"


def is_id(value) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def sweep(now: float | None = None) -> int:
    """Delete every staged file (and problems list) older than an hour; returns how many went."""
    now = clock() if now is None else now
    gone = 0
    for path in folder().iterdir():
        try:
            if now - path.stat().st_mtime > KEEP_SECONDS:
                path.unlink()
                gone += 1
        except FileNotFoundError:
            pass  # another worker swept it first
    return gone


def _write(staged: Staged) -> None:
    record = _record_path(staged.id)
    record.write_text(json.dumps(asdict(staged)), encoding="utf-8")
    os.utime(record, (staged.staged_at, staged.staged_at))


def stage(owner: str, name: str, content: bytes, limit: int = LIMIT_BYTES) -> Staged:
    """Keep an uploaded file for `owner`; refused (UploadError) if not .csv/.xlsx or over the limit."""
    sweep()
    name = Path(str(name)).name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadError(f"{name}: only .csv and .xlsx files can be loaded")
    if len(content) > limit:
        raise UploadError(f"{name}: the file is {len(content) / 2**20:.1f} MB; the limit is {limit // 2**20} MB")
    staged = Staged(secrets.token_hex(16), name, owner, hashlib.sha256(content).hexdigest(), suffix, clock())
    path = file_path(staged)
    path.write_bytes(content)
    os.utime(path, (staged.staged_at, staged.staged_at))
    _write(staged)
    return staged


def find(upload_id, owner: str) -> Staged:
    """The staged file this id names, if `owner` staged it and it is still kept."""
    if not is_id(upload_id):
        raise UploadError("that is not a file checked on this page: drop the file again to check it")
    staged = _record(upload_id)
    if staged is None or not file_path(staged).exists():
        raise UploadError("the checked file is no longer kept (files are kept for an hour, and until they "
                          "are loaded): drop it again to check it")
    if staged.owner != owner:
        raise UploadError("that file was checked by someone else: drop it again to check it yourself")
    if clock() - staged.staged_at > KEEP_SECONDS:
        discard(upload_id)
        raise UploadError(f"{staged.name}: the checked file has expired (files are kept for an hour): drop it again")
    return staged


def mark_checked(staged: Staged) -> Staged:
    """Record that this file was previewed (a dry run that found no problem)."""
    checked = Staged(**{**asdict(staged), "checked": True})
    _write(checked)
    return checked


def content_hash(staged: Staged) -> str:
    return hashlib.sha256(file_path(staged).read_bytes()).hexdigest()


def discard(upload_id: str) -> None:
    """Delete a staged file, its record and any problems list kept for it."""
    if not is_id(upload_id):
        return
    for path in folder().glob(f"{upload_id}.*"):
        path.unlink(missing_ok=True)


def refuse(staged: Staged, csv_text: str) -> None:
    """A refused file goes at once; its every problem is kept, as CSV, for the page's download
    (with its record, so only the person who dropped it can have it; swept after an hour too)."""
    file_path(staged).unlink(missing_ok=True)
    path = folder() / f"{staged.id}.problems.csv"
    path.write_text(csv_text, encoding="utf-8")
    os.utime(path, (staged.staged_at, staged.staged_at))


def _record(upload_id) -> Staged | None:
    try:
        return Staged(**json.loads(_record_path(upload_id).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


def problems(upload_id, owner: str) -> tuple[str, str] | None:
    """(file name, problems CSV) kept for a refused file that `owner` dropped, or None."""
    staged = _record(upload_id) if is_id(upload_id) else None
    if staged is None or staged.owner != owner:
        return None
    try:
        return staged.name, (folder() / f"{staged.id}.problems.csv").read_text(encoding="utf-8")
    except FileNotFoundError:
        return None

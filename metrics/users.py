"""The people who may use the web app, and what each role may do. Users live in the store.

Passwords are kept only as bcrypt hashes. A user is never deleted: disabling one stops them
signing in, and the name stays on every load, commentary and action they made (those tables hold
the name as written, so nothing there depends on the user still being active).
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import bcrypt

from metrics import store
from metrics.errors import Problem

# Each role may do everything the roles before it may.
ROLES = ("viewer", "analyst", "secretary", "admin")
ROLE_WORDS = {
    "viewer": "sees every page",
    "analyst": "also loads figures and writes commentary",
    "secretary": "also raises, updates and discharges the board's actions",
    "admin": "also manages users",
}
MAX_NAME = 200
MIN_PASSWORD = 10
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further than this, so a longer one is refused, not cut
ROUNDS = 12              # bcrypt's cost: about a quarter of a second a check on this kind of machine

TABLE = """
CREATE TABLE IF NOT EXISTS users (
    name VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL CHECK (role IN ('viewer', 'analyst', 'secretary', 'admin')),
    password_hash VARCHAR NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMP NOT NULL,
    changed_at TIMESTAMP NOT NULL
)"""
# Every change to a user, and who made it: the users table holds only how each user is now.
CHANGES_TABLE = """
CREATE TABLE IF NOT EXISTS user_changes (
    name VARCHAR NOT NULL,
    change VARCHAR NOT NULL,           -- added as analyst, disabled, enabled, password reset, role admin
    changed_by VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL
)"""
_TABLE_LOCK = threading.Lock()
# Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = bcrypt.hashpw(b"not a password", bcrypt.gensalt(4))


class UserError(Problem):
    """A user that cannot be added or changed, with the reason."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    disabled: bool
    stamp: str  # changes when the password does, so a reset ends the sessions signed in before it

    @property
    def role_words(self) -> str:
        return f"{self.role.capitalize()}: {ROLE_WORDS[self.role]}"


def allows(role: str | None, needed: str) -> bool:
    """Whether a role may do what needs `needed` (the roles are ordered)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def _has_table(conn, table: str = "users") -> bool:
    return conn.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                        "AND table_name = ?", [table]).fetchone()[0] == 1


def ensure_table(conn) -> None:
    """Create the users table (and its log of changes) once; serialised, as the app's threads
    may race to create it. A store made before the log gains it at its next change to a user."""
    for table, sql in (("users", TABLE), ("user_changes", CHANGES_TABLE)):
        if not _has_table(conn, table):
            with _TABLE_LOCK:
                conn.execute(sql)


def _record(conn, name: str, change: str, by: str | None) -> None:
    conn.execute("INSERT INTO user_changes VALUES (?, ?, ?, now()::TIMESTAMP)",
                 [name, change, by or store.person_at_the_shell()])


def _clean_name(name) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise UserError("give the user's name")
    if len(name) > MAX_NAME:
        raise UserError(f"a name is at most {MAX_NAME} characters; this one is {len(name):,}")
    if any(ord(c) < 32 for c in name):
        raise UserError("a name cannot hold tabs, line breaks or other control characters")
    return name


def _check_role(role) -> str:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def _hash(password) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise UserError(f"a password is at most {MAX_PASSWORD_BYTES} bytes (bcrypt reads no further)")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(ROUNDS)).decode("ascii")


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("ascii")).hexdigest()[:16]


def _user(row) -> User:
    name, role, password_hash, disabled = row
    return User(name, role, bool(disabled), _stamp(password_hash))


def _row(conn, name: str):
    """The stored row for a name, matched without regard to case."""
    if not _has_table(conn):
        return None
    return conn.execute("SELECT name, role, password_hash, disabled FROM users WHERE lower(name) = lower(?)",
                        [name]).fetchone()


def add(conn, name: str, role: str, password: str, by: str | None = None) -> User:
    """Add a user; the name must be new (whatever its case). `by`: who is adding them (default:
    the person at the shell)."""
    name, role, password_hash = _clean_name(name), _check_role(role), _hash(password)
    ensure_table(conn)
    with store.transaction(conn):
        if _row(conn, name) is not None:
            raise UserError(f"there is already a user called {_row(conn, name)[0]}")
        conn.execute("INSERT INTO users VALUES (?, ?, ?, false, now()::TIMESTAMP, now()::TIMESTAMP)",
                     [name, role, password_hash])
        _record(conn, name, f"added as {role}", by)
    return find(conn, name)


def find(conn, name: str) -> User | None:
    row = _row(conn, name) if isinstance(name, str) else None
    return _user(row) if row else None


def _existing(conn, name: str) -> str:
    row = _row(conn, _clean_name(name))
    if row is None:
        raise UserError(f"there is no user called {name.strip()}")
    return row[0]


def _change(conn, name: str, assignments: str, values: list, change: str, by: str | None) -> User:
    stored = _existing(conn, name)
    ensure_table(conn)
    with store.transaction(conn):
        conn.execute(f"UPDATE users SET {assignments}, changed_at = now()::TIMESTAMP WHERE name = ?", values + [stored])
        _record(conn, stored, change, by)
    return find(conn, stored)


def disable(conn, name: str, by: str | None = None) -> User:
    """Stop a user signing in; their name stays on everything they did."""
    return _change(conn, name, "disabled = true", [], "disabled", by)


def enable(conn, name: str, by: str | None = None) -> User:
    return _change(conn, name, "disabled = false", [], "enabled", by)


def reset_password(conn, name: str, password: str, by: str | None = None) -> User:
    """Give a user a new password; sessions signed in with the old one end."""
    _existing(conn, name)  # an unknown name is the first thing to say
    return _change(conn, name, "password_hash = ?", [_hash(password)], "password reset", by)


def set_role(conn, name: str, role: str, by: str | None = None) -> User:
    return _change(conn, name, "role = ?", [_check_role(role)], f"role {_check_role(role)}", by)


def changes(conn):
    """Every change to every user, oldest first: who was changed, how, by whom and when."""
    import pandas as pd  # here only, as in listing
    if not _has_table(conn, "user_changes"):
        return pd.DataFrame(columns=["name", "change", "changed_by", "changed_at"])
    return conn.execute("SELECT name, change, changed_by, changed_at FROM user_changes "
                        "ORDER BY changed_at").df()


def authenticate(conn, name, password) -> User | None:
    """The user, if the name and password match and the user is not disabled; else None."""
    row = _row(conn, name) if isinstance(name, str) and name.strip() else None
    given = password.encode("utf-8") if isinstance(password, str) else b""
    if row is None or not given or len(given) > MAX_PASSWORD_BYTES:
        bcrypt.checkpw(b"wrong", _DUMMY_HASH)
        return None
    if not bcrypt.checkpw(given, row[2].encode("ascii")):
        return None
    user = _user(row)
    return None if user.disabled else user


def listing(conn):
    """Every user, enabled ones first, with role and dates (never the hash), as a DataFrame."""
    import pandas as pd  # here only: validate imports this module's roles and needs no pandas
    if not _has_table(conn):
        return pd.DataFrame(columns=["name", "role", "disabled", "created_at", "changed_at", "last_changed_by"])
    last_changed_by = ("(SELECT arg_max(changed_by, changed_at) FROM user_changes c WHERE c.name = u.name)"
                       if _has_table(conn, "user_changes") else "NULL::VARCHAR")
    return conn.execute(f"SELECT name, role, disabled, created_at, changed_at, {last_changed_by} AS last_changed_by "
                        "FROM users u ORDER BY disabled, lower(name)").df()


def every_user(conn) -> dict[str, User]:
    """Every user by lower-case name: the app's sessions are checked against this."""
    if not _has_table(conn):
        return {}
    rows = conn.execute("SELECT name, role, password_hash, disabled FROM users").fetchall()
    return {row[0].lower(): _user(row) for row in rows}


def count(conn) -> int:
    """How many users there are, disabled ones included (the app is in local mode only at none)."""
    return conn.execute("SELECT count(*) FROM users").fetchone()[0] if _has_table(conn) else 0

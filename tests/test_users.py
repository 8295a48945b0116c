"""Users and roles in the store, and `python -m metrics users`."""
from __future__ import annotations

import io

import pytest

from metrics import store, users, workflow
from metrics.cli import main
from metrics.users import UserError

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    monkeypatch.setattr(users, "ROUNDS", 4)  # bcrypt's cheapest cost: the same code, in milliseconds


def test_a_password_is_kept_only_as_a_bcrypt_hash_and_checked_against_it(fresh_store):
    users.add(fresh_store, "Ann Analyst", "analyst", PASSWORD)
    stored = fresh_store.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$2b$") and PASSWORD not in stored
    assert users.authenticate(fresh_store, "ann analyst", PASSWORD).role == "analyst"  # any case of the name
    assert users.authenticate(fresh_store, "Ann Analyst", PASSWORD + "!") is None
    assert users.authenticate(fresh_store, "Nobody", PASSWORD) is None


def test_each_role_may_do_what_the_roles_before_it_may():
    assert users.allows("viewer", "viewer") and not users.allows("viewer", "analyst")
    assert users.allows("analyst", "analyst") and not users.allows("analyst", "secretary")
    assert users.allows("secretary", "analyst") and not users.allows("secretary", "admin")
    assert users.allows("admin", "secretary") and users.allows("admin", "admin")
    assert not users.allows(None, "viewer") and not users.allows("chief", "viewer")


def test_a_disabled_user_cannot_sign_in_and_their_name_stays_on_their_work(fresh_store):
    users.add(fresh_store, "Ann Analyst", "analyst", PASSWORD)
    workflow.save_commentary(fresh_store, "crimes", 2009 * 12 + 2, "Burglary fell.", "Ann Analyst")
    users.disable(fresh_store, "Ann Analyst")
    assert users.authenticate(fresh_store, "Ann Analyst", PASSWORD) is None
    assert workflow.commentary(fresh_store, 2009 * 12 + 2)["author"].tolist() == ["Ann Analyst"]
    listed = users.listing(fresh_store)
    assert listed[["name", "role", "disabled"]].values.tolist() == [["Ann Analyst", "analyst", True]]
    users.enable(fresh_store, "ann analyst")
    assert users.authenticate(fresh_store, "Ann Analyst", PASSWORD) is not None


def test_a_reset_changes_the_password_and_the_session_stamp(fresh_store):
    before = users.add(fresh_store, "Sam Secretary", "secretary", PASSWORD)
    after = users.reset_password(fresh_store, "Sam Secretary", "a brand new password")
    assert users.authenticate(fresh_store, "Sam Secretary", PASSWORD) is None
    assert users.authenticate(fresh_store, "Sam Secretary", "a brand new password").name == "Sam Secretary"
    assert before.stamp != after.stamp  # sessions signed in with the old password end


@pytest.mark.parametrize("name, role, password, message", [
    ("", "viewer", PASSWORD, "give the user's name"),
    ("x" * 201, "viewer", PASSWORD, "a name is at most 200 characters; this one is 201"),
    ("Ann\nAnalyst", "viewer", PASSWORD, "control characters"),
    ("Ann", "chief", PASSWORD, "role must be one of viewer, analyst, secretary, admin, not 'chief'"),
    ("Ann", "viewer", "short", "a password needs at least 10 characters"),
    ("Ann", "viewer", "p" * 73, "a password is at most 72 bytes"),
])
def test_a_bad_user_is_refused_with_the_reason_and_nothing_is_added(fresh_store, name, role, password, message):
    with pytest.raises(UserError, match=message):
        users.add(fresh_store, name, role, password)
    assert users.count(fresh_store) == 0


def test_a_name_is_taken_whatever_its_case(fresh_store):
    users.add(fresh_store, "Ann Analyst", "analyst", PASSWORD)
    with pytest.raises(UserError, match="there is already a user called Ann Analyst"):
        users.add(fresh_store, "ANN ANALYST", "admin", PASSWORD)
    with pytest.raises(UserError, match="there is no user called Bob"):
        users.reset_password(fresh_store, "Bob", "short")
    assert users.count(fresh_store) == 1


def run_cli(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_users_command_adds_lists_disables_and_resets(db_path, monkeypatch, capsys):
    db = ["--db", str(db_path)]
    code, out, _ = run_cli(monkeypatch, capsys, ["users", "list", *db])
    assert code == 0 and "No users yet" in out
    code, out, _ = run_cli(monkeypatch, capsys, ["users", "add", "Ada Admin", "--role", "admin", "--password-stdin", *db],
                           PASSWORD + "\n")
    assert code == 0 and out == "added Ada Admin, Admin: also manages users\n"
    code, out, _ = run_cli(monkeypatch, capsys, ["users", "disable", "Ada Admin", *db])
    assert code == 0 and "disabled" in out
    code, out, _ = run_cli(monkeypatch, capsys, ["users", "list", *db])
    assert out.split()[:4] == ["Ada", "Admin", "admin", "disabled"]
    code, out, _ = run_cli(monkeypatch, capsys, ["users", "reset", "Ada Admin", "--password-stdin", *db],
                           "another good password\n")
    assert code == 0
    conn = store.connect(db_path)
    try:
        assert users.authenticate(conn, "Ada Admin", "another good password") is None  # still disabled
        users.enable(conn, "Ada Admin")
        assert users.authenticate(conn, "Ada Admin", "another good password").role == "admin"
    finally:
        conn.close()


def test_every_change_to_a_user_records_who_made_it(db_path, monkeypatch, capsys):
    db = ["--db", str(db_path)]
    monkeypatch.setenv("METRICS_USER", "sam")  # the person at the shell, as for a load
    run_cli(monkeypatch, capsys, ["users", "add", "Ann", "--role", "analyst", "--password-stdin", *db], PASSWORD + "\n")
    run_cli(monkeypatch, capsys, ["users", "role", "Ann", "--role", "secretary", "--as", "Ada Admin", *db])
    run_cli(monkeypatch, capsys, ["users", "disable", "Ann", *db])
    code, out, _ = run_cli(monkeypatch, capsys, ["users", "list", *db])
    assert code == 0 and out.rstrip().endswith("last changed by sam")
    conn = store.connect(db_path)
    try:
        logged = users.changes(conn)[["name", "change", "changed_by"]].values.tolist()
    finally:
        conn.close()
    assert logged == [["Ann", "added as analyst", "sam"], ["Ann", "role secretary", "Ada Admin"], ["Ann", "disabled", "sam"]]


def test_a_store_made_before_the_log_of_changes_gains_it_at_the_next_change(fresh_store):
    fresh_store.execute(users.TABLE)
    fresh_store.execute("INSERT INTO users VALUES ('Ann', 'analyst', 'x', false, now()::TIMESTAMP, now()::TIMESTAMP)")
    assert users.listing(fresh_store)["last_changed_by"].isna().all() and users.changes(fresh_store).empty
    users.set_role(fresh_store, "Ann", "viewer", by="Ada Admin")
    assert users.listing(fresh_store)["last_changed_by"].tolist() == ["Ada Admin"]


def test_the_users_command_says_what_is_wrong_and_exits_2(db_path, monkeypatch, capsys):
    db = ["--db", str(db_path)]
    code, _, err = run_cli(monkeypatch, capsys, ["users", "add", "Ann", "--role", "analyst", "--password-stdin", *db],
                           "short\n")
    assert code == 2 and err == "error: a password needs at least 10 characters\n"
    code, _, err = run_cli(monkeypatch, capsys, ["users", "add", "Ann", "--role", "analyst", *db])  # no terminal
    assert code == 2 and "--password-stdin" in err
    code, _, err = run_cli(monkeypatch, capsys, ["users", "disable", "Nobody", *db])
    assert code == 2 and err == "error: there is no user called Nobody\n"


def test_the_users_command_has_help_and_is_in_the_readme():
    from auth_server import ROOT
    readme = (ROOT / "README.md").read_text()
    for action in ("add", "list", "disable", "enable", "reset", "role"):
        assert f"python -m metrics users {action}" in readme or f"users {action} NAME" in readme, action
    assert "gunicorn" in readme and "METRICS_SECRET_KEY" in readme

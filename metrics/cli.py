"""The command line: python -m metrics validate | load | status | export | users.

Each subcommand parses its arguments, calls the library, prints, and chooses the exit code:
0 when all is well, 2 when the plan or a file has problems (every one is printed).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from metrics import store
from metrics.engine import STATUS_COLUMNS, Engine
from metrics.formats import records
from metrics.loading import FiguresError, load_figures
from metrics.periods import GRAINS, PeriodError, parse_month
from metrics.plan import PlanError, load_plan
from metrics.users import ROLES
from metrics.workspace import DEFAULT_CONFIG, open_store

PROBLEM_EXIT = 2
MAX_PROBLEMS_SHOWN = 1000


class UsageError(Exception):
    """A bad argument, worded for the person who typed it."""


def _plan(args):
    return load_plan(args.config or [DEFAULT_CONFIG])


def validate_command(args) -> int:
    """Check the plan; exit 0, or 2 with every problem."""
    plan = _plan(args)
    print(f"{', '.join(plan.sources)}: plan {plan.id} is valid: {len(plan.measures)} measures, "
          f"{len(plan.objectives)} objectives, {len(plan.areas)} areas")
    for warning in _orphan_figures(args.db, plan):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _orphan_figures(db, plan) -> list[str]:
    """Figures held for ids the plan no longer has: an id was probably renamed (ids may not change)."""
    if not Path(db).exists():
        return []
    conn = store.connect(db, read_only=True)
    try:
        held = conn.execute("SELECT DISTINCT 'measure', measure_id FROM figures UNION ALL "
                            "SELECT DISTINCT 'area', area FROM figures").fetchall()
    finally:
        conn.close()
    known = {"measure": set(plan.measure_ids), "area": set(plan.area_codes)}
    return [f"{db} holds figures for {kind} \"{code}\", which the plan does not have; ids may not change "
            "(titles may), so restore the id or its figures will not be shown"
            for kind, code in sorted(held) if code not in known[kind]]


def load_command(args) -> int:
    """Validate and load figures files, all or nothing per file; exit 2 if any file fails."""
    plan, exit_code = _plan(args), 0
    conn = store.connect(args.db)
    try:
        for path in args.files:
            try:
                result = load_figures(conn, plan, path, dry_run=args.dry_run, sheet=args.sheet)
            except FiguresError as err:
                shown = err.problems[:MAX_PROBLEMS_SHOWN]
                for problem in shown:
                    print(problem, file=sys.stderr)
                if len(err.problems) > len(shown):
                    print(f"{path}: ... and {len(err.problems) - len(shown)} more problems", file=sys.stderr)
                print(f"{path}: {len(err.problems)} problem{'s' if len(err.problems) != 1 else ''}; "
                      "nothing was loaded", file=sys.stderr)
                exit_code = PROBLEM_EXIT
                continue
            prefix = "would load (dry run): " if args.dry_run else ""
            print(f"{path}: {prefix}{result.summary()} ({result.shape} shape)")
            if args.dry_run:
                for row in records(result.by_measure):
                    print(f"  {row.measure_id}: added {row.added}, revised {row.revised}, unchanged {row.unchanged}")
                for row in records(result.changes):
                    print(f"  revised {row.measure_id} {row.area} {row.period}: {_number(row.old_value)} -> {_number(row.new_value)}")
    finally:
        conn.close()
    return exit_code


def _as_of(text):
    if text is None:
        return None
    try:
        return parse_month(text)
    except PeriodError as err:
        raise UsageError(f"--as-of: {err}") from None


def _number(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value - round(value)) > 1e-9 else f"{value:.0f}"


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


RAG_WORDS = {"green": "GREEN", "amber": "AMBER", "red": "RED", "no_target": "no target", "no_data": "no data"}


def _table(frame) -> str:
    """A scorecard that reads in a 100-column terminal."""
    lines = [f"{'measure':<29} {'area':<9} {'period':<16} {'actual':>9} {'target':>9} {'status':<9} trend",
             "-" * 99]
    for row in records(frame):
        flag = "*" if not row.complete and _clean(row.actual) is not None else ""
        lines.append(
            f"{row.measure_id[:29]:<29} {row.area[:9]:<9} {row.period[:16]:<16} "
            f"{_number(_clean(row.actual)) + flag:>9} {_number(_clean(row.target)):>9} "
            f"{RAG_WORDS.get(row.rag, row.rag):<9} {row.trend or '-'}")
    if (~frame["complete"]).any():
        lines.append("* incomplete period: some months are not yet held, so no status is given")
    return "\n".join(lines)


def status_command(args) -> int:
    """The scorecard for an as-of month, as a table, CSV or JSON."""
    plan = _plan(args)
    conn = open_store(args.db, plan, read_only=True)
    try:
        frame = Engine(conn, plan).status(_as_of(args.as_of), args.grain, args.area)
    except ValueError as err:
        raise UsageError(str(err)) from None
    finally:
        conn.close()
    if args.format == "csv":
        frame[STATUS_COLUMNS].to_csv(sys.stdout, index=False, lineterminator="\n")
    elif args.format == "json":
        columns = STATUS_COLUMNS + ["variance_baseline", "unit", "direction", "complete", "months_held",
                                    "months_expected", "previous_actual", "change_vs_previous",
                                    "year_ago_actual", "change_vs_year_ago", "overdue", "spc_rules", "as_of"]
        records = [{k: _clean(v) for k, v in row.items()} for row in frame[columns].to_dict("records")]
        json.dump(records, sys.stdout, indent=2)
        print()
    else:
        as_of = frame["as_of"].iloc[0] if len(frame) else "-"
        print(f"{plan.title}: status as of {as_of}")
        print(_table(frame))
    return 0


def export_command(args) -> int:
    """The quarterly board pack, as HTML or PDF."""
    from metrics.board_pack import export_pack

    plan = _plan(args)
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".pdf"):
        raise UsageError(f"--out must end in .html or .pdf, not {out.name}")
    conn = open_store(args.db, plan, read_only=True)
    try:
        export_pack(conn, plan, _as_of(args.as_of), out)
    except (RuntimeError, ValueError) as err:  # no Chromium for a PDF; no figures to report
        raise UsageError(str(err)) from None
    finally:
        conn.close()
    print(f"wrote {out}")
    return 0


def _password(args) -> str:
    """The new password: one line of standard input, or typed twice at a prompt."""
    import getpass
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("there is no terminal to ask for the password: give it on standard input with --password-stdin")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("The same again: ") != first:
        raise UsageError("the two passwords differ; nothing was changed")
    return first


def users_command(args) -> int:
    """Add, list, disable, enable or reset the users who may sign in to the web app."""
    from metrics import users

    conn = store.connect(args.db)
    try:
        if args.action == "list":
            frame = users.listing(conn)
            if frame.empty:
                print("No users yet: the web app serves one local user on 127.0.0.1 only. "
                      "Add one with: python -m metrics users add NAME --role admin")
            for row in records(frame):
                print(f"{row.name:<30} {row.role:<10} {'disabled' if row.disabled else 'active':<9} "
                      f"added {row.created_at.day} {row.created_at:%B %Y}")
            return 0
        if args.action == "add":
            user = users.add(conn, args.name, args.role, _password(args))
            print(f"added {user.name}, {user.role_words}")
        elif args.action == "reset":
            user = users.reset_password(conn, args.name, _password(args))
            print(f"new password set for {user.name}; their earlier sessions have ended")
        elif args.action == "role":
            user = users.set_role(conn, args.name, args.role)
            print(f"{user.name} is now {user.role_words}")
        else:
            user = getattr(users, args.action)(conn, args.name)
            print(f"{user.name} is {'disabled: they can no longer sign in, and their name stays on what they did' if user.disabled else 'enabled'}")
        return 0
    except users.UserError as err:
        raise UsageError(str(err)) from None
    finally:
        conn.close()


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", action="append", metavar="PATH",
                        help=f"plan file (default {DEFAULT_CONFIG}); give it again to add more files")
    common.add_argument("--db", default=store.DEFAULT_DB, metavar="PATH",
                        help=f"figures store (default {store.DEFAULT_DB})")
    parser = argparse.ArgumentParser(prog="python -m metrics", description="Police performance against plan.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")

    validate = commands.add_parser("validate", parents=[common], help="check the plan file")
    validate.set_defaults(run=validate_command)

    load = commands.add_parser("load", parents=[common], help="check and load figures files (CSV or .xlsx)")
    load.add_argument("files", nargs="+", metavar="FILE")
    load.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    load.add_argument("--sheet", metavar="NAME", help="the sheet of an .xlsx to read (default: figures, data, or the first)")
    load.set_defaults(run=load_command)

    status = commands.add_parser("status", parents=[common], help="the scorecard")
    status.add_argument("--as-of", metavar="YYYY-MM", help="month to report (default: the latest held)")
    status.add_argument("--grain", choices=GRAINS, help="period to judge at (default: each measure's own)")
    status.add_argument("--area", default="force", metavar="CODE", help="area code, or all (default force)")
    status.add_argument("--format", choices=("table", "csv", "json"), default="table")
    status.set_defaults(run=status_command)

    export = commands.add_parser("export", parents=[common], help="the quarterly board pack (.pdf or .html)")
    export.add_argument("--as-of", metavar="YYYY-MM", help="a month in the quarter to report")
    export.add_argument("--out", required=True, metavar="FILE")
    export.set_defaults(run=export_command)

    people = commands.add_parser("users", help="the people who may sign in to the web app, and their roles")
    people_actions = people.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, words in (("add", "add a user"), ("disable", "stop a user signing in (their name stays on their work)"),
                          ("enable", "let a disabled user sign in again"), ("reset", "set a new password"),
                          ("role", "change a user's role"), ("list", "every user, with role")):
        sub = people_actions.add_parser(action, parents=[common], help=words)
        if action != "list":
            sub.add_argument("name", metavar="NAME")
        if action in ("add", "role"):
            sub.add_argument("--role", required=True, choices=ROLES)
        if action in ("add", "reset"):
            sub.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        sub.set_defaults(run=users_command)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except PlanError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"{len(err.problems)} problem{'s' if len(err.problems) != 1 else ''} in the plan", file=sys.stderr)
        return PROBLEM_EXIT
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return PROBLEM_EXIT
    except store.StoreBusy as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into head, say: stop quietly
        sys.stderr.close()
        return 0

"""The command line: python -m metrics validate | load | status | chart | export | digest | users.

Each subcommand parses its arguments, calls the library, prints, and chooses the exit code:
0 when all is well, 2 when the plan or a file has problems (every one is printed).
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import json
import math
import sys
import textwrap
import traceback
from pathlib import Path

from metrics import store
from metrics.periods import GRAINS, PeriodError, month_words, parse_month
from metrics.plan import PlanError, load_plan
from metrics.users import ROLES
from metrics.vocabulary import term
from metrics.errors import Problem
from metrics.formats import counted, half_up, number_words

DEFAULT_CONFIG = "config/targets.yaml"  # as metrics.workspace, which validate does not import

PROBLEM_EXIT = 2  # what was given or asked for cannot be done; the message says why
BUSY_EXIT = 1  # the store is busy: try again
OURS_EXIT = 70  # a fault in this program (sysexits' EX_SOFTWARE)
OURS = ("something went wrong on our side, not in what you gave or asked for; the details are above. "
        "Please report it with them.")
MAX_PROBLEMS_SHOWN = 1000


class UsageError(Problem):
    """A bad argument, worded for the person who typed it."""


def _import_the_engine() -> None:
    """Every command but validate needs the engine: import it only then, so validate starts in a
    fraction of the time. The loader is imported by the commands that load."""
    global STATUS_COLUMNS, Engine, records, apart, later_figures_note, precision
    from metrics.engine import STATUS_COLUMNS, Engine
    from metrics.formats import apart, later_figures_note, precision, records


def open_store(db, plan=None, read_only: bool = True):
    """A DuckDB connection for reading the store: the file itself (shared with other readers), or
    for PostgreSQL a copy made in memory from one snapshot. A missing store is refused, by name."""
    target = store.open_store(db, read_only=True)
    if not target.exists():
        raise store.missing(target.location)
    if target.kind == "duckdb":
        return store.connect(db, read_only=True)
    import duckdb
    memory = duckdb.connect()
    target.copy_into(memory)
    return memory


def _plan(args):
    return load_plan(args.config or [DEFAULT_CONFIG])


def validate_command(args) -> int:
    """Check the plan; exit 0, or 2 with every problem."""
    plan = _plan(args)
    print(f"{', '.join(plan.sources)}: plan {plan.id} is valid: {counted(len(plan.measures), 'measure')}, "
          f"{counted(len(plan.objectives), 'objective')}, {counted(len(plan.areas), 'area')}")
    for warning in _orphan_figures(args.db, plan):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _orphan_figures(db, plan) -> list[str]:
    """Figures held for ids the plan no longer has: an id was probably renamed (ids may not change)."""
    if store.is_postgres(db) or not Path(db).exists():
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
    """Validate and load figures files and folders, all or nothing per file; exit 2 if any file fails.
    Ends, for more than one file, with a table of what each file did and the months held per measure."""
    from tqdm import tqdm

    from metrics.loading import FiguresError, figure_files, load_figures, problems_csv

    plan, exit_code = _plan(args), 0
    loaded_by = _person(args.as_name)
    files, skipped = figure_files(args.files)
    outcomes, refused = [], []

    def say(text, err=False):  # printed above the progress bar, not through it
        tqdm.write(text, file=sys.stderr if err else sys.stdout)

    target = store.open_store(args.db)
    for path, why in skipped:
        say(f"{path}: skipped: {why}")
    for path in tqdm(files, desc="loading", unit="file", file=sys.stderr, disable=None if len(files) > 1 else True):
        try:
            result = load_figures(target, plan, path, dry_run=args.dry_run, sheet=args.sheet, loaded_by=loaded_by,
                                  strict=args.strict, allow_future=args.allow_future)
        except FiguresError as err:
            _say_refused(err, path, say, args.problems)
            refused.append(err)
            outcomes.append((str(path), f"refused: {err.total:,} problem{'s' if err.total != 1 else ''}"))
            exit_code = PROBLEM_EXIT
            continue
        _say_loaded(result, path, say, args.dry_run)
        outcomes.append((str(path), result))
    if len(files) > 1 or any(Path(f).is_dir() for f in args.files):
        print(_load_table(outcomes))
        print("\nMonths held per measure" + (" (before this dry run):" if args.dry_run else ":"))
        for line in _months_held(target, plan):
            print(f"  {line}")
    if not files:
        print(f"no CSV or .xlsx files in {', '.join(args.files)}", file=sys.stderr)
        exit_code = PROBLEM_EXIT
    if args.problems:
        Path(args.problems).write_text(problems_csv(refused), encoding="utf-8")
        count = sum(len(err.problems) for err in refused)
        print(f"{args.problems}: {count:,} problem{'s' if count != 1 else ''} written", file=sys.stderr)
    return exit_code


def _say_refused(err, path, say, problems_file) -> None:
    """A refused file's summary, its first problems and how many more there are."""
    for line in [*err.summary_lines(), *map(str, err.problems[:MAX_PROBLEMS_SHOWN])]:
        say(line, err=True)
    if err.total > min(len(err.problems), MAX_PROBLEMS_SHOWN):
        say(f"{path}: ... and {err.total - min(len(err.problems), MAX_PROBLEMS_SHOWN):,} more problems"
            + ("" if problems_file else " (--problems FILE writes them all)"), err=True)
    say(err.headline(), err=True)


def _say_loaded(result, path, say, dry_run: bool) -> None:
    """What a file did (or would do, on a dry run: with each measure's counts and each revision)."""
    prefix = "would load (dry run): " if dry_run else ""
    say(f"{path}: {prefix}{result.summary()} ({result.shape} shape)")
    for line in result.report:
        say(f"  {line}")
    if dry_run:
        for row in records(result.by_measure):
            say(f"  {row.measure_id}: added {row.added}, revised {row.revised}, unchanged {row.unchanged}")
        for row in records(result.changes):
            note = " (note changed)" if row.old_value == row.new_value else ""
            say(f"  revised {row.measure_id} {row.area} {row.period}: "
                f"{_number(row.old_value)} -> {_number(row.new_value)}{note}")


def sample_command(args) -> int:
    """The invented sample figures, loaded only when asked and never over figures already held."""
    from metrics.workspace import SampleRefused, load_sample
    plan = _plan(args)
    try:
        result = load_sample(args.db, plan)
    except SampleRefused:
        if args.first_run:
            return 0
        raise
    print(f"{args.db}: loaded the sample figures, which are invented for trying the app, not published "
          f"statistics: {result.summary()}")
    return 0


def _months_held(target, plan) -> list[str]:
    from metrics.loading import months_held
    if not target.exists():
        return []
    with target.reading() as conn:
        return months_held(conn, plan)


def _person(name) -> str:
    """Who a change names: --as NAME, else the operating-system user (or METRICS_USER)."""
    if name is None:
        return store.person_at_the_shell()
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise UsageError("--as: give the name of the person making the change (at most 200 characters)")
    return name


def _load_table(outcomes) -> str:
    """What each file did: added, revised, unchanged, or refused with its number of problems."""
    width = max([len("file"), *(len(name) for name, _ in outcomes)])
    lines = [f"\n{'file':<{width}}  {'added':>8} {'revised':>8} {'unchanged':>10}", "-" * (width + 30)]
    for name, result in outcomes:
        if isinstance(result, str):
            lines.append(f"{name:<{width}}  {result}")
        else:
            lines.append(f"{name:<{width}}  {result.added:>8,} {result.revised:>8,} {result.unchanged:>10,}")
    return "\n".join(lines)


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
    return number_words(value)


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


JSON_EXTRA_COLUMNS = [  # beyond the CSV's STATUS_COLUMNS
    "variance_baseline", "unit", "direction", "complete", "months_held", "months_expected", "previous_actual",
    "change_vs_previous", "previous_label", "year_ago_actual", "change_vs_year_ago", "overdue", "spc_rules",
    "as_of", "area_name", "period_words", "grain_words", "target_words", "tolerance_words", "rag_reason",
    "baseline_months_held", "baseline_months_expected", "summary", "exception", "watch"]
NUMBER_COLUMNS = ("actual", "target", "baseline", "variance")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str, width: int) -> str:
    """Text cut to a column's width, with an ellipsis where it was cut."""
    text = "" if text is None else str(text)
    return text if len(text) <= width else text[:width - 1] + "…"


def _table(frame) -> str:
    """A scorecard that reads in a 100-column terminal: one block per area, every status in words."""
    lines = []
    for area_name, rows in frame.groupby("area_name", sort=False):
        lines += ["", area_name,
                  f"{'Measure':<26} {'Period':<24} {'Actual':>9} {'Target':>9} {'Status':<12} Direction",
                  "-" * 99]
        for row in records(rows):
            flag = "*" if not row.complete and _clean(row.actual) is not None else ""
            # A long title wraps within its column, so two measures never read alike.
            title = textwrap.wrap(str(row.measure), 26, subsequent_indent="  ") or [""]
            actual, target = apart(_clean(row.actual), _clean(row.target), row.unit)
            lines.append(
                f"{title[0]:<26} {_cell(row.period_words, 24):<24} "
                f"{actual + flag:>9} {target:>9} "
                f"{term('rag', row.rag).label:<12} {term('trend', row.trend).label}")
            lines += title[1:]
    if (~frame["complete"].astype(bool)).any():
        lines.append("* incomplete period: some months are not yet held, so no status is given")
    reasons = frame[frame["rag_reason"].notna()]
    if not reasons.empty:
        lines.append("Why some measures have no data:")
        for r in records(reasons):
            lines += textwrap.wrap(f"{r.measure} ({r.area_name}): {r.rag_reason}", 99,
                                   initial_indent="  ", subsequent_indent="    ")
    return "\n".join(lines)


def _csv_rows(rows: list[dict], plan, raw: bool) -> str:
    """_csv's text, byte for byte, from the engine's plain rows: no pandas to import. A national
    status is 90,000 rows, so each cell is looked at once, inline."""
    places = {m.id: precision(m) for m in plan.measures}
    numbers = [i for i, column in enumerate(STATUS_COLUMNS) if column in NUMBER_COLUMNS and not raw]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STATUS_COLUMNS)
    for row in rows:
        cells = [None if v != v else ("'" + v if v.__class__ is str and v.startswith(FORMULA_START) else v)
                 for v in map(row.__getitem__, STATUS_COLUMNS)]  # v != v: NaN
        for i in numbers:  # to its measure's precision; a whole number written whole (1200, not 1200.0)
            if cells[i] is not None:
                places_here = places[row["measure_id"]]
                cells[i] = half_up(cells[i], places_here) if places_here else int(half_up(cells[i], 0))
        writer.writerow(cells)
    return out.getvalue()


def status_command(args) -> int:
    """The scorecard for an as-of month, as a table, CSV or JSON."""
    plan = _plan(args)
    as_of = _as_of(args.as_of)  # a mistyped month is the first thing to say
    conn = open_store(args.db, plan, read_only=True)
    try:
        engine = Engine(conn, plan)
        as_of = engine.default_as_of() if as_of is None else as_of
        if args.format == "csv":  # plain rows: the CSV needs neither the words nor pandas
            rows = engine.status_rows(as_of, args.grain, args.area, columns=STATUS_COLUMNS)
            sys.stdout.write(_csv_rows(rows, plan, args.raw))
            return 0
        frame = engine.status(as_of, args.grain, args.area)
        later = engine.later_figures(as_of) if as_of is not None else []
    finally:
        conn.close()
    if args.format == "json":
        rows = [{k: _clean(v) for k, v in row.items()} for row in frame[STATUS_COLUMNS + JSON_EXTRA_COLUMNS].to_dict("records")]
        json.dump(rows, sys.stdout, indent=2)
        print()
    else:
        print(f"{plan.title}: status as of {month_words(as_of) if as_of is not None else '-'}")
        print(_table(frame))
        if later:
            print(f"Later figures: {later_figures_note(later)} (see them with --as-of).")
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
    finally:
        conn.close()
    print(f"wrote {out}")
    return 0


def digest_command(args) -> int:
    """What changed since a load: written to an HTML file, and e-mailed when asked."""
    from metrics import digest

    plan = _plan(args)
    conn = open_store(args.db, plan, read_only=True)
    try:
        made = digest.build_digest(conn, plan, args.since)
    finally:
        conn.close()
    page = digest.to_html(made, plan)
    Path(args.out).write_text(page, encoding="utf-8")
    print(f"wrote {args.out}: what changed since {made.since}")
    for title, items in digest.lines(made, plan).items():
        print(f"{title}: {len(items)}")
    if args.email:
        try:
            sent_to = digest.send_email(page, f"{plan.title}: what changed since {made.since}")
        except (digest.DigestError, OSError) as err:  # the mail server's refusal, in its words
            raise UsageError(f"the digest was not e-mailed: {err}") from None
        print(f"e-mailed to {sent_to}")
    return 0


def chart_command(args) -> int:
    """Each month's SPC point for one measure and area: value, phase, mean, limits, the adjusted
    value where the measure is seasonal, and each rule's flag (1 high, -1 low, 0 none)."""
    from metrics import charts

    plan = _plan(args)
    try:
        measure = plan.measure(args.measure)
    except KeyError:
        raise UsageError(f"unknown measure {args.measure!r}: use one of {', '.join(plan.measure_ids)}") from None
    if args.area not in plan.area_codes:
        raise UsageError(f"unknown area {args.area!r}: use one of {', '.join(plan.area_codes)}")
    conn = open_store(args.db, plan, read_only=True)
    try:
        frame = Engine(conn, plan).chart(measure.id, _as_of(args.as_of), args.area)
    finally:
        conn.close()
    if frame[frame["area"] == args.area].empty:
        raise UsageError(f"no figures held for {measure.title} in {plan.area_name(args.area)}")
    out = charts.chart_table(frame, measure, args.area)
    if args.format == "csv":
        out.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        json.dump([{k: _clean(v) for k, v in row.items()} for row in out.to_dict("records")], sys.stdout, indent=2)
        print()
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

    target = store.open_store(args.db)
    if args.action == "list":
        if not target.exists():
            print(f"No users yet ({target.location} does not exist yet): the web app would serve one local "
                  "user on 127.0.0.1 only. Add one with: python -m metrics users add NAME --role admin")
            return 0
        with target.reading() as conn:
            frame = users.listing(conn)
        if frame.empty:
            print("No users yet: the web app serves one local user on 127.0.0.1 only. "
                  "Add one with: python -m metrics users add NAME --role admin")
        for row in records(frame):
            changed = f", last changed by {row.last_changed_by}" if row.last_changed_by else ""
            print(f"{row.name:<30} {row.role:<10} {'disabled' if row.disabled else 'active':<9} "
                  f"added {row.created_at.day} {row.created_at:%B %Y}{changed}")
        return 0
    password = _password(args) if args.action in ("add", "reset") else None
    by = _person(args.as_name)
    with target.writing(create=args.action == "add") as conn:
        if args.action == "add":
            user = users.add(conn, args.name, args.role, password, by=by)
            said = f"added {user.name}, {user.role_words}"
        elif args.action == "reset":
            user = users.reset_password(conn, args.name, password, by=by)
            said = f"new password set for {user.name}; their earlier sessions have ended"
        elif args.action == "role":
            user = users.set_role(conn, args.name, args.role, by=by)
            said = f"{user.name} is now {user.role_words}"
        else:
            user = getattr(users, args.action)(conn, args.name, by=by)
            said = (f"{user.name} is disabled: they can no longer sign in, and their name stays on what they did"
                    if user.disabled else f"{user.name} is enabled")
    print(said)
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", action="append", metavar="PATH",
                        help=f"plan file (default {DEFAULT_CONFIG}); give it again to add more files")
    common.add_argument("--db", default=os.environ.get("METRICS_DB", store.DEFAULT_DB), metavar="PATH|URL",
                        help=f"the store: a DuckDB file or postgresql://user@host:port/db "
                             f"(default METRICS_DB, else {store.DEFAULT_DB})")
    parser = argparse.ArgumentParser(prog="python -m metrics", description="Police performance against plan.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")

    validate = commands.add_parser("validate", parents=[common], help="check the plan file")
    validate.set_defaults(run=validate_command)

    _add_load_parser(commands, common)

    sample = commands.add_parser("sample", parents=[common],
                                 help="load the invented sample figures into a new store (never over real figures)")
    sample.add_argument("--first-run", action="store_true",
                        help="do nothing if the store already holds figures (used by make run)")
    sample.set_defaults(run=sample_command)

    status = commands.add_parser("status", parents=[common], help="the scorecard")
    status.add_argument("--as-of", metavar="YYYY-MM",
                        help="month to report (default: the latest month at least half the measures hold)")
    status.add_argument("--grain", choices=GRAINS, help="period to judge at (default: each measure's own)")
    status.add_argument("--area", default="force", metavar="CODE", help="area code, or all (default force)")
    status.add_argument("--format", choices=("table", "csv", "json"), default="table")
    status.add_argument("--raw", action="store_true", help="CSV figures unrounded (default: the measure's precision)")
    status.set_defaults(run=status_command)

    chart = commands.add_parser("chart", parents=[common], help="one measure's SPC points, month by month")
    chart.add_argument("measure", metavar="MEASURE")
    chart.add_argument("--area", default="force", metavar="CODE", help="area code (default force)")
    chart.add_argument("--as-of", metavar="YYYY-MM", help="last month to chart (default: the latest held)")
    chart.add_argument("--format", choices=("csv", "json"), default="csv")
    chart.set_defaults(run=chart_command)

    export = commands.add_parser("export", parents=[common], help="the quarterly board pack (.pdf or .html)")
    export.add_argument("--as-of", metavar="YYYY-MM", help="a month in the quarter to report")
    export.add_argument("--out", required=True, metavar="FILE")
    export.set_defaults(run=export_command)

    digest = commands.add_parser("digest", parents=[common], help="what changed since a load, as an HTML page")
    digest.add_argument("--since", metavar="LOAD|YYYY-MM-DD", help="a load number or a date (default: the latest load)")
    digest.add_argument("--out", required=True, metavar="FILE.html")
    digest.add_argument("--email", action="store_true", help="also e-mail it (METRICS_SMTP_HOST, METRICS_SMTP_TO, ...)")
    digest.set_defaults(run=digest_command)

    _add_users_parser(commands, common)
    return parser


def _add_load_parser(commands, common) -> None:
    load = commands.add_parser("load", parents=[common], help="check and load figures files (CSV or .xlsx)")
    load.add_argument("files", nargs="+", metavar="FILE", help="CSV or .xlsx files, or folders of them")
    load.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    load.add_argument("--sheet", metavar="NAME", help="the sheet of an .xlsx to read (default: figures, data, or the first)")
    load.add_argument("--strict", action="store_true",
                      help="police.uk: crimes outside the plan's districts or with no location are errors")
    load.add_argument("--allow-future", action="store_true", help="load figures for months after the current month")
    load.add_argument("--problems", metavar="OUT.csv", help="write every problem of refused files to this CSV")
    load.add_argument("--as", dest="as_name", metavar="NAME",
                      help="the person the load log names (default: the operating-system user)")
    load.set_defaults(run=load_command)


def _add_users_parser(commands, common) -> None:
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
        if action != "list":
            sub.add_argument("--as", dest="as_name", metavar="NAME",
                             help="the person the change is recorded as (default: the operating-system user)")
        sub.set_defaults(run=users_command)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "validate":
        _import_the_engine()
    try:
        return args.run(args)
    except PlanError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"{len(err.problems)} problem{'s' if len(err.problems) != 1 else ''} in the plan", file=sys.stderr)
        return PROBLEM_EXIT
    except Problem as err:  # worded for the person: say it as it is
        print(f"error: {err}", file=sys.stderr)
        return BUSY_EXIT if isinstance(err, store.StoreBusy) else PROBLEM_EXIT
    except BrokenPipeError:  # output piped into head, say: stop quietly
        sys.stderr.close()
        return 0
    except Exception:  # noqa: BLE001  (ours, not theirs: the traceback for whoever reports it)
        traceback.print_exc(file=sys.stderr)
        print(f"error: {OURS}", file=sys.stderr)
        return OURS_EXIT

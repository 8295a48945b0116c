"""The shape a newcomer relies on: functions short enough to read at a glance, and a library the
web app and the command line both use without it knowing either."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LONGEST = 50  # lines, less the lines of SQL and other text written out in the function


def _code_files():
    for folder in ("metrics", "callbacks", "layouts", "benchmarks"):
        yield from sorted((ROOT / folder).rglob("*.py"))
    yield ROOT / "app.py"
    yield ROOT / "security.py"


def _lines_of_code(function: ast.AST) -> int:
    text = sum(node.end_lineno - node.lineno for node in ast.walk(function)
               if isinstance(node, (ast.Constant, ast.JoinedStr)) and node.end_lineno > node.lineno
               and (isinstance(node, ast.JoinedStr) or isinstance(node.value, str)))
    return function.end_lineno - function.lineno + 1 - text


def test_no_function_is_longer_than_fifty_lines_less_its_sql():
    long = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({_lines_of_code(node)} lines)"
            for path in _code_files() for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _lines_of_code(node) > LONGEST]
    assert long == []


def test_the_library_imports_nothing_of_the_web_app():
    web = ("dash", "flask", "flask_login", "dash_bootstrap_components", "dash_ag_grid", "layouts", "callbacks", "security")
    found = []
    for path in sorted((ROOT / "metrics").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in web]
    assert found == []

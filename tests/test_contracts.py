"""The module contracts of ../shared/architecture.md, enforced: every SQL statement lives in
the archive package (scraper/archive/), click is imported by the CLI alone, and no module or
class outgrows its room (700 and 300 physical lines; the bundled replica is left out).

The SQL scan reads each module with the ast module, so comments and docstrings that speak of
SQL in prose are never flagged: only a string literal (an f-string's literal parts, a
concatenation of literals) that looks like a statement, with its keywords in upper case, as
this project writes SQL. Each exception is allow-listed below by file and function, with the
reason."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scraper"
ARCHIVE = PACKAGE / "archive"
CLI = PACKAGE / "cli"  # the cli package: one module per family of commands
MAX_MODULE_LINES = 700
MAX_CLASS_LINES = 300

SQL_STATEMENT = re.compile(
    r"\bSELECT\s.+?\sFROM\b"
    r"|\b(?:INSERT|REPLACE)\s+(?:OR\s+[A-Z]+\s+)?INTO\b"
    r"|\bUPDATE\s+\S+\s+SET\b"
    r"|\bDELETE\s+FROM\b"
    r"|\bCREATE\s+(?:TEMP\s+|TEMPORARY\s+|UNIQUE\s+)?(?:TABLE|VIEW|INDEX|VIRTUAL\s+TABLE|TRIGGER)\b"
    r"|\bDROP\s+(?:TABLE|VIEW|INDEX|TRIGGER)\b"
    r"|\bALTER\s+TABLE\b"
    r"|\bPRAGMA\s+\w",
    re.DOTALL,
)
# Calls that run SQL or open a database: the DB-API and sqlite-utils' own statement builders.
DATABASE_CALLS = {
    "execute", "executemany", "executescript", "query", "rows_where", "insert_all", "upsert",
    "upsert_all", "create_table", "create_view", "create_index", "enable_fts", "populate_fts",
}  # fmt: skip
DATABASE_OPENERS = {"connect", "Database"}  # sqlite3.connect(…), sqlite_utils.Database(…)

# (file, function) -> why SQL text there is not SQL this program runs outside the archive.
SQL_TEXT_ALLOWED = {
    ("scraper/demo.py", "hints"): (
        "the demo prints an example `sqlite3 data/demo.db 'SELECT …'` command line for the "
        "user to type: output text, never run by the program"
    ),
}
# (file, function) -> why a database call there is allowed outside the archive.
DATABASE_CALLS_ALLOWED = {
    ("scraper/datasette_plugin.py", "YearFacet.facet_results"): (
        "a Datasette facet runs its query through Datasette (`self.ds.execute(database, sql…)`"
        ", with its time limit); the SQL itself is built by scraper.archive.canned"
    ),
}


def modules(*, skip_replica: bool = False) -> list[Path]:
    found = sorted(PACKAGE.rglob("*.py"))
    if skip_replica:
        found = [p for p in found if not _is_replica(p)]
    return found


def _is_replica(path: Path) -> bool:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].startswith("replica")  # replica*.py, or a replica/ package


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes of the module, its classes and functions."""
    nodes = [tree, *ast.walk(tree)]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _string_text(node: ast.AST) -> str | None:
    """The literal text of a string expression (an f-string's values as ``?``), or None."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "?" for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string_text(node.left), _string_text(node.right)
        if left is not None or right is not None:
            return (left or "?") + (right or "?")
    return None


def _scoped(tree: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    """Every node with the qualified name of the function or class it is in ("" at the top)."""

    def walk(node: ast.AST, scope: str) -> Iterator[tuple[ast.AST, str]]:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                inner = f"{scope}.{child.name}" if scope else child.name
            yield child, inner
            yield from walk(child, inner)

    yield from walk(tree, "")


def sql_outside_archive(path: Path) -> list[str]:
    """Lines of ``path`` holding SQL statement text or database calls, but allow-listed."""
    return sql_in(path.read_text(encoding="utf-8"), _relative(path))


def sql_in(source: str, relative: str) -> list[str]:
    """:func:`sql_outside_archive` of ``source``, read as the file ``relative``."""
    tree = ast.parse(source, relative)
    docstrings = _docstrings(tree)
    problems = []
    for node, scope in _scoped(tree):
        if id(node) in docstrings:
            continue
        text = _string_text(node)
        if text is not None and SQL_STATEMENT.search(text):
            if (relative, scope) not in SQL_TEXT_ALLOWED:
                problems.append(
                    f"{relative}:{node.lineno} SQL text {text[:60]!r} in {scope or '<module>'}"
                )
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            called = name in DATABASE_CALLS or name in DATABASE_OPENERS
            if called and (relative, scope) not in DATABASE_CALLS_ALLOWED:
                problems.append(
                    f"{relative}:{node.lineno} database call .{name}() in {scope or '<module>'}"
                )
    return sorted(set(problems))


def click_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        if any(name == "click" or name.startswith("click.") for name in names):
            found.append(f"{_relative(path)}:{node.lineno} imports click")
    return found


def oversized(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    relative = _relative(path)
    problems = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        problems.append(f"{relative}: {lines} lines (at most {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            size = (node.end_lineno or node.lineno) - first + 1
            if size > MAX_CLASS_LINES:
                problems.append(
                    f"{relative}:{first} class {node.name}: {size} lines (at most {MAX_CLASS_LINES})"
                )
    return problems


def test_no_sql_outside_the_archive_package():
    outside = [p for p in modules() if ARCHIVE not in p.parents]
    problems = [line for path in outside for line in sql_outside_archive(path)]
    assert not problems, "SQL belongs in scraper/archive/:\n" + "\n".join(problems)


def test_the_archive_package_is_where_the_sql_is():
    """The scan sees SQL where it is: a scan that found nothing anywhere would prove nothing."""
    assert any(sql_outside_archive(path) for path in ARCHIVE.glob("*.py"))


def test_allow_listed_places_still_exist():
    """An allow-list entry whose function is gone (renamed, moved) is stale: drop or fix it."""
    for relative, scope in [*SQL_TEXT_ALLOWED, *DATABASE_CALLS_ALLOWED]:
        path = ROOT / relative
        assert path.exists(), relative
        scopes = {name for _, name in _scoped(ast.parse(path.read_text(encoding="utf-8")))}
        assert scope in scopes, f"{relative}: no {scope} (allow-list entry is stale)"


def test_no_click_outside_the_cli():
    problems = [
        line for path in modules() if CLI not in path.parents for line in click_imports(path)
    ]
    assert not problems, "only scraper/cli/ imports click:\n" + "\n".join(problems)
    assert click_imports(CLI / "base.py"), "the scan does not see the CLI's own import"


def test_no_module_or_class_outgrows_its_room():
    problems = [line for path in modules(skip_replica=True) for line in oversized(path)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ('rows = db.execute("SELECT url FROM pages").fetchall()', True),
        ('sql = f"SELECT {columns} FROM versions WHERE id = ?"', True),
        ('sql = "INSERT INTO runs (started) " + "VALUES (?)"', True),
        ('x = "UPDATE pages SET removed_at = NULL"', True),
        ('x = "DELETE FROM frontier"', True),
        ('x = "CREATE VIRTUAL TABLE search USING fts5(body)"', True),
        ('x = "PRAGMA journal_mode=WAL"', True),
        ("db.query(sql)", True),
        ('x = "Select the pages from the archive"', False),  # prose, not upper-case keywords
        ("# SELECT url FROM pages", False),  # a comment
        ('def f():\n    """Reads SELECT url FROM pages."""', False),  # a docstring
        ('re.search("x", text)', False),
    ],
)
def test_the_sql_scan_tells_statements_from_prose(line, flagged):
    assert bool(sql_in(line + "\n", "scraper/probe.py")) is flagged


def test_allow_listed_sql_is_allowed_only_where_it_is_listed():
    demo = "def hints():\n    return \"sqlite3 demo.db 'SELECT date FROM documents'\"\n"
    assert not sql_in(demo, "scraper/demo.py")
    assert sql_in(demo, "scraper/cli/reading.py")
    assert sql_in(demo.replace("hints", "run_demo"), "scraper/demo.py")

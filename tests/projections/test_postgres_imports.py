"""The views and the audit never import PostgreSQL's driver at import time: an SQLite ledger does
not pay psycopg's start-up (a third of the command line's). Only the PostgreSQL view module may,
and it is imported only when the store URL is PostgreSQL."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "ledger"
CHECKED = [
    *sorted((ROOT / "projections").glob("*.py")),
    *sorted((ROOT / "audit").glob("*.py")),
    ROOT / "persistence" / "recorded.py",
]
ALLOWED = {ROOT / "projections" / "postgres.py"}
POSTGRES_MODULES = (
    "psycopg",
    "eventsourcing.postgres",
    "ledger.persistence.postgres",
    "ledger.projections.postgres",
)


def _module_level_imports(tree: ast.Module) -> list[str]:
    """Modules imported when the module runs: top level and plain ``if`` blocks, not
    ``if TYPE_CHECKING:`` and not inside functions."""
    found: list[str] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.append(node.module)
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                pending.extend(node.body)
            pending.extend(node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend([*node.body, *node.orelse, *node.finalbody])
            for handler in node.handlers:
                pending.extend(handler.body)
        elif isinstance(node, ast.ClassDef | ast.With):
            pending.extend(node.body)
    return found


def test_no_module_of_the_views_or_the_audit_imports_postgres_at_import_time() -> None:
    offenders = []
    for path in CHECKED:
        if path in ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for module in _module_level_imports(tree):
            if module.startswith(POSTGRES_MODULES):
                offenders.append(f"{path.relative_to(ROOT.parent)} imports {module}")
    assert offenders == []


def test_the_check_sees_a_top_level_import() -> None:
    tree = ast.parse("import psycopg\nif TYPE_CHECKING:\n    import eventsourcing.postgres\n")
    assert _module_level_imports(tree) == ["psycopg"]

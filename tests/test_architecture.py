"""The direction of imports inside ``ledger``, read from the source with ``ast`` (nothing is imported).

Layers, lowest first; a module may import its own layer and the layers below it, never above:

    errors, persistence, store   the recorders and the store's address (and ledger.lazy, ledger.collector):
                                 below everything
    domain, config               pure rules and the deployment's settings
    aggregates                   the event-sourced records
    eventstore                   the eventsourcing application over the recorders, its command cache
    commands                     command models, the message bus, its handlers
    read side                    projections, statements, audit, notify (and the spreadsheet export)
    api                          the library's facade
    cli                          the command line

and the read side never imports the command side (it reads the log, not the write model).
Imports under ``if TYPE_CHECKING:`` count too: a type is a dependency of the reader of the code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "ledger"
LAYERS: list[tuple[str, ...]] = [
    ("ledger.errors", "ledger.persistence", "ledger.store", "ledger.lazy", "ledger.collector"),
    ("ledger.domain", "ledger.config", "ledger.config_source"),
    ("ledger.aggregates",),
    ("ledger.eventstore",),
    ("ledger.commands",),
    ("ledger.projections", "ledger.statements", "ledger.audit", "ledger.notify", "ledger.spreadsheet"),
    ("ledger.api",),
    ("ledger.cli", "ledger.__main__", "ledger"),
]
READ_SIDE = LAYERS[5]
COMMAND_SIDE = ("ledger.commands",)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def imported(path: Path, name: str) -> set[str]:
    """The ``ledger`` modules a module imports (``from ledger.x import y`` names ``ledger.x.y`` when
    that is a module, else ``ledger.x``)."""
    known = modules()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("ledger")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if not base.startswith("ledger"):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    found.discard(name)
    return found


def layer_of(name: str) -> int:
    """The layer of a module: the longest matching prefix wins (``ledger`` itself is the top)."""
    best, rank = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    if rank < 0:
        msg = f"{name} is in no layer; add it to LAYERS"
        raise AssertionError(msg)
    return rank


def graph() -> dict[str, set[str]]:
    return {name: imported(path, name) for name, path in modules().items()}


def in_any(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_every_module_is_in_a_layer() -> None:
    for name in modules():
        layer_of(name)


def test_imports_point_down_the_layers() -> None:
    upward = sorted(
        f"{name} imports {target}"
        for name, targets in graph().items()
        for target in targets
        if layer_of(target) > layer_of(name)
    )
    assert upward == []


def test_the_read_side_does_not_import_the_command_side() -> None:
    crossing = sorted(
        f"{name} imports {target}"
        for name, targets in graph().items()
        if in_any(name, READ_SIDE)
        for target in targets
        if in_any(target, COMMAND_SIDE)
    )
    assert crossing == []


def test_there_are_no_import_cycles_between_modules() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in sorted(edges.get(name, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name)
    assert cycles == []


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("ledger.domain.money", 1),
        ("ledger.commands.bus", 4),
        ("ledger.projections.balances", 5),
        ("ledger", 7),
    ],
)
def test_the_layers_are_read_as_documented(name: str, layer: int) -> None:
    assert layer_of(name) == layer

"""The role table is one table: the code's, shown exactly in docs/identity.md, covering every write."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger import InvalidInputError
from ledger.commands.handlers import HANDLERS
from ledger.commands.models import Command
from ledger.domain.roles import COMMAND_ROLES, ROLES, parse_roles, roles_for

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "identity.md").read_text(encoding="utf-8")


def documented_table() -> dict[str, frozenset[str]]:
    block = DOC.split("<!-- role-table:start -->", 1)[1].split("<!-- role-table:end -->", 1)[0]
    rows = [line for line in block.strip().splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header[0] == "command"
    table: dict[str, frozenset[str]] = {}
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        command = cells[0].strip("`")
        assert command not in table, f"{command} twice"
        table[command] = frozenset(role for role, cell in zip(header[1:], cells[1:], strict=True) if cell)
    return table


def test_the_documented_table_is_the_code_table() -> None:
    assert documented_table() == COMMAND_ROLES


def test_every_role_is_a_column_and_the_auditor_writes_nothing() -> None:
    header = DOC.split("<!-- role-table:start -->", 1)[1].splitlines()[1]
    assert [cell.strip() for cell in header.strip("|").split("|")][1:] == list(ROLES)
    assert all("auditor" not in roles for roles in COMMAND_ROLES.values())
    assert all(
        "billing" not in roles
        for command, roles in COMMAND_ROLES.items()
        if command.startswith(("admin", "person"))
    )
    assert "billing" not in COMMAND_ROLES["settings set identity"]


def test_every_write_path_of_the_library_names_a_row() -> None:
    """Every command the bus handles names the row of the role table that says who may run it."""
    kinds = [kind for kind in _subclasses(Command) if kind in HANDLERS]
    assert set(HANDLERS) == set(kinds), "a handled command is not a Command"
    named = {kind.COMMAND for kind in kinds} | {"settings set identity", "import"}
    assert all(named), [kind.__name__ for kind in kinds if not kind.COMMAND]
    assert named <= set(COMMAND_ROLES), named - set(COMMAND_ROLES)
    for command in named:
        assert roles_for(command)


def _subclasses(kind: type[Command]) -> list[type[Command]]:
    found: list[type[Command]] = []
    for sub in kind.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_unknown_command_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        roles_for("admin frobnicate")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("servicedesk", ("servicedesk",)), (" Billing , servicedesk,billing", ("billing", "servicedesk"))],
)
def test_roles_are_parsed_and_sorted(given: str, expected: tuple[str, ...]) -> None:
    assert parse_roles(given) == expected


@pytest.mark.parametrize("given", ["", "admin", "servicedesk,root", 3])
def test_unknown_roles_are_refused(given: object) -> None:
    with pytest.raises(InvalidInputError):
        parse_roles(given)

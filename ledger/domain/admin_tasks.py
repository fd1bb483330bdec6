"""The admin-task catalogue: the named tasks a beheeraccount can be granted, and wildcards over them.

Why a catalogue: the managed environment is locked by default, so a grant must say exactly what it
allows. Free-text scopes ("mailbox stuff") cannot be checked; names from a fixed list can. A
wildcard (``users.*``) is a typing aid only: it is resolved against the catalogue when the grant is
recorded, and the grant keeps the explicit tasks, so adding a task to the catalogue later never
silently widens a grant that was already given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.errors import InvalidInputError, UnknownAdminTaskError

_WORD = r"[a-z0-9]+(?:-[a-z0-9]+)*"
TASK_PATTERN = re.compile(rf"^{_WORD}(?:\.{_WORD})+$")
"""``area.action`` (more dots allowed): lower-case letters, digits, inner hyphens."""
AREA_PATTERN = re.compile(rf"^{_WORD}(?:\.{_WORD})*$")
EVERYTHING = "'*' alone would grant everything; name an area, e.g. 'users.*'"
WILDCARD_SUFFIX = ".*"
TASKS_MAX = 200
"""A catalogue, or one request, of more tasks than this is a mistake, not a scope."""

DEFAULT_TASKS: tuple[str, ...] = (
    "users.create",
    "users.reset-password",
    "users.unlock",
    "users.disable",
    "groups.membership",
    "mailbox.create",
    "mailbox.permissions",
    "mailbox.forwarding",
    "licenses.assign",
    "sharepoint.permissions",
    "teams.membership",
    "devices.enroll",
    "software.install",
    "printers.manage",
    "backup.restore",
)
"""Common admin tasks of a managed Microsoft 365 / Windows environment; a deployment may replace it."""


def task_name(value: object, field: str = "task") -> str:
    """One task name, lower-cased and trimmed; refused when it is not ``area.action``."""
    if not isinstance(value, str):
        raise InvalidInputError(field, f"{type(value).__name__} is not text")
    name = value.strip().lower()
    if not name:
        raise InvalidInputError(field, "is empty; name a task such as 'users.reset-password'")
    if not TASK_PATTERN.match(name):
        msg = f"{value!r} is not a task name (area.action, e.g. 'users.reset-password')"
        raise InvalidInputError(field, msg)
    return name


@dataclass(frozen=True)
class Resolution:
    """What was asked (as given, wildcards kept) and the explicit tasks it means, sorted."""

    asked: tuple[str, ...]
    tasks: tuple[str, ...]


@dataclass(frozen=True)
class TaskCatalogue:
    """The tasks one deployment knows, sorted and without duplicates."""

    tasks: tuple[str, ...]

    @classmethod
    def of(cls, tasks: Iterable[str]) -> TaskCatalogue:
        names = [task_name(task, "admin.tasks") for task in tasks]
        if not names:
            raise InvalidInputError("admin.tasks", "the catalogue is empty; list at least one task")
        if len(names) > TASKS_MAX:
            raise InvalidInputError("admin.tasks", f"{len(names)} tasks; the maximum is {TASKS_MAX}")
        if len(set(names)) != len(names):
            twice = sorted({name for name in names if names.count(name) > 1})
            raise InvalidInputError("admin.tasks", f"listed more than once: {', '.join(twice)}")
        return cls(tuple(sorted(names)))

    def known(self, task: object, field: str = "task") -> str:
        """``task`` as the catalogue spells it, or UnknownAdminTaskError naming it."""
        name = task_name(task, field)
        if name not in self.tasks:
            raise UnknownAdminTaskError(field, name)
        return name

    def resolve(self, asked: Iterable[str], field: str = "task") -> Resolution:
        """Explicit tasks for ``asked``: names and ``prefix.*`` wildcards, each matching something."""
        given = [item.strip().lower() if isinstance(item, str) else item for item in asked]
        if not given:
            raise InvalidInputError(field, "name at least one task")
        if len(given) > TASKS_MAX:
            raise InvalidInputError(field, f"{len(given)} tasks; the maximum is {TASKS_MAX}")
        resolved: set[str] = set()
        kept: list[str] = []
        for item in given:
            matches = self._matches(item, field)
            resolved.update(matches)
            if item not in kept:
                kept.append(str(item))
        return Resolution(asked=tuple(kept), tasks=tuple(sorted(resolved)))

    def _matches(self, item: object, field: str) -> list[str]:
        if item in ("*", ".*"):
            raise InvalidInputError(field, EVERYTHING)
        if isinstance(item, str) and item.endswith(WILDCARD_SUFFIX):
            area = item.removesuffix(WILDCARD_SUFFIX)
            if not AREA_PATTERN.match(area):
                msg = f"{item!r} is not a wildcard over an area (e.g. 'users.*')"
                raise InvalidInputError(field, msg)
            matches = [task for task in self.tasks if task.startswith(f"{area}.")]
            if not matches:
                raise UnknownAdminTaskError(field, item)
            return matches
        return [self.known(item, field)]


DEFAULT_CATALOGUE = TaskCatalogue.of(DEFAULT_TASKS)

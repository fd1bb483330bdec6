"""The register of people: every person id, and which database login belongs to whom.

Why a separate small aggregate: listing people must not read every person's history, and a
database login must map to exactly one person (else one login could act as two people). An entry
here is written in the same transaction as the person's own event, so the two never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.aggregates.ids import natural_id
from ledger.aggregates.record import Record
from ledger.errors import IdentityError

if TYPE_CHECKING:
    from uuid import UUID

PEOPLE_MAX = 10_000
"""An MSP's staff plus its customers' contacts; beyond this, refuse rather than grow."""


class People(Record):
    """Which people exist, and the database login (``db_role``) bound to each."""

    class Opened(Record.Created):
        """The register was opened with its first person."""

    class PersonListed(Record.Event):
        """``person`` is now in the register (their own Person aggregate holds the details)."""

        person: str

    class LoginBound(Record.Event):
        """``db_role`` now belongs to ``person`` (None: the login is free again)."""

        db_role: str
        person: str | None

    @staticmethod
    def create_id() -> UUID:
        return natural_id("people")

    @event(Opened)
    def __init__(self, actor: str, effective_at: datetime) -> None:
        self.people: list[str] = []
        self.logins: dict[str, str] = {}

    def add(self, person: str, actor: str, effective_at: datetime) -> bool:
        """Add ``person``; False when already listed."""
        if person in self.people:
            return False
        if len(self.people) >= PEOPLE_MAX:
            raise IdentityError("person", f"the register already has {PEOPLE_MAX} people")
        self._person_listed(person=person, actor=actor, effective_at=effective_at)
        return True

    def bind(self, person: str, old: str | None, new: str | None, actor: str, effective_at: datetime) -> None:
        """Move ``person``'s login from ``old`` to ``new``; a login held by someone else is refused."""
        if old == new:
            return
        if new is not None and self.logins.get(new, person) != person:
            msg = f"database login {new!r} already belongs to {self.logins[new]!r}; one login, one person"
            raise IdentityError("db_role", msg)
        if old is not None and self.logins.get(old) == person:
            self._login_bound(db_role=old, person=None, actor=actor, effective_at=effective_at)
        if new is not None:
            self._login_bound(db_role=new, person=person, actor=actor, effective_at=effective_at)

    @event(PersonListed)
    def _person_listed(self, person: str, actor: str, effective_at: datetime) -> None:
        self.people.append(person)

    @event(LoginBound)
    def _login_bound(self, db_role: str, person: str | None, actor: str, effective_at: datetime) -> None:
        if person is None:
            self.logins.pop(db_role, None)
        else:
            self.logins[db_role] = person
